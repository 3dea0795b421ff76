"""Benchmark runs: every (engine, workload, variant) timed in fresh worker processes.

A run is `processes` rounds. In each round every engine configuration, the native
baseline among them, gets a fresh worker process, in a shuffled order, and runs
every workload variant in a shuffled order: so drift on the machine (heat, other
load) spreads over all engines instead of landing on one. The native baseline is
an engine like the others (engines/native_engine.py): it runs the `native`
builds, every other engine the wasm builds. A variant's answer (`bench_check`)
is checked against the native build's (micro-benchmarks: the manifest's
`expect`) before its times count: a wrong answer is a failure row and no times.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engines.base import Engine
from engines.protocol import PROJECT_ROOT
from engines.registry import make
from harness.worker import WorkerError, WorkerProcess
from harness.workloads import NATIVE, Workload, all_variants

SUITE = "bench"


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
    """`make_rows(engine)` gives the row maker for one configuration (harness/rows.py);
    `add_rows` takes each unit's rows as soon as it is done."""

    def __init__(self, engines: list[Engine], workloads: list[Workload],
                 artifacts: dict[tuple[str, str], Path], profile: Profile,
                 make_rows: Callable[[Engine], Callable[..., dict]], add_rows: Callable[[list[dict]], None],
                 variants: set[str] | None = None, seed: int | None = None,
                 on_unit: Callable[[str, Unit, Outcome], None] | None = None,
                 done: set[tuple[str, str, str, int]] | None = None) -> None:
        self.engines = engines
        self.profile = profile
        self.make_rows = make_rows
        self.add_rows = add_rows
        self.rng = random.Random(seed)
        self.on_unit = on_unit
        self.artifacts = artifacts
        self.units = [Unit(w, v, artifacts[(w.name, v)]) for w in workloads for v in all_variants(w)
                      if v != NATIVE and (variants is None or v in variants)]
        self.native_units = [Unit(w, NATIVE, artifacts[(w.name, NATIVE)]) for w in workloads
                             if NATIVE in all_variants(w)]
        # Units that failed for good on an engine (compile error, crash, hang) are not retried.
        self.dead: set[tuple[str, str, str]] = set()
        # (engine, workload, variant, process) an earlier attempt of the run finished (a resumed run).
        self.done = done or set()
        self.expected: dict[str, float] = {}

    def units_for(self, engine: Engine) -> list[Unit]:
        """What a configuration runs: the native builds on the baseline, the wasm builds elsewhere."""
        return self.units if engine.runs_wasm else self.native_units

    @property
    def total(self) -> int:
        return sum(not self._skipped(e, u, process) for process in range(self.profile.processes)
                   for e in self.engines for u in self.units_for(e))

    def _skipped(self, engine: Engine, unit: Unit, process: int) -> bool:
        return (engine.name, *unit.key) in self.dead or (engine.name, *unit.key, process) in self.done

    def run(self) -> None:
        self.expected = self.references()
        for process in range(self.profile.processes):
            order = list(self.engines)
            self.rng.shuffle(order)
            for engine in order:
                self._engine_round(engine, process)

    # --- the answers ------------------------------------------------------------
    def references(self) -> dict[str, float]:
        """The right `bench_check` per workload: the native build's (one iteration), or `expect`."""
        every = {u.workload.name: u.workload for u in [*self.units, *self.native_units]}.values()
        expected = {w.name: float(w.expect[self.profile.size]) for w in every if w.expect is not None}
        computed = [w for w in every if w.expect is None and NATIVE in all_variants(w)]
        if not computed:
            return expected
        # The native baseline's worker answers them, whether or not the run times it.
        baseline = next((e for e in self.engines if not e.runs_wasm), None) or make(NATIVE)
        worker = WorkerProcess(baseline.worker_spec())
        try:
            commands = [{"i": n, "do": "bench", "file": str(self.artifacts[(w.name, NATIVE)]),
                         "size": self.size(w), "min_sample_s": 0.0, "warmups": 0, "samples": 1}
                        for n, w in enumerate(computed)]
            replies = worker.run_batch(commands, timeout=self.profile.timeout_s)
        finally:
            worker.close()
        for n, w in enumerate(computed):
            reply = replies.get(n, {})
            if reply.get("ok"):
                expected[w.name] = float(json.loads(reply["values"][0][1])["check"])
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
        units = [u for u in self.units_for(engine) if not self._skipped(engine, u, process)]
        self.rng.shuffle(units)
        if not units:
            return
        worker = WorkerProcess(engine.worker_spec())
        try:
            worker.start()
        except WorkerError as e:
            for unit in units:
                self._record(engine, unit, process, Outcome("error", str(e)))
            return
        try:
            for unit in units:
                self._record(engine, unit, process, self._engine_unit(worker, unit))
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

    # --- rows -------------------------------------------------------------------
    def _record(self, engine: Engine, unit: Unit, process: int, outcome: Outcome) -> None:
        if outcome.verdict != "pass":
            self.dead.add((engine.name, *unit.key))
        known = unit.workload.expected_failure(engine.name, unit.variant)
        if known and outcome.verdict == "pass":
            outcome.message = f"expected to fail ({known}) but passed"
        elif known:
            outcome.message = f"{outcome.message} [known: {known}]"
        make = self.make_rows(engine)
        base = {"file": _relative(unit.workload.source), "case": unit.workload.name, "kind": unit.variant,
                "process": process}
        rows = [make(**base, phase="check", metric="check", verdict=outcome.verdict, message=outcome.message,
                     value=(outcome.result or {}).get("check"), unit="", expected_failure=bool(known))]
        result = outcome.result
        if outcome.verdict == "pass" and result is not None:
            reps = int(result["reps"])
            for phase in ("compile", "instantiate", "first_call"):
                if result.get(f"{phase}_s") is not None:
                    rows.append(make(**base, phase=phase, metric="time", value=result[f"{phase}_s"],
                                     unit="s", verdict="pass"))
            rows.extend(make(**base, phase="execute", metric="time", value=s / reps, unit="s", verdict="pass",
                             iteration=n, message=f"reps={reps}")
                        for n, s in enumerate(result["samples_s"]))
            timer = result.get("timer") or {}
            isolated = timer.get("isolated")
            clock = timer.get("clock", "")
            if isolated is not None:
                clock += f"; crossOriginIsolated={str(isolated).lower()}"
            rows.append(make(**base, phase="timer", metric="resolution", value=timer.get("resolution_s"),
                             unit="s", verdict="pass", message=clock))
        self.add_rows(rows)
        if self.on_unit:
            self.on_unit(engine.name, unit, outcome)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
