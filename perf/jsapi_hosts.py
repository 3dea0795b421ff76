"""The jsapi suite's figures for BENCHMARKS.md: subtests, pass rates and seconds per JS host.

Runs `wasm-harness jsapi` over every JS configuration, with our testharness.js shim and
with WPT's own testharness.js (npm wpt-runner), on our suite (suites/jsapi) and on the
WPT-layout fixture (tests/jsapi_fixture), each into a fresh store, and prints per
configuration and scope: subtests, passes, the pass rate and the engine's seconds
(worker start included: a browser's launch is most of its time); then the interop
figures, the wall time of each run, whether the two harnesses gave the same verdicts,
and the machine's load average (other work on the machine slows every host).

    .venv/bin/python perf/jsapi_hosts.py [--engine NAME ...] [--repeat N]
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
HOSTS = ["node", "node22", "node24", "deno", "bun", "chromium", "firefox"]
WPT_HARNESS = ROOT / "node_modules" / "wpt-runner" / "testharness"
FIXTURE = ROOT / "tests" / "jsapi_fixture" / "wasm" / "jsapi"


def run(engines: list[str], db: Path, extra: list[str]) -> tuple[dict, float]:
    command = [sys.executable, "-m", "harness.cli", "jsapi", "--no-progress", "--json", "--db", str(db),
               "--engine", ",".join(engines), *extra]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    try:
        return json.loads(proc.stdout), wall
    except ValueError:
        sys.exit(f"jsapi printed no JSON (exit {proc.returncode}): {proc.stderr[-2000:]}")


def verdicts(document: dict) -> dict:
    return {(r["file"], r["subtest"], c): v["verdict"]
            for r in document["results"] for c, v in r["results"].items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", action="append", help="JS configurations (default: the seven JS hosts)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of our suite with the shim (seconds: median)")
    args = parser.parse_args()
    engines = [n.strip() for e in args.engine or [] for n in e.split(",")] or HOSTS
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        where = Path(scratch)
        shim_runs = [run(engines, where / f"shim{n}.duckdb", []) for n in range(args.repeat)]
        wpt, wpt_wall = run(engines, where / "wpt.duckdb", ["--harness", str(WPT_HARNESS)])
        fixture, fixture_wall = run(engines, where / "fixture.duckdb",
                                    ["--suite", str(FIXTURE), "--timeout", "1"])
    load_after = os.getloadavg()
    shim, _ = shim_runs[len(shim_runs) // 2]
    walls = sorted(w for _, w in shim_runs)
    print("our suite (suites/jsapi), our testharness.js shim:")
    print(f"{'configuration':<24}{'subtests':>9}{'passes':>8}{'rate':>8}{'seconds':>9}")
    for column in shim["columns"]:
        counts = shim["counts"][column]
        engine = column.split(" ")[0]
        seconds = shim["seconds"].get(engine)
        shown = f"{seconds:.1f}" if seconds is not None and not column.endswith("(worker)") else ""
        print(f"{column:<24}{sum(counts.values()):>9}{counts.get('pass', 0):>8}"
              f"{100 * shim['pass_rate'][column]:>7.1f}%{shown:>9}")
    browsers = shim["interop_browsers"]
    print(f"subtests {shim['subtests']}; interop {100 * shim['interop']:.1f}%"
          + (f", among the browsers {100 * browsers:.1f}%" if browsers is not None else ""))
    print(f"wall time of the run: median {walls[len(walls) // 2]:.1f} s of {len(walls)} "
          f"(min {walls[0]:.1f}, max {walls[-1]:.1f})")
    same = verdicts(shim) == verdicts(wpt)
    print(f"with WPT's testharness.js: {wpt_wall:.1f} s; same verdicts as the shim: {same} "
          f"({len(verdicts(wpt))} results)")
    print(f"fixture (tests/jsapi_fixture, --timeout 1): {fixture['subtests']} subtests, "
          f"{fixture_wall:.1f} s, {len(fixture['load_errors'])} load errors (by design)")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
