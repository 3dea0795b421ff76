"""How long `wasm-harness nightly --quick` takes over every configuration (issue 14's goal: 20 minutes).

Runs the nightly once into a fresh store in a temporary folder (its caches, such as
converted scripts, built workloads and Wasmtime's compilation cache, stay warm as a nightly
finds them), and prints the wall time, each suite's seconds and exit status, and the machine's
load average before and after: other work on the machine slows every suite.

    .venv/bin/python perf/nightly_quick.py [--engine NAME ...] [--testsuite DIR] [--keep DIR]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", action="append", help="engine configurations (default: every available)")
    parser.add_argument("--testsuite", type=Path, help="also the official testsuite below DIR")
    parser.add_argument("--keep", type=Path, help="keep the store and reports here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = args.keep or Path(scratch)
        command = [sys.executable, "-m", "harness.cli", "nightly", "--quick", "--no-progress", "--json",
                   "--db", str(out / "nightly.duckdb"), "--out", str(out / "results")]
        command += [f"--engine={e}" for e in args.engine or []]
        command += ["--testsuite", str(args.testsuite)] if args.testsuite else []
        load_before = os.getloadavg()
        started = time.perf_counter()
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        load_after = os.getloadavg()
    try:
        document = json.loads(proc.stdout)
    except ValueError:
        print(proc.stderr[-4000:], file=sys.stderr)
        print(f"nightly printed no JSON (exit {proc.returncode})", file=sys.stderr)
        return 1
    print(f"wasm-harness nightly --quick: {wall / 60:.1f} min wall ({wall:.0f} s), exit {document['exit']}, "
          f"run {document['run_id']}")
    for suite in document["suites"]:
        print(f"  {suite['suite']:10} {suite['seconds']:7.1f} s  exit {suite['exit']}"
              f"{'  raised: ' + suite['error'] if suite['error'] else ''}")
    print(f"load average (1, 5, 15 min) before {load_before}, after {load_after}; {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
