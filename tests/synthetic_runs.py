"""Runs written into a results store as the suites write them (harness/rows.py's factory, the
store's own run records), with samples and answers chosen by the test: a history whose right
comparison is known."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from harness.rows import rows_for
from harness.session import SUITE_PHASE
from harness.store import ResultsStore

T0 = datetime(2026, 12, 1, 2, 0, 0)


@dataclass
class Engine:
    name: str
    version: str = "1.0"
    flags: str = ""


@dataclass
class Run:
    run_id: str
    day: int = 0                                    # started T0 + day days
    engines: list[Engine] = field(default_factory=list)
    git_commit: str = "aaaa"
    # (engine, feature) -> answer
    features: dict[tuple[str, str], str] = field(default_factory=dict)
    # (engine, file, line, name) -> (verdict, expected_failure)
    spec: dict[tuple[str, str, int, str], tuple[str, bool]] = field(default_factory=dict)
    # The official testsuite (suite `testsuite`, as `nightly --testsuite` records it), the same way.
    testsuite: dict[tuple[str, str, int, str], tuple[str, bool]] = field(default_factory=dict)
    # (engine, kernel, variant) -> samples per process (execute phase, seconds per iteration)
    bench: dict[tuple[str, str, str], list[list[float]]] = field(default_factory=dict)
    # (engine, "model/bN", "runtime:backend:threads") -> samples (seconds per inference)
    ml: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    status: str = "finished"


def jittered(center: float, processes: int = 3, samples: int = 7, spread: float = 0.003,
             rng: np.random.Generator | None = None) -> list[list[float]]:
    rng = rng or np.random.default_rng(0)
    return [list(center * (1 + spread * rng.standard_normal(samples))) for _ in range(processes)]


def write(db: Path, run: Run) -> None:
    store = ResultsStore(db)
    try:
        started = T0 + timedelta(days=run.day)
        versions = {e.name: e for e in run.engines}
        store.start_run({"run_id": run.run_id, "started": started, "status": "running",
                         "command": "wasm-harness nightly", "host": "ci-host", "os": "Linux", "cpu": "x86",
                         "cpu_count": 2, "python": "3.11", "harness_version": "0.1.0",
                         "git_commit": run.git_commit, "pid": None,
                         "engines": {e.name: {"version": e.version, "flags": e.flags} for e in run.engines}})

        def make(suite: str, engine: str, phase: str = "run"):
            e = versions[engine]
            return rows_for(run.run_id, suite, e.name, e.version, e.flags, phase)

        def suite_row(suite: str, parameters: dict) -> None:
            store.add_rows([rows_for(run.run_id, suite, phase=SUITE_PHASE)(
                case=suite, kind="suite", metric="wall_time", value=1.0, unit="s",
                message=json.dumps({"engines": [e.name for e in run.engines], **parameters}))])

        if run.features:
            store.add_rows([make("features", engine, "detect")(
                case=feature, kind="feature", metric="support", verdict=answer, file="", line=0,
                message="" if answer == "supported" else f"{feature}: not here")
                for (engine, feature), answer in run.features.items()])
            suite_row("features", {"features": sorted({f for _, f in run.features})})
        for suite, commands in (("spec", run.spec), ("testsuite", run.testsuite)):
            if not commands:
                continue
            store.add_rows([make(suite, engine)(file=file, line=line, case=name, kind="assert_return",
                                                verdict=verdict, expected_failure=xfail, message="")
                            for (engine, file, line, name), (verdict, xfail) in commands.items()])
            store.add_rows([make(suite, engine)(file=file, line=0, kind="script", metric="wall_time",
                                                value=0.01, unit="s")
                            for engine, file in sorted({(e, f) for e, f, _, _ in commands})])
            suite_row(suite, {"bad_input": [], "per_file": False})
        if run.bench:
            rows = []
            for (engine, kernel, variant), processes in run.bench.items():
                m = make("bench", engine)
                base = {"case": kernel, "kind": variant, "file": f"kernels/{kernel}.c"}
                rows.append(m(**base, phase="check", metric="check", verdict="pass", value=1.0, message=""))
                for p, samples in enumerate(processes):
                    rows.append(m(**base, phase="compile", metric="time", verdict="pass", value=1e-3,
                                  unit="s", process=p))
                    rows += [m(**base, phase="execute", metric="time", verdict="pass", value=s, unit="s",
                               process=p, iteration=i, message="reps=10") for i, s in enumerate(samples)]
                rows.append(m(**base, phase="timer", metric="resolution", verdict="pass", value=1e-7))
            store.add_rows(rows)
            suite_row("bench", {"profile": {"name": "default", "processes": 3, "warmups": 2, "samples": 7,
                                            "min_sample_s": 0.02}})
        if run.ml:
            rows = []
            for (engine, case, kind), samples in run.ml.items():
                m = make("ml", engine)
                base = {"case": case, "kind": kind, "file": case.split("/")[0]}
                rows.append(m(**base, phase="check", metric="max_abs_diff", verdict="pass", value=1e-6,
                              message=json.dumps({"ok": True, "max_abs_diff": 1e-6, "top1_agreement": 1.0})))
                rows += [m(**base, phase="execute", metric="time", verdict="pass", value=s, unit="s",
                           process=0, iteration=i) for i, s in enumerate(samples)]
            store.add_rows(rows)
            suite_row("ml", {})
        store.finish_run(run.run_id, run.status, started + timedelta(hours=1))
    finally:
        store.close()
