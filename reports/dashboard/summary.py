"""summary.md beside the dashboard, for a CI comment: the headline numbers and the flagged changes.

CI systems render Markdown as HTML, so every cell goes through reports.escape (no raw
HTML, no `|` that splits a cell).
"""

from __future__ import annotations

from reports import escape
from reports.bench import GEOMEAN
from reports.dashboard.data import SPEC_LABELS, Dashboard
from reports.dashboard.sections import TIMED
from reports.dashboard.tables import duration

# How the headline names each suite of spec scripts (data.SPEC_LABELS, shortened).
HEADLINE_NAMES = {"spec": "spec", "testsuite": "official testsuite"}


def headline(board: Dashboard) -> list[str]:
    """A few lines a reader takes in at once (the page's header shows them too)."""
    lines = []
    flagged = [f for f in board.regressions if f["kind"] == "regression"]
    better = len(board.regressions) - len(flagged)
    if board.against is not None:
        lines.append(f"{len(flagged)} regression{'s' * (len(flagged) != 1)} and {better} improvement"
                     f"{'s' * (better != 1)} flagged against run {board.against['run_id']}")
    for suite, name in HEADLINE_NAMES.items():
        engines = [r for r in board.spec_engines if r["suite"] == suite]
        if not engines:
            continue
        clean = sum(1 for r in engines if not r["unexpected"])
        lines.append(f"{name}: {clean} of {len(engines)} engine configurations without an unexpected failure")
        for scope in ("browsers", "engines"):
            rows = [r for r in board.interop if r["scope"] == scope and r["suite"] == suite]
            tests = sum(r["tests"] for r in rows)
            if tests and rows[0]["size"] > 1:
                passing = sum(r["passing"] for r in rows)
                lines.append(f"{name} interop over {rows[0]['size']} {scope}: {passing / tests:.1%} of "
                             f"{tests} tests pass in all")
    if board.features:
        engines = {r["engine"] for r in board.features}
        names = {r["feature"] for r in board.features}
        lines.append(f"features: {len(names)} probed on {len(engines)} configurations")
    means = [r for r in board.bench if r["kernel"] == GEOMEAN and r.get("ratio_to_native") is not None
             and r["variant"] == "scalar"]
    if means:
        best = min(means, key=lambda r: r["ratio_to_native"])
        lines.append(f"bench: best scalar wasm/native {best['ratio_to_native']:.2f}x ({best['engine']})")
    if board.ml:
        passed = sum(1 for r in board.ml if r["verdict"] == "pass")
        lines.append(f"ml: {passed} of {len(board.ml)} units answered right")
    return lines


def markdown(board: Dashboard, page: str = "index.html") -> str:
    run = board.run
    out = [f"# wasm-harness run {escape.markdown_cell(run['run_id'])}", ""]
    out += [f"- {escape.markdown_cell(line)}" for line in headline(board)] + [""]
    if board.against is not None:
        out += [f"## Flagged changes against run {escape.markdown_cell(board.against['run_id'])}", ""]
        if board.regressions:
            out.append(escape.table([[f["kind"], f["suite"], f["engine"], f["what"],
                                      _figure(f.get("before"), f["suite"]),
                                      _figure(f.get("after"), f["suite"]),
                                      f"{f['ratio']['value'] - 1:+.1%}" if f.get("ratio") else "",
                                      f"{f['p_value']:.2g}" if f.get("p_value") is not None else "",
                                      "; ".join(f.get("changes") or [])]
                                     for f in board.regressions],
                                    ["flag", "suite", "engine", "what", "before (95% CI)", "after (95% CI)",
                                     "change", "p", "what changed"], "github", disable_numparse=True))
        else:
            out.append("Nothing changed beyond run-to-run drift.")
        out.append("")
    for suite, label in SPEC_LABELS.items():
        engines = [r for r in board.spec_engines if r["suite"] == suite]
        if engines:
            out += [f"## Pass rates: {label}", "",
                    escape.table([[r["engine"], f"{r['passed_tests'] / r['tests']:.1%}" if r["tests"] else "",
                                   r["unexpected"]] for r in engines],
                                 ["engine", "pass rate", "unexpected"], "github", disable_numparse=True), ""]
    out.append(f"The full dashboard: `{page}` beside this file.")
    return "\n".join(out) + "\n"


def _figure(value: dict | str | None, suite: str) -> str:
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    if suite in TIMED:
        return duration(value["value"], value.get("low"), value.get("high")).text
    low, high = value.get("low"), value.get("high")
    interval = f" ({low:.4g}-{high:.4g})" if low is not None and high is not None else ""
    return f"{value['value']:.4g}{interval}"
