"""A crash or a hang is the outcome of the command that caused it; the script goes on."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path

import pytest

from engines.registry import resolve
from harness.runinfo import new_run_id, now
from harness.spec_runner import SpecRunner
from tests.engine_required import require_engine

SCRIPT = """\
(module $m
  (func (export "spin") (loop (br 0)))
  (global $n (mut i32) (i32.const 0))
  (func (export "bump") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n)))
(register "m" $m)
(assert_return (invoke "bump") (i32.const 1))
(assert_return (invoke "spin"))
(assert_return (invoke "bump") (i32.const 2))
(module (import "m" "bump" (func (result i32)))
  (func (export "f") (result i32) (call 0)))
(assert_return (invoke "f") (i32.const 3))
"""


def verdicts(rows: list[dict]) -> dict[int, str]:
    return {r["line"]: r["verdict"] for r in rows if r.get("kind") != "script"}


def runner(tmp_path: Path, engine: str, timeout: float) -> SpecRunner:
    return SpecRunner(resolve([engine]), new_run_id(now()), root=tmp_path, timeout=timeout,
                      cache_root=tmp_path / "cache")


# How many times the harness restarts a worker for one hang: Wasmtime interrupts itself; a
# JS host is killed; a browser worker is killed twice (once more to replay carefully).
RESTARTS = {"wasmtime": 0, "node": 1, "chromium": 2, "firefox": 2}


@pytest.mark.parametrize("engine", list(RESTARTS))
def test_hang_is_a_timeout_and_state_is_rebuilt(tmp_path: Path, engine: str) -> None:
    require_engine(engine)
    script = tmp_path / "hang.wast"
    script.write_text(SCRIPT)
    # A cache outside the default one: a browser must still be served those files.
    r = runner(tmp_path, engine, timeout=2.0)
    worker = r._worker(r.engines[0]).process
    try:
        outcome = r.run_file(script, r.engines[0])
        assert worker.restarts == RESTARTS[engine]
    finally:
        r.close()
    got = verdicts(outcome.rows)
    assert got[7] == "timeout"
    # The counter was bumped once before the hang; the replayed prefix restores exactly that
    # state, so the bump after the hang gives 2 and the importing module's call 3.
    assert got[6] == got[8] == got[11] == "pass"
    message = next(row["message"] for row in outcome.rows if row["line"] == 7)
    if engine == "wasmtime":
        assert "epoch" in message  # the engine interrupted itself; no process was killed
    else:
        assert "worker killed" in message
    assert not _orphaned_browsers()


def _orphaned_browsers(wait: float = 10.0) -> list[str]:
    """Browser processes whose worker is gone (a worker's temporary directory names its pid)."""
    deadline = time.monotonic() + wait
    while True:
        orphans = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            match = re.search(r"wasm-harness-browsers-\d+/(\d+)-", cmdline)
            if match and not Path(f"/proc/{match[1]}").exists() and _state(proc) != "Z":
                orphans.append(f"{proc.name}: {cmdline[:120]}")
        if not orphans or time.monotonic() > deadline:
            return orphans
        time.sleep(0.2)


def _state(proc: Path) -> str:
    try:
        return (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "?"


def test_crash_is_recorded_and_the_worker_restarts(tmp_path: Path) -> None:
    script = tmp_path / "crash.wast"
    script.write_text(SCRIPT)
    r = runner(tmp_path, "wasmtime", timeout=30.0)
    worker = r._worker(r.engines[0]).process

    def abort_during_spin() -> None:
        # Give the worker time to reach the infinite loop, then kill it the way an
        # aborting engine dies (wasmtime-py aborts on some inputs). Not SIGSEGV:
        # wasmtime handles that signal itself while wasm code runs. Twice: the worker
        # buffers replies, so the harness replays the script carefully to find the culprit.
        deadline = time.monotonic() + 40
        for restarts in (0, 1):
            while time.monotonic() < deadline:
                proc = worker._proc
                if proc is not None and worker.restarts == restarts:
                    time.sleep(1.5)
                    os.kill(proc.popen.pid, signal.SIGABRT)
                    break
                time.sleep(0.05)

    killer = threading.Thread(target=abort_during_spin)
    killer.start()
    try:
        outcome = r.run_file(script, r.engines[0])
    finally:
        killer.join()
        r.close()
    got = verdicts(outcome.rows)
    assert got[7] == "crash"
    assert "signal 6" in next(row["message"] for row in outcome.rows if row["line"] == 7)
    assert got[6] == got[8] == got[11] == "pass"
    assert worker.restarts == 2
