"""Why the `kernels` runtime loops inside the module: a host call per inference against one per sample.

For Wasmtime (wasmtime-py, as the worker calls it) and the native build (ctypes), the digits CNN at
batch 1 (the shortest inference, where a call's cost weighs most): `--reps` inferences as one
`kn_run(reps)` call (the runtime's way, engines/kernels_driver.py) against `--reps` calls of
`kn_run(1)` from Python. Rounds alternate; the figure is the median over rounds of each way's time
per inference, and the difference is the host's cost per call.

    .venv/bin/python perf/kernels_call_overhead.py [--model digits-cnn] [--variant simd] [--reps 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engines.native_kernels import NativeKernels  # noqa: E402
from engines.wasmtime_worker import _Kernels, make_engine  # noqa: E402
from harness import ml_models, ml_units  # noqa: E402
from harness.ml_runtimes import REGISTRY  # noqa: E402


def prepared(load, binary: bytes, args: dict):
    kernels = load(binary)
    kernels.call("kn_prepare", args["net"], args["batch"])
    for blob, where in ((Path(args["weights"]).read_bytes(), "kn_weights"),
                        (Path(args["inputs"][0]["file"]).read_bytes(), "kn_input")):
        kernels.write(kernels.call(where), blob)
    return kernels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="digits-cnn")
    parser.add_argument("--variant", default="simd")
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    opts = parser.parse_args()
    folder = ml_models.model_folder(opts.model)
    args = ml_units.runtime_args(folder, ml_models.load_meta(folder), "kernels", 1)
    args = REGISTRY["kernels"].command({**args, "backend": opts.variant, "threads": 1})["args"]
    engine = make_engine({}, bench=True)
    hosts = {"wasmtime": (lambda b: _Kernels(engine, b), Path(args["wasm"]).read_bytes()),
             "native": (NativeKernels, Path(args["native"]).read_bytes())}
    for name, (load, binary) in hosts.items():
        kernels = prepared(load, binary, args)
        kernels.call("kn_run", opts.reps // 10)  # warm
        inside, outside = [], []
        for _ in range(opts.rounds):
            t0 = time.perf_counter()
            kernels.call("kn_run", opts.reps)
            inside.append((time.perf_counter() - t0) / opts.reps)
            t0 = time.perf_counter()
            for _ in range(opts.reps):
                kernels.call("kn_run", 1)
            outside.append((time.perf_counter() - t0) / opts.reps)
        a, b = statistics.median(inside) * 1e6, statistics.median(outside) * 1e6
        print(f"{name:<9} {opts.model} b1 {opts.variant}: one call of {opts.reps} reps {a:.2f} us/inference, "
              f"a call each {b:.2f} us/inference: +{b - a:.2f} us per call ({(b / a - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()
