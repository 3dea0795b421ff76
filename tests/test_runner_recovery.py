"""harness.spec_runner.SpecRunner end to end on a fake engine (tests/fake_worker.py): no engine.

Real .wast files go through conversion, planning and judging; the fake worker
crashes, hangs or misbehaves on the commands that ask for it, so the rows show
where each outcome lands and that everything after it still runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from engines.base import Availability, Engine
from engines.protocol import WorkerSpec
from harness.runinfo import new_run_id, now
from harness.spec_runner import SpecRunner

FAKE = Path(__file__).with_name("fake_worker.py")
TIMEOUT = 0.3
GRACE = 0.4


class FakeEngine(Engine):
    """An engine whose worker is the fake: `buffers` holds replies back, `fail_hello` never starts."""

    def availability(self) -> Availability:
        return Availability(True)

    def version(self) -> str:
        return "fake 1.0"

    def worker_spec(self) -> WorkerSpec:
        flags = ["--fail-hello"] if self.options.get("fail_hello") else []
        return WorkerSpec([sys.executable, str(FAKE), *flags], label=self.name,
                          buffers_replies=bool(self.options.get("buffers")), reply_grace=GRACE)


# The fake ignores the module's code; only the export names choose what it does.
MODULE = """\
(module
  (func (export "bump") (result i32) (i32.const 0))
  (func (export "wrong") (result i32) (i32.const 0))
  (func (export "crash")) (func (export "hang")) (func (export "kill"))
  (func (export "garbage")) (func (export "trap")))
"""
SCRIPT = MODULE + """\
(assert_return (invoke "bump") (i32.const 1))
(assert_return (invoke "crash"))
(assert_return (invoke "bump") (i32.const 2))
(assert_return (invoke "hang"))
(assert_return (invoke "bump") (i32.const 3))
(assert_return (invoke "wrong") (i32.const 4))
(assert_trap (invoke "trap") "fake trap")
(invoke "garbage")
(assert_return (invoke "bump") (i32.const 4))
"""
LINES = {"module": 1, "bump1": 6, "crash": 7, "bump2": 8, "hang": 9, "bump3": 10, "wrong": 11,
         "trap": 12, "garbage": 13, "bump4": 14}
CLEAN = MODULE + """\
(assert_return (invoke "bump") (i32.const 1))
(assert_return (invoke "bump") (i32.const 2))
"""


def runner(tmp_path: Path, *engines: Engine) -> SpecRunner:
    return SpecRunner(list(engines), new_run_id(now()), root=tmp_path, timeout=TIMEOUT,
                      cache_root=tmp_path / "cache")


def by_line(rows: list[dict]) -> dict[int, dict]:
    return {r["line"]: r for r in rows if r["kind"] != "script"}


@pytest.mark.parametrize("buffers", [False, True], ids=["careful", "buffered"])
def test_crash_hang_and_garbage_rows_land_on_their_lines(tmp_path: Path, buffers: bool) -> None:
    script = tmp_path / "script.wast"
    script.write_text(SCRIPT)
    engine = FakeEngine("fake", {"buffers": buffers})
    r = runner(tmp_path, engine)
    worker = r.worker(engine)
    try:
        outcome = r.run_file(script, engine)
        restarts = worker.restarts
    finally:
        r.close()
    rows = by_line(outcome.rows)
    verdicts = {name: rows[line]["verdict"] for name, line in LINES.items()}
    assert verdicts == {"module": "pass", "bump1": "pass", "crash": "crash", "bump2": "pass",
                        "hang": "timeout", "bump3": "pass", "wrong": "fail", "trap": "pass",
                        "garbage": "crash", "bump4": "pass"}
    assert rows[LINES["crash"]]["message"] == \
        "worker died (exit code 3): fake worker: crashing on purpose at command 2"
    assert rows[LINES["hang"]]["message"] == f"no reply within {TIMEOUT + GRACE:g} s; worker killed"
    assert "not JSON" in rows[LINES["garbage"]]["message"]
    assert "999" in rows[LINES["wrong"]]["message"]
    assert all(r["file"] == "script.wast" and r["engine"] == "fake" for r in outcome.rows)
    # One restart per crash, hang and garbage line; a buffering worker needs one more, to
    # replay carefully after the first death, and stays careful for the rest of the script.
    assert restarts == (4 if buffers else 3)
    assert not r.bad_input


def test_the_run_goes_on_past_a_broken_script_and_a_broken_engine(tmp_path: Path) -> None:
    (tmp_path / "script.wast").write_text(SCRIPT)
    (tmp_path / "clean.wast").write_text(CLEAN)
    good, broken = FakeEngine("fake"), FakeEngine("broken", {"fail_hello": True})
    r = runner(tmp_path, good, broken)
    done: list[tuple[str, str]] = []
    outcomes = r.run([tmp_path / "script.wast", tmp_path / "clean.wast"],
                     on_done=lambda o: done.append((o.file.name, o.engine)))
    assert sorted(done) == [("clean.wast", "broken"), ("clean.wast", "fake"),
                            ("script.wast", "broken"), ("script.wast", "fake")]
    rows = {(o.file.name, o.engine): o.rows for o in outcomes}
    # The clean script passes on the good engine although the script before it crashed it.
    assert [r["verdict"] for r in rows["clean.wast", "fake"] if r["kind"] != "script"] == ["pass"] * 3
    assert by_line(rows["script.wast", "fake"])[LINES["bump4"]]["verdict"] == "pass"
    # A worker that never starts is one crash row per script, and a bad-input line naming it.
    for name in ("script.wast", "clean.wast"):
        [row] = [r for r in rows[name, "broken"] if r.get("verdict")]
        assert row["kind"] == "script" and row["verdict"] == "crash" and row["line"] == 0
        assert "broken: worker did not start: fake worker: refusing to start" in row["message"]
    assert sorted(str(p) for p in r.bad_input) == [
        f"{name}: broken: worker did not start: fake worker: refusing to start (--fail-hello)"
        for name in ("clean.wast", "script.wast")]
