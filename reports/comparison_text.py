"""A `Comparison` (reports/comparison.py) as text for the terminal or as GitHub Markdown (a CI
comment): the flags first, with their evidence, then every section side by side."""

from __future__ import annotations

from reports import escape
from reports.comparison import SPEC_SUITES, Comparison, Figure, Flag, PassRate, Timing

# How each suite of spec scripts is titled: our corpus, and the official testsuite apart from it.
SPEC_TITLES = {"spec": "Spec", "testsuite": "Official testsuite"}


def render(c: Comparison, fmt: str = "simple") -> str:
    """fmt: `simple` (terminal) or `github` (Markdown)."""
    md = fmt == "github"
    parts = [_title(c, md)]
    regressions = len(c.regressions)
    improvements = len(c.flags) - regressions
    parts.append(_section(f"Flagged: {regressions} regression{'s' * (regressions != 1)}, {improvements} "
                          f"improvement{'s' * (improvements != 1)}", _flags(c.flags, fmt), md,
                          "nothing beyond the threshold and significant"))
    examples = [f"{f.suite} {f.engine} {f.what}: {', '.join(f.examples)}" for f in c.flags if f.examples]
    if examples:
        parts.append("\n".join(("* " if md else "  ") + escape.shorten(_md(e, md), 300) for e in examples))
    if c.features:
        parts.append(_section("Feature answers that changed", escape.table(
            [[f.engine, f.feature, f.before, f.after] for f in c.features],
            ["engine", "feature", "before", "after"], fmt), md))
    for suite in SPEC_SUITES:
        parts += _spec(c, suite, fmt)
    for suite, title in (("bench", "Benchmarks: execute time per iteration, median (95% CI)"),
                         ("ml", "ML: time per inference, p50 (95% CI)")):
        timings = [t for t in c.timings if t.suite == suite]
        if timings:
            parts.append(_section(title, _timings(timings, fmt), md))
    return "\n\n".join(parts)


def _spec(c: Comparison, suite: str, fmt: str) -> list[str]:
    """One suite's pass rates per engine and proposal, then its interop scores."""
    md = fmt == "github"
    rates, interop = c.rates(suite)
    name = SPEC_TITLES[suite]
    parts = []
    if rates:
        title = f"{name} pass rates (tests passed / the run's tests; deliberate failures left out)"
        parts.append(_section(title, _rates(rates, "engine", fmt), md))
    for scope, scores in interop.items():
        names = scores[0].configurations if scores else ""
        prefix = "Interop" if suite == "spec" else f"{name} interop"
        parts.append(_section(f"{prefix}: tests that pass in every {scope[:-1]} ({names})",
                              _rates(scores, "scope", fmt), md))
    return parts


def _title(c: Comparison, md: bool) -> str:
    def who(r) -> str:
        return f"{r.run_id} ({r.started}, commit {r.git_commit[:12] or 'unknown'})"

    text = (f"Run {who(c.run)} against {who(c.against)}; flagged when significant (p < 0.05, the ratio's "
            f"interval without 1) and beyond {c.threshold:.1%}")
    if c.history:
        text += f"; steps over the last {len(c.history)} runs, from {c.history[0]}"
    return f"# Comparison\n\n{_md(text, md)}" if md else text


def _section(title: str, body: str, md: bool, empty: str = "") -> str:
    body = body or empty
    return f"## {title}\n\n{body}" if md else f"{title}\n{body}"


def _flags(flags: list[Flag], fmt: str) -> str:
    if not flags:
        return ""
    rows = [[f.kind.upper(), f.suite, f.engine, f.what, _value(f.before), _value(f.after), _ratio(f.ratio),
             _p(f.p_value), f"{f.against} -> {f.run}", "; ".join(f.changes) or "nothing recorded"]
            for f in flags]
    return escape.table(rows, ["", "suite", "engine", "what", "before", "after", "ratio (95% CI)", "p",
                               "runs", "what changed"], fmt, disable_numparse=True)


def _rates(rates: list[PassRate], key: str, fmt: str) -> str:
    rows = []
    for r in rates:
        change = ""
        if r.before is not None and r.after is not None:
            points = (r.after - r.before) * 100
            # One test of the official testsuite's 65,000 is 0.0015 pp: shown, not rounded to -0.0.
            change = "=" if r.after == r.before else f"{points:+.1f} pp" if abs(points) >= 0.05 else \
                f"{points:+.2g} pp"
        name = [r.name] if key == "engine" else []   # interop: one table per scope already
        rows.append([*name, r.proposal or "all", _rate(r.before_passed, r.before_tests),
                     _rate(r.after_passed, r.after_tests), change])
    headers = [*(["engine"] if key == "engine" else []), "proposal", "before", "after", "change"]
    return escape.table(rows, headers, fmt, disable_numparse=True)


def _timings(timings: list[Timing], fmt: str) -> str:
    rows = [[t.engine, t.unit, _value(t.before), _value(t.after), _ratio(t.ratio), _p(t.p_value),
             t.verdict.upper() if t.verdict else ("~" if t.ratio else "")] for t in timings]
    return escape.table(rows, ["engine", "unit", "before", "after", "after/before (95% CI)", "p", "flag"],
                        fmt, disable_numparse=True)


def _value(v: Figure | str | None) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return _duration(v.value, v.low, v.high)


def _duration(value: float, low: float | None, high: float | None) -> str:
    scales = ((1, "s"), (1e-3, "ms"), (1e-6, "us"))
    scale, unit = next(((s, u) for s, u in scales if value >= s), (1e-9, "ns"))
    text = f"{value / scale:.4g} {unit}"
    if low is not None and high is not None:
        text += f" ({low / scale:.4g}-{high / scale:.4g})"
    return text


def _ratio(r: Figure | None) -> str:
    if r is None:
        return ""
    interval = f" ({r.low:.3f}-{r.high:.3f})" if r.low is not None and r.high is not None else ""
    return f"{r.value:.3f}{interval}"


def _p(p: float | None) -> str:
    return "" if p is None else f"{p:.2g}"


def _rate(passed: int | None, tests: int | None) -> str:
    if not tests:
        return "-"
    return f"{passed}/{tests} ({100 * (passed or 0) / tests:.1f}%)"


def _md(text: str, md: bool) -> str:
    return str(escape.markdown_cell(text)) if md else text
