"""How far to trust `wasm-harness bench`: its accuracy and its repeatability.

1. Accuracy. For a long kernel, the execute time per iteration the harness measures
   inside the engine is compared with an independent whole-process measurement: a
   separate process (no harness, no in-engine timer) instantiates the module and runs
   the kernel R times, timed from outside; (T(1 + K) - T(1)) / K is the time of one
   steady-state iteration, with start-up, compilation and the first call cancelled out.
   Done natively, in Wasmtime (wasmtime-py) and in Node.
2. Repeatability. The same `bench --profile long` run several times; per engine and
   kernel, the coefficient of variation of the medians from run to run.
3. Honest intervals. How often another run's median falls inside a run's 95% interval:
   the bootstrap resamples one run's samples, so this shows whether the intervals also
   cover what changes from run to run (fresh processes, the machine's state).

    .venv/bin/python perf/bench_accuracy.py [--runs 3] [--engines native,wasmtime,node,chromium]

Prints a Markdown report (BENCHMARKS.md quotes it) and, with --json, the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engines.registry import make  # noqa: E402
from harness.workloads import build, load_manifest  # noqa: E402

HARNESS = [sys.executable, "-m", "harness.cli"]
# Both scripts call bench_run(1) WARM times first and then `reps` more times, each a call of its
# own: engines tier up between calls (V8 has no on-stack replacement for wasm, so one long call
# would stay in its baseline code), as the harness's warm-ups and samples let them.
WARM = 3
NODE_SCRIPT = f"""
import {{ readFileSync }} from "node:fs";
const [file, size, reps] = process.argv.slice(2);
const {{ instance }} = await WebAssembly.instantiate(readFileSync(file), {{}});
const ex = instance.exports;
if (ex._initialize) ex._initialize();
ex.bench_init(Number(size));
for (let n = 0; n < {WARM} + Number(reps); n++) ex.bench_run(1);
console.log(ex.bench_check());
"""
WASMTIME_SCRIPT = f"""
import sys, wasmtime
file, size, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
config = wasmtime.Config(); config.wasm_simd = True; config.wasm_relaxed_simd = True
engine = wasmtime.Engine(config); store = wasmtime.Store(engine)
ex = wasmtime.Instance(store, wasmtime.Module.from_file(engine, file), []).exports(store)
if "_initialize" in ex: ex["_initialize"](store)
ex["bench_init"](store, size)
for _ in range({WARM} + reps): ex["bench_run"](store, 1)
print(ex["bench_check"](store))
"""


def harness_bench(db: Path, engines: list[str], kernels: list[str], variant: str) -> list[dict]:
    wasm_engines = [e for e in engines if e != "native"]
    argv = [*HARNESS, "bench", "--profile", "long", "--json", "--no-progress", "--db", str(db),
            "--variant", variant, "--kernel", ",".join(kernels)]
    argv += ["--engine", ",".join(wasm_engines)] if wasm_engines else ["--engine", "wasmtime"]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench failed ({done.returncode}): {done.stderr[-2000:]}")
    rows = json.loads(done.stdout)
    return [r for r in rows if r["phase"] == "execute" and r["kernel"] in kernels and (
        r["engine"] in engines)]


def whole_process(argv_for: callable, reps: int) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv_for(reps), check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - t0


def independent(engine: str, artifact: Path, size: int, per_iter: float, tmp: Path,
                repeats: int) -> float:
    """Seconds per steady-state iteration, from whole-process wall times alone."""
    extra = max(3, round(3.0 / per_iter))  # about 3 s of extra iterations
    if engine == "native":  # the driver: one calibration run, WARM warm-ups, then r samples of 1
        def argv(r: int) -> list[str]:
            return [str(artifact), str(size), "0", str(WARM), str(r)]
    elif engine == "node":
        script = tmp / "run.mjs"
        script.write_text(NODE_SCRIPT)
        node = make("node").binary()  # the same Node as the harness's `node` configuration

        def argv(r: int) -> list[str]:
            return [str(node), str(script), str(artifact), str(size), str(r)]
    elif engine == "wasmtime":
        script = tmp / "run.py"
        script.write_text(WASMTIME_SCRIPT)

        def argv(r: int) -> list[str]:
            return [sys.executable, str(script), str(artifact), str(size), str(r)]
    else:
        raise SystemExit(f"no independent measurement for {engine}")
    small, big = [], []
    for _ in range(repeats):  # interleaved, so drift hits both alike
        small.append(whole_process(argv, 1))
        big.append(whole_process(argv, 1 + extra))
    return (statistics.median(big) - statistics.median(small)) / extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="repeated bench runs for repeatability")
    parser.add_argument("--engines", default="native,wasmtime,node,chromium")
    parser.add_argument("--accuracy-kernel", default="matmul")
    parser.add_argument("--kernels", default=None, help="comma-separated (default: every C kernel)")
    parser.add_argument("--repeats", type=int, default=5, help="whole-process pairs per engine")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    engines = args.engines.split(",")
    workloads = load_manifest()
    kernels = args.kernels.split(",") if args.kernels else [
        name for name, w in workloads.items() if w.kind == "kernel"]
    artifacts = build([workloads[k] for k in kernels])
    out: dict = {"accuracy": [], "repeatability": [], "intervals": {}}

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        runs = [harness_bench(tmp / f"run{n}.duckdb", engines, kernels, "scalar") for n in range(args.runs)]

        # 1. accuracy on one long kernel, from the first run's medians
        k = args.accuracy_kernel
        w = workloads[k]
        for engine in [e for e in engines if e in ("native", "wasmtime", "node")]:
            row = next(r for r in runs[0] if r["engine"] == engine and r["kernel"] == k)
            variant = "native" if engine == "native" else "scalar"
            indep = independent(engine, artifacts[(k, variant)], w.sizes["long"], row["median_s"], tmp,
                                args.repeats)
            out["accuracy"].append({"engine": engine, "kernel": k, "harness_s": row["median_s"],
                                    "independent_s": indep,
                                    "difference": (row["median_s"] - indep) / indep})

    # 2. repeatability: the medians of the same engine and kernel across runs
    medians: dict[tuple[str, str], list[float]] = {}
    for rows in runs:
        for r in rows:
            if r["kernel"] != "geomean" and r.get("median_s"):
                medians.setdefault((r["engine"], r["kernel"]), []).append(r["median_s"])
    for (engine, kernel), values in sorted(medians.items()):
        if len(values) == len(runs) and min(values) >= 0.1:
            mean = statistics.fmean(values)
            out["repeatability"].append({"engine": engine, "kernel": kernel, "median_s": values,
                                         "cv": statistics.stdev(values) / mean if len(values) > 1 else 0.0})

    # 3. intervals: does run i's 95% CI hold run j's median?
    cis = [{(r["engine"], r["kernel"]): r for r in rows if r["kernel"] != "geomean" and r.get("ci_low_s")}
           for rows in runs]
    held = [cis[i][k]["ci_low_s"] <= cis[j][k]["median_s"] <= cis[i][k]["ci_high_s"]
            for i in range(len(runs)) for j in range(len(runs)) if i != j for k in cis[i] if k in cis[j]]
    if held:
        out["intervals"] = {"pairs": len(held), "held": sum(held), "share": sum(held) / len(held)}

    if args.json:
        print(json.dumps(out, indent=1))
        return
    print("| engine | kernel | harness median | independent | difference |\n| --- | --- | --- | --- | --- |")
    for a in out["accuracy"]:
        print(f"| {a['engine']} | {a['kernel']} | {a['harness_s'] * 1e3:.1f} ms | "
              f"{a['independent_s'] * 1e3:.1f} ms | {a['difference'] * 100:+.1f}% |")
    print(f"\n| engine | kernel | medians over {args.runs} runs | CV |\n| --- | --- | --- | --- |")
    for r in out["repeatability"]:
        print(f"| {r['engine']} | {r['kernel']} | {', '.join(f'{v * 1e3:.1f}' for v in r['median_s'])} ms | "
              f"{r['cv'] * 100:.2f}% |")
    cvs = [r["cv"] for r in out["repeatability"]]
    if cvs:
        print(f"\nCV over {len(cvs)} engine-kernel pairs of >= 100 ms: "
              f"median {statistics.median(cvs) * 100:.2f}%,"
              f" max {max(cvs) * 100:.2f}%")
    if out["intervals"]:
        i = out["intervals"]
        print(f"\nAnother run's median inside a run's 95% interval: {i['held']} of {i['pairs']} "
              f"({i['share']:.0%})")


if __name__ == "__main__":
    main()
