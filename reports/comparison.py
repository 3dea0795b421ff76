"""Runs compared: what changed between a run and an earlier one, and what regressed, with evidence.

`compare(results, run, against)` gives a `Comparison` of plain dataclasses
(`to_dict()` is the `report --json` document): feature answers that changed,
spec pass rates per engine and proposal, wpt.fyi-style interop scores (for our
corpus, suite `spec`, and apart from it for the official testsuite, suite
`testsuite`, when the nightly ran it), benchmark and ML figures side by side
with their intervals and ratios, and `flags`: the regressions and improvements.

A timing is flagged only when the change is both statistically significant
(Mann-Whitney U on the two runs' raw samples, p < ALPHA, and the bootstrap
interval of the ratio of medians excludes 1) and larger than the threshold
(DRIFT_THRESHOLD by default): a run's intervals describe that run, and whole
runs drift by more than they say (BENCHMARKS.md, "History and regressions").
With a history (`history(results, runs)`, `report --last N`), steps are found
over the runs' medians (reports/steps.py) and each is tested the same way
between the two runs on either side of it. Spec tests that passed and now fail
(or the reverse; our corpus and the official testsuite each flagged under its own
suite) and feature answers that lost (or gained) support are flagged
too: they need no statistics. Every flag carries its evidence: both figures,
the test, and what changed between the runs (engine version, flags, the
harness's commit).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

# The suites of .wast scripts (our corpus and the official testsuite), each compared on its own.
from harness.results import SPEC_SUITES
from reports import sample_sets, stats, steps
from reports.matrix import SUPPORT_VALUE

if TYPE_CHECKING:
    import pandas as pd

    from harness.results import Results

# Whole runs drift by this much with nothing changed (measured: BENCHMARKS.md, "History and
# regressions"); a change must be larger to be flagged. `report --threshold` overrides it.
DRIFT_THRESHOLD = 0.05
ALPHA = 0.05
REGRESSION, IMPROVEMENT = "regression", "improvement"
# Spec tests named in one flag's evidence, at most.
EXAMPLES = 5
NO_LONGER_PASSING = "no longer passing"   # harness.results.Results.spec_changes's `change`
# A pairwise comparison also weighs a unit's own run-to-run noise over this many earlier runs.
NOISE_RUNS, NOISE_MIN_RUNS = 10, 5


@dataclass
class Figure:
    """A run's estimate: the median (or p50) with its 95% bootstrap interval."""

    value: float
    low: float | None
    high: float | None
    samples: int


@dataclass
class RunInfo:
    run_id: str
    started: str
    status: str
    git_commit: str
    host: str
    engines: dict[str, dict]
    suites: list[str]


@dataclass
class FeatureChange:
    engine: str
    feature: str
    before: str
    after: str


@dataclass
class PassRate:
    """An engine's (or, for interop, a scope's) passing tests over the run's tests, before and after;
    proposal None is every proposal together."""

    name: str
    proposal: str | None
    before_passed: int | None
    before_tests: int | None
    after_passed: int | None
    after_tests: int | None
    configurations: str = ""

    @property
    def before(self) -> float | None:
        return self.before_passed / self.before_tests if self.before_tests else None

    @property
    def after(self) -> float | None:
        return self.after_passed / self.after_tests if self.after_tests else None


@dataclass
class Timing:
    """One timed unit in both runs: bench `execute` medians per iteration, or ML p50 per inference."""

    suite: str
    engine: str
    unit: str
    before: Figure | None
    after: Figure | None
    ratio: Figure | None = None       # after / before, with its bootstrap interval
    p_value: float | None = None
    verdict: str = ""                 # regression, improvement, "" (within threshold or not significant)


@dataclass
class Flag:
    kind: str                         # regression or improvement
    suite: str                        # bench, ml, spec (our corpus), testsuite (the official one), features
    engine: str
    what: str                         # the unit, test count or feature
    run: str                          # the run where it shows
    against: str                      # the run it is measured against
    before: Figure | str | None = None
    after: Figure | str | None = None
    ratio: Figure | None = None
    p_value: float | None = None
    threshold: float | None = None
    method: str = ""
    changes: list[str] = field(default_factory=list)   # what differs between the runs
    examples: list[str] = field(default_factory=list)  # spec: tests that changed


@dataclass
class Comparison:
    db: str
    run: RunInfo
    against: RunInfo
    threshold: float
    history: list[str] = field(default_factory=list)    # --last N: the runs looked at, oldest first
    features: list[FeatureChange] = field(default_factory=list)
    spec: list[PassRate] = field(default_factory=list)                 # our corpus (suites/spec)
    interop: dict[str, list[PassRate]] = field(default_factory=dict)   # scope -> rates
    # The official testsuite (`nightly --testsuite`), apart from the corpus: its tests, proposals and
    # pass rates are its own.
    testsuite: list[PassRate] = field(default_factory=list)
    testsuite_interop: dict[str, list[PassRate]] = field(default_factory=dict)
    timings: list[Timing] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    @property
    def regressions(self) -> list[Flag]:
        return [f for f in self.flags if f.kind == REGRESSION]

    def rates(self, suite: str) -> tuple[list[PassRate], dict[str, list[PassRate]]]:
        """A suite of SPEC_SUITES's pass rates per engine and its interop scores by scope."""
        return (self.spec, self.interop) if suite == "spec" else (self.testsuite, self.testsuite_interop)

    def to_dict(self) -> dict:
        """The comparison as JSON-ready data (stable keys; NaN as null)."""
        document = asdict(self)
        for rates_key, interop_key in (("spec", "interop"), ("testsuite", "testsuite_interop")):
            pairs = [(document[rates_key], getattr(self, rates_key)),
                     *((document[interop_key][s], r) for s, r in getattr(self, interop_key).items())]
            for target, rates in pairs:
                for out, rate in zip(target, rates, strict=True):
                    out["before_rate"], out["after_rate"] = rate.before, rate.after
        return _clean(document)


# --- building it ------------------------------------------------------------------------------

def previous_run(results: Results, run: str) -> str | None:
    """The newest run started before `run` that shares a suite with it."""
    runs = results.runs()
    mine = runs[runs["run_id"] == run].iloc[0]
    suites = set(_text(mine["suites"]).split(",")) - {""}
    earlier = runs[(runs["started"] < mine["started"]) |
                   ((runs["started"] == mine["started"]) & (runs["run_id"] < run))]
    for row in earlier.iloc[::-1].itertuples():
        if suites & set(_text(row.suites).split(",")):
            return str(row.run_id)
    return None


def compare(results: Results, run: str, against: str, threshold: float = DRIFT_THRESHOLD) -> Comparison:
    """`run` against the earlier run `against` (both run ids the store has)."""
    with results.holding():
        infos = _run_infos(results)
        comparison = Comparison(str(results.db), infos[run], infos[against], threshold)
        _features(results, comparison)
        for suite in SPEC_SUITES:
            _spec(results, comparison, suite)
        for suite in ("bench", "ml"):
            _timings(results, comparison, suite, infos)
    comparison.flags.sort(key=_flag_order)
    return comparison


def history(results: Results, runs: list[str], threshold: float = DRIFT_THRESHOLD) -> Comparison:
    """The last of `runs` (oldest first) against the one before it, and flags for every step over
    all of them: a regression that came some nights ago stays flagged while it is in the window."""
    comparison = compare(results, runs[-1], runs[-2], threshold)
    comparison.history = list(runs)
    if len(runs) > 2:
        with results.holding():
            infos = _run_infos(results)
            # Timings are flagged by the steps over the whole window instead of the last pair alone.
            comparison.flags = [f for f in comparison.flags if f.suite not in ("bench", "ml")]
            for suite in ("bench", "ml"):
                comparison.flags += _steps(results, runs, suite, threshold, infos)
            # Verdicts and answers: every earlier pair of runs too (the last pair is compare()'s).
            comparison.flags += _earlier_changes(results, runs, threshold, infos)
        latest = {(f.suite, f.engine, f.what): f.kind for f in comparison.flags if f.run == runs[-1]}
        for timing in comparison.timings:
            timing.verdict = latest.get((timing.suite, timing.engine, timing.unit), "")
        comparison.flags.sort(key=_flag_order)
    return comparison


def _earlier_changes(results: Results, runs: list[str], threshold: float,
                     infos: dict[str, RunInfo]) -> list[Flag]:
    """Spec, testsuite and feature flags for what changed earlier in the window: between its first
    run of the suite and the one before the last (the last pair is compare()'s). A test that
    stopped passing some nights ago stays flagged while it is in the window; one that failed and
    passed again in between is not flagged (a flaky Wasmer crash would otherwise be flagged once
    per pair of runs, and the testsuite would be matched once per pair: 29 times for --last 30)."""
    flags: list[Flag] = []
    for suite in ("features", *SPEC_SUITES):
        ran = [r for r in runs if suite in infos[r].suites]
        if len(ran) < 2:
            continue
        first, end = ran[0], ran[-2] if ran[-2:] == runs[-2:] else ran[-1]
        if first == end:
            continue
        if suite != "features":
            digests = results.spec_digests([first, end], suite)
            engines = {e for (_, e) in digests}
            if all(digests.get((first, e)) == digests.get((end, e)) for e in engines):
                continue
        span = Comparison(str(results.db), infos[end], infos[first], threshold)
        if suite == "features":
            _features(results, span)
        else:
            _spec(results, span, suite)
        for flag in span.flags:
            flag.method = f"{flag.method}, between the window's first run and {end} (earlier in the window)"
        flags += span.flags
    return flags


def _flag_order(flag: Flag) -> tuple:
    return (flag.kind != REGRESSION, flag.suite, flag.engine, flag.what, flag.run)


def _run_infos(results: Results) -> dict[str, RunInfo]:
    return {str(r.run_id): RunInfo(str(r.run_id), r.started.isoformat(sep=" ", timespec="seconds"),
                                   str(r.status), _text(r.git_commit), _text(r.host), r.engines,
                                   [s for s in _text(r.suites).split(",") if s])
            for r in results.runs().itertuples()}


def changes(before: RunInfo, after: RunInfo, engine: str | None) -> list[str]:
    """What differs between two runs for one engine configuration: version, flags, the harness."""
    found = []
    if engine is not None:
        old, new = before.engines.get(engine), after.engines.get(engine)
        if old and new:
            for key in ("version", "flags"):
                was, now = old.get(key) or "(none)", new.get(key) or "(none)"
                if was != now:
                    found.append(f"{engine} {key} {was} -> {now}")
    if before.git_commit != after.git_commit:
        found.append(f"harness commit {before.git_commit or '(unknown)'} -> "
                     f"{after.git_commit or '(unknown)'}")
    if before.host != after.host:
        found.append(f"host {before.host} -> {after.host}")
    return found


def _features(results: Results, c: Comparison) -> None:
    if not _both(c, "features"):
        return
    frame = results.features(run=[c.against.run_id, c.run.run_id])
    answers = frame.pivot_table(index=["engine", "feature"], columns="run_id", values="answer",
                                aggfunc="first", observed=True)
    for (engine, feature), row in answers.iterrows():
        before, after = row.get(c.against.run_id), row.get(c.run.run_id)
        if _missing(before) or _missing(after) or before == after:
            continue
        c.features.append(FeatureChange(str(engine), str(feature), str(before), str(after)))
        old, new = SUPPORT_VALUE.get(str(before)), SUPPORT_VALUE.get(str(after))
        if old is None or new is None:
            continue   # n/a or error: a change to show, not a support level to rank
        c.flags.append(Flag(REGRESSION if new < old else IMPROVEMENT, "features", str(engine), str(feature),
                            c.run.run_id, c.against.run_id, str(before), str(after), method="answer changed",
                            changes=changes(c.against, c.run, str(engine))))


def _spec(results: Results, c: Comparison, suite: str) -> None:
    """Pass rates, interop scores and flags of one suite of spec scripts (SQL in the store: the
    official testsuite is 65,000 commands on each configuration)."""
    ids = [r.run_id for r in (c.against, c.run) if suite in r.suites]
    if not ids:
        return
    if len(ids) == 2:
        # Both runs' commands matched across engines once for the rates, interop and changes.
        rates_frame, interop, changed = results.spec_comparison(c.against.run_id, c.run.run_id, suite)
    else:
        rates_frame, interop, changed = results.spec_rates(ids, suite), results.interop(ids, suite), None
    rates, interop_rates = c.rates(suite)
    rates += _rates(rates_frame, "engine", "passed", c)
    for scope in ("browsers", "engines"):
        mine = interop[interop["scope"] == scope]
        if not mine.empty:
            interop_rates[scope] = _rates(mine, "scope", "passing", c)
    if changed is not None:
        for (engine, kind), group in changed.groupby(["engine", "change"], observed=True):
            tests = [f"{r.file}:{r.line} {r.name} ({r.before} -> {r.after})"
                     for r in group.head(EXAMPLES).itertuples()]
            c.flags.append(Flag(REGRESSION if kind == NO_LONGER_PASSING else IMPROVEMENT, suite, str(engine),
                                f"{len(group)} test{'s' * (len(group) != 1)} {kind}", c.run.run_id,
                                c.against.run_id,
                                method="verdicts compared", changes=changes(c.against, c.run, str(engine)),
                                examples=tests))


def _rates(frame: pd.DataFrame, name: str, passed: str, c: Comparison) -> list[PassRate]:
    """Per name: every proposal together first, then each proposal (None, for core, as `core`)."""
    out = []
    frame = frame.assign(proposal=frame["proposal"].astype("string").fillna("core"))
    for key, group in frame.groupby(name, observed=True):
        configurations = str(group["configurations"].iloc[-1]) if "configurations" in group else ""
        for proposal, part in [(None, group), *group.groupby("proposal", observed=True)]:
            figures = {}
            for when, run_id in (("before", c.against.run_id), ("after", c.run.run_id)):
                rows = part[part["run_id"] == run_id]
                figures[f"{when}_passed"] = int(rows[passed].sum()) if len(rows) else None
                figures[f"{when}_tests"] = int(rows["tests"].sum()) if len(rows) else None
            out.append(PassRate(str(key), None if proposal is None else str(proposal), **figures,
                                configurations=configurations))
    return out


def _timings(results: Results, c: Comparison, suite: str, infos: dict[str, RunInfo]) -> None:
    if suite not in c.run.suites and suite not in c.against.suites:
        return
    grouped = _sample_sets(results, suite, [c.against.run_id, c.run.run_id])
    noise = _past_noise(results, suite, c.against.run_id, infos)
    units = sorted({(e, u) for (_, e, u) in grouped})
    # Every unit's intervals at once (stats resamples them together).
    before = [grouped.get((c.against.run_id, engine, unit)) for engine, unit in units]
    after = [grouped.get((c.run.run_id, engine, unit)) for engine, unit in units]
    both = [i for i in range(len(units)) if before[i] is not None and after[i] is not None]
    ratios = dict(zip(both, stats.ratios([(after[i], before[i]) for i in both]), strict=True))
    for (engine, unit), old, new, ratio in zip(units, _figures(before), _figures(after),
                                               [ratios.get(i) for i in range(len(units))], strict=True):
        timing = Timing(suite, engine, unit, old, new)
        if ratio is not None:
            timing.ratio, timing.p_value = _estimate(ratio), ratio.p_value
            timing.verdict = _verdict(ratio, c.threshold)
            method = "mann-whitney U and bootstrap ratio of medians, between the two runs"
            sigma, runs = noise.get((engine, unit), (0.0, 0))
            if runs:
                method += (f"; beyond {steps.NOISE_FACTOR:g}x its run-to-run noise over {runs} runs "
                           f"({sigma:.2%})")
                if abs(math.log(ratio.value)) <= steps.NOISE_FACTOR * sigma:
                    timing.verdict = ""
            if timing.verdict:
                c.flags.append(Flag(timing.verdict, suite, engine, unit, c.run.run_id, c.against.run_id,
                                    timing.before, timing.after, timing.ratio, ratio.p_value, c.threshold,
                                    method, changes(c.against, c.run, engine)))
        c.timings.append(timing)


def _past_noise(results: Results, suite: str, until: str,
                infos: dict[str, RunInfo]) -> dict[tuple[str, str], tuple[float, int]]:
    """(engine, unit) -> its run-to-run noise over the last NOISE_RUNS runs up to `until`, and how
    many runs that is, where there are at least NOISE_MIN_RUNS: a unit known to wander (FFT, 2.8% between long
    runs) must change by more than it wanders, whatever the threshold."""
    order = list(infos)   # oldest first, as runs() gives them
    past = [r for r in order[: order.index(until) + 1] if suite in infos[r].suites][-NOISE_RUNS:]
    if len(past) < NOISE_MIN_RUNS:
        return {}
    medians = results.medians(suite, run=past)
    medians = medians[medians["phase"] == "execute"]
    # Sorted once: a group keeps the frame's order, so each unit's medians come in time order.
    medians = medians.assign(unit=_unit_names(medians, suite)).sort_values("started", kind="stable")
    return {(str(e), str(u)): (steps.noise(g["median_s"].to_numpy()), len(g))
            for (e, u), g in medians.groupby(["engine", "unit"], observed=True) if len(g) >= NOISE_MIN_RUNS}


def _steps(results: Results, runs: list[str], suite: str, threshold: float,
           infos: dict[str, RunInfo]) -> list[Flag]:
    """Flags for the steps over a history of medians, each tested between the runs around it."""
    runs = [r for r in runs if suite in infos[r].suites]
    if len(runs) < 2:
        return []
    medians = results.medians(suite, run=runs)
    if medians.empty:
        return []
    medians = medians[medians["phase"] == "execute"]
    medians = medians.assign(unit=_unit_names(medians, suite)).sort_values("started", kind="stable")
    around: dict[tuple[str, str], list[tuple[str, str, steps.Step]]] = {}
    for (engine, unit), series in medians.groupby(["engine", "unit"], observed=True, sort=True):
        ids = series["run_id"].astype(str).tolist()
        for step in steps.detect(series["median_s"].to_numpy(), threshold):
            pair = (ids[step.index - 1], ids[step.index])
            around.setdefault(pair, []).append((str(engine), str(unit), step))
    # The steps' tests between the runs on either side, all at once (stats resamples them together).
    tests = []   # (before run, after run, engine, unit, step, before samples, after samples)
    for (before_id, after_id), units in around.items():
        grouped = _sample_sets(results, suite, [before_id, after_id])
        for engine, unit, step in units:
            before, after = grouped.get((before_id, engine, unit)), grouped.get((after_id, engine, unit))
            if before is not None and after is not None:
                tests.append((before_id, after_id, engine, unit, step, before, after))
    ratios = stats.ratios([(after, before) for *_, before, after in tests])
    kinds = [_verdict(ratio, threshold) for ratio in ratios]
    flagged = [(test, ratio, kind) for test, ratio, kind in zip(tests, ratios, kinds, strict=True) if kind]
    before_figures = _figures([test[5] for test, _, _ in flagged])
    after_figures = _figures([test[6] for test, _, _ in flagged])
    flags: list[Flag] = []
    for (test, ratio, kind), old, new in zip(flagged, before_figures, after_figures, strict=True):
        before_id, after_id, engine, unit, step = test[:5]
        method = (f"step over the last {len(runs)} runs ({_ms(step.before)} -> {_ms(step.after)}, "
                  f"run-to-run noise {step.noise:.2%}); mann-whitney U and bootstrap ratio of "
                  "medians between the runs on either side")
        flags.append(Flag(kind, suite, engine, unit, after_id, before_id, old, new, _estimate(ratio),
                          ratio.p_value, threshold, method,
                          changes(infos[before_id], infos[after_id], engine)))
    return flags


def _verdict(ratio: stats.Estimate, threshold: float) -> str:
    """regression or improvement when after/before is significant (Mann-Whitney p < ALPHA and a
    bootstrap interval without 1) and beyond the threshold; "" otherwise."""
    if ratio.p_value is None or math.isnan(ratio.value) or ratio.p_value >= ALPHA:
        return ""
    if math.isnan(ratio.low) or ratio.low <= 1 <= ratio.high:
        return ""
    if abs(math.log(ratio.value)) <= math.log1p(threshold):
        return ""
    return REGRESSION if ratio.value > 1 else IMPROVEMENT


def _estimate(est: stats.Estimate) -> Figure:
    return Figure(est.value, _num(est.low), _num(est.high), est.n)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.4g} ms"


SampleSets = dict[tuple[str, str, str], list[np.ndarray]]


def _sample_sets(results: Results, suite: str, ids: list[str]) -> SampleSets:
    """(run, engine, unit) -> the steady-state samples grouped by worker process."""
    frame = results.samples(suite, run=ids)
    frame = frame[frame["phase"] == "execute"]
    if frame.empty:
        return {}
    frame = frame.assign(unit=_unit_names(frame, suite))
    grouped = sample_sets.by_process(frame, ["run_id", "engine", "unit"])
    return {(str(run), str(engine), str(unit)): groups for (run, engine, unit), groups in grouped.items()}


def _unit_names(frame: pd.DataFrame, suite: str) -> pd.Series:
    if suite == "bench":
        return frame["kernel"].astype(str) + "/" + frame["variant"].astype(str)
    return (frame["model"].astype(str) + " b" + frame["batch"].astype(str) + " "
            + frame["runtime"].astype(str) + " " + frame["backend"].astype(str) + " "
            + frame["threads"].astype(str) + "t")


def _figures(sets: list[list[np.ndarray] | None]) -> list[Figure | None]:
    """Each set's median with its interval (None for a unit the run lacks), all at once."""
    given = [i for i, groups in enumerate(sets) if groups is not None]
    out: list[Figure | None] = [None] * len(sets)
    for i, est in zip(given, stats.medians([sets[i] for i in given]), strict=True):
        out[i] = _estimate(est)
    return out


def _both(c: Comparison, suite: str) -> bool:
    return suite in c.run.suites and suite in c.against.suites


def _text(value: object) -> str:
    return "" if _missing(value) else str(value)


def _num(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _missing(value: object) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _clean(value: object) -> object:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def flatten(flags: Iterable[Flag]) -> list[dict]:
    """Flags as flat dicts (a CI comment's or dashboard's rows)."""
    return [_clean(asdict(f)) for f in flags]
