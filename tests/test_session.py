"""A session is one run: its finish runs whatever happens, suites can join it, and rows come from
one factory with the table's columns."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from engines.registry import make
from harness.rows import UnknownColumnError, rows_for
from harness.session import Session
from harness.store import COLUMNS, ResultsStore


def status(db: Path) -> list[tuple]:
    store = ResultsStore(db)
    try:
        return store.query("SELECT run_id, status FROM runs ORDER BY started")
    finally:
        store.close()


@pytest.mark.parametrize(("error", "expected"), [(None, "finished"), (KeyboardInterrupt, "interrupted"),
                                                 (RuntimeError, "failed")])
def test_finish_runs_whatever_happens_and_keeps_rows(tmp_path: Path, error, expected: str) -> None:
    db = tmp_path / "r.duckdb"
    session = Session(db, progress=False)
    with pytest.raises(error) if error else contextlib.nullcontext(), session:
        session.add_rows([session.rows("spec")(case="a", verdict="pass")])
        if error:
            raise error()
    session.close()
    assert status(db) == [(session.run_id, expected)]
    store = ResultsStore(db)
    assert store.query("SELECT \"case\", verdict FROM results") == [("a", "pass")]
    store.close()


def test_two_suites_in_one_session_and_joining_a_run(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with Session(db, run_id="nightly-1", progress=False) as session:
        node = make("node")
        session.add_engines([node])
        session.add_rows([session.rows("spec", node)(case="x", verdict="pass")])
        session.record_suite("spec", 1.5, {"engines": ["node"]})
        session.add_rows([session.rows("features")(case="simd", verdict="supported")])
        session.record_suite("features", 0.5, {"engines": ["node"]})
    session.close()
    again = Session(db, run_id="nightly-1", progress=False)
    again.add_engines([make("wasmtime")])
    again.close()
    assert status(db) == [("nightly-1", "finished")]
    store = ResultsStore(db)
    run = store.run("nightly-1")
    assert run is not None and set(json.loads(run["engines"])) == {"node", "wasmtime"}
    suites = sorted(store.query("SELECT suite FROM results WHERE phase = 'suite'"))
    assert suites == [("features",), ("spec",)]
    store.close()


def test_the_row_factory_fills_every_shared_column_and_rejects_unknown_ones() -> None:
    make_row = rows_for("run-1", "spec", "node", "20.0.0", "binary=node")
    row = make_row(file="a.wast", line=3, verdict="pass")
    assert set(row) <= set(COLUMNS)
    assert (row["run_id"], row["suite"], row["engine"], row["engine_version"], row["phase"]) == (
        "run-1", "spec", "node", "20.0.0", "run")
    with pytest.raises(UnknownColumnError, match="verdit"):
        make_row(verdit="pass")

