"""What the dashboard shows, read from the results store: one `Dashboard` per run (and the run it
is compared against).

INTERIM: the reads below are small functions of our own, to be replaced by the history API
(`load(db)` and its comparison, branch `history`) once it is merged. Each returns the shape the
page needs, so only this module changes then.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reports import bench as bench_report
from reports import ml as ml_report
from reports import stats

if TYPE_CHECKING:
    from harness.store import ResultsStore

VERDICTS = ("pass", "fail", "skip", "crash", "timeout")
CORE = "core"  # spec files outside proposals/NAME/: WebAssembly itself
# INTERIM regression rule (the history API's replaces it): a change is flagged when the
# interval of the ratio between runs excludes 1 +- DRIFT and Mann-Whitney p < ALPHA.
DRIFT = 0.02
ALPHA = 0.05


@dataclass
class Dashboard:
    run: dict                                  # the runs table's row, engines decoded
    against: dict | None                       # the run compared with, or None (the first run)
    regressions: list[dict] = field(default_factory=list)    # flagged changes, worst first
    features: list[dict] = field(default_factory=list)       # engine, feature, answer, detail
    feature_changes: list[dict] = field(default_factory=list)  # engine, feature, before, after
    spec_engines: list[dict] = field(default_factory=list)   # engine, counts, pass_rate
    spec_proposals: list[dict] = field(default_factory=list)  # proposal, engine, passed, total, pass_rate
    spec_failures: list[dict] = field(default_factory=list)  # unexpected: engine, file, line, ...
    bench: list[dict] = field(default_factory=list)          # reports.bench.summarize rows
    ml: list[dict] = field(default_factory=list)             # reports.ml.summarize rows
    trends: list[dict] = field(default_factory=list)         # run_id, started, suite, engine, workload, p50_s
    spec_trend: list[dict] = field(default_factory=list)     # run_id, started, engine, pass_rate
    runs: int = 0                                            # runs in the history


def proposal_of(file: str) -> str:
    """`proposals/gc/struct.wast` -> gc; anything else is the core specification."""
    parts = str(file).replace("\\", "/").split("/")
    if "proposals" in parts[:-1]:
        i = parts.index("proposals")
        if i + 1 < len(parts) - 1:
            return parts[i + 1]
    return CORE


def load(store: ResultsStore, run_id: str, against: str | None) -> Dashboard:
    run = _run(store, run_id)
    other = _run(store, against) if against else None
    board = Dashboard(run=run, against=other)
    board.features = _features(store, run_id)
    board.spec_engines, board.spec_proposals = _spec_counts(store, run_id)
    board.spec_failures = _spec_failures(store, run_id)
    frame = store.frame(run_id)
    board.bench = bench_report.summarize(frame[frame["suite"] == "bench"])
    board.ml = ml_report.summarize(frame[frame["suite"] == "ml"]) if (frame["suite"] == "ml").any() else []
    if other is not None:
        before = _features(store, other["run_id"])
        board.feature_changes = _feature_changes(before, board.features)
        board.regressions = _compare(store.frame(other["run_id"]), frame)
    board.trends = _trends(store)
    board.spec_trend = _spec_trend(store)
    board.runs = len({t["run_id"] for t in board.spec_trend} | {t["run_id"] for t in board.trends})
    return board


def previous_run(store: ResultsStore, run_id: str) -> str | None:
    """The run started last before `run_id`, or None."""
    found = store.query("SELECT run_id FROM runs WHERE started < (SELECT started FROM runs WHERE run_id = ?) "
                        "ORDER BY started DESC LIMIT 1", [run_id])
    return found[0][0] if found else None


def _run(store: ResultsStore, run_id: str) -> dict:
    meta = store.run(run_id)
    if meta is None:
        raise KeyError(run_id)
    meta = dict(meta)
    meta["engines"] = json.loads(meta.get("engines") or "{}")
    return meta


def _features(store: ResultsStore, run_id: str) -> list[dict]:
    rows = store.query("SELECT engine, \"case\", verdict, coalesce(message, '') FROM results "
                       "WHERE run_id = ? AND suite = 'features' AND kind = 'feature' AND phase = 'detect' "
                       "ORDER BY time", [run_id])
    latest = {(e, f): (a, d) for e, f, a, d in rows}  # a V8-flag retry's answer replaces the first
    return [{"engine": e, "feature": f, "answer": a, "detail": d} for (e, f), (a, d) in latest.items()]


def _feature_changes(before: list[dict], after: list[dict]) -> list[dict]:
    old = {(r["engine"], r["feature"]): r["answer"] for r in before}
    return [{"engine": r["engine"], "feature": r["feature"], "before": old[(r["engine"], r["feature"])],
             "after": r["answer"]}
            for r in after if old.get((r["engine"], r["feature"]), r["answer"]) != r["answer"]]


_COUNTS = ", ".join(f"count(*) FILTER (WHERE verdict = '{v}')" for v in VERDICTS)


def _spec_counts(store: ResultsStore, run_id: str) -> tuple[list[dict], list[dict]]:
    rows = store.query(
        f"SELECT engine, file, {_COUNTS}, count(*) FILTER (WHERE expected_failure), "
        "count(*) FILTER (WHERE verdict IN ('fail', 'crash', 'timeout') AND NOT expected_failure) "
        "FROM results WHERE run_id = ? AND suite = 'spec' AND phase <> 'suite' AND verdict IS NOT NULL "
        "GROUP BY engine, file", [run_id])
    engines: dict[str, dict] = {}
    proposals: dict[tuple[str, str], dict] = {}
    for engine, file, *counts in rows:
        per = engines.setdefault(engine, {"engine": engine, **dict.fromkeys(VERDICTS, 0), "xfail": 0,
                                          "unexpected": 0})
        for name, n in zip((*VERDICTS, "xfail", "unexpected"), counts, strict=True):
            per[name] += n
        proposal = proposal_of(file)
        prop = proposals.setdefault((proposal, engine),
                                    {"proposal": proposal, "engine": engine, "passed": 0, "total": 0})
        named = dict(zip((*VERDICTS, "xfail", "unexpected"), counts, strict=True))
        prop["passed"] += _passed(named)
        prop["total"] += _judged(named)
    for per in engines.values():
        per["passed"], per["total"] = _passed(per), _judged(per)
    for per in (*engines.values(), *proposals.values()):
        per["pass_rate"] = per["passed"] / per["total"] if per["total"] else None
    return sorted(engines.values(), key=lambda r: r["engine"]), \
        sorted(proposals.values(), key=lambda r: (r["proposal"] != CORE, r["proposal"], r["engine"]))


def _passed(counts: dict) -> int:
    """Commands that did what the corpus wants: a deliberate failure that fails counts as passed."""
    return _judged(counts) - counts["unexpected"]


def _judged(counts: dict) -> int:
    """Commands with a verdict other than skip."""
    return counts["pass"] + counts["fail"] + counts["crash"] + counts["timeout"]


def _spec_failures(store: ResultsStore, run_id: str) -> list[dict]:
    rows = store.query(
        "SELECT engine, file, line, kind, coalesce(\"case\", kind), verdict, coalesce(message, '') "
        "FROM results WHERE run_id = ? AND suite = 'spec' AND verdict IN ('fail', 'crash', 'timeout') "
        "AND NOT coalesce(expected_failure, false) ORDER BY engine, file, line", [run_id])
    keys = ("engine", "file", "line", "kind", "case", "verdict", "message")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _trends(store: ResultsStore) -> list[dict]:
    """p50 per run of every benchmark workload (execute time per iteration) and ML unit."""
    rows = store.query(
        "SELECT r.run_id, min(runs.started), r.suite, r.engine, "
        "CASE WHEN r.suite = 'bench' THEN r.\"case\" || '/' || r.kind ELSE r.\"case\" || ' ' || r.kind END, "
        "quantile_cont(r.value, 0.5) FROM results r JOIN runs USING (run_id) "
        "WHERE r.suite IN ('bench', 'ml') AND r.phase = 'execute' AND r.metric = 'time' "
        "AND coalesce(r.verdict, 'pass') = 'pass' GROUP BY ALL ORDER BY 2")
    keys = ("run_id", "started", "suite", "engine", "workload", "p50_s")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _spec_trend(store: ResultsStore) -> list[dict]:
    rows = store.query(
        "SELECT r.run_id, min(runs.started), r.engine, "
        "count(*) FILTER (WHERE verdict <> 'skip') - count(*) FILTER (WHERE verdict IN ('fail', 'crash', "
        "'timeout') AND NOT coalesce(expected_failure, false)), "
        "count(*) FILTER (WHERE verdict <> 'skip') FROM results r JOIN runs USING (run_id) "
        "WHERE r.suite = 'spec' AND r.phase <> 'suite' AND r.verdict IS NOT NULL GROUP BY ALL ORDER BY 2")
    return [{"run_id": r, "started": s, "engine": e, "pass_rate": p / t if t else None}
            for r, s, e, p, t in rows]


def _compare(before, after) -> list[dict]:
    """INTERIM: benchmark execute times that changed beyond drift, significantly."""
    flags = []
    samples = {}
    for name, frame in (("before", before), ("after", after)):
        bench = frame[frame["suite"] == "bench"]
        times = bench[(bench["phase"] == "execute") & (bench["metric"] == "time")]
        for key, group in times.groupby(["engine", "case", "kind"]):
            samples.setdefault(key, {})[name] = [g["value"].to_numpy(float)
                                                 for _, g in group.groupby(group["process"].fillna(0))]
    for (engine, case, kind), both in sorted(samples.items()):
        if len(both) < 2:
            continue
        change = stats.ratio(both["after"], both["before"])
        if math.isnan(change.low) or change.p_value is None or change.p_value >= ALPHA:
            continue
        if change.low > 1 + DRIFT or change.high < 1 / (1 + DRIFT):
            old, new = stats.median(both["before"]), stats.median(both["after"])
            flags.append({"suite": "bench", "engine": engine, "what": f"{case}/{kind}",
                          "direction": "regression" if change.value > 1 else "improvement",
                          "before": old.value, "before_low": old.low, "before_high": old.high,
                          "after": new.value, "after_low": new.low, "after_high": new.high,
                          "ratio": change.value, "ratio_low": change.low, "ratio_high": change.high,
                          "p_value": change.p_value, "unit": "s"})
    return sorted(flags, key=lambda f: (f["direction"] != "regression", -abs(math.log(f["ratio"]))))
