"""Spec-run summaries: pandas views of the results table, rendered with tabulate."""

from __future__ import annotations

import pandas as pd
from tabulate import tabulate

VERDICTS = ["pass", "fail", "skip", "crash", "timeout"]
PROBLEMS = ("fail", "crash", "timeout")


def verdict_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Only the rows that carry a verdict (not wall times or other metrics)."""
    return frame[frame["verdict"].notna()]


def counts(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Counts of each verdict, plus `xfail` (failures that were expected) and `unexpected`."""
    rows = verdict_rows(frame)
    table = (rows.groupby([*by, "verdict"]).size().unstack("verdict", fill_value=0)
             .reindex(columns=VERDICTS, fill_value=0))
    expected = rows[rows["expected_failure"].fillna(False).astype(bool)]
    table["xfail"] = expected.groupby(by).size().reindex(table.index, fill_value=0)
    problems = rows[rows["verdict"].isin(PROBLEMS) & ~rows["expected_failure"].fillna(False).astype(bool)]
    table["unexpected"] = problems.groupby(by).size().reindex(table.index, fill_value=0)
    return table.astype(int)


def failures(frame: pd.DataFrame) -> pd.DataFrame:
    rows = verdict_rows(frame)
    bad = rows[rows["verdict"].isin(PROBLEMS)]
    return bad.sort_values(["engine", "file", "line"])


def engine_table(frame: pd.DataFrame) -> str:
    """One column per engine configuration, one row per verdict."""
    table = counts(frame, ["engine"]).T
    return tabulate(table, headers="keys", tablefmt="github")


def file_table(frame: pd.DataFrame) -> str:
    table = counts(frame, ["file", "engine"]).reset_index()
    return tabulate(table, headers="keys", tablefmt="github", showindex=False)


def summary_json(frame: pd.DataFrame, engines: dict[str, dict]) -> dict:
    """Per engine configuration: version, flags, counts by verdict, and every failing assertion."""
    out: dict[str, dict] = {}
    table = counts(frame, ["engine"]) if not verdict_rows(frame).empty else pd.DataFrame()
    bad = failures(frame)
    for name, info in engines.items():
        row = table.loc[name] if name in table.index else pd.Series(0, index=[*VERDICTS, "xfail"])
        mine = bad[bad["engine"] == name]
        out[name] = {
            **info,
            "counts": {v: int(row.get(v, 0)) for v in VERDICTS},
            "expected_failures": int(row.get("xfail", 0)),
            "failures": [
                {"file": r.file, "line": int(r.line), "kind": r.kind, "case": r.case,
                 "verdict": r.verdict, "expected": bool(r.expected_failure), "message": r.message}
                for r in mine.itertuples()
            ],
        }
    return out
