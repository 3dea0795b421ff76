"""harness.results: every frame's columns, dtypes and content, from a store written in the test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.results import BENCH_COLUMNS, ML_COLUMNS, UnknownRunError, load
from reports import bench as bench_report
from tests.synthetic_runs import Engine, Run, jittered, write

ENGINES = [Engine("wasmtime", "50.0"), Engine("chromium", "156"), Engine("firefox", "153"),
           Engine("native", "clang 19")]
GC = "proposals/gc/struct.wast"


def spec(firefox_i32: str) -> dict:
    rows = {}
    for e in ("wasmtime", "chromium", "firefox"):
        for line in (1, 2, 3):
            rows[(e, GC, line, f"get{line}")] = ("pass", False)
        rows[(e, "i32.wast", 5, "add")] = ("pass", False)
        rows[(e, "i32.wast", 6, "broken")] = ("fail", True)   # a deliberate failure, on every engine
    rows[("firefox", "i32.wast", 5, "add")] = (firefox_i32, False)
    rows[("chromium", GC, 3, "get3")] = ("skip", False)
    return rows


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("frames") / "r.duckdb"
    rng = np.random.default_rng(5)
    write(path, Run("r1", 0, ENGINES, git_commit="c1",
                    features={("wasmtime", "gc"): "supported", ("chromium", "gc"): "flag"},
                    spec=spec("fail"),
                    bench={("wasmtime", "matmul", "scalar"): jittered(2.0, rng=rng),
                           ("native", "matmul", "native"): jittered(1.0, rng=rng)},
                    ml={("native", "digits/b1", "onnxruntime:cpu:1"): [1.0, 1.1, 1.2, 1.3, 1.4],
                        ("chromium", "digits/b64", "ort:wasm:2"): [3.0, 3.3, 3.6, 3.9, 4.2]}))
    write(path, Run("r2", 1, [Engine("wasmtime", "51.0", "strategy=winch"), *ENGINES[1:]], git_commit="c2",
                    features={("wasmtime", "gc"): "supported", ("chromium", "gc"): "supported"},
                    spec=spec("pass"),
                    bench={("wasmtime", "matmul", "scalar"): jittered(3.0, rng=rng),
                           ("native", "matmul", "native"): jittered(1.0, rng=rng)}))
    return path


def test_runs_one_row_each_oldest_first_with_engines_and_suites(db: Path) -> None:
    runs = load(db).runs()
    assert runs["run_id"].tolist() == ["r1", "r2"]
    assert runs["started"].dtype.kind == "M" and runs["finished"].dtype.kind == "M"
    assert isinstance(runs["status"].dtype, pd.CategoricalDtype)
    assert runs["status"].tolist() == ["finished", "finished"]
    assert runs["git_commit"].tolist() == ["c1", "c2"] and runs["cpu_count"].dtype == "Int64"
    assert runs["suites"].tolist() == ["bench,features,ml,spec", "bench,features,spec"]
    assert runs["engines"][1]["wasmtime"] == {"version": "51.0", "flags": "strategy=winch"}
    engines = load(db).engines(run="all")
    assert list(engines.columns) == ["run_id", "engine", "version", "flags"]
    assert engines[(engines["run_id"] == "r2") & (engines["engine"] == "wasmtime")]["flags"].item() == \
        "strategy=winch"


def test_run_selectors_and_unknown_runs(db: Path) -> None:
    r = load(db)
    assert r.run_ids() == ["r2"] and r.run_ids("all") == ["r1", "r2"]
    assert r.run_ids("latest", "ml") == ["r1"]   # the newest run that has ml results
    assert r.run_ids(["r2", "r1"]) == ["r1", "r2"]
    with pytest.raises(UnknownRunError, match=r"r\.duckdb: no run 'bogus'"):
        r.bench(run="bogus")
    with pytest.raises(FileNotFoundError, match="no results database"):
        load(db.with_name("none.duckdb"))


def test_features_tidy_and_typed(db: Path) -> None:
    f = load(db).features(run="all")
    assert list(f.columns) == ["run_id", "engine", "engine_version", "feature", "answer", "detail"]
    assert list(f["answer"].cat.categories) == ["supported", "unsupported", "flag", "n/a", "error"]
    assert f["run_id"].cat.categories.tolist() == ["r1", "r2"]
    cells = {(r.run_id, r.engine): r.answer for r in f.itertuples()}
    assert cells == {("r1", "chromium"): "flag", ("r1", "wasmtime"): "supported",
                     ("r2", "chromium"): "supported", ("r2", "wasmtime"): "supported"}
    assert f.loc[(f["run_id"] == "r1") & (f["engine"] == "chromium"), "detail"].item() == "gc: not here"


def test_spec_counts_per_engine_and_file_with_proposal(db: Path) -> None:
    s = load(db).spec(run="r1")
    assert s["passed"].dtype == "int64" and isinstance(s["proposal"].dtype, pd.CategoricalDtype)
    assert len(s) == 6  # 3 engines x 2 files
    row = s[(s["engine"] == "firefox") & (s["file"] == "i32.wast")].iloc[0]
    assert (row.passed, row.failed, row.expected_failures, row.unexpected, row.commands) == (0, 2, 1, 1, 2)
    assert pd.isna(row.proposal) and row.wall_s == pytest.approx(0.01)
    gc = s[(s["engine"] == "chromium") & (s["file"] == GC)].iloc[0]
    assert (gc.proposal, gc.passed, gc.skipped) == ("gc", 2, 1)


def test_pass_rates_and_interop_leave_deliberate_failures_out(db: Path) -> None:
    r = load(db)
    rates = r.spec_rates(run="r1").set_index(["engine", "proposal"], dropna=False)
    assert rates.loc[("firefox", np.nan), ["passed", "tests"]].tolist() == [0, 1]
    assert rates.loc[("chromium", "gc"), ["passed", "tests"]].tolist() == [2, 3]
    assert rates.loc[("wasmtime", "gc"), "rate"] == 1.0
    interop = r.interop(run="all").set_index(["run_id", "scope", "proposal"], dropna=False)
    # r1: i32's `add` fails in Firefox, struct's get3 is skipped in Chromium: 2 of 3 gc tests pass in both.
    assert interop.loc[("r1", "browsers", np.nan), ["passing", "tests"]].tolist() == [0, 1]
    assert interop.loc[("r1", "browsers", "gc"), ["passing", "tests", "size"]].tolist() == [2, 3, 2]
    assert interop.loc[("r2", "browsers", np.nan), "score"] == 1.0
    assert interop.loc[("r2", "engines", "gc"), "configurations"] == "chromium,firefox,wasmtime"


def test_bench_is_the_bench_report_per_run_typed(db: Path) -> None:
    r = load(db)
    b = r.bench(run="all")
    assert list(b.columns) == list(BENCH_COLUMNS)
    assert {c: str(t) for c, t in b.dtypes.items()} == {c: str(pd.Series(dtype=t).dtype)
                                                        for c, t in BENCH_COLUMNS.items()}
    mine = b[(b["run_id"] == "r2") & (b["engine"] == "wasmtime") & (b["kernel"] == "matmul")
             & (b["phase"] == "execute")].iloc[0]
    expected = next(x for x in bench_report.summarize(r.rows("bench", "r2"))
                    if (x["engine"], x["kernel"], x["phase"]) == ("wasmtime", "matmul", "execute"))
    assert mine.median_s == expected["median_s"] and mine.ci_low_s == expected["ci_low_s"]
    assert mine.ratio_to_native == pytest.approx(3.0, rel=0.02) and mine.engine_flags == "strategy=winch"
    assert mine.samples == 21


def test_ml_summaries_with_unit_columns(db: Path) -> None:
    m = load(db).ml()
    assert list(m.columns) == list(ML_COLUMNS)
    assert m["run_id"].unique().tolist() == ["r1"]
    unit = m[m["engine"] == "chromium"].iloc[0]
    assert (unit.model, unit.batch, unit.runtime, unit.backend, unit.threads) == \
        ("digits", 64, "ort", "wasm", 2)
    assert unit.p50_s == pytest.approx(3.6) and unit.ci_low_s <= 3.6 <= unit.ci_high_s
    assert m["batch"].dtype == "int64" and m["samples"].dtype == "Int64"


def test_samples_and_medians(db: Path) -> None:
    r = load(db)
    s = r.samples(run="r1")
    execute = s[(s["engine"] == "wasmtime") & (s["phase"] == "execute")]
    assert len(execute) == 21 and execute["process"].tolist().count(2) == 7
    assert s["process"].dtype == "Int64" and s["value"].dtype == "float64"
    medians = r.medians(run="all")
    assert medians["run_id"].tolist().count("r1") == 4  # 2 engines x (compile, execute)
    one = medians[(medians["run_id"] == "r2") & (medians["engine"] == "wasmtime")
                  & (medians["phase"] == "execute")].iloc[0]
    values = r.samples(run="r2").query("engine == 'wasmtime' and phase == 'execute'")["value"]
    assert one.median_s == pytest.approx(float(np.median(values))) and one.samples == 21
    ml = r.samples("ml", run="r1")
    assert {"model", "batch", "runtime", "backend", "threads"} <= set(ml.columns) and len(ml) == 10
