"""What the dashboard shows, read through the pandas API of the store (harness.results) and the
comparison of runs (reports.comparison): one `Dashboard` per run and the run it is compared
against, as plain records for the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reports import comparison

if TYPE_CHECKING:
    import pandas as pd

    from harness.results import Results

CORE = "core"  # spec files outside proposals/NAME/: WebAssembly itself
# The suites of .wast scripts the page shows, each labelled: our corpus and the official testsuite.
SPEC_LABELS = {"spec": "spec corpus (suites/spec)", "testsuite": "official WebAssembly testsuite"}
SPEC_COUNTS = ("passed", "failed", "skipped", "crashed", "timed_out", "expected_failures", "unexpected")


@dataclass
class Dashboard:
    run: dict                                  # the runs frame's row (engines: {name: {version, flags}})
    against: dict | None                       # the run compared with, or None (the first run)
    # reports.comparison's flags as dicts (kind, suite, engine, what, before, after, ratio, p_value,
    # changes, examples), regressions first.
    regressions: list[dict] = field(default_factory=list)
    features: list[dict] = field(default_factory=list)         # engine, feature, answer, detail
    feature_changes: list[dict] = field(default_factory=list)  # engine, feature, before, after
    # Pass rates that moved since the run compared with, per suite of SPEC_LABELS, engine and proposal
    # ("all": every proposal together): suite, engine, proposal, before/after _passed and _tests.
    rate_changes: list[dict] = field(default_factory=list)
    # Spec results of each suite of SPEC_LABELS the run has; every record names its `suite`.
    spec_engines: list[dict] = field(default_factory=list)     # suite, engine, SPEC_COUNTS, passed_tests,
    #                                                            tests
    spec_proposals: list[dict] = field(default_factory=list)   # suite, proposal, engine, passed, tests
    interop: list[dict] = field(default_factory=list)          # suite + Results.interop() records
    spec_failures: list[dict] = field(default_factory=list)    # unexpected: suite, engine, file, line, ...
    bench: list[dict] = field(default_factory=list)            # Results.bench() records
    ml: list[dict] = field(default_factory=list)               # Results.ml() records
    trends: list[dict] = field(default_factory=list)           # run, started, suite, engine, workload, p50_s
    spec_trend: list[dict] = field(default_factory=list)       # run_id, started, suite, engine, pass_rate
    runs: int = 0                                              # runs in the store


def load(results: Results, run_id: str, against: str | None,
         compared: comparison.Comparison | None = None) -> Dashboard:
    """The page's data; `compared`: the comparison of `run_id` with `against` when the caller has it."""
    runs = results.runs()
    meta = {r["run_id"]: r for r in records(runs)}
    board = Dashboard(run=meta[run_id], against=meta.get(against) if against else None, runs=len(runs))
    suites = set(str(meta[run_id].get("suites") or "").split(","))
    if "features" in suites:
        board.features = records(results.features(run_id)[["engine", "feature", "answer", "detail"]])
    for suite in SPEC_LABELS:
        if suite in suites:
            rates, interop = _spec_frames(results, run_id, board.against, suite)
            engines, proposals = _spec_counts(results, run_id, suite, rates)
            board.spec_engines += engines
            board.spec_proposals += proposals
            board.interop += [{"suite": suite, **r} for r in records(interop)]
            board.spec_failures += _spec_failures(results, run_id, suite)
    if "bench" in suites:
        board.bench = records(results.bench(run_id))
    if "ml" in suites:
        board.ml = records(results.ml(run_id))
    if board.against is not None:
        found = (compared or comparison.compare(results, run_id, board.against["run_id"])).to_dict()
        board.regressions, board.feature_changes = found["flags"], found["features"]
        board.rate_changes = _rate_changes(found)
    board.trends = _trends(results, runs)
    board.spec_trend = _spec_trend(results, runs)
    return board


def previous_run(results: Results, run_id: str) -> str | None:
    """The newest run started before `run_id` that shares a suite with it, or None (as `report`)."""
    return comparison.previous_run(results, run_id)


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values: missing ones (NaN, <NA>, NaT) as None."""
    import pandas as pd

    plain = frame.astype(object).where(frame.notna(), None)
    return [{k: (v.item() if hasattr(v, "item") and not isinstance(v, pd.Timestamp) else v)
             for k, v in row.items()} for row in plain.to_dict("records")]


def _rate_changes(found: dict) -> list[dict]:
    """The comparison's pass rates (reports.comparison, `to_dict()`) that differ between the runs,
    our corpus and the official testsuite each under its own suite."""
    keys = ("before_passed", "before_tests", "after_passed", "after_tests")
    return [{"suite": suite, "engine": r["name"], "proposal": r["proposal"] or "all",
             **{k: r[k] for k in keys}}
            for suite in SPEC_LABELS for r in found[suite]
            if r["before_tests"] and r["after_tests"] and r["before_rate"] != r["after_rate"]]


def _spec_frames(results: Results, run_id: str, against: dict | None,
                 suite: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run's pass rates and interop scores. When the run compared with has the suite too, they
    come from the comparison's frames (Results.spec_comparison, kept while the store is held), so
    the official testsuite's commands are matched across engines once for the page, not twice."""
    if against is None or suite not in str(against.get("suites") or "").split(","):
        return results.spec_rates(run_id, suite), results.interop(run_id, suite)
    both = results.spec_comparison(against["run_id"], run_id, suite)
    return tuple(_of_run(frame, run_id) for frame in (both.rates, both.interop))


def _of_run(frame: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """One run's rows of a frame of two runs, as a frame of that run alone gives them."""
    mine = frame[frame["run_id"] == run_id].reset_index(drop=True)
    mine["run_id"] = mine["run_id"].cat.set_categories([run_id])
    return mine


def _spec_counts(results: Results, run_id: str, suite: str,
                 rates: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    per_file = results.spec(run_id, suite)
    rates = rates.copy()
    rates["proposal"] = rates["proposal"].astype(object).where(rates["proposal"].notna(), CORE)
    engines = per_file.groupby("engine", observed=True)[list(SPEC_COUNTS)].sum()
    tests = rates.groupby("engine", observed=True)[["passed", "tests"]].sum()
    rows = [{"suite": suite, "engine": str(engine), **{c: int(engines.loc[engine, c]) for c in SPEC_COUNTS},
             "passed_tests": int(tests.loc[engine, "passed"]) if engine in tests.index else 0,
             "tests": int(tests.loc[engine, "tests"]) if engine in tests.index else 0}
            for engine in engines.index]
    proposals = [{"suite": suite, **r} for r in records(rates[["proposal", "engine", "passed", "tests"]])]
    return rows, sorted(proposals, key=lambda r: (r["proposal"] != CORE, r["proposal"], r["engine"]))


def _spec_failures(results: Results, run_id: str, suite: str) -> list[dict]:
    # Not a frame of the API: the failing commands themselves, straight from the table.
    rows = results.store.query(
        "SELECT suite, engine, file, line, kind, coalesce(\"case\", kind), verdict, coalesce(message, '') "
        "FROM results WHERE run_id = ? AND suite = ? AND verdict IN ('fail', 'crash', 'timeout') "
        "AND NOT coalesce(expected_failure, false) ORDER BY engine, file, line", [run_id, suite])
    keys = ("suite", "engine", "file", "line", "kind", "case", "verdict", "message")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _trends(results: Results, runs: pd.DataFrame) -> list[dict]:
    """p50 per run of every benchmark workload (execute time per iteration) and ML unit."""
    points = []
    suites = set(",".join(runs["suites"].fillna("")).split(","))
    if "bench" in suites:
        bench = results.medians("bench", "all")
        bench = bench[bench["phase"] == "execute"]
        workload = bench["kernel"].astype(str) + "/" + bench["variant"].astype(str)
        points += _points(bench.assign(suite="bench", workload=workload))
    if "ml" in suites:
        ml = results.medians("ml", "all")
        ml = ml[ml["phase"] == "execute"]
        workload = (ml["model"].astype(str) + "/b" + ml["batch"].astype(str) + " " + ml["runtime"].astype(str)
                    + ":" + ml["backend"].astype(str) + ":" + ml["threads"].astype(str))
        points += _points(ml.assign(suite="ml", workload=workload))
    return points


def _points(frame: pd.DataFrame) -> list[dict]:
    return records(frame[["run_id", "started", "suite", "engine", "workload", "median_s"]].rename(
        columns={"median_s": "p50_s"}))


def _spec_trend(results: Results, runs: pd.DataFrame) -> list[dict]:
    """Pass rate per run, suite and engine: Results.spec_totals, cheap over a long history of the
    official testsuite (the run's own tables use spec_rates)."""
    started = dict(zip(runs["run_id"], runs["started"], strict=True))
    points = []
    for suite in SPEC_LABELS:
        with_suite = [r for r, s in zip(runs["run_id"], runs["suites"].fillna(""), strict=True)
                      if suite in s.split(",")]
        if not with_suite:
            continue
        totals = results.spec_totals(with_suite, suite)
        points += [{"run_id": str(r), "started": started[str(r)], "suite": suite, "engine": str(e),
                    "pass_rate": p / t if t else None}
                   for r, e, p, t in totals[["run_id", "engine", "passed", "tests"]].itertuples(index=False)]
    return points
