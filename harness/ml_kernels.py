"""The ml suite's `kernels` runtime: our own inference kernels in C, on every engine and natively.

suites/ml/kernels/kernels.c holds the digits CNN and the MLP 784-512-512-10 written by hand, built
(harness/kernels_build.py) as wasm in three variants, the runtime's backends: `scalar`, `simd`
(SIMD128, <wasm_simd128.h>) and `relaxed-simd` (relaxed madd and max); and the same C for this CPU
as the native engine's build. The weights are the model's own ONNX initializers, packed by
harness/kernels_weights.py into the layout the C reads and written into the module's memory.

Every engine gets the same `kernels` command: JS hosts and browser pages run it as a `js` command
to suites/ml/js/kernels.mjs (engines/js/runner.mjs), Wasmtime, Wasmer and the native worker
through engines/kernels_driver.py. So the mission's "WASM SIMD for ML" is measured on engines
with no JavaScript too: reports/ml.py gives SIMD/scalar and relaxed/scalar speed-ups per engine,
and each build's ratio to the same build run natively.
"""

from __future__ import annotations

from pathlib import Path

from engines.base import Engine
from harness import ml_files, ml_models

# Import this module through harness.ml_runtimes (whose REGISTRY holds KernelsRuntime), not first.
from harness.ml_runtimes import JS_DRIVER, Runtime, Variant

MODULE = ml_files.ML_JS / "kernels.mjs"
# The builds, the runtime's backends, and the models kernels.c has a net for.
VARIANTS = ("scalar", "simd", "relaxed-simd")
NETS = {"digits-cnn": 1, "mlp": 2}  # kn_prepare's first argument


class KernelsRuntime(Runtime):
    name = "kernels"
    variants = tuple(Variant("kernels", v, 1) for v in VARIANTS)

    def problem(self, engine: Engine) -> str | None:
        if engine.runs_whole_scripts:
            return "it runs whole .wast scripts and cannot call a module's exports"
        return None

    def runs_model(self, meta: dict) -> bool:
        return meta.get("name") in NETS

    def command(self, args: dict) -> dict:
        # The build and weight modules import the bench suite's toolchain code, numpy and onnx:
        # only when a unit runs, not whenever the CLI lists the runtimes.
        from harness.kernels_build import artifacts
        from harness.kernels_weights import WeightsError, weights_file
        from harness.workloads import BuildError

        model = Path(args["model"])
        meta = ml_models.load_meta(model.parent)
        name = meta["name"]
        args = {**args, "module": str(MODULE), "net": NETS[name], "model_name": name,
                "batch": int(args["inputs"][0]["shape"][0]), "output_name": meta["outputs"][0]["name"]}
        try:
            built = artifacts()
            variant = args["backend"]
            args.update(wasm=str(built[("wasm", variant)]), native=str(built[("native", variant)]),
                        weights=str(weights_file(name, model)))
        except (BuildError, WeightsError, OSError) as e:
            # Every worker answers this unit with the reason (a missing clang, a model whose
            # weights do not fit the net): an error row naming it, and the run goes on.
            args["build_error"] = f"model {name}, kernels {args['backend']}: {e}"
        files = [str(MODULE), str(ml_files.ML_JS / "common.mjs"),
                 *(args[k] for k in ("wasm", "weights") if k in args), *(i["file"] for i in args["inputs"])]
        return {"i": 0, "do": "kernels", "code": JS_DRIVER, "args": args, "files": files}

