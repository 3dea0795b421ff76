"""Real engines hang: each recovers its own way, and the script goes on with its state rebuilt.

The generic crash, hang and replay logic is tested without engines against a fake
worker (tests/test_worker_recovery.py, tests/test_runner_recovery.py); these tests
check what only a real engine shows: whether it interrupts itself (Wasmtime's epochs)
or must be killed, and that a browser leaves no process behind.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from engines.registry import resolve
from harness.engine_required import require_engine
from harness.runinfo import new_run_id, now
from harness.spec_runner import SpecRunner

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
    worker = r.worker(r.engines[0])
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

