"""Whole-run wall time of `wasm-harness spec` per engine, relative to the first one.

    python perf/engine_wall_times.py ~/testsuite --engine node --engine chromium --engine firefox

Each round runs the top-level .wast files of DIR once per engine, in a new
process, so engine start (a browser launch included) is part of the time.
Rounds alternate the engines; the report gives each engine's median and its
ratio to the first engine's (the issue's goal: Chromium at most 2x Node).
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

from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent


def run(engine: str, files: list[Path], jobs: int, db: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    argv = [sys.executable, "-m", "harness.cli", "spec", "--engine", engine, "--jobs", str(jobs),
            "--json", "--no-progress", "--db", str(db), *map(str, files)]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if not proc.stdout.strip():
        raise SystemExit(f"{engine}: harness failed: {proc.stderr}")
    return seconds, json.loads(proc.stdout)["engines"][engine]["counts"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("testsuite", type=Path, help="directory whose top-level .wast files are run")
    parser.add_argument("--engine", action="append", required=True, help="repeat; the first is the baseline")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    files = sorted(args.testsuite.glob("*.wast"))
    if not files:
        raise SystemExit(f"{args.testsuite}: no .wast files")
    times: dict[str, list[float]] = {e: [] for e in args.engine}
    counts: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        for engine in args.engine:  # warm the conversion cache and engine caches
            run(engine, files, args.jobs, db)
        for _ in range(args.repeat):
            for engine in args.engine:
                seconds, counts[engine] = run(engine, files, args.jobs, db)
                times[engine].append(seconds)
    base = statistics.median(times[args.engine[0]])
    result = {e: {"median_s": round(statistics.median(t), 3), "rounds": [round(x, 3) for x in t],
                  "ratio": round(statistics.median(t) / base, 2), "counts": counts[e]}
              for e, t in times.items()}
    if args.json:
        print(json.dumps({"files": len(files), "jobs": args.jobs, "engines": result}, indent=2))
    else:
        print(tabulate([[e, r["median_s"], " ".join(map(str, r["rounds"])), r["ratio"],
                         ", ".join(f"{k} {v}" for k, v in r["counts"].items())] for e, r in result.items()],
                       headers=["engine", "median s", "rounds", f"x {args.engine[0]}", "verdicts"],
                       tablefmt="github"))
        print(f"\n{len(files)} files, --jobs {args.jobs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
