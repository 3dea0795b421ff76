"""The ml suite's `webgpu` runtime: the model as our own WGSL compute kernels on the host's adapter.

Python turns the ONNX model into a plan for one batch size (harness/ml_wgsl_plan.py, cached by
content); suites/ml/js/webgpu.mjs runs the plan's kernels (suites/ml/js/wgsl_kernels.mjs) on
navigator.gpu in the browsers and Deno, and on Dawn (npm `webgpu`) in Node and Bun. A model with
an op the kernels lack is `unsupported` with that op named, on every host; a host without an
adapter is `unsupported` with its reason. The answer is judged against native onnxruntime like
every runtime's, and the result carries the plan's FLOP count and the adapter's name and limits.
Import it through harness.ml_runtimes (its REGISTRY entry), which it subclasses.

The adapters here are software (SwiftShader, lavapipe): the figures are a CPU's. On a machine
with a GPU the same units run unchanged on it.
"""

from __future__ import annotations

from pathlib import Path

from harness import ml_files
from harness.ml_runtimes import JS_DRIVER, JsRuntime, Variant
from harness.ml_wgsl_plan import PlanError, plan_folder

NAME = "webgpu"
# Chromium's SwiftShader Vulkan driver (Debian's chromium package). Dawn (npm webgpu) rejects
# lavapipe, the system's Vulkan driver, so Node and Bun are pointed here unless the user set
# VK_ICD_FILENAMES themselves.
SWIFTSHADER_ICD = Path("/usr/lib/chromium/vk_swiftshader_icd.json")


class WebGpuRuntime(JsRuntime):
    def __init__(self) -> None:
        super().__init__(NAME, (Variant(NAME, "wgsl", 1),))

    def command(self, args: dict) -> dict:
        model = Path(args["model"])
        shapes = {i["name"]: list(i["shape"]) for i in args["inputs"]}
        args = {**args, "module": str(ml_files.runtime_module(NAME)),
                "runtime_root": str(ml_files.runtime_root(NAME))}
        files = [*map(str, ml_files.runtime_files(NAME, args["backend"])),
                 *(i["file"] for i in args["inputs"])]
        try:
            folder = plan_folder(model, shapes)
        except PlanError as e:
            args["plan_error"] = f"model {model.parent.name.rsplit('-', 1)[0]}: {e}"
        else:
            args.update(plan=str(folder / "plan.json"), weights=str(folder / "weights.bin"))
            files += [args["plan"], args["weights"]]
        if SWIFTSHADER_ICD.is_file():
            args["vk_icd"] = str(SWIFTSHADER_ICD)
        return {"i": 0, "do": "js", "code": JS_DRIVER, "args": args, "files": files}

