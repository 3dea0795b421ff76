"""How long `wasm-harness report --last 30` takes over a realistic history, and how far two unchanged
benchmark runs drift apart (what `report --threshold` must cover).

    .venv/bin/python perf/report_history.py [--runs 30] [--source DB] [--copies 4] [--repeat 3]
                                            [--testsuite] [--keep DB] [--checkout DIR]
    .venv/bin/python perf/report_history.py --drift [--drift-args "--engine wasmtime,node --quick"]

History: one real run (`spec` on the corpus, `detect`, `bench --quick` on --engine; or the latest
run of --source DB) is copied --runs times into a new store, a day apart, as a nightly history
would hold it: every timing jittered (0.3% per sample, up to 0.4% per run and unit), the engine
configurations repeated under --copies more names (a nightly has 14), and one unit made 20%
slower from the fifth-last run on, so there is a step to find. Then `report --last N` runs
--repeat times as a user runs it (a new process each time) and the median wall time is printed
with the store's size and what was flagged (goal: 10 s or less; BENCHMARKS.md quotes the figures).
--testsuite adds the official testsuite to every run at its real size, as `nightly --testsuite`
records it on 14 configurations (tests/dashboard_history.py, as perf/dashboard_render.py does; about
0.9 million rows a run, a few hundred commands changing verdict from run to run). --keep writes the
history there and keeps it (an existing one is reused); --checkout times another checkout's
harness on it, to compare before and after.

Drift: `bench` twice with the same arguments into one new store, then every unit of the second
against the first with no threshold: the distribution of |ratio - 1|, and how many differences the
within-run test calls significant (those a 0 threshold would flag).
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from harness.results import load  # noqa: E402
from reports import comparison  # noqa: E402

HARNESS = [sys.executable, "-m", "harness.cli"]
SLOWED = 1.2   # the step put into the history


def harness(*args: str, checkout: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([*HARNESS, *args], capture_output=True, text=True, cwd=checkout)


def make_source(db: Path, engines: str) -> str:
    run_id = "source"
    for argv in (["spec", "--jobs", "2"], ["detect", "--jobs", "2"], ["bench", "--quick"]):
        done = harness(*argv, "--engine", engines, "--db", str(db), "--run", run_id, "--no-progress")
        if done.returncode not in (0, 1):
            raise SystemExit(f"{argv[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return run_id


def copy_history(source: Path, run_id: str, out: Path, runs: int, copies: int) -> tuple[int, str]:
    """`runs` copies of the source run in `out`; returns the row count and the slowed unit."""
    con = duckdb.connect(str(out))
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    con.execute("CREATE TABLE results AS SELECT * FROM src.results LIMIT 0")
    con.execute("CREATE TABLE runs AS SELECT * FROM src.runs LIMIT 0")
    meta = con.execute("SELECT * FROM src.runs WHERE run_id = ?", [run_id]).fetchone()
    names = [d[0] for d in con.description]
    meta = dict(zip(names, meta, strict=True))
    engines = json.loads(meta["engines"] or "{}")
    suffixes = [""] + [f"-copy{k}" for k in range(1, copies + 1)]
    slowed = con.execute('SELECT engine, "case", kind FROM src.results WHERE run_id = ? AND suite = '
                         "'bench' AND phase = 'execute' AND engine <> 'native' "
                         'ORDER BY engine, "case", kind LIMIT 1', [run_id]).fetchone()
    con.execute("CREATE TEMP TABLE suffixes (suffix VARCHAR)")
    con.executemany("INSERT INTO suffixes VALUES (?)", [[s] for s in suffixes])
    for i in range(runs):
        new = f"h{i:03d}"
        slow = SLOWED if i >= runs - 5 else 1.0
        # Timings: per-sample noise, a per-run-and-unit shift (hash of the names), the injected step.
        con.execute(f"""
            INSERT INTO results SELECT r.* REPLACE (
                ? AS run_id, time + INTERVAL {i} DAY AS time,
                CASE WHEN engine IS NULL THEN NULL ELSE engine || s.suffix END AS engine,
                CASE WHEN metric = 'time' AND value IS NOT NULL THEN value
                     * (1 + 0.003 * (2 * random() - 1))
                     * (1 + 0.004 * ((hash(engine || s.suffix || "case" || kind || ?) % 2001) / 1000.0 - 1))
                     * (CASE WHEN engine = ? AND s.suffix = '' AND "case" = ? AND kind = ?
                                  AND phase = 'execute' THEN ? ELSE 1 END)
                     ELSE value END AS value)
            FROM src.results r JOIN suffixes s ON r.engine IS NOT NULL OR s.suffix = ''
            WHERE run_id = ?""", [new, new, *slowed, slow, run_id])
        row = dict(meta, run_id=new, started=meta["started"] + timedelta(days=i),
                   finished=(meta["finished"] or meta["started"]) + timedelta(days=i), status="finished",
                   engines=json.dumps({n + s: e for n, e in engines.items() for s in suffixes}))
        con.execute(f"INSERT INTO runs VALUES ({', '.join('?' * len(row))})", list(row.values()))
    count = con.execute("SELECT count(*) FROM results").fetchone()[0]
    con.close()
    return int(count), f"{slowed[0]} {slowed[1]}/{slowed[2]}"


def time_report(db: Path, last: int, repeat: int, checkout: Path = ROOT) -> tuple[list[float], dict]:
    seconds, document = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        done = harness("report", "--db", str(db), "--last", str(last), "--json", checkout=checkout)
        seconds.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"report failed: {done.stderr[-2000:]}")
        document = json.loads(done.stdout)
    return seconds, document


def drift(args: str) -> None:
    with tempfile.TemporaryDirectory() as where:
        db = Path(where) / "drift.duckdb"
        for run_id in ("first", "second"):
            done = harness("bench", *shlex.split(args), "--db", str(db), "--run", run_id, "--no-progress")
            if done.returncode not in (0, 1):
                raise SystemExit(f"bench failed: {done.stderr[-2000:]}")
        c = comparison.compare(load(db), "second", "first", threshold=0.0)
    ratios = [t for t in c.timings if t.ratio is not None]
    off = np.array([abs(t.ratio.value - 1) for t in ratios])
    significant = [t for t in ratios if t.verdict]
    largest = max((abs(t.ratio.value - 1) for t in significant), default=0.0)
    print(f"bench {args}: {len(ratios)} units, run-to-run |ratio - 1|: median {np.median(off):.2%}, "
          f"p90 {np.percentile(off, 90):.2%}, max {off.max():.2%}; significant within the runs' own "
          f"test: {len(significant)} (|ratio - 1| up to {largest:.2%})")
    for t in sorted(ratios, key=lambda t: -abs(t.ratio.value - 1))[:8]:
        print(f"  {t.engine:10} {t.unit:20} {t.ratio.value:.4f} ({t.ratio.low:.4f}-{t.ratio.high:.4f}) "
              f"p={t.p_value:.2g}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--source", type=Path,
                        help="take the latest run of this store instead of making one")
    parser.add_argument("--engine", default="wasmtime,node", help="engines of the source run")
    parser.add_argument("--copies", type=int, default=4, help="extra names per engine configuration")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--drift", action="store_true", help="measure run-to-run drift instead")
    parser.add_argument("--drift-args", default="--engine wasmtime,node --quick")
    parser.add_argument("--testsuite", action="store_true",
                        help="add the official testsuite at its real size to every run")
    parser.add_argument("--keep", type=Path, metavar="DB", help="write the history there and keep it")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="time this checkout's harness")
    args = parser.parse_args()
    if args.drift:
        drift(args.drift_args)
        return 0
    with tempfile.TemporaryDirectory() as where:
        history = args.keep or Path(where) / "history.duckdb"
        if history.exists():
            slowed = "(as the kept history has it)"
        else:
            source = args.source
            if source is None:
                source = Path(where) / "source.duckdb"
                started = time.perf_counter()
                run_id = make_source(source, args.engine)
                print(f"source run ({args.engine}): {time.perf_counter() - started:.0f} s")
            else:
                run_id = load(source).run_ids("latest")[0]
            _, slowed = copy_history(source, run_id, history, args.runs, args.copies)
            if args.testsuite:
                from dashboard_history import add_testsuite_bulk
                from dashboard_render import ENGINES, TESTSUITE_COMMANDS, TESTSUITE_FILES

                add_testsuite_bulk(history, ENGINES, TESTSUITE_FILES, TESTSUITE_COMMANDS)
        with duckdb.connect(str(history), read_only=True) as con:
            rows = con.execute("SELECT count(*) FROM results").fetchone()[0]
        seconds, document = time_report(history, args.runs, args.repeat, args.checkout)
        configurations = len(document["run"]["engines"])
        print(f"report --last {args.runs}: median {statistics.median(seconds):.2f} s "
              f"({', '.join(f'{s:.2f}' for s in seconds)}); store {rows} rows, {configurations} engine "
              f"configurations, {len(document['timings'])} timed units per run")
        flagged = [(f["kind"], f["suite"], f["engine"], f["what"], f["run"]) for f in document["flags"]]
        print(f"flagged: {flagged}; "
              f"slowed on purpose: {slowed} x{SLOWED} from run h{args.runs - 5:03d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
