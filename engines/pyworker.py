"""What every Python engine worker shares: the JSON-lines loop and the per-command loop.

Standard library only, and valid Python 3.10: the Wasmer worker runs under 3.10.
A worker supplies `hello()` (its version line), `prepare(request)` (fresh
per-script state), `execute(cmd, state)` (one lowered command) and
`classify(error)` (an exception as a protocol error kind).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

# Exceptions that end the worker rather than become a command's outcome.
NOT_OURS = (KeyboardInterrupt, SystemExit, GeneratorExit)


class Reported(Exception):
    """A failure whose protocol error kind is already known."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) else value


def run_commands(request: dict, state: Any, execute: Callable[[dict, Any], list | None],
                 classify: Callable[[BaseException], dict], emit: Callable[[dict], None]) -> None:
    """Execute a script's commands in order, one reply each; skipped ones get none."""
    skip = set(request.get("skip", []))
    for cmd in request["commands"]:
        if cmd["i"] in skip:
            continue
        try:
            reply: dict[str, Any] = {"ok": True}
            out = execute(cmd, state)
            if out is not None:
                reply["values"] = out
        except BaseException as e:  # every failure is an outcome to report, not a worker crash
            if isinstance(e, NOT_OURS):
                raise
            reply = {"ok": False, "error": classify(e)}
        emit(dict(reply, i=cmd["i"]))


def serve(hello: Callable[[], dict], run: Callable[[dict, Callable[[dict], None]], None]) -> None:
    """Answer requests from stdin until `exit` or end of input."""
    out = sys.stdout

    def emit(obj: dict) -> None:
        # Flushed at once: a worker that dies has handed over everything it finished.
        out.write(json.dumps(obj) + "\n")
        out.flush()

    for line in sys.stdin:
        request = json.loads(line)
        rid = request.get("id")
        op = request.get("op")
        if op == "hello":
            emit({"id": rid, "ok": True, "features": {}, **hello()})
        elif op == "run":
            run(request, lambda obj, rid=rid: emit(dict(obj, id=rid)))
            emit({"id": rid, "done": True})
        elif op == "exit":
            break
        else:
            emit({"id": rid, "ok": False, "error": {"kind": "internal", "message": f"unknown op {op}"}})
