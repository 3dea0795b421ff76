"""The one row factory: every suite's observations get the same columns (harness/store.py).

A suite asks for a `Rows` per run and engine; each call makes one row with the
run, suite, engine, version and flags filled in, the time stamped, and every
other column given explicitly. A misspelt column is an error here, not a
silently empty column in the table.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.runinfo import now
from harness.store import COLUMNS

_COLUMNS = frozenset(COLUMNS)


class UnknownColumnError(KeyError):
    pass


def rows_for(run_id: str, suite: str, engine: str | None = None, version: str | None = None,
             flags: str | None = None, phase: str = "run") -> Callable[..., dict]:
    """A maker of rows that share run, suite, engine and phase: `make(case=..., verdict=...)`."""
    # line 0 means "no line of a file": never null, so readers keep the column an integer.
    base = {"run_id": run_id, "suite": suite, "engine": engine, "engine_version": version,
            "engine_flags": flags, "phase": phase, "expected_failure": False, "line": 0}

    def make(**fields: object) -> dict:
        if not fields.keys() <= _COLUMNS:
            raise UnknownColumnError(f"not a results column: {sorted(fields.keys() - _COLUMNS)}")
        return {**base, "time": now(), **fields}

    return make
