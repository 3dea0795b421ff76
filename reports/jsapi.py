"""The jsapi suite's report, in the manner of wpt.fyi, from the store alone.

A *column* is an engine configuration in one scope: a command-line host's
`jsshell` and a browser's `window` are the engine's own column (`chromium`); a
browser's dedicated worker is a second one (`chromium (worker)`). A *subtest*
is (file, subtest name); a file that did not load counts as one subtest
`(file)`, a harness error or timeout as one more, `(harness)`.

* counts per column: passes out of the subtests it ran, and each other verdict;
* per file: passes/total per column (wpt.fyi's directory view);
* where the columns disagree: each subtest whose verdicts differ, or that some
  columns ran and others did not;
* interop: the share of all subtests that pass in every column (a subtest a
  column lacks counts as not passing there, as on wpt.fyi), overall and among
  the browsers' columns.

Other suites may reuse `load`/`JsapiResults` (a JSON-able `as_json`).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from harness.store import ResultsStore

VERDICT_ORDER = ("pass", "fail", "timeout", "notrun", "skip", "error", "crash")
WORKER_SCOPE = "dedicatedworker"
FILE_CASE = "(file)"
BROWSERS = ("chromium", "firefox", "webkit")


def column_name(engine: str, scope: str) -> str:
    return f"{engine} (worker)" if scope == WORKER_SCOPE else engine


@dataclass
class JsapiResults:
    columns: list[str]
    # (file, case) -> {column: (verdict, message)}
    cells: dict[tuple[str, str], dict[str, tuple[str, str]]] = field(default_factory=dict)

    def subtests(self) -> list[tuple[str, str]]:
        return sorted(self.cells)

    def counts(self, column: str) -> Counter:
        return Counter(v[column][0] for v in self.cells.values() if column in v)

    def pass_rate(self, column: str) -> float | None:
        counts = self.counts(column)
        total = sum(counts.values())
        return counts["pass"] / total if total else None

    def disagreements(self) -> list[tuple[tuple[str, str], dict[str, tuple[str, str]]]]:
        found = []
        for key in self.subtests():
            by_column = self.cells[key]
            verdicts = {by_column[c][0] if c in by_column else "missing" for c in self.columns}
            if len(verdicts) > 1:
                found.append((key, by_column))
        return found

    def interop(self, columns: list[str] | None = None) -> float | None:
        chosen = self.columns if columns is None else columns
        keys = [k for k in self.cells if any(c in self.cells[k] for c in chosen)]
        if not chosen or not keys:
            return None
        passing = sum(all(self.cells[k].get(c, ("missing",))[0] == "pass" for c in chosen) for k in keys)
        return passing / len(keys)

    def browser_columns(self) -> list[str]:
        # chromium-full, firefox:endpoint=... are browsers too.
        return [c for c in self.columns if c.startswith(BROWSERS)]

    def by_file(self) -> dict[str, dict[str, tuple[int, int]]]:
        """{file: {column: (passes, subtests run)}}."""
        table: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        for (file, _case), by_column in self.cells.items():
            for column, (verdict, _message) in by_column.items():
                cell = table[file][column]
                cell[0] += verdict == "pass"
                cell[1] += 1
        return {f: {c: (v[0], v[1]) for c, v in cols.items()} for f, cols in sorted(table.items())}

    def load_errors(self) -> list[tuple[str, str, str]]:
        """(file, column, message) of every file that did not load."""
        return [(file, column, message) for (file, case), by_column in sorted(self.cells.items())
                if case == FILE_CASE for column, (verdict, message) in by_column.items() if verdict != "pass"]

    def all_pass(self) -> bool:
        return all(v[0] == "pass" for by_column in self.cells.values() for v in by_column.values())


def load(store: ResultsStore, run_id: str, engines: list[str]) -> JsapiResults:
    rows = store.query('SELECT engine, kind, file, "case", verdict, message FROM results '
                       "WHERE run_id = ? AND suite = 'jsapi' AND phase = 'run' ORDER BY time",
                       [run_id])
    columns: list[str] = []
    cells: dict[tuple[str, str], dict[str, tuple[str, str]]] = defaultdict(dict)
    for engine, scope, file, case, verdict, message in rows:
        column = column_name(engine, scope or "")
        if column not in columns:
            columns.append(column)
        cells[(file, case)][column] = (verdict, message or "")
    # Columns in the run's engine order, each engine's worker column after it.
    order = {e: n for n, e in enumerate(engines)}
    columns.sort(key=lambda c: (order.get(c.split(" ")[0], len(order)), c))
    return JsapiResults(columns=columns, cells=dict(cells))


def _percent(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def counts_table(results: JsapiResults) -> list[list[str]]:
    header = ["engine", "passes", "pass rate", *VERDICT_ORDER[1:]]
    rows = [header]
    for column in results.columns:
        counts = results.counts(column)
        total = sum(counts.values())
        rows.append([column, f"{counts['pass']}/{total}", _percent(results.pass_rate(column)),
                     *[str(counts[v]) for v in VERDICT_ORDER[1:]]])
    return rows


def _plain(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows)
    return "\n".join(lines)


def _markdown(rows: list[list[str]]) -> str:
    def line(r: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in r) + " |"
    return "\n".join([line(rows[0]), "|" + "---|" * len(rows[0]), *(line(r) for r in rows[1:])])


def disagreement_rows(results: JsapiResults, limit: int | None = None) -> list[list[str]]:
    rows = [["file", "subtest", *results.columns]]
    for (file, case), by_column in results.disagreements()[:limit]:
        rows.append([file, case, *[by_column[c][0] if c in by_column else "-" for c in results.columns]])
    return rows


def file_rows(results: JsapiResults) -> list[list[str]]:
    rows = [["file", *results.columns]]
    for file, by_column in results.by_file().items():
        rows.append([file, *[f"{by_column[c][0]}/{by_column[c][1]}" if c in by_column else "-"
                             for c in results.columns]])
    return rows


def interop_line(results: JsapiResults) -> str:
    total = len(results.cells)
    text = (f"{total} subtests; interop (pass in all {len(results.columns)} columns): "
            f"{_percent(results.interop())}")
    browsers = results.browser_columns()
    if browsers and len(browsers) < len(results.columns):
        text += f"; among the browsers ({', '.join(browsers)}): {_percent(results.interop(browsers))}"
    return text


DISAGREEMENT_LIMIT = 40


def text(results: JsapiResults, parameters: dict, wall_seconds: float) -> str:
    if not results.columns:
        return "no jsapi results"
    out = [_plain(counts_table(results)), "", interop_line(results)]
    found = results.disagreements()
    if found:
        first = f"; the first {DISAGREEMENT_LIMIT}" if len(found) > DISAGREEMENT_LIMIT else ""
        out += ["", f"where the engines disagree ({len(found)} subtests{first}):",
                _plain(disagreement_rows(results, DISAGREEMENT_LIMIT))]
    errors = results.load_errors()
    if errors:
        out += ["", "files that did not load:"]
        out += [f"  {file} on {column}: {message}" for file, column, message in errors]
    seconds = parameters.get("seconds", {})
    timing = ", ".join(f"{e} {s:.1f} s" for e, s in seconds.items())
    out += ["", f"{len(parameters.get('files', []))} files from {parameters.get('suite_dir', '?')} "
                f"in {wall_seconds:.1f} s ({timing})"]
    return "\n".join(out)


def markdown(results: JsapiResults, parameters: dict | None = None) -> str:
    out = ["# JS API results", "", _markdown(counts_table(results)), "", interop_line(results), "",
           "## Per file", "", _markdown(file_rows(results))]
    found = results.disagreements()
    if found:
        out += ["", f"## Where the engines disagree ({len(found)} subtests)", "",
                _markdown(disagreement_rows(results))]
        out += ["", "Messages:", ""]
        for (file, case), by_column in found:
            for column, (verdict, message) in by_column.items():
                if verdict != "pass" and message:
                    out.append(f"- `{file}` / {case} / {column}: {message[:300]}")
    return "\n".join(out) + "\n"


def as_json(results: JsapiResults, parameters: dict | None = None) -> dict:
    return {
        "columns": results.columns,
        "counts": {c: dict(results.counts(c)) for c in results.columns},
        "pass_rate": {c: results.pass_rate(c) for c in results.columns},
        "subtests": len(results.cells),
        "interop": results.interop(),
        "interop_browsers": results.interop(results.browser_columns()) if results.browser_columns() else None,
        "disagreements": [{"file": f, "subtest": c, "results": {k: v[0] for k, v in by.items()}}
                          for (f, c), by in results.disagreements()],
        "load_errors": [{"file": f, "engine": c, "message": m} for f, c, m in results.load_errors()],
        "results": [{"file": f, "subtest": c,
                     "results": {k: {"verdict": v[0], "message": v[1]} for k, v in by.items()}}
                    for (f, c), by in sorted(results.cells.items())],
        "seconds": (parameters or {}).get("seconds", {}),
    }


def write_all(results: JsapiResults, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "jsapi.md", out / "jsapi.json"
    md.write_text(markdown(results), encoding="utf-8")
    js.write_text(json.dumps(as_json(results), indent=2), encoding="utf-8")
    return [md, js]
