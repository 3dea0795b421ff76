"""The worker protocol: what the harness and the engine workers agree on, and nothing else.

Both sides import this module and only this one from each other: the harness
(harness/worker.py) starts a worker from a `WorkerSpec` and sends it messages;
an engine adapter (engines/) builds the spec and its worker answers. The
messages are JSON lines; their shapes are the TypedDicts below (ARCHITECTURE.md,
"Worker protocol", says what each field means). Standard library only, and
valid Python 3.10, so the Wasmer worker's interpreter can import it too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

# The checkout (or installed tree) holding harness/, engines/, suites/ and reports/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# What a failed command's error says it was. `crash` and `timeout` are given by the harness
# when a worker dies or stops answering; a worker that interrupts itself says `timeout` too.
ERROR_KINDS = ("compile", "link", "trap", "exhaustion", "exception", "timeout", "unsupported",
               "internal", "crash")


# Time a worker gets beyond a command's own timeout before it counts as hung and is killed:
# process start, spectest set-up, and the engine's own interruption all fit in it.
GRACE_SECONDS = 5.0


def cache_root() -> Path:
    """Where converted scripts, wrappers and built workloads live; workers may read all of it."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wasm-harness"


@dataclass
class WorkerSpec:
    """How to start an engine's worker: the one thing an adapter hands the harness."""

    argv: list[str]
    env: dict[str, str] | None = None
    cwd: str | None = None
    label: str = "worker"
    # A worker that sends replies in batches (a browser page) may die with finished
    # replies unsent; after a death or hang it is asked to replay `careful`ly, one
    # reply at a time, so the first command without a reply is the culprit.
    buffers_replies: bool = False
    # Seconds a worker gets to exit on its own at the end of a run before it is killed.
    # A browser worker's orderly shutdown costs more than killing it (its browser dies
    # with it, and the next browser worker clears what it left behind).
    exit_grace: float = 2.0
    # Seconds beyond a command's timeout before a silent worker counts as hung and is
    # killed. Only tests with a fake worker (no slow start, no engine) shorten it.
    reply_grace: float = GRACE_SECONDS


class Command(TypedDict, total=False):
    """One lowered command of a `run` request (`do` says which; see ARCHITECTURE.md)."""

    i: int
    do: str
    file: str
    name: str | None
    instance: str | None
    field: str
    args: list[list[Any]]
    results: list[str]
    wrapper: dict[str, str]
    code: str
    files: list[str]


class RunRequest(TypedDict, total=False):
    id: int
    op: str                 # "hello", "run" or "exit"
    commands: list[Command]
    spectest: list[str]     # module files instantiated fresh for every run, in order
    skip: list[int]         # commands not to execute (they crashed or hung a previous worker)
    timeout: float
    careful: bool           # one reply line per command, each as soon as it is known


class ErrorInfo(TypedDict):
    kind: str               # one of ERROR_KINDS
    message: str


class Reply(TypedDict, total=False):
    id: int
    i: int                  # the command this answers; absent in hello and done replies
    ok: bool
    values: list[list[Any]]  # [kind, value] pairs
    error: ErrorInfo
    done: bool              # the run request is finished
    version: str            # hello: the engine's version line
