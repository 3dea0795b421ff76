"""The ml suite's `emscripten` runtime: the digits CNN written in C and built with Debian's emcc 3.1.6.

Two forms (harness/emcc_build.py), each at -O3 with and without -msimd128:

* `glue-scalar`, `glue-simd`: Emscripten's JS glue and its .wasm, driven by
  suites/ml/js/emscripten.mjs on every host with JavaScript (Node, Deno, Bun, the browsers);
* `standalone-scalar`, `standalone-simd`: `-sSTANDALONE_WASM`, a WASI command that times itself
  (suites/ml/emscripten/standalone_main.c) run by the Wasmtime and Wasmer workers (`ml-wasi`,
  engines/wasi_reply.py), as `wasmtime run` would; a SIMD build an engine cannot compile
  (Wasmer's singlepass) is `unsupported` with the engine's message. 3.1.6's standalone libc
  opens no files, so the weights and the input reach it on stdin.

The weights are the ONNX file's initializers, in graph order, as raw float32: the same numbers
onnxruntime runs, so the suite's judge compares like with like.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from engines.base import Engine
from engines.protocol import cache_root
from harness import emcc_build, ml_files

# ml_runtimes imports this module for its REGISTRY: import harness.ml_runtimes first.
from harness.ml_runtimes import JS_DRIVER, Runtime, Variant

MODEL = "digits-cnn"
# The initializers digits_cnn.c expects, in order (harness/ml_build.py's DigitsCNN).
WEIGHT_SHAPES = ((16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (64, 512), (64,), (10, 64), (10,))


class EmscriptenRuntime(Runtime):
    name = "emscripten"
    variants = tuple(Variant("emscripten", f"{form}-{variant}", 1)
                     for form in ("glue", "standalone") for variant in emcc_build.VARIANTS)

    def problem(self, engine: Engine) -> str | None:
        if not engine.runs_wasm:
            return "the native baseline runs no wasm"
        if engine.has_javascript or engine.runs_wasi_commands:
            return None
        return ("its glue form needs JavaScript and its standalone form a WASI command runner "
                "(Wasmtime, Wasmer)")

    def runs_variant(self, variant: Variant, engine: Engine) -> bool:
        # The glue on JS hosts, the standalone program where WASI commands run (Wasmtime, Wasmer).
        if variant.backend.startswith("glue"):
            return engine.has_javascript
        return engine.runs_wasi_commands

    def unit_problem(self, variant: Variant, engine: Engine) -> str | None:
        if emcc_build.emcc() is None:
            return f"{emcc_build.MISSING_EMCC}; {engine.name} has no {variant.kind} build"
        return None

    def runs_model(self, meta: dict) -> bool:
        return meta.get("name") == MODEL

    def command(self, args: dict) -> dict:
        form, simd = args["backend"].split("-")
        build = emcc_build.build("digits_cnn", form, simd)
        weights = weights_file(Path(args["model"]))
        toolchain = emcc_build.emcc_version()
        if form == "glue":
            args = {**args, "module": str(ml_files.ML_JS / "emscripten.mjs"), "glue": str(build.main),
                    "wasm": str(build.wasm), "weights": str(weights), "toolchain": toolchain}
            files = [args["module"], str(ml_files.ML_JS / "common.mjs"), args["glue"], args["wasm"],
                     args["weights"], *(i["file"] for i in args["inputs"])]
            return {"i": 0, "do": "js", "code": JS_DRIVER, "args": args, "files": files}
        (input_,) = args["inputs"]
        budget = args.get("budget_s")
        return {"i": 0, "do": "ml-wasi", "file": str(build.main), "variant": simd,
                "argv": [input_["shape"][0], args.get("warmups", 1), args.get("samples", 5),
                         args.get("min_sample_s", 0.0), "inf" if budget is None else budget],
                "stdin": str(stdin_file(weights, Path(input_["file"]))),
                "report": {"backend_used": args["backend"], "threads_used": 1, "adapter": None,
                           "versions": {"runtime": toolchain}}}


def weights_file(model: Path) -> Path:
    """The model's initializers as raw float32, written once per model file (by its content)."""
    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:16]
    out = cache_root() / "emscripten" / "weights" / f"{digest}.bin"
    if out.exists():
        return out
    import numpy as np
    import onnx
    from onnx import numpy_helper

    arrays = [numpy_helper.to_array(i) for i in onnx.load(str(model)).graph.initializer]
    shapes = tuple(a.shape for a in arrays)
    if shapes != WEIGHT_SHAPES:
        raise ValueError(f"{model}: initializers {shapes} are not the digits CNN's {WEIGHT_SHAPES}")
    _write(out, b"".join(np.ascontiguousarray(a, dtype="<f4").tobytes() for a in arrays))
    return out


def stdin_file(weights: Path, input_: Path) -> Path:
    """The standalone program's stdin: the weights, then the input."""
    digest = hashlib.sha256(weights.read_bytes() + input_.read_bytes()).hexdigest()[:16]
    out = cache_root() / "emscripten" / "stdin" / f"{digest}.bin"
    if not out.exists():
        _write(out, weights.read_bytes() + input_.read_bytes())
    return out


def _write(out: Path, data: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{id(data)}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
