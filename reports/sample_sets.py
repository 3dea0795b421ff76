"""Timing samples grouped as reports/stats.py reads them: per unit, the samples of each worker process.

One sort of the whole frame instead of a pandas group-by per unit (and another per process
inside it), which cost seconds over a nightly run's thousands of units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def by_process(frame: pd.DataFrame, keys: list[str], process: str | None = "process",
               value: str = "value") -> dict[tuple, list[np.ndarray]]:
    """(the unit's `keys` values) -> its `value`s, one array per worker process in process order (a
    missing process is process 0; `process=None`: one array), each in the frame's order. Units come
    in the order `frame.groupby(keys, sort=True)` gives them, rows with a missing key left out:
    exactly what a group-by per unit and then per process would give."""
    if frame.empty:
        return {}
    grouped = frame.groupby(keys, sort=True, observed=True)
    units = grouped.ngroup().fillna(-1).to_numpy(dtype=np.int64)    # -1: a missing key
    names = [k if isinstance(k, tuple) else (k,) for k in grouped.size().index]
    workers = np.zeros(len(frame)) if process is None or process not in frame else \
        frame[process].astype("Float64").fillna(0).to_numpy(dtype=float)
    values = frame[value].to_numpy(dtype=float)
    order = np.lexsort((workers, units))    # stable: the frame's order within a process
    order = order[units[order] >= 0]
    units, workers, values = units[order], workers[order], values[order]
    if not len(order):
        return {}
    starts = np.flatnonzero(np.r_[True, (np.diff(units) != 0) | (np.diff(workers) != 0)])
    pieces = np.split(values, starts[1:])
    out: dict[tuple, list[np.ndarray]] = {}
    for unit, piece in zip(units[starts], pieces, strict=True):
        out.setdefault(names[unit], []).append(piece)
    return out
