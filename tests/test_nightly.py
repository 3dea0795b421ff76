"""`wasm-harness nightly`: every suite as one run; killed with SIGKILL after its first suite, `--resume`
finishes it without redoing finished units and without a row twice."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
from dashboard_history import write_history

from harness.commands import nightly
from harness.engine_required import require_engine
from harness.store import ResultsStore
from tests.test_cli import harness

ROOT = Path(__file__).resolve().parent.parent
ENGINES = "wasmtime,node"
SUITES = ["spec", "features", "jsapi", "bench", "ml"]
SPEC_UNITS = ("SELECT engine, file, time, count(*) OVER (PARTITION BY engine, file) FROM results "
              "WHERE suite = 'spec' AND kind = 'script' AND metric = 'wall_time'")
# One row per unit that closes it: none may be there twice.
PER_UNIT = {
    "features": "SELECT kind, engine, \"case\" FROM results WHERE suite = 'features' AND phase = 'detect'",
    "features probes": "SELECT engine, file FROM results WHERE suite = 'features' AND metric = 'wall_time' "
                       "AND phase = 'run'",
    "bench": "SELECT engine, \"case\", kind, process FROM results WHERE suite = 'bench' AND phase = 'check'",
    "ml": "SELECT engine, \"case\", kind FROM results WHERE suite = 'ml' AND phase = 'check'",
    "jsapi": "SELECT engine, file, kind, \"case\" FROM results WHERE suite = 'jsapi' AND phase = 'run'",
    "suites": "SELECT suite FROM results WHERE phase = 'suite'",
}


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    store = ResultsStore(db)  # as any harness process: rows staged by a killed run are moved in first
    try:
        return store.query(sql, params)
    finally:
        store.close()


def start_nightly(tmp_path: Path, db: Path, out: Path) -> tuple[subprocess.Popen, Path]:
    stdout = tmp_path / "first.stdout"
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli", "nightly", "--quick", "--engine", ENGINES,
                             "--db", str(db), "--out", str(out), "--no-progress"],
                            stdout=stdout.open("w"), stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return proc, stdout


def test_a_killed_nightly_resumes_without_redoing_finished_units(tmp_path: Path) -> None:
    for engine in ENGINES.split(","):
        require_engine(engine)
    db, out = tmp_path / "r.duckdb", tmp_path / "results"
    proc, _ = start_nightly(tmp_path, db, out)
    seen = []
    assert proc.stderr is not None
    for line in proc.stderr:  # the overall progress lines: one per suite as it starts and ends
        seen.append(line)
        if "nightly [2/5] features: started" in line:
            break
    time.sleep(2)  # inside the features suite: some probes' rows are in, the matrix is not
    proc.kill()
    proc.wait(timeout=60)
    assert any("nightly [1/5] spec: exit 0" in line for line in seen), "".join(seen)

    run_id, status = query(db, "SELECT run_id, status FROM runs")[0]
    assert status == "running"  # SIGKILL: nothing could write `abandoned` (runs shows it so)
    spec_before = query(db, SPEC_UNITS)
    assert len(spec_before) == 2 * len(list((ROOT / "suites" / "spec").glob("*.wast")))
    # Make one spec unit half done, as a kill in the middle of the suite leaves it: its rows without the
    # wall-time row that closes them, and the suite without its own row.
    rows_of_floats = query(db, "SELECT count(*) FROM results WHERE suite = 'spec' AND engine = 'wasmtime' "
                               "AND file = 'floats.wast'")[0][0]
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM results WHERE suite = 'spec' AND (phase = 'suite' OR (engine = 'wasmtime' AND "
                "file = 'floats.wast' AND metric = 'wall_time'))")
    con.close()
    killed_at = max(t for _, _, t, _ in spec_before)

    resumed = harness("nightly", "--resume", "--db", str(db), "--out", str(out), "--no-progress",
                      cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    assert f"resuming run {run_id}" in resumed.stderr
    units = len(spec_before)
    assert f"nightly [1/5] spec: resuming: {units - 1} units finished before" in resumed.stderr
    assert f"dashboard: {out / 'dashboard' / 'index.html'}" in resumed.stdout
    assert run_id in (out / "dashboard" / "index.html").read_text() and (out / "report.txt").read_text()
    assert {p.name for p in (out / "report").iterdir()} >= {"matrix.md", "bench.md", "ml.md"}

    assert query(db, "SELECT status FROM runs") == [("finished",)]
    assert query(db, "SELECT count(DISTINCT run_id) FROM results") == [(1,)]
    # Finished units were not run again: same rows, same times; the half-done one was, once.
    spec_after = query(db, SPEC_UNITS)
    again = [r for r in spec_after if r[:2] == ("wasmtime", "floats.wast")]
    assert len(again) == 1 and again[0][2] > killed_at
    assert sorted(r for r in spec_after if r not in again) == sorted(
        r for r in spec_before if r[:2] != ("wasmtime", "floats.wast"))
    assert query(db, "SELECT count(*) FROM results WHERE suite = 'spec' AND engine = 'wasmtime' "
                     "AND file = 'floats.wast'")[0][0] == rows_of_floats
    # No row twice, in any suite.
    for name, sql in PER_UNIT.items():
        counts = Counter(query(db, sql))
        assert counts and max(counts.values()) == 1, (name, [k for k, n in counts.items() if n > 1][:5])
    assert sorted(s for (s,) in query(db, PER_UNIT["suites"])) == sorted(SUITES)
    engines = {e for (e,) in query(db, "SELECT DISTINCT engine FROM results WHERE suite = 'ml' "
                                         "AND engine IS NOT NULL")}
    assert engines == {"node", "native", "wasmtime"}  # wasmtime: our kernels (kernels:simd:1 in --quick)

    # Nothing is left to resume, and --resume takes the run's own options.
    nothing = harness("nightly", "--resume", "--db", str(db), cwd=tmp_path)
    assert nothing.returncode == 2 and "no unfinished nightly run" in nothing.stderr
    mixed = harness("nightly", "--resume", run_id, "--quick", "--db", str(db), cwd=tmp_path)
    assert mixed.returncode == 2 and "do not give --quick" in mixed.stderr


def test_bad_nightly_input_is_exit_2(tmp_path: Path) -> None:
    proc = harness("nightly", "--suite", "spec,nosuch", "--db", str(tmp_path / "r.duckdb"), cwd=tmp_path)
    assert proc.returncode == 2 and "unknown suite 'nosuch'" in proc.stderr
    proc = harness("nightly", "--testsuite", str(tmp_path / "absent"), cwd=tmp_path)
    assert proc.returncode == 2 and "absent: --testsuite is not a directory" in proc.stderr
    proc = harness("nightly", "--shard", "3/2", cwd=tmp_path)
    assert proc.returncode == 2 and "i/n" in proc.stderr


def test_a_second_nightly_shows_its_comparison_with_the_first(tmp_path: Path) -> None:
    require_engine("wasmtime")
    db, out = tmp_path / "r.duckdb", tmp_path / "results"
    args = ("nightly", "--quick", "--suite", "spec,features", "--engine", "wasmtime", "--db", str(db),
            "--out", str(out), "--no-progress")
    first = harness(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-4000:]
    assert "compared with run" not in first.stderr  # nothing before it to compare with
    assert not (out / "report" / "comparison.md").exists()
    (first_run,) = {r for (r,) in query(db, "SELECT run_id FROM runs")}

    second = harness(*args, cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-4000:]
    assert f"compared with run {first_run}" in second.stderr
    comparison = (out / "report" / "comparison.md").read_text()
    assert first_run in comparison
    assert first_run in (out / "report.txt").read_text()
    # The dashboard compares with the same run.
    assert first_run in (out / "dashboard" / "index.html").read_text()


def test_the_report_and_the_dashboard_share_one_comparison(tmp_path: Path, monkeypatch) -> None:
    # `report --against` and the dashboard show the comparison with the run before, made once.
    from reports import comparison

    db = tmp_path / "r.duckdb"
    ids = write_history(db, 2, slower="node")
    made, real = [], comparison.compare
    monkeypatch.setattr(comparison, "compare", lambda r, run, against, *a: made.append((run, against))
                        or real(r, run, against, *a))
    report, page, problems = nightly._render(argparse.Namespace(db=db, out=tmp_path / "out"), ids[-1])
    assert problems == [] and made == [(ids[-1], ids[-2])]
    compared = json.loads((report / "comparison.json").read_text())
    assert compared["against"]["run_id"] == ids[-2] and compared["flags"]
    assert ids[-2] in (tmp_path / "out" / "report.txt").read_text()
    assert page is not None and ids[-2] in page.read_text()
    assert "node" in (page.parent / "summary.md").read_text()  # the slower engine flagged there too
