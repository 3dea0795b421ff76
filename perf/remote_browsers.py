"""What a browser on a Playwright server costs: the spec corpus on a local and a remote browser.

    python perf/remote_browsers.py                       # chromium and firefox, 3 rounds each
    python perf/remote_browsers.py --browser chromium --repeat 5 --json

The server (`playwright run-server --unsafe`) runs on 127.0.0.1, so the figures are the cost of
the protocol (the WebSocket, the server's own launch, the loopback tunnel that carries the page's
requests), not of a network. Each round runs `wasm-harness spec` over suites/spec on one engine,
local and remote alternating, so machine noise hits both alike; the report gives the median wall
seconds of each, their ratio, and the seconds availability takes (one `connect` in a child process).
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
sys.path.insert(0, str(ROOT / "tests"))
from playwright_server import start_server, stop_server  # noqa: E402 - the tests' server, started alike

HARNESS = [sys.executable, "-m", "harness.cli"]


def spec(engine: str, db: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    proc = subprocess.run([*HARNESS, "spec", "--engine", engine, "--json", "--no-progress", "--db", str(db)],
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{engine}: exit {proc.returncode}: {proc.stderr}")
    return seconds, next(iter(json.loads(proc.stdout)["engines"].values()))["counts"]


def availability_seconds(engine: str) -> float:
    code = ("import time, sys; from engines.registry import make; t = time.perf_counter(); "
            f"s = make({engine!r}).availability(); assert s.ok, s.reason; print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--browser", action="append", choices=["chromium", "firefox"],
                        help="browsers to measure (default: both)")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds per engine (default 3)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    server, endpoint = start_server("--unsafe")
    figures = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for browser in args.browser or ["chromium", "firefox"]:
                remote = f"{browser}:endpoint={endpoint}"
                times: dict[str, list[float]] = {browser: [], remote: []}
                counts = {}
                for engine in times:  # one untimed round each: caches warm, pages compiled once
                    spec(engine, Path(tmp) / "warm.duckdb")
                for i in range(args.repeat):
                    for engine in times:
                        seconds, counts[engine] = spec(engine, Path(tmp) / f"{i}.duckdb")
                        times[engine].append(seconds)
                assert counts[browser] == counts[remote], counts
                local_s, remote_s = (statistics.median(times[e]) for e in times)
                figures.append({"browser": browser, "local_s": round(local_s, 2),
                                "remote_s": round(remote_s, 2), "ratio": round(remote_s / local_s, 2),
                                "rounds": args.repeat,
                                "availability_s": round(availability_seconds(remote), 2),
                                "commands": sum(counts[browser].values())})
    finally:
        stop_server(server)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(tabulate(figures, headers="keys", tablefmt="github"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
