"""Our kernels in Wasmtime against the same C natively, interleaved so machine load hits both alike.

The ml suite runs one engine's units after another, so on a busy machine a burst of load can land
on the native units alone and skew every ratio to native (seen here: native scalar digits b64 at
20.8 ms in a suite run, 5-7 ms in this script minutes later). This script holds all six builds
(wasm through wasmtime-py, as the worker runs them, and the native .so through ctypes) in one
process and times them round-robin: each round runs every build `kn_run(reps)` once, about
`--sample` seconds each. It prints the median time per inference of each build, and per variant
the wasm/native ratio (median of the per-round ratios) and each side's SIMD speed-up over scalar.

    .venv/bin/python perf/kernels_vs_native.py [--models digits-cnn,mlp] [--rounds 9] [--sample 0.05]
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
from harness.kernels_build import VARIANTS  # noqa: E402
from harness.ml_runtimes import REGISTRY  # noqa: E402


def prepared(load, binary: Path, args: dict):
    kernels = load(binary.read_bytes())
    kernels.call("kn_prepare", args["net"], args["batch"])
    for blob, where in ((Path(args["weights"]).read_bytes(), "kn_weights"),
                        (Path(args["inputs"][0]["file"]).read_bytes(), "kn_input")):
        kernels.write(kernels.call(where), blob)
    return kernels


def reps_for(kernels, sample_s: float) -> int:
    t0 = time.perf_counter()
    kernels.call("kn_run", 1)
    return max(1, round(sample_s / max(time.perf_counter() - t0, 1e-7)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="digits-cnn,mlp")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--sample", type=float, default=0.05, help="seconds per sample")
    opts = parser.parse_args()
    engine = make_engine({}, bench=True)
    print("model  batch  variant       wasmtime ms  native ms  wasm/native  simd/scalar wasm  native")
    for model in opts.models.split(","):
        folder = ml_models.model_folder(model)
        meta = ml_models.load_meta(folder)
        for batch in ml_units.batches(meta):
            builds = {}
            for variant in VARIANTS:
                args = REGISTRY["kernels"].command({**ml_units.runtime_args(folder, meta, "kernels", batch),
                                                    "backend": variant, "threads": 1})["args"]
                builds[("wasm", variant)] = prepared(lambda b: _Kernels(engine, b), Path(args["wasm"]), args)
                builds[("native", variant)] = prepared(NativeKernels, Path(args["native"]), args)
            reps = {key: reps_for(k, opts.sample) for key, k in builds.items()}
            times: dict[tuple[str, str], list[float]] = {key: [] for key in builds}
            for _ in range(opts.rounds):
                for key, kernels in builds.items():
                    t0 = time.perf_counter()
                    kernels.call("kn_run", reps[key])
                    times[key].append((time.perf_counter() - t0) / reps[key])
            med = {key: statistics.median(v) for key, v in times.items()}
            for variant in VARIANTS:
                ratio = statistics.median(w / n for w, n in zip(times[("wasm", variant)],
                                                                times[("native", variant)], strict=True))
                speedups = [med[(side, "scalar")] / med[(side, variant)] for side in ("wasm", "native")]
                print(f"{model:<10} {batch:>3}  {variant:<13} {med[('wasm', variant)] * 1e3:>9.4f}  "
                      f"{med[('native', variant)] * 1e3:>9.4f}  {ratio:>10.2f}  "
                      f"{speedups[0]:>15.2f}  {speedups[1]:>6.2f}")


if __name__ == "__main__":
    main()
