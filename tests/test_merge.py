"""`--shard i/n` splits the units disjointly and stably; `merge` joins stores and Parquet exports with no
duplicates and no losses, and refuses a bad file by name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from engines.registry import make
from harness.commands.merge import run as merge_command
from harness.merge import MergeError, join_runs, merge
from harness.session import Session
from harness.store import ResultsStore
from harness.work import Shard, parse_shard
from tests.test_cli import harness

ROOT = Path(__file__).resolve().parent.parent
NAMES = [("spec", engine, f"file{n}.wast") for engine in ("node", "wasmtime", "chromium") for n in range(40)]


# --- shards ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_every_unit_is_in_exactly_one_shard(count: int) -> None:
    owners = [[i for i in range(1, count + 1) if Shard(i, count).owns(*names)] for names in NAMES]
    assert all(len(o) == 1 for o in owners)
    if count > 1:  # the split is a split: every shard gets some of 120 units
        assert {o[0] for o in owners} == set(range(1, count + 1))


def test_shards_are_the_same_in_every_process() -> None:
    # Python's hash() of a str changes with PYTHONHASHSEED; the shard must not.
    code = ("from harness.work import Shard; import json; from tests.test_merge import NAMES; "
            "print(json.dumps([Shard(2, 3).owns(*n) for n in NAMES]))")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    answers = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              cwd=ROOT, env={**env, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert answers[0] == answers[1]
    assert json.loads(answers[0]) == [Shard(2, 3).owns(*n) for n in NAMES]


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", "-1/2"])
def test_a_bad_shard_is_refused(text: str) -> None:
    import argparse

    with pytest.raises(argparse.ArgumentTypeError, match="i/n"):
        parse_shard(text)
    assert parse_shard("2/2") == Shard(2, 2)


# --- merge on made-up stores ---------------------------------------------------------------------------

def store_with(db: Path, run_id: str, cases: list[str], engine: str, status_error: type | None = None,
               features: list[str] | None = None) -> None:
    session = Session(db, run_id=run_id, progress=False)
    try:
        with session:
            session.add_engines([make(engine)])
            rows = session.rows("spec", make(engine))
            session.add_rows([rows(file="a.wast", line=n, case=c, verdict="pass")
                              for n, c in enumerate(cases)])
            session.record_suite("spec", float(len(cases)), {"engines": [engine], "per_file": False,
                                                             "bad_input": [f"{engine}-x"],
                                                             "features": features or []})
            if status_error:
                raise status_error()
    except KeyboardInterrupt:
        pass
    finally:
        session.close()


def rows_of(db: Path, sql: str = 'SELECT run_id, engine, "case", line, verdict FROM results WHERE phase <> '
                                 "'suite' ORDER BY ALL") -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_merge_keeps_every_row_once_across_stores_and_exports(tmp_path: Path) -> None:
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    # Two identical rows within one input (two commands on one line can give that) are both kept.
    store_with(a, "night", ["x", "y", "y"], "wasmtime", features=["simd"])
    con = duckdb.connect(str(a))
    con.execute("""UPDATE results SET line = 7, time = (SELECT min(time) FROM results WHERE "case" = 'y')
                   WHERE "case" = 'y'""")
    con.close()
    store_with(b, "night", ["z"], "node", status_error=KeyboardInterrupt, features=["gc", "simd"])
    exported = tmp_path / "b.parquet"
    store = ResultsStore(b)
    assert store.export(exported, "parquet") == 2
    store.close()

    out = tmp_path / "all.duckdb"
    result = merge(out, [a, exported, a, b])   # a twice, b as store and as its export
    assert rows_of(out) == sorted(rows_of(a) + rows_of(b))
    assert len(rows_of(out)) == 4 and rows_of(out).count(("night", "wasmtime", "y", 7, "pass")) == 2
    assert result.duplicates == sum(result.rows_in.values()) - result.rows_out - result.suite_rows_joined
    # One run: engines unioned, the worst status, the earliest start.
    (run,) = rows_of(out, "SELECT run_id, status, engines, started FROM runs")
    assert run[:2] == ("night", "interrupted")
    assert set(json.loads(run[2])) == {"wasmtime", "node"}
    starts = [rows_of(db, "SELECT started FROM runs")[0][0] for db in (a, b)]
    assert run[3] == min(starts)
    # One suite row for the run, with both shards' parameters and the longer wall time.
    (suite,) = rows_of(out, "SELECT value, message FROM results WHERE phase = 'suite'")
    parameters = json.loads(suite[1])
    assert suite[0] == 3.0
    assert parameters["engines"] == ["wasmtime", "node"]
    assert parameters["bad_input"] == ["wasmtime-x", "node-x"]
    assert parameters["features"] == ["simd", "gc"]

    # Merging again into the merged store changes nothing.
    again = merge(out, [a, b])
    assert again.rows_out == result.rows_out and rows_of(out) == sorted(rows_of(a) + rows_of(b))


def test_merge_as_one_run_and_the_status_order() -> None:
    parts = [{"run_id": "r", "status": "finished", "engines": '{"node": {"version": "20"}}', "host": "m1",
              "started": 2, "finished": 5, "pid": 10},
             {"run_id": "r", "status": "failed", "engines": '{"wasmtime": {"version": "50"}}', "host": "m2",
              "started": 1, "finished": 4, "pid": 11}]
    run = join_runs(parts)
    assert (run["status"], run["started"], run["finished"]) == ("failed", 1, 5)
    assert run["host"] == "m1; m2" and run["pid"] is None
    assert set(json.loads(run["engines"])) == {"node", "wasmtime"}


def test_merge_as_run_renames_every_input_run(tmp_path: Path) -> None:
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    store_with(a, "one", ["x"], "wasmtime")
    store_with(b, "two", ["y"], "node")
    out = tmp_path / "all.duckdb"
    merge(out, [a, b], as_run="both")
    assert rows_of(out, "SELECT DISTINCT run_id FROM results") == [("both",)]
    assert rows_of(out, "SELECT run_id, status FROM runs") == [("both", "finished")]


def test_a_bad_input_is_named_and_nothing_is_written(tmp_path: Path, capsys) -> None:
    a = tmp_path / "a.duckdb"
    store_with(a, "one", ["x"], "wasmtime")
    junk = tmp_path / "notes.parquet"
    junk.write_text("not parquet at all")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t (x INTEGER)").close()
    out = tmp_path / "out.duckdb"
    for bad, says in [(junk, "neither a DuckDB store nor a Parquet export"), (other, "no results table"),
                      (tmp_path / "missing.duckdb", "cannot read"), (tmp_path, "is a directory")]:
        with pytest.raises(MergeError, match=says) as caught:
            merge(out, [a, bad])
        assert str(bad) in str(caught.value)
        assert not out.exists() and not list(tmp_path.glob(".out.duckdb.merging-*"))
    import argparse

    code = merge_command(argparse.Namespace(out=out, inputs=[a, junk], as_run=None, json=False))
    assert code == 2
    assert f"{junk}: neither" in capsys.readouterr().err


# --- the real thing: two shards merged are the unsharded run ------------------------------------------------

IDENTITY = ('SELECT suite, engine, engine_version, file, line, "case", kind, phase, verdict, '
            "expected_failure, metric, CASE WHEN metric = 'wall_time' THEN NULL ELSE value END FROM results "
            "WHERE phase <> 'suite' ORDER BY ALL")


def test_two_shards_merged_are_the_unsharded_run(tmp_path: Path) -> None:
    from harness.engine_required import require_engine

    for engine in ("wasmtime", "node"):
        require_engine(engine)
    common = ["nightly", "--suite", "spec,features", "--engine", "wasmtime,node", "--no-progress"]
    whole = tmp_path / "whole.duckdb"
    procs = {db: harness(*common, "--db", str(db), "--out", str(tmp_path / db.stem), *extra, cwd=tmp_path)
             for db, extra in [(whole, []),
                               (tmp_path / "s1.duckdb", ["--shard", "1/2", "--run", "sharded"]),
                               (tmp_path / "s2.duckdb", ["--shard", "2/2", "--run", "sharded"])]}
    for db, proc in procs.items():
        assert proc.returncode == 0, (db, proc.stderr[-3000:])
    s1, s2 = rows_of(tmp_path / "s1.duckdb", IDENTITY), rows_of(tmp_path / "s2.duckdb", IDENTITY)
    assert s1 and s2  # both shards did some of the work ...
    spec_units = [{(r[1], r[3]) for r in rows if r[0] == "spec"} for rows in (s1, s2)]
    assert not spec_units[0] & spec_units[1]  # ... and no unit twice
    exported = tmp_path / "s2.parquet"
    assert harness("export", "--db", str(tmp_path / "s2.duckdb"), "--run", "all", "-o", str(exported),
                   cwd=tmp_path).returncode == 0
    merged = tmp_path / "merged.duckdb"
    proc = harness("merge", str(merged), str(tmp_path / "s1.duckdb"), str(exported), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["runs"][0]["run_id"] == "sharded"
    assert rows_of(merged, IDENTITY) == rows_of(whole, IDENTITY)
    # The merged run renders as one: one suite row per suite, every engine, and `report` works.
    suites = rows_of(merged, "SELECT suite, message FROM results WHERE phase = 'suite' ORDER BY suite")
    assert [s for s, _ in suites] == ["features", "spec"]
    assert all(json.loads(m)["engines"] == ["wasmtime", "node"] for _, m in suites)
    report = harness("report", "--db", str(merged), "--run", "sharded", "--json", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    whole_report = json.loads(harness("report", "--db", str(whole), "--json", cwd=tmp_path).stdout)
    assert json.loads(report.stdout)["features"] == whole_report["features"]
    counts = {e: v["counts"] for e, v in json.loads(report.stdout)["spec"]["engines"].items()}
    assert counts == {e: v["counts"] for e, v in whole_report["spec"]["engines"].items()}
