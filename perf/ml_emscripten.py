"""The `emscripten` runtime's figures: emcc build times (cold and cached) and the digits CNN on every
engine that runs a form of it, with the SIMD speed-ups and ratios to native (BENCHMARKS.md).

Cold builds go to a fresh XDG_CACHE_HOME so nothing is reused; the suite run uses the normal cache.

    .venv/bin/python perf/ml_emscripten.py [--engines node,...] [--samples 10] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = "node,node22,node24,deno,bun,chromium,firefox,wasmtime,wasmtime-pulley"


def build_times() -> dict:
    """Seconds per emcc build with an empty cache, then the same lookups with it filled."""
    code = ("import json, time\nfrom harness import emcc_build\nout = {}\n"
            "for form in ('glue', 'standalone'):\n  for variant in emcc_build.VARIANTS:\n"
            "    t = time.perf_counter(); emcc_build.build('digits_cnn', form, variant)\n"
            "    out[f'{form}-{variant}'] = time.perf_counter() - t\n"
            "t = time.perf_counter()\n"
            "for form in ('glue', 'standalone'):\n  for variant in emcc_build.VARIANTS:\n"
            "    emcc_build.build('digits_cnn', form, variant)\n"
            "out['all four, cached'] = time.perf_counter() - t\nprint(json.dumps(out))\n")
    with tempfile.TemporaryDirectory() as cache:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                              check=True, env=dict(os.environ, XDG_CACHE_HOME=cache, PYTHONPATH=str(ROOT)))
    return json.loads(done.stdout)


def suite(engines: str, samples: int) -> tuple[list[dict], float]:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        command = [sys.executable, "-m", "harness.cli", "ml", "--runtime", "emscripten",
                   "--model", "digits-cnn", "--engine", engines, "--samples", str(samples), "--json",
                   "--no-progress",
                   "--db", str(Path(tmp) / "r.duckdb")]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
        wall = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"wasm-harness ml exited {done.returncode}: {done.stderr[-2000:]}")
    return json.loads(done.stdout), wall


def table(rows: list[dict]) -> str:
    lines = ["| batch | engine | backend | threads | p50 ms (95% CI) | x native | SIMD speed-up "
             "| compile ms |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in sorted(rows, key=lambda r: (r["batch"], r["engine"], r["backend"])):
        if r.get("p50_s") is None:
            lines.append(f"| {r['batch']} | {r['engine']} | {r['runtime']} {r['backend']} | {r['threads']} "
                         f"| {r['verdict']}: "
                         f"{r.get('reason', '')} | | | |")
            continue
        p50 = f"{r['p50_s'] * 1e3:.3g} ({r['ci_low_s'] * 1e3:.3g}-{r['ci_high_s'] * 1e3:.3g})"
        ratio = f"{r['ratio_to_native']:.1f}" if r.get("ratio_to_native") else ""
        simd = f"{r['simd_speedup']:.2f}" if r.get("simd_speedup") else ""
        compile_ms = f"{r['compile_s'] * 1e3:.1f}" if r.get("compile_s") is not None else ""
        lines.append(f"| {r['batch']} | {r['engine']} | {r['runtime']} {r['backend']} | {r['threads']} "
                     f"| {p50} | {ratio} | {simd} | {compile_ms} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default=ENGINES)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--out", type=Path, help="write the rows, build times and wall time as JSON")
    args = parser.parse_args()
    builds = build_times()
    print("emcc builds, seconds (empty cache):", json.dumps({k: round(v, 2) for k, v in builds.items()}))
    rows, wall = suite(args.engines, args.samples)
    print(f"wasm-harness ml --runtime emscripten --model digits-cnn: {wall:.0f} s wall, {len(rows)} rows")
    print(table(rows))
    if args.out:
        args.out.write_text(json.dumps({"builds_s": builds, "wall_s": wall, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
