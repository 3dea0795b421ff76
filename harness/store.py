"""The results store: one tidy table of observations in an embedded DuckDB file.

Every row is one observation (an assertion's verdict, a wall time, later a
benchmark sample). Rows reach the file in batches at most FLUSH_SECONDS
apart and whenever the run ends, interrupted or not, so an interrupted run
keeps everything it finished. Reports read this table only.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # pandas is imported when a frame is asked for: it costs 0.2 s at start-up
    import pandas as pd

COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR",
    "time": "TIMESTAMP",
    "engine": "VARCHAR",
    "engine_version": "VARCHAR",
    "engine_flags": "VARCHAR",
    "suite": "VARCHAR",
    "file": "VARCHAR",
    "line": "INTEGER",
    "case": "VARCHAR",
    "kind": "VARCHAR",
    "phase": "VARCHAR",
    "verdict": "VARCHAR",
    "expected_failure": "BOOLEAN",
    "metric": "VARCHAR",
    "value": "DOUBLE",
    "unit": "VARCHAR",
    "message": "VARCHAR",
    # Benchmark samples: which worker process and which sample in it (Sightglass's process, iteration).
    "process": "INTEGER",
    "iteration": "INTEGER",
}

RUN_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR PRIMARY KEY",
    "started": "TIMESTAMP",
    "finished": "TIMESTAMP",
    "status": "VARCHAR",
    "command": "VARCHAR",
    "host": "VARCHAR",
    "os": "VARCHAR",
    "cpu": "VARCHAR",
    "cpu_count": "INTEGER",
    "python": "VARCHAR",
    "harness_version": "VARCHAR",
    "git_commit": "VARCHAR",
    "engines": "VARCHAR",  # JSON: {name: {"version": ..., "flags": ...}}
}

# Rows are written in batches at most this far apart: one insert per script costs
# more than running a small script.
FLUSH_SECONDS = 0.5

EXPORT_FORMATS = ("parquet", "csv", "json")


def default_db_path() -> Path:
    return Path("results") / "wasm-harness.duckdb"


class ResultsStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = duckdb.connect(str(path))
        self._lock = threading.Lock()
        self._pending: list[dict] = []
        self._flushed = time.monotonic()
        with self._lock:
            self._con.execute(_create("results", COLUMNS))
            for column, kind in COLUMNS.items():  # files written before a column existed gain it
                self._con.execute(f"ALTER TABLE results ADD COLUMN IF NOT EXISTS {_q(column)} {kind}")
            self._con.execute(_create("runs", RUN_COLUMNS))

    def close(self) -> None:
        with self._lock:
            self._flush_locked()
            self._con.close()

    def start_run(self, meta: dict) -> None:
        row = {k: meta.get(k) for k in RUN_COLUMNS}
        row["engines"] = json.dumps(meta.get("engines", {}))
        with self._lock:
            self._con.execute(
                f"INSERT INTO runs VALUES ({', '.join('?' * len(row))})", list(row.values()))

    def finish_run(self, run_id: str, status: str, finished: object, engines: dict | None = None) -> None:
        with self._lock:
            self._flush_locked()
            self._con.execute("UPDATE runs SET status = ?, finished = ? WHERE run_id = ?",
                              [status, finished, run_id])
            if engines is not None:
                self._con.execute("UPDATE runs SET engines = ? WHERE run_id = ?",
                                  [json.dumps(engines), run_id])

    def add_rows(self, rows: Iterable[dict]) -> None:
        """Queue rows; they reach the file within FLUSH_SECONDS, and on flush() or close()."""
        with self._lock:
            self._pending.extend(rows)
            if time.monotonic() - self._flushed >= FLUSH_SECONDS:
                self._flush_locked()

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        self._flushed = time.monotonic()
        if not self._pending:
            return
        import numpy as np  # here, not at start-up: nothing else runs while the harness starts

        # Columns as NumPy object arrays: DuckDB scans them directly and casts to the
        # table's types. (Arrow or pandas would pull in pandas, 0.2 s per run.) A column
        # with one value throughout (run, engine, most of the unused ones) is a parameter:
        # scanning Python objects is most of an insert's cost.
        columns = {c: [r.get(c) for r in self._pending] for c in COLUMNS}
        self._pending = []
        constant = [c for c, values in columns.items() if values.count(values[0]) == len(values)]
        if len(constant) == len(columns):
            constant.pop()  # the rows' count comes from the scanned arrays
        incoming = {c: np.array(v, dtype=object) for c, v in columns.items()  # noqa: F841 (read by SQL)
                    if c not in constant}
        names = ", ".join(_q(c) for c in COLUMNS)
        values = ", ".join(f"?::{COLUMNS[c]}" if c in constant else _q(c) for c in COLUMNS)
        self._con.execute(f"INSERT INTO results ({names}) SELECT {values} FROM incoming",
                          [columns[c][0] for c in COLUMNS if c in constant])

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Rows of a read-only SQL query over `results` and `runs` (pending rows included)."""
        with self._lock:
            self._flush_locked()
            return self._con.execute(sql, params or []).fetchall()

    def frame(self, run_id: str | None = None) -> pd.DataFrame:
        import pandas  # noqa: F401  (DuckDB's .df() needs it loaded)

        with self._lock:
            self._flush_locked()
            if run_id is None:
                return self._con.execute("SELECT * FROM results").df()
            return self._con.execute("SELECT * FROM results WHERE run_id = ?", [run_id]).df()

    def runs(self) -> pd.DataFrame:
        import pandas  # noqa: F401

        with self._lock:
            return self._con.execute("SELECT * FROM runs ORDER BY started").df()

    def latest_run(self) -> str | None:
        with self._lock:
            row = self._con.execute("SELECT run_id FROM runs ORDER BY started DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def export(self, out: Path, fmt: str, run_id: str | None = None) -> int:
        """Write the table (or one run of it) as Parquet, CSV or JSON; returns the row count."""
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
        out.parent.mkdir(parents=True, exist_ok=True)
        where = "WHERE run_id = ?" if run_id else ""
        params = [run_id] if run_id else []
        options = {"parquet": "FORMAT parquet", "csv": "FORMAT csv, HEADER true",
                   "json": "FORMAT json, ARRAY true"}[fmt]
        with self._lock:
            self._flush_locked()
            count = self._con.execute(f"SELECT count(*) FROM results {where}", params).fetchone()[0]
            self._con.execute(
                # A spec script's rows share one time: its commands stay in order by line.
                f"COPY (SELECT * FROM results {where} ORDER BY time, engine, file, line) "
                f"TO '{_literal(out)}' ({options})",
                params)
        return int(count)


def _create(table: str, columns: dict[str, str]) -> str:
    return f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(f'{_q(c)} {t}' for c, t in columns.items())})"


def _q(name: str) -> str:
    return f'"{name}"'


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
