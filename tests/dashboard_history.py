"""A results store holding a history of nightly runs, with rows shaped as the suites write them.

For the dashboard's tests and perf/dashboard_render.py: every suite's rows (feature answers,
spec commands, benchmark samples per process, ML checks and samples) and each suite's own row,
for as many runs as asked, without running an engine. Names, messages and details carry
markup, quotes and `</script>`, as files and engines may; one engine can be made slower in
the last run, which a comparison must flag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from harness.rows import rows_for
from harness.store import NATIVE, ResultsStore

HOSTILE_FILE = "proposals/gc/<img src=x onerror=alert(1)>.wast"
HOSTILE_MESSAGE = "expected 1 got </script><script>alert(2)</script> & \"q\" 'q' \u2028 <b>bold</b>"
HOSTILE_DETAIL = "<img src=x onerror=alert(3)> says \"no\""
HOSTILE_KERNEL = "</script><img src=x onerror=alert(4)>"
HOSTILE_FLAGS = "--title=\"<script>alert(5)</script>\""
INJECTED = ("<img", "<script>alert", "<b>bold")  # what must never reach the page as markup


@dataclass
class Shape:
    """How much each run holds (the defaults: small, for tests)."""

    engines: list[str] = field(default_factory=lambda: ["wasmtime", "node", "chromium"])
    features: list[str] = field(default_factory=lambda: ["simd", "gc", "memory64", "tailCall"])
    spec_files: list[str] = field(default_factory=lambda: [
        "i32.wast", "floats.wast", "proposals/memory64/load.wast", HOSTILE_FILE])
    commands_per_file: int = 20
    kernels: list[str] = field(default_factory=lambda: ["matmul", "fft", HOSTILE_KERNEL])
    micro: list[str] = field(default_factory=lambda: ["calls"])
    variants: list[str] = field(default_factory=lambda: ["scalar", "simd"])
    processes: int = 3
    samples: int = 8
    ml_units: list[tuple[str, str]] = field(default_factory=lambda: [
        ("digits-cnn/b1", "ort:wasm:1"), ("digits-cnn/b1", "tfjs:wasm-simd:1")])
    # The official testsuite (suite `testsuite`, `nightly --testsuite DIR`): no deliberate failures,
    # and the second engine skips its second file whole (a feature it lacks). None: not run.
    testsuite_files: list[str] = field(default_factory=lambda: [
        "i32.wast", "proposals/gc/struct.wast", "traps.wast"])


def write_history(db: Path, runs: int, shape: Shape | None = None, slower: str | None = None,
                  factor: float = 1.5, seed: int = 7, flip: bool = True) -> list[str]:
    """`runs` finished runs a day apart; `slower`'s benchmark and ML times x `factor` in the last one;
    with `flip`, the first engine's first feature answers otherwise from the second run on."""
    shape = shape or Shape()
    rng = np.random.default_rng(seed)
    store = ResultsStore(db)
    ids = []
    start = datetime(2026, 11, 1, 2, 0, 0)
    speed = {e: 1.0 + 0.4 * i for i, e in enumerate(shape.engines)}
    try:
        for n in range(runs):
            when = start + timedelta(days=n)
            run_id = when.strftime("%Y%m%dT%H%M%S") + "-nightly"
            ids.append(run_id)
            last = n == runs - 1
            engines = {e: {"version": f"{20 + (n if e == slower and last else 0)}.0",
                           "flags": HOSTILE_FLAGS if e == shape.engines[-1] else ""} for e in shape.engines}
            engines[NATIVE] = {"version": "clang 19", "flags": ""}
            store.start_run({"run_id": run_id, "started": when, "status": "running", "host": "ci-<host>",
                             "command": "wasm-harness nightly", "git_commit": (f"{n:x}" * 40)[:40],
                             "cpu": "x86-64"})
            scale = {e: speed[e] * (factor if e == slower and last else 1.0) for e in shape.engines}
            rows = [*_features(run_id, when, shape, n if flip else 0), *_spec(run_id, when, shape),
                    *_testsuite(run_id, when, shape),
                    *_bench(run_id, when, shape, rng, scale), *_ml(run_id, when, shape, rng, scale)]
            store.add_rows(rows)
            store.finish_run(run_id, "finished", when + timedelta(minutes=20), engines)
    finally:
        store.close()
    return ids


def _suite_row(run_id: str, when: datetime, suite: str, parameters: dict) -> dict:
    make = rows_for(run_id, suite, phase="suite")
    return {**make(case=suite, kind="suite", metric="wall_time", value=60.0, unit="s",
                   message=json.dumps(parameters)), "time": when}


def _features(run_id: str, when: datetime, shape: Shape, n: int) -> list[dict]:
    rows = []
    for i, engine in enumerate(shape.engines):
        make = rows_for(run_id, "features", engine, "1.0", "", phase="detect")
        for j, feature in enumerate(shape.features):
            # One answer changes in the second run onwards: the comparison lists it.
            answer = "supported" if (i + j) % 3 else "unsupported"
            if n >= 1 and i == 0 and j == 0:
                answer = "unsupported" if answer == "supported" else "supported"
            rows.append({**make(case=feature, kind="feature", metric="support", verdict=answer,
                                value=1.0 if answer == "supported" else 0.0, message=HOSTILE_DETAIL, file="",
                                line=0), "time": when})
    parameters = {"engines": shape.engines, "features": shape.features}
    return [*rows, _suite_row(run_id, when, "features", parameters)]


def _spec(run_id: str, when: datetime, shape: Shape) -> list[dict]:
    rows = []
    for i, engine in enumerate(shape.engines):
        make = rows_for(run_id, "spec", engine, "1.0", "")
        for f, file in enumerate(shape.spec_files):
            for line in range(1, shape.commands_per_file + 1):
                verdict, expected, message = "pass", False, ""
                if line == 1:
                    verdict, expected, message = "fail", True, "deliberate"
                elif (line + f + i) % 17 == 0:
                    verdict, message = "fail", HOSTILE_MESSAGE
                elif (line + i) % 11 == 0:
                    verdict, message = "skip", "the engine lacks memory64"
                rows.append({**make(file=file, line=line * 3, case=f"assert_return {line}",
                                    kind="assert_return", verdict=verdict, expected_failure=expected,
                                    message=message), "time": when})
    return [*rows, _suite_row(run_id, when, "spec", {"engines": shape.engines})]


def _testsuite(run_id: str, when: datetime, shape: Shape) -> list[dict]:
    if not shape.testsuite_files:
        return []
    rows = []
    for i, engine in enumerate(shape.engines):
        make = rows_for(run_id, "testsuite", engine, "1.0", "")
        for f, file in enumerate(shape.testsuite_files):
            if (i, f) == (1, 1):   # as the spec runner records a file the engine lacks a feature for
                rows.append({**make(file=file, line=0, kind="script", verdict="skip",
                                    message="the engine lacks gc"), "time": when})
                continue
            for line in range(1, shape.commands_per_file + 1):
                verdict = "fail" if (line + f + i) % 7 == 0 else "pass"
                rows.append({**make(file=file, line=line * 3, case=f"assert_return {line}",
                                    kind="assert_return", verdict=verdict,
                                    message=HOSTILE_MESSAGE if verdict == "fail" else ""), "time": when})
    return [*rows, _suite_row(run_id, when, "testsuite", {"engines": shape.engines})]


def _bench(run_id: str, when: datetime, shape: Shape, rng: np.random.Generator,
           scale: dict[str, float]) -> list[dict]:
    rows = []
    workloads = [(k, 1e-3 * (k_i + 1), False) for k_i, k in enumerate(shape.kernels)] + \
        [(m, 2e-6, True) for m in shape.micro]
    for engine in [*shape.engines, NATIVE]:
        make = rows_for(run_id, "bench", engine, "1.0", "", phase="execute")
        check = rows_for(run_id, "bench", engine, "1.0", "", phase="check")
        variants = [NATIVE] if engine == NATIVE else shape.variants
        for workload, base, micro in workloads:
            if engine == NATIVE and micro:
                continue
            file = f"micro/{workload}.wat" if micro else f"kernels/{workload}.c"
            for variant in variants:
                rows.append({**check(file=file, case=workload, kind=variant, verdict="pass", metric="answer",
                                     value=1.0), "time": when})
                mean = base * scale.get(engine, 0.8) * (0.6 if variant == "simd" else 1.0)
                for process in range(shape.processes):
                    values = rng.normal(mean, mean * 0.01, shape.samples)
                    rows += [{**make(file=file, case=workload, kind=variant, verdict="pass", metric="time",
                                     value=float(v), unit="s", process=process, iteration=k), "time": when}
                             for k, v in enumerate(values)]
    return [*rows, _suite_row(run_id, when, "bench", {"engines": [*shape.engines, NATIVE]})]


def _ml(run_id: str, when: datetime, shape: Shape, rng: np.random.Generator,
        scale: dict[str, float]) -> list[dict]:
    rows = []
    units = [(NATIVE, case, f"onnxruntime:cpu:{kind.rsplit(':', 1)[1]}") for case, kind in shape.ml_units]
    units += [(e, case, kind) for e in shape.engines for case, kind in shape.ml_units]
    for engine, case, kind in dict.fromkeys(units):
        check = rows_for(run_id, "ml", engine, "1.0", "", phase="check")
        make = rows_for(run_id, "ml", engine, "1.0", "", phase="execute")
        detail = {"max_abs_diff": 1e-6, "top1_agreement": 1.0}
        rows.append({**check(case=case, kind=kind, verdict="pass", metric="max_abs_diff", value=1e-6,
                             message=json.dumps(detail)), "time": when})
        mean = 2e-3 * scale.get(engine, 0.5)
        rows += [{**make(case=case, kind=kind, verdict="pass", metric="time", value=float(v), unit="s",
                         iteration=k), "time": when}
                 for k, v in enumerate(rng.normal(mean, mean * 0.01, shape.samples * shape.processes))]
    return [*rows, _suite_row(run_id, when, "ml", {"engines": [*shape.engines, NATIVE]})]


def add_testsuite_bulk(db: Path, engines: list[str], files: list[str], commands_per_file: int) -> int:
    """Official-testsuite rows (suite `testsuite`) for every run in the store, written by one SQL
    statement per run: the real suite's size (65,184 commands on each of 14 configurations, about
    0.9 million rows a run) is far too many rows to make one Python dict at a time. As the spec
    runner writes them: one row per command, a `script` wall_time row per file, and a file an
    engine lacks a feature for as one `script` row with verdict skip. Returns the rows added."""
    import duckdb

    con = duckdb.connect(str(db))
    try:
        ids = [r for (r,) in con.execute("SELECT run_id FROM runs ORDER BY started").fetchall()]
        before = con.execute("SELECT count(*) FROM results").fetchone()[0]
        for table, values, names in (("ts_engines", engines, "engine, e"), ("ts_files", files, "file, f")):
            con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM unnest(?) WITH ORDINALITY t({names})",
                        [values])
        for n, run_id in enumerate(ids):
            when = datetime(2026, 11, 1, 2, 0, 0) + timedelta(days=n)
            # A file skipped whole on an engine, a failure here and there; a little fewer failures
            # in later runs, so the trend moves.
            con.execute("""
                INSERT INTO results (run_id, time, engine, engine_version, engine_flags, suite, file,
                                     line, "case", kind, phase, verdict, expected_failure, metric, value,
                                     unit, message)
                SELECT ?, ?, engine, '1.0', '', 'testsuite', file, line, "case", kind, 'run', verdict, false,
                       metric, value, unit, message
                FROM (
                    SELECT engine, file, 0 AS line, NULL AS "case", 'script' AS kind, 'skip' AS verdict,
                           NULL AS metric, NULL AS value, NULL AS unit,
                           'the engine lacks a feature' AS message
                    FROM ts_engines, ts_files WHERE (f * 7 + e) % 61 = 0
                    UNION ALL
                    SELECT engine, file, 0, NULL, 'script', NULL, 'wall_time', 0.05, 's', NULL
                    FROM ts_engines, ts_files WHERE (f * 7 + e) % 61 <> 0
                    UNION ALL
                    SELECT engine, file, line * 3, 'assert_return ' || line, 'assert_return',
                           CASE WHEN (line + f + e) % (101 + ?) = 0 THEN 'fail' ELSE 'pass' END,
                           NULL, NULL, NULL, CASE WHEN (line + f + e) % (101 + ?) = 0 THEN 'wrong result' END
                    FROM ts_engines, ts_files, range(1, ? + 1) r(line) WHERE (f * 7 + e) % 61 <> 0)""",
                        [run_id, when, n, n, commands_per_file])
        return con.execute("SELECT count(*) FROM results").fetchone()[0] - before
    finally:
        con.close()
