"""harness.worker.WorkerProcess against a scripted fake worker (tests/fake_worker.py): no engine.

Crashes, hangs, protocol errors and buffered replies are chosen command by command,
so every recovery path runs in well under a second. tests/test_recovery.py keeps
the checks that need a real engine's own behaviour.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engines.protocol import WorkerSpec
from harness.worker import WorkerError, WorkerProcess

FAKE = Path(__file__).with_name("fake_worker.py")
TIMEOUT = 0.3
# Short, but far above what a fake worker needs to answer a trivial command on a busy machine.
GRACE = 0.4


def fake_spec(*flags: str, buffers: bool = False, grace: float = GRACE) -> WorkerSpec:
    return WorkerSpec([sys.executable, str(FAKE), *flags], label="fake-label",
                      buffers_replies=buffers, reply_grace=grace)


def calls(*fields: str | tuple[str, int]) -> list[dict]:
    """Lowered `call` commands, one per field; ("slow", ms) passes an argument."""
    commands = []
    for i, f in enumerate(fields):
        name, args = (f[0], [["i32", str(f[1])]]) if isinstance(f, tuple) else (f, [])
        commands.append({"i": i, "do": "call", "instance": None, "field": name, "args": args,
                         "results": []})
    return commands


class Replies:
    """An on_reply callback that fails on a second reply for the same command."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(self, reply: dict) -> None:
        assert reply["i"] not in self.seen, f"second reply for command {reply['i']}: {reply}"
        self.seen.append(reply["i"])


def value(reply: dict) -> str:
    assert reply["ok"], reply
    [[kind, text]] = reply["values"]
    assert kind == "i32"
    return text


def error(reply: dict) -> tuple[str, str]:
    assert not reply["ok"], reply
    return reply["error"]["kind"], reply["error"]["message"]


def executed(log: Path) -> list[list[int]]:
    """Command indices each worker process executed, one list per process in start order."""
    runs: dict[str, list[int]] = {}
    for line in log.read_text().splitlines():
        pid, index, _ = line.split()
        runs.setdefault(pid, []).append(int(index))
    return list(runs.values())


# No test here needs more worker processes than this: a harness that restarts
# without end then fails with "worker did not start" instead of hanging the test.
MAX_STARTS = 5


@pytest.fixture
def make_worker(tmp_path: Path) -> Iterator:
    workers: list[WorkerProcess] = []

    def make(*flags: str, **kw: object) -> WorkerProcess:
        starts = tmp_path / f"starts-{len(workers)}"
        guard = ("--starts", str(starts), "--max-starts", str(MAX_STARTS))
        workers.append(WorkerProcess(fake_spec(*flags, *guard, **kw)))
        return workers[-1]

    yield make
    for worker in workers:
        worker.close()


def test_a_clean_run_keeps_one_process_and_fresh_state_per_run(make_worker) -> None:
    worker = make_worker()
    hello = worker.start()
    assert hello["ok"] and hello["version"] == "fake 1.0"
    assert worker.hello == hello
    pid = worker.pid
    assert pid is not None
    replies = Replies()
    got = worker.run_batch(calls("bump", "bump", "wrong", "trap", "other"), TIMEOUT, on_reply=replies)
    assert [value(got[0]), value(got[1]), value(got[2])] == ["1", "2", "999"]
    assert error(got[3]) == ("trap", "fake trap")
    assert got[4]["ok"]
    assert replies.seen == [0, 1, 2, 3, 4]  # as they arrived, in order
    # A second script on the same process starts from fresh state.
    assert value(worker.run_batch(calls("bump"), TIMEOUT)[0]) == "1"
    assert worker.restarts == 0 and worker.pid == pid
    worker.close()
    assert worker.pid is None


def test_fresh_starts_a_worker_again_unless_it_offers_a_fresh_page(make_worker) -> None:
    """The fake worker's greeting offers no `fresh`: WorkerProcess.fresh() gives a new process,
    as a CLI host needs for its own RSS; tests/test_browsers.py checks a browser's new page."""
    worker = make_worker()
    worker.start()
    pid = worker.pid
    assert "fresh" not in worker.hello
    worker.fresh()
    assert value(worker.run_batch(calls("bump"), TIMEOUT)[0]) == "1"
    assert worker.pid not in (None, pid)


@pytest.mark.parametrize("buffers", [False, True], ids=["careful", "buffered"])
def test_crash_is_its_commands_outcome_and_the_replay_rebuilds_state(
        make_worker, tmp_path: Path, buffers: bool) -> None:
    log = tmp_path / "log"
    worker = make_worker("--log", str(log), buffers=buffers)
    replies = Replies()
    got = worker.run_batch(calls("bump", "crash", "bump", "bump"), TIMEOUT, on_reply=replies)
    kind, message = error(got[1])
    assert kind == "crash"
    assert message == "worker died (exit code 3): fake worker: crashing on purpose at command 1"
    # The replay re-ran command 0 (its reply ignored), so the counter went on from 1.
    assert [value(got[0]), value(got[2]), value(got[3])] == ["1", "2", "3"]
    assert sorted(replies.seen) == [0, 1, 2, 3]
    if buffers:
        # The buffered reply to command 0 died with the worker: a careful replay found it
        # and the culprit, then a third process ran the rest without the culprit.
        assert executed(log) == [[0, 1], [0, 1], [0, 2, 3]]
        assert worker.restarts == 2
    else:
        assert executed(log) == [[0, 1], [0, 2, 3]]  # the crashing command was skipped
        assert worker.restarts == 1


def test_signal_death_names_the_signal(make_worker) -> None:
    worker = make_worker()
    got = worker.run_batch(calls("bump", "kill", "bump"), TIMEOUT)
    assert error(got[1]) == ("crash", "worker died (signal 9)")
    assert value(got[2]) == "2"


def test_hang_is_a_timeout_after_timeout_plus_grace(make_worker, tmp_path: Path) -> None:
    log = tmp_path / "log"
    worker = make_worker("--log", str(log))
    started = time.monotonic()
    got = worker.run_batch(calls("bump", "hang", "bump"), TIMEOUT)
    elapsed = time.monotonic() - started
    assert error(got[1]) == ("timeout", f"no reply within {TIMEOUT + GRACE:g} s; worker killed")
    assert value(got[2]) == "2"
    assert TIMEOUT + GRACE <= elapsed < TIMEOUT + GRACE + 3
    assert worker.restarts == 1
    # The hung process was killed and reaped, not left behind.
    hung = int(log.read_text().split()[0])
    with pytest.raises(ProcessLookupError):
        os.kill(hung, 0)


def test_buffered_hang_is_found_by_a_careful_replay(make_worker) -> None:
    worker = make_worker(buffers=True)
    replies = Replies()
    got = worker.run_batch(calls("bump", "hang", "bump"), TIMEOUT, on_reply=replies)
    assert error(got[1])[0] == "timeout"
    assert [value(got[0]), value(got[2])] == ["1", "2"]
    assert sorted(replies.seen) == [0, 1, 2]
    assert worker.restarts == 2  # killed once while buffering, once more in the careful replay


def test_a_slow_command_within_the_grace_is_not_a_hang(make_worker) -> None:
    # 0.4 s is beyond the command timeout (0.2 s) but within timeout + grace (1.2 s).
    worker = make_worker(grace=1.0)
    got = worker.run_batch(calls("bump", ("slow", 400), "bump"), 0.2)
    assert got[1]["ok"] and value(got[2]) == "2"
    assert worker.restarts == 0


def test_a_line_that_is_not_json_is_a_crash_that_says_so(make_worker) -> None:
    worker = make_worker()
    started = time.monotonic()
    got = worker.run_batch(calls("bump", "garbage", "bump"), TIMEOUT)
    kind, message = error(got[1])
    assert kind == "crash"
    assert message.startswith("worker wrote a line that is not JSON: ")
    # The worker is still alive after its stray line: it is killed at once, not awaited.
    assert time.monotonic() - started < 3
    assert value(got[0]) == "1" and value(got[2]) == "2"
    assert worker.restarts == 1


def test_buffered_replies_lost_in_a_death_are_recovered_exactly(make_worker, tmp_path: Path) -> None:
    log = tmp_path / "log"
    worker = make_worker("--log", str(log), buffers=True)
    replies = Replies()
    got = worker.run_batch(calls("bump", "flush", "bump", "crash", "bump"), TIMEOUT, on_reply=replies)
    # Replies 0 and 1 arrived before the death; 2 was held and lost. The careful replay
    # must not blame command 2 (the first without a reply) but the crash itself.
    assert error(got[3])[0] == "crash"
    assert [value(got[0]), value(got[2]), value(got[4])] == ["1", "2", "3"]
    assert got[1]["ok"]
    assert replies.seen[:2] == [0, 1] and sorted(replies.seen) == [0, 1, 2, 3, 4]
    assert executed(log) == [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 4]]
    assert worker.restarts == 2


def test_a_death_after_a_reply_keeps_it_and_blames_the_next_command(make_worker) -> None:
    worker = make_worker()
    replies = Replies()
    got = worker.run_batch(calls("bump", "die_after_reply", "bump"), TIMEOUT, on_reply=replies)
    assert got[1]["ok"]
    assert error(got[2]) == ("crash", "worker died (exit code 4)")
    assert sorted(replies.seen) == [0, 1, 2]
    # The dead worker is replaced for the next script.
    assert value(worker.run_batch(calls("bump"), TIMEOUT)[0]) == "1"


def test_a_worker_that_fails_hello_names_itself_and_its_stderr(make_worker) -> None:
    worker = make_worker("--fail-hello")
    with pytest.raises(WorkerError, match=r"^fake-label: worker did not start: "
                       r"fake worker: refusing to start \(--fail-hello\)$"):
        worker.start()
    assert worker.pid is None  # nothing left running
    # run_batch starts the worker itself, with the same error.
    with pytest.raises(WorkerError, match="worker did not start"):
        worker.run_batch(calls("bump"), TIMEOUT)


def test_a_refused_hello_without_stderr_shows_the_reply(make_worker) -> None:
    worker = make_worker("--refuse-hello")
    with pytest.raises(WorkerError, match=r"fake-label: worker did not start: .*'ok': False"):
        worker.start()


def test_a_worker_that_cannot_be_launched(tmp_path: Path) -> None:
    worker = WorkerProcess(WorkerSpec([str(tmp_path / "missing")], label="nowhere"))
    with pytest.raises(WorkerError, match=r"^nowhere: cannot start .*missing"):
        worker.start()


def test_a_reply_without_an_index_is_a_protocol_error(make_worker) -> None:
    worker = make_worker()
    with pytest.raises(WorkerError, match="fake-label: run failed: "):
        worker.run_batch(calls("bump", "noindex"), TIMEOUT)


def test_stderr_tail_keeps_messages_and_drops_backtrace_frames(make_worker) -> None:
    worker = make_worker()
    assert worker.run_batch(calls("stderr"), TIMEOUT)[0]["ok"]
    # stderr is read by its own thread: give it a moment to catch up with stdout.
    deadline = time.monotonic() + 5
    while "note" not in worker.stderr_tail() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert worker.stderr_tail() == "fake worker: note from command 0"


def test_a_worker_dies_with_a_harness_killed_outright(tmp_path: Path) -> None:
    """SIGKILL leaves the harness no time to kill its workers: the kernel must (a spinning engine
    would otherwise run on forever)."""
    parent = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
from engines.protocol import WorkerSpec
from harness.worker import WorkerProcess
w = WorkerProcess(WorkerSpec([sys.executable, {str(FAKE)!r}], label="orphan"))
w.start()
print(w.pid, flush=True)
w.run_batch([{{"i": 0, "do": "call", "instance": None, "field": "hang", "args": [], "results": []}}], 600)
"""
    import signal
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    os.kill(child, 0)  # running
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        with open(f"/proc/{child}/stat") as stat:
            if stat.read().split()[2] == "Z":  # dead, waiting for init to reap it
                return
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL)
    raise AssertionError("the worker outlived the harness that was killed")
