"""Engine worker processes: JSON lines over pipes, with crash and hang recovery.

A worker may die (abort, segfault) or hang (an infinite loop the engine cannot
interrupt). Either way the command in flight gets that outcome, a new worker
starts, and the script runs again with that command skipped; replies we
already hold are ignored, so nothing finished is lost.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from engines.protocol import WorkerSpec

# A worker runs in its own session (so Ctrl-C reaches only the harness, which kills workers
# itself); if the harness is killed outright (SIGKILL), the kernel kills the worker too, or a
# spinning engine would run on forever. setpriv (util-linux) sets that and execs the worker.
_DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []


class WorkerError(RuntimeError):
    """The worker could not be started or did not speak the protocol."""


@dataclass
class _Proc:
    popen: subprocess.Popen
    # Batches of reply lines as the reader thread finds them; None once stdout closes.
    lines: queue.Queue = field(default_factory=queue.Queue)
    ready: collections.deque = field(default_factory=collections.deque)
    stderr: collections.deque = field(default_factory=lambda: collections.deque(maxlen=30))
    stderr_reader: threading.Thread | None = None


class WorkerProcess:
    """One engine worker; restarted on demand."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self._proc: _Proc | None = None
        self._ids = itertools.count(1)
        self.hello: dict = {}
        self.restarts = 0

    # --- lifecycle -----------------------------------------------------------
    def start(self) -> dict:
        env = dict(os.environ, **(self.spec.env or {}))
        try:
            popen = subprocess.Popen(
                [*_DIE_WITH_PARENT, *self.spec.argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env, cwd=self.spec.cwd, start_new_session=True,
            )
        except OSError as e:
            raise WorkerError(f"{self.spec.label}: cannot start {self.spec.argv[0]}: {e}") from e
        proc = _Proc(popen)
        threading.Thread(target=_pump, args=(popen.stdout, proc.lines), daemon=True).start()
        proc.stderr_reader = threading.Thread(target=_drain, args=(popen.stderr, proc.stderr), daemon=True)
        proc.stderr_reader.start()
        self._proc = proc
        reply = self._request({"op": "hello"}, timeout=60.0)
        if reply is None or not reply.get("ok"):
            # Let a dying worker finish writing why before reading it.
            with contextlib.suppress(subprocess.TimeoutExpired):
                popen.wait(timeout=2)
            if proc.stderr_reader is not None:
                proc.stderr_reader.join(timeout=1)
            tail = self.stderr_tail()
            self.kill()
            raise WorkerError(f"{self.spec.label}: worker did not start: {tail or reply}")
        self.hello = reply
        return reply

    def ensure_started(self) -> None:
        if self._proc is None or self._proc.popen.poll() is not None:
            self.start()

    def kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.popen.pid, signal.SIGKILL)
        proc.popen.wait()

    def close(self) -> None:
        self.ask_to_exit()
        self.wait_and_kill(self.spec.exit_grace)

    def ask_to_exit(self) -> None:
        """The first half of close(): closing many workers at once, ask them all first."""
        proc = self._proc
        if proc is not None and proc.popen.poll() is None:
            with contextlib.suppress(OSError):
                self._send({"id": 0, "op": "exit"})

    def wait_and_kill(self, timeout: float = 2.0) -> None:
        proc = self._proc
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(timeout=timeout)
        self.kill()

    @property
    def pid(self) -> int | None:
        """The current worker process's id; None before start() and once it is killed."""
        return self._proc.popen.pid if self._proc is not None else None

    def stderr_tail(self) -> str:
        """What the worker said on stderr, without backtrace frames: the panic or error lines."""
        if not self._proc:
            return ""
        lines = [ln.strip() for ln in self._proc.stderr
                 if ln.strip() and not ln.startswith((" ", "\t")) and not ln.startswith(
                     ("stack backtrace:", "note: Some details", "note: run with", "Traceback ("))]
        return " | ".join(lines[-6:])

    # --- requests ------------------------------------------------------------
    def _send(self, message: dict) -> None:
        assert self._proc is not None and self._proc.popen.stdin is not None
        self._proc.popen.stdin.write(json.dumps(message).encode() + b"\n")
        self._proc.popen.stdin.flush()

    def _next(self, timeout: float) -> dict | None:
        """The next reply; None when the worker died; raises queue.Empty on a hang."""
        proc = self._proc
        assert proc is not None
        if not proc.ready:
            batch = proc.lines.get(timeout=timeout)
            if batch is None:
                proc.lines.put(None)  # stay closed for later calls
                return None
            proc.ready.extend(batch)
        return json.loads(proc.ready.popleft())

    def _request(self, message: dict, timeout: float) -> dict | None:
        message = dict(message, id=next(self._ids))
        try:
            self._send(message)
            while True:
                reply = self._next(timeout)
                if reply is None or reply.get("id") == message["id"]:
                    return reply
        except (OSError, queue.Empty, json.JSONDecodeError):
            return None

    def run_batch(
        self,
        commands: Sequence[dict],
        timeout: float,
        extra: dict | None = None,
        on_reply: Callable[[dict], None] | None = None,
    ) -> dict[int, dict]:
        """Run a whole script; return one reply per command index."""
        results: dict[int, dict] = {}
        skip: set[int] = set()
        order = [c["i"] for c in commands]
        careful = not self.spec.buffers_replies
        wait = timeout + self.spec.reply_grace
        while True:
            self.ensure_started()
            request = {"op": "run", "commands": list(commands), "skip": sorted(skip),
                       "timeout": timeout, "careful": careful, **(extra or {})}
            request["id"] = next(self._ids)
            last: int | None = None
            try:
                self._send(request)
                while True:
                    reply = self._next(wait)
                    if reply is None:
                        raise _Died
                    if reply.get("id") != request["id"]:
                        continue
                    if reply.get("done"):
                        return results
                    if "i" not in reply:
                        raise WorkerError(f"{self.spec.label}: run failed: {reply}")
                    last = reply["i"]
                    if last not in results:
                        results[last] = reply
                        if on_reply:
                            on_reply(reply)
            except (_Died, OSError, json.JSONDecodeError) as e:
                outcome = {"kind": "crash", "message": self._death_message(e)}
            except queue.Empty:
                outcome = {"kind": "timeout", "message": f"no reply within {wait:g} s; "
                           "worker killed"}
            self.kill()
            self.restarts += 1
            if not careful:
                careful = True  # finished replies may have died with the worker: find out exactly
                continue
            culprit = _in_flight(order, skip, last)
            if culprit is None:
                return results
            skip.add(culprit)
            results[culprit] = {"i": culprit, "ok": False, "error": outcome}
            if on_reply:
                on_reply(results[culprit])

    def _death_message(self, error: Exception) -> str:
        if isinstance(error, json.JSONDecodeError):
            # The worker may well be alive (an engine printing to stdout): waiting for it to
            # exit would only cost the 5 s below before it is killed.
            return f"worker wrote a line that is not JSON: {error}"
        proc = self._proc
        code = None
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = proc.popen.wait(timeout=5)
            if proc.stderr_reader is not None:
                proc.stderr_reader.join(timeout=1)
        tail = self.stderr_tail()
        reason = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return f"worker died ({reason})" + (f": {tail}" if tail else "")


class _Died(Exception):
    pass


def _in_flight(order: list[int], skip: set[int], last: int | None) -> int | None:
    """The command a worker was running when it stopped answering."""
    start = 0 if last is None else order.index(last) + 1
    for index in order[start:]:
        if index not in skip:
            return index
    return None


def _pump(stream, lines: queue.Queue) -> None:
    """Read replies in large chunks and hand over every complete line at once.

    A worker writes each reply as soon as it has it, so nothing is lost when it
    dies; reading them in bulk spares a thread hand-off per reply.
    """
    fd = stream.fileno()
    rest = b""
    while chunk := os.read(fd, 1 << 16):
        *complete, rest = (rest + chunk).split(b"\n")
        if complete:
            lines.put(complete)
    lines.put(None)


def _drain(stream, tail: collections.deque) -> None:
    for line in stream:
        tail.append(line.decode(errors="replace").rstrip("\n"))
