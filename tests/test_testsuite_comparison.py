"""End to end: two nightly runs of a tiny directory shaped like the official testsuite (a core
script and `proposals/<name>/`), recorded as suite `testsuite`; between them one assertion is
changed so that it fails. `report --against` flags it under suite `testsuite`, apart from our
corpus, with the per-proposal pass rates before and after, in text, Markdown and JSON; the
nightly's own dashboard of the second run shows the flag and the rates that moved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from harness.engine_required import require_engine

ROOT = Path(__file__).resolve().parent.parent
ENGINE = "wasmtime"
CORE = """(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "add" (i32.const 2) (i32.const 2)) (i32.const 4))
"""
PROPOSAL = """(module
  (func (export "mul") (param i64 i64) (result i64) (i64.mul (local.get 0) (local.get 1))))
(assert_return (invoke "mul" (i64.const 3) (i64.const 4)) (i64.const {answer}))
(assert_return (invoke "mul" (i64.const 5) (i64.const 5)) (i64.const 25))
"""


def harness(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=600)


def write_testsuite(root: Path, answer: int) -> None:
    (root / "proposals" / "widening").mkdir(parents=True, exist_ok=True)
    (root / "add.wast").write_text(CORE)
    # Two passing commands; the first expects `answer` (12 passes, anything else fails).
    (root / "proposals" / "widening" / "mul.wast").write_text(PROPOSAL.format(answer=answer))


def test_a_testsuite_command_that_stops_passing_is_flagged_apart_from_the_corpus(tmp_path: Path) -> None:
    require_engine(ENGINE)
    suite, db = tmp_path / "testsuite", tmp_path / "r.duckdb"
    for run_id, answer in (("night-1", 12), ("night-2", 13)):
        write_testsuite(suite, answer)
        proc = harness("nightly", "--suite", "testsuite", "--testsuite", str(suite), "--engine", ENGINE,
                       "--db", str(db), "--run", run_id, "--out", str(tmp_path / run_id), "--no-progress",
                       cwd=tmp_path)
        # The second run has an unexpected failure: the testsuite runs --strict, so exit 1.
        assert proc.returncode == (0 if answer == 12 else 1), (run_id, proc.stdout, proc.stderr)

    text = harness("report", "--db", str(db), "--against", "previous", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "Flagged: 1 regression, 0 improvements" in text.stdout
    [line] = [x for x in text.stdout.splitlines() if x.startswith("REGRESSION")]
    assert line.split()[1:3] == ["testsuite", ENGINE] and "1 test no longer passing" in line
    assert "testsuite wasmtime 1 test no longer passing: proposals/widening/mul.wast:3" in text.stdout
    assert "(pass -> fail)" in text.stdout
    assert "Official testsuite pass rates" in text.stdout and "Spec pass rates" not in text.stdout

    document = json.loads(harness("report", "--db", str(db), "--against", "night-1", "--json",
                                  cwd=tmp_path).stdout)
    [flag] = document["flags"]
    assert (flag["kind"], flag["suite"], flag["engine"], flag["what"]) == (
        "regression", "testsuite", ENGINE, "1 test no longer passing")
    assert (flag["against"], flag["run"]) == ("night-1", "night-2")
    assert flag["examples"] == ["proposals/widening/mul.wast:3 assert_return mul (pass -> fail)"]
    assert document["spec"] == [] and document["interop"] == {}   # our corpus did not run
    rates = {r["proposal"]: (r["before_passed"], r["before_tests"], r["after_passed"], r["after_tests"])
             for r in document["testsuite"] if r["name"] == ENGINE}
    # Each script's module command counts as a test too: add.wast 3, mul.wast 3.
    assert rates == {None: (6, 6, 5, 6), "core": (3, 3, 3, 3), "widening": (3, 3, 2, 3)}
    widening = next(r for r in document["testsuite"] if r["proposal"] == "widening")
    assert widening["before_rate"] == 1.0 and abs(widening["after_rate"] - 2 / 3) < 1e-9
    engines = {r["proposal"]: r["after_passed"] for r in document["testsuite_interop"]["engines"]}
    assert engines == {None: 5, "core": 3, "widening": 2}

    markdown = harness("report", "--db", str(db), "--against", "night-1", "--markdown", cwd=tmp_path).stdout
    assert "## Official testsuite pass rates" in markdown
    cells = [[c.strip() for c in x.strip("|").split("|")] for x in markdown.splitlines() if x.startswith("|")]
    assert ["wasmtime", "widening", "3/3 (100.0%)", "2/3 (66.7%)", "-33.3 pp"] in cells, markdown

    # The nightly's dashboard of the second run compares it with the first.
    summary = (tmp_path / "night-2" / "dashboard" / "summary.md").read_text()
    [row] = [x for x in summary.splitlines() if x.startswith("| regression")]
    assert "testsuite" in row and "1 test no longer passing" in row
    page = (tmp_path / "night-2" / "dashboard" / "index.html").read_text()
    assert 'id="rate-change-table"' in page and "66.7% (2/3)" in page


def test_last_n_keeps_flagging_a_test_that_stopped_passing_some_runs_ago(tmp_path: Path) -> None:
    # night-2 breaks an assertion and night-3 to night-5 leave it broken; a flaky one (the other
    # mul assertion) fails at night-3 only. `--last 5` flags the lasting change once, between the
    # window's first run and the one before the last (the last pair changed nothing); the flaky
    # one nets to nothing there. `--last 2` (the unchanged last pair alone) flags nothing.
    require_engine(ENGINE)
    suite, db = tmp_path / "testsuite", tmp_path / "r.duckdb"
    for run_id, answer, square in (("night-1", 12, 25), ("night-2", 13, 25), ("night-3", 13, 24),
                                   ("night-4", 13, 25), ("night-5", 13, 25)):
        write_testsuite(suite, answer)
        mul = suite / "proposals" / "widening" / "mul.wast"
        mul.write_text(mul.read_text().replace("(i64.const 25))", f"(i64.const {square}))"))
        proc = harness("spec", "--testsuite", str(suite), "--engine", ENGINE, "--db", str(db), "--run",
                       run_id, "--no-progress", cwd=tmp_path)
        assert proc.returncode in (0, 1), (run_id, proc.stderr)

    def flags(*args: str) -> list[dict]:
        proc = harness("report", "--db", str(db), *args, "--json", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)["flags"]

    [flag] = flags("--last", "5")
    # `spec --testsuite` records suite spec (the nightly, suite testsuite): the same comparison.
    assert (flag["kind"], flag["suite"], flag["engine"], flag["what"]) == (
        "regression", "spec", ENGINE, "1 test no longer passing")
    assert (flag["against"], flag["run"]) == ("night-1", "night-4")
    assert flag["examples"] == ["proposals/widening/mul.wast:3 assert_return mul (pass -> fail)"]
    assert "earlier in the window" in flag["method"]
    assert flags("--last", "2") == []
    # night-3 to night-5: the flake's recovery at night-4 is what changed earlier in that window.
    [fixed] = flags("--last", "3")
    assert (fixed["kind"], fixed["what"], fixed["against"], fixed["run"]) == (
        "improvement", "1 test newly passing", "night-3", "night-4")
