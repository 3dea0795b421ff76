"""What every Python engine worker shares: the JSON-lines loop and the per-command loop.

Standard library only, and valid Python 3.10: the Wasmer worker runs under 3.10.
A worker supplies `hello()` (its version line), `prepare(request)` (fresh
per-script state), `execute(cmd, state)` (one lowered command) and
`classify(error)` (an exception as a protocol error kind).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from typing import Any

# Exceptions that end the worker rather than become a command's outcome.
NOT_OURS = (KeyboardInterrupt, SystemExit, GeneratorExit)


class Reported(Exception):
    """A failure whose protocol error kind is already known."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def unsigned(kind: str, value: int) -> str:
    """An i32 or i64 as the protocol sends it: its bit pattern as an unsigned decimal."""
    return str(value & ((1 << 32) - 1 if kind == "i32" else (1 << 64) - 1))


def signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) else value


def run_commands(request: dict, state: Any, execute: Callable[[dict, Any], list | None],
                 classify: Callable[[BaseException], dict], emit: Callable[[dict], None]) -> None:
    """Execute a script's commands in order, one reply each; skipped ones get none."""
    skip = set(request.get("skip", []))
    for cmd in request["commands"]:
        index = cmd["i"]
        if index in skip:
            continue
        try:
            out = execute(cmd, state)
            reply: dict[str, Any] = {"i": index, "ok": True} if out is None else \
                {"i": index, "ok": True, "values": out}
        except BaseException as e:  # every failure is an outcome to report, not a worker crash
            if isinstance(e, NOT_OURS):
                raise
            reply = {"i": index, "ok": False, "error": classify(e)}
        emit(reply)


# A `careful: false` run's replies go out in batches at most this far apart (the harness's
# watchdog allows seconds between lines) or this large.
BATCH_SECONDS = 0.05
BATCH_REPLIES = 1000


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
            emit({"id": rid, "ok": True, **hello()})
        elif op == "run":
            batch = _Batch(out, rid, careful=request.get("careful", True))
            run(request, batch.add)
            batch.add({"done": True})
            batch.flush()
        elif op == "exit":
            break
        else:
            emit({"id": rid, "ok": False, "error": {"kind": "internal", "message": f"unknown op {op}"}})


class _Batch:
    """A run's replies: each written at once when `careful` (so that a worker that dies has
    handed over everything it finished), else in batches, one write each: a write per
    reply costs both processes more than most commands do. The harness replays a run
    carefully when a worker dies with replies unsent."""

    def __init__(self, out: Any, rid: Any, careful: bool) -> None:
        self.out = out
        self.rid = rid
        self.limit = 1 if careful else BATCH_REPLIES
        self.lines: list[str] = []
        self.since = time.monotonic()

    def add(self, reply: dict) -> None:
        reply["id"] = self.rid  # each reply is a fresh dict: tag it rather than copy it
        self.lines.append(json.dumps(reply))
        if len(self.lines) >= self.limit or time.monotonic() - self.since >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.out.write("\n".join(self.lines) + "\n")
            self.out.flush()
            self.lines = []
        self.since = time.monotonic()


# --- benchmarks -----------------------------------------------------------------
# The `bench` command's timing procedure, shared by the Python workers. engines/js/runner.mjs
# and suites/bench/native_main.c implement the same steps (ARCHITECTURE.md, "Benchmarks").

def timer_resolution(clock: Callable[[], float], tries: int = 1000) -> float:
    """The smallest positive step of `clock` seen over `tries` successive readings."""
    best = float("inf")
    for _ in range(tries):
        t0 = clock()
        t1 = clock()
        while t1 == t0:
            t1 = clock()
        best = min(best, t1 - t0)
    return best


def sample_target(min_sample_s: float, resolution_s: float) -> float:
    """How long one sample must last: at least 100 timer steps, so the timer's step is <= 1%."""
    return max(min_sample_s, 100 * resolution_s)


def next_reps(reps: int, elapsed: float, target: float, resolution: float, max_reps: int) -> int:
    factor = min(10, max(2, math.ceil(1.2 * target / max(elapsed, resolution))))
    return min(max_reps, reps * factor)


class BenchInstance:
    """What a worker hands to `bench_loop`: instantiation and the three ABI calls."""

    def instantiate(self) -> None: ...  # a fresh instance, `_initialize` called, becomes current
    def init(self, size: int) -> None: ...
    def run(self, reps: int) -> None: ...
    def check(self) -> float: ...


def bench_loop(cmd: dict, compile_module: Callable[[], Any], make: Callable[[Any], BenchInstance],
               clock: Callable[[], float], clock_name: str) -> list:
    """Time compile, instantiate, first call and steady-state samples of one workload.

    Reply values: one `json` value with compile_s, instantiate_s, first_call_s, reps,
    samples_s (seconds per sample of `reps` iterations), check and timer.
    """
    resolution = timer_resolution(clock)
    t0 = clock()
    module = compile_module()
    compile_s = clock() - t0
    bench = make(module)
    t0 = clock()
    bench.instantiate()
    instantiate_s = clock() - t0
    size = int(cmd["size"])
    bench.init(size)
    t0 = clock()
    bench.run(1)
    first_call_s = clock() - t0
    target = sample_target(float(cmd.get("min_sample_s", 0.01)), resolution)
    max_reps = int(cmd.get("max_reps") or 1 << 24)
    fresh = bool(cmd.get("fresh"))
    warmups = int(cmd.get("warmups", 1))

    def fresh_instance() -> None:
        if fresh:  # a workload that changes its instance (memory.grow) gets a new one per sample
            bench.instantiate()
            bench.init(size)

    reps = 1
    while True:
        fresh_instance()
        t0 = clock()
        bench.run(reps)
        elapsed = clock() - t0
        if elapsed >= target or reps >= max_reps:
            break
        reps = next_reps(reps, elapsed, target, resolution, max_reps)
    samples: list[float] = []
    for n in range(warmups + int(cmd.get("samples", 5))):
        fresh_instance()
        t0 = clock()
        bench.run(reps)
        elapsed = clock() - t0
        if n >= warmups:
            samples.append(elapsed)
    result = {"compile_s": compile_s, "instantiate_s": instantiate_s, "first_call_s": first_call_s,
              "reps": reps, "samples_s": samples, "check": bench.check(),
              "timer": {"clock": clock_name, "resolution_s": resolution, "isolated": None}}
    return [["json", json.dumps(result)]]
