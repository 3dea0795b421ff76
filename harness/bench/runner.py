"""Benchmark runs: every (engine, workload, variant) timed in fresh worker processes.

A run is `processes` rounds. In each round every engine, and the native baseline,
gets a fresh worker process, in a shuffled order, and runs every workload variant
in a shuffled order: so drift on the machine (heat, other load) spreads over all
engines instead of landing on one. A variant's answer (`bench_check`) is checked
against the native build's (micro-benchmarks: the manifest's `expect`) before its
times count: a wrong answer is a failure row and no times at all.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engines.base import Engine
from harness import runinfo
from harness.bench.build import COMMON_FLAGS, Workload, all_variants, toolchain
from harness.store import ResultsStore
from harness.worker import WorkerError, WorkerProcess

NATIVE = "native"
SUITE = "bench"
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Profile:
    """How much to measure: the workload size and the sampling plan."""

    name: str
    size: str            # which of a workload's `sizes`
    processes: int       # rounds: fresh worker processes per engine
    warmups: int         # samples run and discarded in each process
    samples: int         # samples kept in each process
    min_sample_s: float  # a sample lasts at least this long (and 100 timer steps)
    timeout_s: float     # per workload variant, before the worker is killed


PROFILES = {
    "quick": Profile("quick", "quick", processes=2, warmups=1, samples=3, min_sample_s=0.002, timeout_s=60),
    "default": Profile("default", "default", processes=3, warmups=2, samples=7, min_sample_s=0.02,
                       timeout_s=300),
    "long": Profile("long", "long", processes=3, warmups=1, samples=5, min_sample_s=0.1, timeout_s=900),
}


@dataclass(frozen=True)
class Unit:
    workload: Workload
    variant: str
    artifact: Path

    @property
    def key(self) -> tuple[str, str]:
        return self.workload.name, self.variant


@dataclass
class Outcome:
    """What one unit did in one process: its verdict, and its measurement when it ran."""

    verdict: str           # pass, fail (wrong answer), unsupported, error, crash, timeout
    message: str = ""
    result: dict | None = None


class BenchRunner:
    def __init__(self, engines: list[Engine], workloads: list[Workload],
                 artifacts: dict[tuple[str, str], Path], profile: Profile, store: ResultsStore,
                 run_id: str, versions: dict[str, str], variants: set[str] | None = None,
                 native: bool = True, seed: int | None = None,
                 on_unit: Callable[[str, Unit, Outcome], None] | None = None) -> None:
        self.engines = engines
        self.profile = profile
        self.store = store
        self.run_id = run_id
        self.versions = versions
        self.rng = random.Random(seed)
        self.on_unit = on_unit
        self.artifacts = artifacts
        self.units = [Unit(w, v, artifacts[(w.name, v)]) for w in workloads for v in all_variants(w)
                      if v != NATIVE and (variants is None or v in variants)]
        self.native_units = [Unit(w, NATIVE, artifacts[(w.name, NATIVE)]) for w in workloads
                             if native and NATIVE in all_variants(w)]
        # Units that failed for good on an engine (compile error, crash, hang) are not retried.
        self.dead: set[tuple[str, str, str]] = set()
        self.expected: dict[str, float] = {}

    @property
    def total(self) -> int:
        return self.profile.processes * (len(self.engines) * len(self.units) + len(self.native_units))

    def run(self) -> None:
        self.expected = self.references()
        for process in range(self.profile.processes):
            order: list[Engine | None] = [*self.engines, *([None] if self.native_units else [])]
            self.rng.shuffle(order)
            for engine in order:
                if engine is None:
                    self._native_round(process)
                else:
                    self._engine_round(engine, process)
        self.store.flush()

    # --- the answers ------------------------------------------------------------
    def references(self) -> dict[str, float]:
        """The right `bench_check` per workload: the native build's (one iteration), or `expect`."""
        expected: dict[str, float] = {}
        for w in {u.workload.name: u.workload for u in [*self.units, *self.native_units]}.values():
            if w.expect is not None:
                expected[w.name] = float(w.expect[self.profile.size])
            elif NATIVE in all_variants(w):
                result = run_native(self.artifacts[(w.name, NATIVE)], self.size(w), 0.0, 0, 1,
                                    self.profile.timeout_s)
                expected[w.name] = float(result["check"])
        return expected

    def size(self, w: Workload) -> int:
        return w.sizes[self.profile.size]

    def judge(self, unit: Unit, result: dict) -> Outcome:
        want = self.expected.get(unit.workload.name)
        got = result.get("check")
        if want is None:
            return Outcome("error", "no reference answer for this workload", result)
        if not isinstance(got, int | float) or not math.isclose(got, want, rel_tol=unit.workload.tolerance,
                                                                abs_tol=0.0):
            return Outcome("fail", f"wrong answer: bench_check() = {got!r}, expected {want!r} "
                                   f"(relative tolerance {unit.workload.tolerance:g})", result)
        return Outcome("pass", "", result)

    # --- engines ----------------------------------------------------------------
    def _engine_round(self, engine: Engine, process: int) -> None:
        units = [u for u in self.units if (engine.name, *u.key) not in self.dead]
        self.rng.shuffle(units)
        if not units:
            return
        worker = WorkerProcess(engine.worker_spec())
        try:
            worker.start()
        except WorkerError as e:
            for unit in units:
                self._record(engine.name, engine.flags, unit, process, Outcome("error", str(e)))
            return
        try:
            for unit in units:
                self._record(engine.name, engine.flags, unit, process, self._engine_unit(worker, unit))
        finally:
            worker.close()

    def _engine_unit(self, worker: WorkerProcess, unit: Unit) -> Outcome:
        p = self.profile
        w = unit.workload
        command = {"i": 0, "do": "bench", "file": str(unit.artifact), "size": self.size(w),
                   "min_sample_s": p.min_sample_s, "warmups": p.warmups, "samples": p.samples,
                   "fresh": w.fresh, "max_reps": w.max_reps}
        reply = worker.run_batch([command], timeout=p.timeout_s).get(0)
        if reply is None:
            return Outcome("error", "the worker sent no reply")
        if not reply.get("ok"):
            error = reply.get("error") or {}
            kind, message = error.get("kind", "internal"), error.get("message", "")
            if kind == "compile" and unit.variant != "scalar":
                return Outcome("unsupported", f"{unit.variant} not compiled: {message}")
            if kind in ("crash", "timeout"):
                return Outcome(kind, message)
            return Outcome("error", f"{kind}: {message}")
        try:
            result = json.loads(reply["values"][0][1])
        except (KeyError, IndexError, TypeError, ValueError) as e:
            return Outcome("error", f"malformed bench reply: {e}")
        return self.judge(unit, result)

    # --- native -----------------------------------------------------------------
    def _native_round(self, process: int) -> None:
        units = list(self.native_units)
        self.rng.shuffle(units)
        p = self.profile
        for unit in units:
            if (NATIVE, *unit.key) in self.dead:
                continue
            try:
                result = run_native(unit.artifact, self.size(unit.workload), p.min_sample_s, p.warmups,
                                    p.samples, p.timeout_s)
                outcome = self.judge(unit, result)
            except NativeError as e:
                outcome = Outcome(e.verdict, str(e))
            self._record(NATIVE, native_flags(), unit, process, outcome)

    # --- rows -------------------------------------------------------------------
    def _record(self, engine: str, flags: str, unit: Unit, process: int, outcome: Outcome) -> None:
        if outcome.verdict != "pass":
            self.dead.add((engine, *unit.key))
        known = unit.workload.expected_failure(engine, unit.variant)
        if known and outcome.verdict == "pass":
            outcome.message = f"expected to fail ({known}) but passed"
        elif known:
            outcome.message = f"{outcome.message} [known: {known}]"
        base = {"run_id": self.run_id, "time": runinfo.now(), "engine": engine,
                "engine_version": self.versions.get(engine, ""), "engine_flags": flags, "suite": SUITE,
                "file": _relative(unit.workload.source), "case": unit.workload.name, "kind": unit.variant,
                "process": process}
        rows = [dict(base, phase="check", metric="check", verdict=outcome.verdict, message=outcome.message,
                     value=(outcome.result or {}).get("check"), unit="", expected_failure=bool(known))]
        result = outcome.result
        if outcome.verdict == "pass" and result is not None:
            reps = int(result["reps"])
            for phase in ("compile", "instantiate", "first_call"):
                if result.get(f"{phase}_s") is not None:
                    rows.append(dict(base, phase=phase, metric="time", value=result[f"{phase}_s"], unit="s",
                                     verdict="pass"))
            rows.extend(dict(base, phase="execute", metric="time", value=s / reps, unit="s", verdict="pass",
                             iteration=n, message=f"reps={reps}")
                        for n, s in enumerate(result["samples_s"]))
            timer = result.get("timer") or {}
            isolated = timer.get("isolated")
            clock = timer.get("clock", "")
            if isolated is not None:
                clock += f"; crossOriginIsolated={str(isolated).lower()}"
            rows.append(dict(base, phase="timer", metric="resolution", value=timer.get("resolution_s"),
                             unit="s", verdict="pass", message=clock))
        self.store.add_rows(rows)
        if self.on_unit:
            self.on_unit(engine, unit, outcome)


class NativeError(RuntimeError):
    def __init__(self, verdict: str, message: str) -> None:
        super().__init__(message)
        self.verdict = verdict


def run_native(executable: Path, size: int, min_sample_s: float, warmups: int, samples: int,
               timeout_s: float) -> dict:
    """Run a native build's driver (suites/bench/native_main.c) and read its one JSON line."""
    argv = [str(executable), str(size), repr(min_sample_s), str(warmups), str(samples)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise NativeError("timeout", f"{executable.name}: no answer within {timeout_s:g} s; killed") from None
    if done.returncode != 0:
        reason = f"signal {-done.returncode}" if done.returncode < 0 else f"exit code {done.returncode}"
        verdict = "crash" if done.returncode < 0 else "error"
        raise NativeError(verdict, f"{executable.name}: {reason}: {done.stderr.strip()[-500:]}")
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError) as e:
        raise NativeError("error", f"{executable.name}: output is not JSON: {e}") from None


def native_version() -> str:
    out = subprocess.run([str(toolchain()), "--version"], capture_output=True, text=True, timeout=30)
    return out.stdout.splitlines()[0].strip() if out.returncode == 0 and out.stdout else "clang"


def native_flags() -> str:
    return " ".join(COMMON_FLAGS)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
