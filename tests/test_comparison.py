"""Runs compared (reports/comparison.py, `wasm-harness report --against/--last`): regressions are
flagged only when significant and beyond the drift threshold, with their evidence; an unchanged
re-run is not flagged; step detection over a history; the command's forms and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from harness import cli
from harness.results import load
from reports import comparison, steps
from reports.comparison import DRIFT_THRESHOLD, IMPROVEMENT, REGRESSION
from tests.synthetic_runs import Engine, Run, jittered, write
from tests.test_results_frames import ENGINES, spec

KERNELS = ("matmul", "conv2d", "fft", "sort", "sha256", "blur", "nqueens", "blas1")
CENTERS = dict(zip(KERNELS, (2e-3, 5e-3, 1e-3, 8e-4, 3e-3, 4e-3, 6e-4, 1.5e-3), strict=True))


def nightly(run_id: str, day: int, rng: np.random.Generator, slow: dict[str, float] | None = None,
            wasmtime: Engine | None = None, commit: str = "c1", drift: float = 0.004) -> Run:
    """Every kernel on wasmtime and node: 3 processes x 7 samples with 0.3% noise within a run,
    each run shifted as a whole by up to `drift` (what separates runs made at different times)."""
    bench = {}
    for engine in ("wasmtime", "node"):
        for kernel, center in CENTERS.items():
            factor = (slow or {}).get(f"{engine}/{kernel}", 1.0)
            shift = 1 + drift * rng.uniform(-1, 1)
            bench[(engine, kernel, "scalar")] = jittered(center * factor * shift, rng=rng)
    engines = [wasmtime or Engine("wasmtime", "50.0"), Engine("node", "20.19")]
    return Run(run_id, day, engines, git_commit=commit, bench=bench)


def test_an_unchanged_rerun_is_not_flagged(tmp_path: Path) -> None:
    rng = np.random.default_rng(21)
    db = tmp_path / "r.duckdb"
    write(db, nightly("a", 0, rng))
    write(db, nightly("b", 1, rng))
    c = comparison.compare(load(db), "b", "a")
    assert c.flags == []
    assert len(c.timings) == 16 and all(t.ratio is not None and t.verdict == "" for t in c.timings)
    # The runs do differ, a little: some differences are significant within the runs' own intervals,
    # which is why the threshold exists.
    assert any(t.p_value < 0.05 for t in c.timings)
    assert all(abs(t.ratio.value - 1) < DRIFT_THRESHOLD for t in c.timings)


def test_an_engine_made_slower_is_flagged_with_its_evidence(tmp_path: Path) -> None:
    rng = np.random.default_rng(22)
    db = tmp_path / "r.duckdb"
    write(db, nightly("a", 0, rng))
    write(db, nightly("b", 1, rng, slow={"wasmtime/matmul": 1.25, "node/sort": 0.8},
                      wasmtime=Engine("wasmtime", "51.0", "opt-level=0"), commit="c2"))
    c = comparison.compare(load(db), "b", "a")
    assert [(f.kind, f.engine, f.what) for f in c.flags] == [
        (REGRESSION, "wasmtime", "matmul/scalar"), (IMPROVEMENT, "node", "sort/scalar")]
    flag = c.flags[0]
    assert flag.suite == "bench" and flag.run == "b" and flag.against == "a"
    assert flag.before.value == pytest.approx(2e-3, rel=0.01)
    assert flag.after.value == pytest.approx(2.5e-3, rel=0.01)
    assert flag.before.low < flag.before.value < flag.before.high
    assert flag.ratio.value == pytest.approx(1.25, rel=0.01) and flag.ratio.low > 1
    assert flag.p_value < 1e-4 and flag.threshold == DRIFT_THRESHOLD
    assert flag.changes == ["wasmtime version 50.0 -> 51.0", "wasmtime flags (none) -> opt-level=0",
                            "harness commit c1 -> c2"]
    assert c.flags[1].changes == ["harness commit c1 -> c2"]
    assert c.regressions == [flag]
    timing = next(t for t in c.timings if (t.engine, t.unit) == ("wasmtime", "matmul/scalar"))
    assert timing.verdict == REGRESSION


def test_a_flag_needs_both_significance_and_size(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    tight, loose = np.random.default_rng(1), np.random.default_rng(2)
    # 2% slower with 0.1% noise: significant, but within the default threshold.
    for run_id, center in (("a", 1.0), ("b", 1.02)):
        write(db, Run(run_id, ord(run_id), [Engine("e")],
                      bench={("e", "k", "scalar"): jittered(center, spread=0.001, rng=tight)}))
    # 30% slower but with 40% noise and one process of 3 samples: not significant.
    for run_id, center in (("c", 1.0), ("d", 1.3)):
        write(db, Run(run_id, ord(run_id), [Engine("e")],
                      bench={("e", "k", "scalar"): jittered(center, 1, 3, 0.4, rng=loose)}))
    r = load(db)
    small = comparison.compare(r, "b", "a")
    assert small.flags == [] and small.timings[0].p_value < 1e-4
    assert [f.kind for f in comparison.compare(r, "b", "a", threshold=0.01).flags] == [REGRESSION]
    noisy = comparison.compare(r, "d", "c", threshold=0.0)
    assert noisy.flags == [] and noisy.timings[0].p_value >= 0.05


def test_step_detection_finds_the_step_and_not_the_noise() -> None:
    rng = np.random.default_rng(3)
    flat = 1 + 0.003 * rng.standard_normal(30)
    assert steps.detect(flat, 0.01) == []
    stepped = np.concatenate([flat[:20], 1.2 * flat[20:]])
    [step] = steps.detect(stepped, 0.01)
    assert step.index == 20 and step.ratio == pytest.approx(1.2, rel=0.01)
    # A unit whose runs wander by 3% is not flagged for a 5% wobble: the step must beat its noise.
    wandering = 1 + 0.03 * rng.standard_normal(30)
    assert steps.detect(wandering, 0.01) == []
    assert steps.noise(wandering) > 0.01
    # The last run alone can be the new level (last night's regression).
    [last] = steps.detect([1.0, 1.001, 0.999, 1.0, 1.3], 0.05)
    assert last.index == 4


def test_history_flags_the_step_with_the_runs_around_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    db = tmp_path / "r.duckdb"
    for day in range(12):
        slow = {"node/fft": 1.3} if day >= 8 else None
        write(db, nightly(f"n{day:02}", day, rng, slow=slow, commit="c2" if day >= 8 else "c1"))
    r = load(db)
    runs = r.run_ids("all")
    c = comparison.history(r, runs, DRIFT_THRESHOLD)
    assert c.history == runs and c.run.run_id == "n11" and c.against.run_id == "n10"
    assert [(f.kind, f.engine, f.what, f.against, f.run) for f in c.flags] == [
        (REGRESSION, "node", "fft/scalar", "n07", "n08")]
    assert "step over the last 12 runs" in c.flags[0].method
    assert c.flags[0].changes == ["harness commit c1 -> c2"]
    # The last night against the one before: nothing new.
    assert comparison.compare(r, "n11", "n10").flags == []


def test_a_unit_that_wanders_must_change_by_more_than_it_wanders(tmp_path: Path) -> None:
    """FFT drifts by a few percent from run to run: with its history in the store, a 7% change is
    not flagged, though it is significant and beyond a 5% threshold; a 30% change is."""
    rng = np.random.default_rng(6)
    db = tmp_path / "r.duckdb"
    centers = list(1 + 0.03 * rng.standard_normal(8))
    centers += [1.07 * centers[-1], 1.3 * 1.07 * centers[-1]]
    for day, center in enumerate(centers):
        write(db, Run(f"w{day}", day, [Engine("e")],
                      bench={("e", "fft", "scalar"): jittered(center, spread=0.001, rng=rng)}))
    r = load(db)
    small = comparison.compare(r, "w8", "w7", threshold=0.05)
    ratio = small.timings[0].ratio.value
    assert ratio == pytest.approx(1.07, abs=0.005)
    assert small.timings[0].p_value < 0.01 and small.flags == []
    [flag] = comparison.compare(r, "w9", "w8", threshold=0.05).flags
    assert flag.kind == REGRESSION and "run-to-run noise over 9 runs" in flag.method


def test_features_and_spec_changes_are_flagged(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    write(db, Run("a", 0, ENGINES, features={("wasmtime", "gc"): "supported", ("chromium", "gc"): "flag"},
                  spec=spec("pass")))
    worse = spec("fail")
    worse[("wasmtime", "proposals/gc/struct.wast", 2, "get2")] = ("crash", False)
    write(db, Run("b", 1, ENGINES, spec=worse,
                  features={("wasmtime", "gc"): "unsupported", ("chromium", "gc"): "supported"}))
    c = comparison.compare(load(db), "b", "a")
    assert [(f.kind, f.suite, f.engine, f.what) for f in c.flags] == [
        (REGRESSION, "features", "wasmtime", "gc"),
        (REGRESSION, "spec", "firefox", "1 test no longer passing"),
        (REGRESSION, "spec", "wasmtime", "1 test no longer passing"),
        (IMPROVEMENT, "features", "chromium", "gc")]
    assert c.flags[2].examples == ["proposals/gc/struct.wast:2 get2 (pass -> crash)"]
    rates = {(p.name, p.proposal): (p.before, p.after) for p in c.spec}
    assert rates[("firefox", None)] == (1.0, 0.75)
    assert rates[("wasmtime", "gc")] == (1.0, pytest.approx(2 / 3))
    browsers = {p.proposal: (p.before_passed, p.after_passed, p.after_tests) for p in c.interop["browsers"]}
    assert browsers == {None: (3, 2, 4), "core": (1, 0, 1), "gc": (2, 2, 3)}


def test_the_official_testsuite_is_compared_apart_from_the_corpus(tmp_path: Path) -> None:
    """Same file names in both suites (the testsuite has a traps.wast too): each suite's flags and
    rates are its own; a file an engine ran before and skipped whole now is `not run`."""
    db = tmp_path / "r.duckdb"
    official = {(e, f, line, f"t{line}"): ("pass", False) for e in ("wasmtime", "chromium")
                for f in ("i32.wast", "proposals/gc/struct.wast") for line in (1, 2)}
    write(db, Run("a", 0, ENGINES, spec=spec("pass"), testsuite=official))
    later = {k: v for k, v in official.items() if k[:2] != ("chromium", "proposals/gc/struct.wast")}
    later[("wasmtime", "i32.wast", 2, "t2")] = ("fail", False)
    later[("firefox", "i32.wast", 1, "t1")] = ("pass", False)   # an engine the first run lacked
    write(db, Run("b", 1, ENGINES, spec=spec("pass"), testsuite=later))
    c = comparison.compare(load(db), "b", "a")
    assert [(f.kind, f.suite, f.engine, f.what, f.examples) for f in c.flags] == [
        (REGRESSION, "testsuite", "chromium", "2 tests no longer passing",
         ["proposals/gc/struct.wast:1 t1 (pass -> not run)",
          "proposals/gc/struct.wast:2 t2 (pass -> not run)"]),
        (REGRESSION, "testsuite", "wasmtime", "1 test no longer passing", ["i32.wast:2 t2 (pass -> fail)"])]
    assert {(p.name, p.proposal): (p.before, p.after) for p in c.spec if p.name == "firefox"} == {
        ("firefox", None): (1.0, 1.0), ("firefox", "core"): (1.0, 1.0), ("firefox", "gc"): (1.0, 1.0)}
    rates = {(p.name, p.proposal): (p.before_passed, p.before_tests, p.after_passed, p.after_tests)
             for p in c.testsuite}
    assert rates[("wasmtime", "core")] == (2, 2, 1, 2) and rates[("chromium", "gc")] == (2, 2, 0, 2)
    assert rates[("firefox", None)] == (None, None, 1, 4)
    interop = {p.proposal: p.after_passed for p in c.testsuite_interop["engines"]}
    assert interop == {None: 1, "core": 1, "gc": 0}
    document = c.to_dict()
    assert document["testsuite"][0]["before_rate"] is not None
    assert {s: len(r) for s, r in document["testsuite_interop"].items()} == {"browsers": 3, "engines": 3}


def report(*args: str, capsys) -> tuple[int, str, str]:
    code = cli.main(["report", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def two_nights(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    db = tmp_path / "r.duckdb"
    write(db, nightly("a", 0, rng))
    write(db, nightly("b", 1, rng, slow={"wasmtime/sha256": 1.5}))
    return db


def test_report_against_previous_prints_the_comparison(two_nights: Path, tmp_path: Path, capsys) -> None:
    code, out, err = report("--db", str(two_nights), "--against", "previous", "--out", str(tmp_path / "o"),
                            capsys=capsys)
    assert code == 0, err
    assert out.startswith("Run b (") and "against a (" in out
    assert "Flagged: 1 regression, 0 improvements" in out
    [line] = [x for x in out.splitlines() if x.startswith("REGRESSION")]
    assert line.split()[1:4] == ["bench", "wasmtime", "sha256/scalar"]
    assert (tmp_path / "o" / "comparison.md").read_text().startswith("# Comparison")
    assert json.loads((tmp_path / "o" / "comparison.json").read_text())["run"]["run_id"] == "b"
    code, _, _ = report("--db", str(two_nights), "--against", "a", "--fail-on-regression", capsys=capsys)
    assert code == 1


def test_report_json_and_markdown(two_nights: Path, capsys) -> None:
    code, out, _ = report("--db", str(two_nights), "--last", "5", "--json", capsys=capsys)
    document = json.loads(out)
    assert code == 0 and set(document) == {"db", "run", "against", "threshold", "history", "features",
                                           "spec", "interop", "testsuite", "testsuite_interop", "timings",
                                           "flags"}
    assert document["history"] == ["a", "b"]
    [flag] = document["flags"]
    assert set(flag) == {"kind", "suite", "engine", "what", "run", "against", "before", "after", "ratio",
                         "p_value", "threshold", "method", "changes", "examples"}
    assert flag["kind"] == "regression" and set(flag["before"]) == {"value", "low", "high", "samples"}
    code, out, _ = report("--db", str(two_nights), "--against", "a", "--markdown", "--threshold", "60%",
                          capsys=capsys)
    assert "## Flagged: 0 regressions, 0 improvements" in out
    assert any(x.startswith("| wasmtime | sha256/scalar") for x in out.splitlines())


def test_report_comparison_bad_input(two_nights: Path, capsys) -> None:
    code, _, err = report("--db", str(two_nights), "--against", "zzz", capsys=capsys)
    assert code == 2 and f"{two_nights}: no run 'zzz'" in err
    code, _, err = report("--db", str(two_nights), "--run", "nope", "--against", "a", capsys=capsys)
    assert code == 2 and "no run 'nope'" in err
    code, _, err = report("--db", str(two_nights), "--run", "a", "--against", "previous", capsys=capsys)
    assert code == 2 and "no run before a" in err
    code, _, err = report("--db", str(two_nights), "--run", "a", "--last", "3", capsys=capsys)
    assert code == 2 and "run a has no earlier run" in err
    with pytest.raises(SystemExit) as exit_info:
        report("--db", str(two_nights), "--last", "1", capsys=capsys)
    assert exit_info.value.code == 2 and "at least 2 runs" in capsys.readouterr().err
    code, _, err = report("--db", str(two_nights), "--markdown", capsys=capsys)
    assert code == 2 and "go with --against or --last" in err
