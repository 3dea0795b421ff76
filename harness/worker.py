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


# See run_batch: how long a careful replay waits for a command that finished quickly the first time.
SUSPECT_WAIT_S = 2.0


class WorkerError(RuntimeError):
    """The worker could not be started or did not speak the protocol."""


@dataclass(frozen=True)
class EncodedCommands:
    """A batch's commands already encoded as one JSON array (a cached plan's), sent as is."""

    indices: list[int]  # each command's "i", in order
    json: bytes


@dataclass
class _Proc:
    popen: subprocess.Popen
    # Batches of reply lines as the reader thread finds them; None once stdout closes.
    lines: queue.Queue = field(default_factory=queue.Queue)
    # Replies taken from `lines`: decoded, or raw lines when their batch held a bad one.
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
        self._hello_id: int | None = None  # a greeting sent and not yet answered

    # --- lifecycle -----------------------------------------------------------
    def start(self) -> dict:
        """Start the worker unless it runs, and wait for its greeting."""
        self.ensure_started()
        return self.hello

    def launch(self) -> None:
        """Start the process and greet it without waiting for the answer, so that it starts
        while the caller does other work; the next request waits for the greeting."""
        if self._proc is not None and self._proc.popen.poll() is None:
            return
        env = dict(os.environ, **(self.spec.env or {}))
        program = self.spec.argv[0]
        if "/" in program and self.spec.cwd:
            program = os.path.join(self.spec.cwd, program)
        if _DIE_WITH_PARENT and shutil.which(program, path=env.get("PATH")) is None:
            # Said here: behind setpriv, a missing program would only be setpriv's complaint.
            raise WorkerError(f"{self.spec.label}: cannot start {self.spec.argv[0]}: "
                              "not found or not executable")
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
        self._hello_id = next(self._ids)
        with contextlib.suppress(OSError):  # a worker that died at once is reported by _finish_start
            self._send({"id": self._hello_id, "op": "hello"})

    def _finish_start(self) -> dict:
        proc = self._proc
        assert proc is not None and self._hello_id is not None
        hello_id, self._hello_id = self._hello_id, None
        reply = self._await(hello_id, timeout=60.0)
        if reply is None or not reply.get("ok"):
            # Let a dying worker finish writing why before reading it.
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(timeout=2)
            if proc.stderr_reader is not None:
                proc.stderr_reader.join(timeout=1)
            tail = self.stderr_tail()
            self.kill()
            raise WorkerError(f"{self.spec.label}: worker did not start: {tail or reply}")
        self.hello = reply
        return reply

    def ensure_started(self) -> None:
        self.launch()
        if self._hello_id is not None:
            self._finish_start()

    def fresh(self, timeout: float = 60.0) -> None:
        """A clean slate for the next command, as a new worker would give, at the lowest cost:
        a worker whose greeting offers `fresh` (a browser: a new page in a new browser context,
        with its own caches, workers and memory) makes one; any other is started again."""
        if self._proc is not None and self._proc.popen.poll() is None and self.hello.get("fresh"):
            reply = self._request({"op": "fresh"}, timeout)
            if reply is not None and reply.get("ok"):
                return
        self.close()  # a worker that could not make a fresh page is not trusted for the next command
        self.launch()

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
        self._send_line(json.dumps(message).encode())

    def _send_line(self, line: bytes) -> None:
        assert self._proc is not None and self._proc.popen.stdin is not None
        self._proc.popen.stdin.write(line + b"\n")
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
            try:
                # One decode per batch: per line, the call costs as much as the parse.
                proc.ready.extend(json.loads(b"[" + b",".join(batch) + b"]"))
            except json.JSONDecodeError:
                proc.ready.extend(batch)  # decoded one by one: the good lines before a bad one count
        reply = proc.ready.popleft()
        return json.loads(reply) if isinstance(reply, bytes) else reply

    def _request(self, message: dict, timeout: float) -> dict | None:
        message = dict(message, id=next(self._ids))
        try:
            self._send(message)
        except OSError:
            return None
        return self._await(message["id"], timeout)

    def _await(self, rid: int, timeout: float) -> dict | None:
        """The reply with id `rid`; None when the worker died, hung or wrote garbage."""
        try:
            while True:
                reply = self._next(timeout)
                if reply is None or reply.get("id") == rid:
                    return reply
        except (queue.Empty, json.JSONDecodeError):
            return None

    def run_batch(
        self,
        commands: Sequence[dict] | EncodedCommands,
        timeout: float,
        extra: dict | None = None,
        on_reply: Callable[[dict], None] | None = None,
    ) -> dict[int, dict]:
        """Run a whole script; return one reply per command index."""
        results: dict[int, dict] = {}
        skip: set[int] = set()
        if isinstance(commands, EncodedCommands):
            order, encoded = commands.indices, commands.json
        else:
            order, encoded = [c["i"] for c in commands], json.dumps(list(commands)).encode()
        position = {index: n for n, index in enumerate(order)}
        careful = not self.spec.buffers_replies
        wait = timeout + self.spec.reply_grace
        # After a hang in a batching worker: from this position on, replies may have been lost
        # with the worker, so the careful replay must find the culprit. A batching worker hands
        # over its replies at most 50 ms after the previous batch, before its next command
        # (page_host.mjs awaits each batch; pyworker.py writes it), so every command from here on
        # but the culprit finished within 50 ms the first time: the replay waits SUSPECT_WAIT_S
        # for them, not a whole timeout again.
        suspect_from: int | None = None
        hang: dict | None = None
        while True:
            self.ensure_started()
            request = {"op": "run", "skip": sorted(skip), "timeout": timeout, "careful": careful,
                       **(extra or {}), "id": next(self._ids)}
            last: int | None = None
            try:
                # The commands are spliced in as encoded: a script's can be megabytes.
                self._send_line(json.dumps(request).encode()[:-1] + b', "commands": ' + encoded + b"}")
                while True:
                    upcoming = 0 if last is None else position[last] + 1
                    # (Not the first reply: the page fetches the script and its modules before it.)
                    suspect = suspect_from is not None and upcoming >= max(suspect_from, 1)
                    reply = self._next(SUSPECT_WAIT_S if suspect else wait)
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
                outcome = hang if suspect and hang else {
                    "kind": "timeout", "message": f"no reply within {wait:g} s; worker killed"}
            self.kill()
            self.restarts += 1
            if not careful:
                careful = True  # finished replies may have died with the worker: find out exactly
                if outcome["kind"] == "timeout":
                    suspect_from = min((position[i] for i in order if i not in results), default=None)
                    hang = outcome
                continue
            suspect_from = hang = None
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
