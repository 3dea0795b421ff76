"""Spec-run summaries: counts and failures computed in DuckDB from the results table.

The CLI prints these at the end of every run, so they stay off pandas (0.2 s to
import, more than a small run takes); richer reports load the table into pandas.
"""

from __future__ import annotations

from tabulate import tabulate

from harness.store import ResultsStore

VERDICTS = ["pass", "fail", "skip", "crash", "timeout"]
PROBLEMS = ("fail", "crash", "timeout")
COLUMNS = [*VERDICTS, "xfail", "unexpected"]

_COUNTS = """
SELECT {by},
       {verdicts},
       count(*) FILTER (WHERE expected_failure) AS xfail,
       count(*) FILTER (WHERE verdict IN ('fail', 'crash', 'timeout') AND NOT expected_failure) AS unexpected
FROM results WHERE run_id = ? AND suite = ? AND verdict IS NOT NULL
GROUP BY {by} ORDER BY {by}
"""


def counts(store: ResultsStore, run_id: str, by: list[str], suite: str = "spec") -> list[dict]:
    """One dict per group: the group's columns, then pass..timeout, xfail and unexpected."""
    verdicts = ", ".join(f"count(*) FILTER (WHERE verdict = '{v}') AS \"{v}\"" for v in VERDICTS)
    sql = _COUNTS.format(by=", ".join(by), verdicts=verdicts)
    return [dict(zip([*by, *COLUMNS], row, strict=True)) for row in store.query(sql, [run_id, suite])]


def failures(store: ResultsStore, run_id: str, suite: str = "spec") -> list[dict]:
    # A script-level row (a script that does not convert, a worker that cannot start) has no
    # command, so no case: it is named by its kind, `script`, rather than shown as None.
    sql = ("SELECT engine, file, line, kind, coalesce(\"case\", kind), verdict, expected_failure, message "
           "FROM results WHERE run_id = ? AND suite = ? AND verdict IN ('fail', 'crash', 'timeout') "
           "ORDER BY engine, file, line")
    keys = ["engine", "file", "line", "kind", "case", "verdict", "expected", "message"]
    return [dict(zip(keys, row, strict=True)) for row in store.query(sql, [run_id, suite])]


def engine_table(store: ResultsStore, run_id: str, engines: list[str], suite: str = "spec") -> str:
    """One column per engine configuration, one row per verdict."""
    by_engine = {row["engine"]: row for row in counts(store, run_id, ["engine"], suite)}
    rows = [[column, *(by_engine.get(e, {}).get(column, 0) for e in engines)] for column in COLUMNS]
    return tabulate(rows, headers=["verdict", *engines], tablefmt="github")


_PROPOSAL = r"coalesce(nullif(regexp_extract(file, '(^|/)proposals/([^/]+)/', 2), ''), 'core')"


def proposal_counts(store: ResultsStore, run_id: str, suite: str = "spec") -> list[dict]:
    """Commands passed per proposal (a file's folder under `proposals/` in a testsuite checkout;
    `core` for the rest) and engine, deliberate failures left out; a file skipped whole counts
    as its one skipped command. Empty when no file of the run belongs to a proposal."""
    rows = store.query(f"""
        SELECT proposal, engine, count(*) FILTER (WHERE verdict = 'pass') AS passed,
               count(*) FILTER (WHERE NOT coalesce(expected_failure, false)) AS commands
        FROM (SELECT {_PROPOSAL} AS proposal, engine, verdict, expected_failure FROM results
              WHERE run_id = ? AND suite = ? AND verdict IS NOT NULL)
        GROUP BY proposal, engine ORDER BY proposal <> 'core', proposal, engine""", [run_id, suite])
    if {r[0] for r in rows} <= {"core"}:
        return []
    return [{"proposal": p, "engine": e, "passed": n, "commands": total} for p, e, n, total in rows]


def proposal_table(store: ResultsStore, run_id: str, engines: list[str], suite: str = "spec") -> str | None:
    """proposal_counts as a table, `passed/commands (rate)` per engine; None without proposals."""
    rows = proposal_counts(store, run_id, suite)
    if not rows:
        return None
    proposals = list(dict.fromkeys(r["proposal"] for r in rows))
    cells = {(r["proposal"], r["engine"]): _rate(r["passed"], r["commands"]) for r in rows}
    table = [[p, *(cells.get((p, e), "-") for e in engines)] for p in proposals]
    return tabulate(table, headers=["proposal", *engines], tablefmt="github")


def _rate(passed: int, total: int) -> str:
    return f"{passed}/{total} ({passed / total:.0%})" if total else "-"


def file_table(store: ResultsStore, run_id: str, suite: str = "spec") -> str:
    rows = counts(store, run_id, ["file", "engine"], suite)
    return tabulate(rows, headers="keys", tablefmt="github")


def summary_json(store: ResultsStore, run_id: str, engines: dict[str, dict], suite: str = "spec") -> dict:
    """Per engine configuration: version, flags, counts by verdict, and every failing command."""
    by_engine = {row["engine"]: row for row in counts(store, run_id, ["engine"], suite)}
    bad = failures(store, run_id, suite)
    out: dict[str, dict] = {}
    for name, info in engines.items():
        row = by_engine.get(name, {})
        out[name] = {
            **info,
            "counts": {v: int(row.get(v, 0)) for v in VERDICTS},
            "expected_failures": int(row.get("xfail", 0)),
            "failures": [{k: v for k, v in f.items() if k != "engine"} for f in bad if f["engine"] == name],
        }
    return out
