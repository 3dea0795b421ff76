"""Tables as the page shows them: cells with their text, the value they sort by, and a class.

Cells hold plain text; the template escapes every one (jinja2 autoescape), so
what an engine or a file name says is shown, never run. A cell's class comes
from a fixed list (`ANSWER_CLASS`, `VERDICT_CLASS`), never from the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

ANSWER_CLASS = {"supported": "yes", "unsupported": "no", "flag": "flag", "n/a": "na", "error": "err"}
UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "us"))
VERDICT_CLASS = {"pass": "yes", "fail": "no", "crash": "err", "timeout": "err", "skip": "na",
                 "unsupported": "na", "regression": "no", "improvement": "yes"}


@dataclass
class Cell:
    text: str
    sort: str | float | None = None   # data-sort, when the text does not sort as it should
    css: str = ""
    title: str = ""


@dataclass
class Table:
    id: str
    headers: list[str]
    rows: list[list[Cell]]
    note: str = ""                    # e.g. how many rows are left out, and where they are
    numeric: set[int] = field(default_factory=set)  # columns aligned right
    caption: str = ""                 # a heading over the table, where a section holds several


def cell(value: object) -> Cell:
    """A plain value: numbers sort as numbers, None is an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Cell("")
    if isinstance(value, bool):
        return Cell("yes" if value else "no")
    if isinstance(value, int | float):
        return Cell(f"{value:g}" if isinstance(value, float) else str(value), sort=value)
    return Cell(str(value))


def answer(text: str, title: str = "", extra: str = "") -> Cell:
    return Cell(text, css=" ".join(c for c in (ANSWER_CLASS.get(text, "err"), extra) if c), title=title)


def verdict(text: str, title: str = "") -> Cell:
    return Cell(text, css=VERDICT_CLASS.get(text, ""), title=title)


def rate(passed: int, total: int) -> Cell:
    if not total:
        return Cell("")
    share = passed / total
    css = "yes" if share == 1 else "flag" if share >= 0.9 else "no"
    return Cell(f"{share:.1%} ({passed}/{total})", sort=share, css=css)


def duration(value: float | None, low: float | None = None, high: float | None = None) -> Cell:
    """Seconds in a readable unit, with the interval when there is one; sorts by seconds."""
    if value is None or math.isnan(value):
        return Cell("")
    scale, unit = next(((s, u) for s, u in UNITS if value >= s), (1e-9, "ns"))
    text = f"{value / scale:.3g} {unit}"
    if _given(low) and _given(high):
        text += f" ({low / scale:.3g}-{high / scale:.3g})"
    return Cell(text, sort=value)


def ratio(value: float | None, low: float | None = None, high: float | None = None) -> Cell:
    if value is None or math.isnan(value):
        return Cell("")
    text = f"{value:.2f}" + (f" ({low:.2f}-{high:.2f})" if _given(low) and _given(high) else "")
    return Cell(text, sort=value)


def p_value(value: float | None) -> Cell:
    if value is None or math.isnan(value):
        return Cell("")
    return Cell(f"{value:.2g}", sort=value)


def _given(value: float | None) -> bool:
    return value is not None and not math.isnan(value)
