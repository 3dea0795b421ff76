"""The page's sections, in the order a reader needs them: what regressed first, then the feature
matrix, the spec results, benchmarks, ML inference, the trends over the history, and the runs.

Each section is plain data (text, tables of cells, chart specifications); the
template only lays it out and escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.bench import GEOMEAN
from reports.dashboard import charts
from reports.dashboard.data import CORE, SPEC_LABELS, Dashboard
from reports.dashboard.tables import Cell, Table, answer, cell, duration, p_value, rate, ratio, verdict
from reports.escape import shorten

# The failure table shows at most this many rows; all of them are in failures.csv beside the page.
FAILURES_SHOWN = 500
FAILURES_CSV = "failures.csv"
TIMED = ("bench", "ml")   # suites whose flags compare times (seconds)


@dataclass
class Section:
    id: str
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    charts: list[tuple[str, str]] = field(default_factory=list)   # (chart id, caption)
    empty: str = ""                                              # what to say when there is nothing


def build(board: Dashboard) -> tuple[list[Section], dict[str, dict]]:
    """The sections, and the chart specifications by id."""
    specs: dict[str, dict] = {}
    sections = [regressions(board), features(board), spec(board), bench(board, specs), ml(board, specs),
                trends(board, specs), runs(board)]
    return sections, specs


def regressions(board: Dashboard) -> Section:
    section = Section("regressions", "Flagged regressions and improvements")
    if board.against is None:
        section.empty = "This is the first run in the store: nothing to compare it with."
        return section
    section.intro = (f"Against run {board.against['run_id']}. A change is flagged only when it is both "
                     "statistically significant and larger than run-to-run drift; each row shows both "
                     "figures with their 95% intervals, the change, the p-value, and what changed between "
                     "the runs.")
    rows = [[verdict(f["kind"]), cell(f["suite"]), cell(f["engine"]),
             Cell(f["what"], title="\n".join(f.get("examples") or [])),
             figure(f.get("before"), f["suite"]), figure(f.get("after"), f["suite"]), _change(f.get("ratio")),
             p_value(f.get("p_value")), cell("; ".join(f.get("changes") or []))]
            for f in board.regressions]
    if rows:
        section.tables.append(Table("regression-table", ["flag", "suite", "engine", "what", "before (95% CI)",
                                                         "after (95% CI)", "change (95% CI)", "p",
                                                         "what changed"], rows, numeric={4, 5, 6, 7}))
    else:
        section.empty = "Nothing changed beyond run-to-run drift."
    if board.rate_changes:
        section.tables.append(Table("rate-change-table", ["suite", "engine", "proposal", "before", "after",
                                                          "change"], [
            [cell(SPEC_LABELS[r["suite"]]), cell(r["engine"]), cell(r["proposal"]),
             rate(r["before_passed"], r["before_tests"]), rate(r["after_passed"], r["after_tests"]),
             _points(r)] for r in board.rate_changes], numeric={3, 4, 5},
            caption="Spec pass rates that changed (tests passed / the run's tests), per engine and proposal"))
    if board.feature_changes:
        section.tables.append(Table("feature-change-table", ["engine", "feature", "before", "now"], [
            [cell(c["engine"]), cell(c["feature"]), answer(c["before"]), answer(c["after"])]
            for c in board.feature_changes]))
    return section


def figure(value: dict | str | None, suite: str) -> Cell:
    """A flag's figure: a timing (median with its interval), or a text (an answer, a count)."""
    if isinstance(value, dict):
        if suite in TIMED:
            return duration(value["value"], value.get("low"), value.get("high"))
        return ratio(value["value"], value.get("low"), value.get("high"))
    return cell(value)


def _commit(run: dict) -> str:
    return str(run.get("git_commit") or "-")[:10]


def _change(r: dict | None) -> Cell:
    """after / before as a change in percent, with its interval."""
    if not r:
        return Cell("")
    low, high = r.get("low"), r.get("high")
    text = f"{r['value'] - 1:+.1%}"
    if low is not None and high is not None:
        text += f" ({low - 1:+.1%} to {high - 1:+.1%})"
    return Cell(text, sort=r["value"])


def _points(r: dict) -> Cell:
    """A pass rate's change in percentage points."""
    change = r["after_passed"] / r["after_tests"] - r["before_passed"] / r["before_tests"]
    # One test of the official testsuite's 65,000 is 0.0015 pp: shown, not rounded to -0.0.
    text = f"{change * 100:+.1f} pp" if abs(change) >= 0.0005 else f"{change * 100:+.2g} pp"
    return Cell(text, sort=change, css="no" if change < 0 else "yes")


def features(board: Dashboard) -> Section:
    section = Section("features", "Feature matrix", intro=(
        "Each cell is a probe run on that engine configuration: supported, unsupported, flag (supported "
        "with the V8 flag named), n/a or error. Hover a cell for its detail; a thick border marks an "
        "answer that changed since the run compared with."))
    if not board.features:
        section.empty = "This run has no feature matrix (wasm-harness detect)."
        return section
    engines = _ordered(board, {r["engine"] for r in board.features})
    names = sorted({r["feature"] for r in board.features}, key=str.lower)
    cells = {(r["engine"], r["feature"]): r for r in board.features}
    changed = {(c["engine"], c["feature"]): c["before"] for c in board.feature_changes}
    rows = []
    for name in names:
        row = [cell(name)]
        for engine in engines:
            found = cells.get((engine, name))
            if found is None:
                row.append(Cell("", css="na"))
                continue
            was = changed.get((engine, name))
            title = found["detail"] + (f" (was {was})" if was else "")
            row.append(answer(found["answer"], title=title, extra="changed" if was else ""))
        rows.append(row)
    supported = {e: sum(cells.get((e, n), {}).get("answer") == "supported" for n in names) for e in engines}
    note = "Supported, per engine: " + ", ".join(f"{e} {n}/{len(names)}" for e, n in supported.items())
    section.tables.append(Table("feature-table", ["feature", *engines], rows, note=note))
    return section


def spec(board: Dashboard) -> Section:
    section = Section("spec", "Spec results", intro=(
        "Our spec corpus and, when the nightly ran it (--testsuite), the official WebAssembly testsuite, "
        "each on its own. A run's tests are the spec commands any engine configuration ran (the corpus's "
        "deliberate failures left out); the pass rate is the share an engine passed, a file it skipped "
        "counting as not passed. The interop score, as wpt.fyi's: the share of tests that pass in every "
        "browser, and in every engine configuration."))
    if not board.spec_engines:
        section.empty = "This run has no spec results (wasm-harness spec)."
        return section
    for suite, label in SPEC_LABELS.items():
        if any(r["suite"] == suite for r in board.spec_engines):
            _spec_tables(board, section, suite, label)
    return section


def _spec_tables(board: Dashboard, section: Section, suite: str, label: str) -> None:
    """The tables of one suite, their ids prefixed by the suite (spec-..., testsuite-...)."""
    mine = [r for r in board.spec_engines if r["suite"] == suite]
    versions = {e: (i or {}).get("version", "") for e, i in (board.run.get("engines") or {}).items()}
    section.tables.append(Table(f"{suite}-engine-table", [
        "engine", "version", "pass rate", "pass", "fail", "skip", "crash", "timeout", "deliberate failures",
        "unexpected"],
        [[cell(r["engine"]), cell(versions.get(r["engine"], "")), rate(r["passed_tests"], r["tests"]),
          *(cell(r[k]) for k in ("passed", "failed", "skipped", "crashed", "timed_out", "expected_failures")),
          Cell(str(r["unexpected"]), sort=r["unexpected"], css="no" if r["unexpected"] else "")]
         for r in mine], numeric={2, 3, 4, 5, 6, 7, 8, 9}, caption=f"{label}: per engine"))
    proposals_of = [r for r in board.spec_proposals if r["suite"] == suite]
    engines = _ordered(board, {r["engine"] for r in proposals_of})
    by = {(r["proposal"], r["engine"]): r for r in proposals_of}
    proposals = sorted({r["proposal"] for r in proposals_of}, key=lambda p: (p != CORE, p))
    section.tables.append(Table(f"{suite}-proposal-table", ["proposal", *engines], [
        [cell(p), *(rate(by[(p, e)]["passed"], by[(p, e)]["tests"]) if (p, e) in by else Cell("")
                    for e in engines)] for p in proposals], caption=f"{label}: per proposal"))
    interop = [r for r in board.interop if r["suite"] == suite]
    if interop:
        section.tables.append(Table("interop-table" if suite == "spec" else f"{suite}-interop-table",
                                    ["scope", "proposal", "interop", "configurations"], [
            [cell(r["scope"]), cell(r["proposal"] or CORE), rate(r["passing"], r["tests"]),
             cell(r["configurations"])] for r in interop], caption=f"{label}: interop"))
    failures = [f for f in board.spec_failures if f["suite"] == suite]
    note = ""
    if len(failures) > FAILURES_SHOWN:
        note = f"The first {FAILURES_SHOWN} of {len(failures)} unexpected failures; all in {FAILURES_CSV}."
    elif failures:
        note = f"Also in {FAILURES_CSV}."
    if failures:
        section.tables.append(Table(f"{suite}-failure-table", ["engine", "file", "line", "command", "verdict",
                                                               "message"],
                                    [[cell(f["engine"]), cell(f["file"]), cell(f["line"]), cell(f["kind"]),
                                      verdict(f["verdict"]),
                                      Cell(shorten(f["message"], 160), title=f["message"])]
                                     for f in failures[:FAILURES_SHOWN]], note=note,
                                    caption=f"{label}: unexpected failures"))


def bench(board: Dashboard, specs: dict[str, dict]) -> Section:
    section = Section("bench", "Benchmarks", intro=(
        "Execute time per iteration: medians with 95% bootstrap intervals, the ratio to the native build "
        "(lower is better) and the SIMD speed-up over the same engine's scalar build."))
    rows = board.bench
    if not rows:
        section.empty = "This run has no benchmarks (wasm-harness bench)."
        return section
    _chart(section, specs, "bench-ratio", charts.bench_ratio(rows), "wasm / native per kernel")
    _chart(section, specs, "bench-micro", charts.bench_micro(rows), "micro-benchmarks")
    body = []
    for r in rows:
        if r["phase"] == "execute":
            body.append([cell(r["engine"]), cell(r["kernel"]), cell(r["variant"]), verdict(r["status"]),
                         duration(r.get("median_s"), r.get("ci_low_s"), r.get("ci_high_s")),
                         ratio(r.get("ratio_to_native"), r.get("ratio_to_native_ci_low"),
                               r.get("ratio_to_native_ci_high")),
                         ratio(r.get("simd_speedup"), r.get("simd_speedup_ci_low"),
                               r.get("simd_speedup_ci_high")),
                         p_value(r.get("ratio_to_native_p")), cell(r.get("samples") or r.get("kernels"))])
        elif r["phase"] == "run":
            blank = [Cell("") for _ in range(5)]
            body.append([cell(r["engine"]), cell(r["kernel"]), cell(r["variant"]),
                         verdict(r["status"], title=r.get("message") or ""), *blank])
    body.sort(key=lambda row: (row[1].text == GEOMEAN, row[1].text, row[0].text, row[2].text))
    section.tables.append(Table("bench-table", ["engine", "workload", "variant", "status",
                                                "median (95% CI)", "x native (95% CI)", "SIMD speed-up",
                                                "p (vs native)", "samples"], body, numeric={4, 5, 6, 7, 8}))
    return section


def ml(board: Dashboard, specs: dict[str, dict]) -> Section:
    section = Section("ml", "ML inference", intro=(
        "Time per inference: p50 with its 95% bootstrap interval, the ratio to native onnxruntime at the "
        "same thread count, and the accuracy against it."))
    if not board.ml:
        section.empty = "This run has no ML inference results (wasm-harness ml)."
        return section
    _chart(section, specs, "ml-latency", charts.ml_latency(board.ml), "p50 latency per inference")
    section.tables.append(Table("ml-table", ["model", "batch", "engine", "runtime", "backend", "threads",
                                             "verdict", "p50 (95% CI)", "p95", "x native (95% CI)",
                                             "accuracy"],
                                [[cell(r["model"]), cell(r["batch"]), cell(r["engine"]), cell(r["runtime"]),
                                  cell(r["backend"]), cell(r["threads"]),
                                  verdict(r["verdict"], title=r.get("reason", "")),
                                  duration(r.get("p50_s"), r.get("ci_low_s"), r.get("ci_high_s")),
                                  duration(r.get("p95_s")),
                                  ratio(r.get("ratio_to_native"), r.get("ratio_to_native_ci_low"),
                                        r.get("ratio_to_native_ci_high")), _accuracy(r)]
                                 for r in board.ml], numeric={1, 5, 7, 8, 9}))
    return section


def _accuracy(r: dict) -> Cell:
    if r.get("top1_agreement") is not None:
        return Cell(f"top-1 {r['top1_agreement']:.3f}", sort=r["top1_agreement"])
    if r.get("cosine") is not None:
        return Cell(f"cosine {r['cosine']:.5f}", sort=r["cosine"])
    return Cell("")


def trends(board: Dashboard, specs: dict[str, dict]) -> Section:
    section = Section("trends", "Trends over the history", intro=(
        f"{board.runs} runs in the store. p50 per run of every benchmark workload and ML unit (pick one in "
        "the menu under the chart), and the spec pass rate per engine, for our corpus and the official "
        "testsuite."))
    _chart(section, specs, "trend-perf", charts.trends(board.trends), "p50 over runs")
    _chart(section, specs, "trend-spec", charts.spec_trend(board.spec_trend),
           "spec pass rate over runs, per suite")
    if not section.charts:
        section.empty = "One run so far: trends start with the second."
    return section


def runs(board: Dashboard) -> Section:
    section = Section("runs", "Runs and engines")
    meta = [board.run] + ([board.against] if board.against else [])
    section.tables.append(Table("run-table", ["run", "started", "status", "host", "cpu", "harness commit",
                                              "command"],
                                [[cell(m["run_id"]), cell(str(m.get("started") or "")), cell(m.get("status")),
                                  cell(m.get("host")), cell(m.get("cpu")), cell(_commit(m)),
                                  cell(m.get("command"))] for m in meta]))
    engines = board.run.get("engines") or {}
    section.tables.append(Table("engine-table", ["engine", "version", "flags"], [
        [cell(e), cell((i or {}).get("version")), cell((i or {}).get("flags"))]
        for e, i in sorted(engines.items())]))
    return section


def _chart(section: Section, specs: dict[str, dict], chart_id: str, spec: dict | None, caption: str) -> None:
    if spec is not None:
        specs[chart_id] = spec
        section.charts.append((chart_id, caption))


def _ordered(board: Dashboard, engines: set[str]) -> list[str]:
    """The run's engines in the order it ran them, then any others by name."""
    known = [e for e in (board.run.get("engines") or {}) if e in engines]
    return known + sorted(engines - set(known))
