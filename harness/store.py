"""The results store: one tidy table of observations in an embedded DuckDB file.

Every row is one observation (an assertion's verdict, a wall time, a benchmark
sample). Reports read this table only.

Several processes share one file. DuckDB lets only one process open a file to
write, so nobody holds the main file for long: each operation opens it, does
its work and closes it, waiting (with a message) while another process has it.
A run's rows go first to its own staging file beside the main one, in batches
at most FLUSH_SECONDS apart, and move into the main file when the run ends or
its results are read. So readers (`runs`, `export`, `report`) and other runs
work while a run goes on, and rows staged by a process that was killed are
moved in by the next process that opens the store: nothing finished is lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from harness.runinfo import process_alive

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

# Values that reports read in the rows. The native baseline: its configuration name (engines.toml)
# and the workloads' build variant (`kind`) that it runs.
NATIVE = "native"

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
    # The process that made the run: a run still `running` whose process is gone was killed (SIGKILL).
    "pid": "INTEGER",
}

# Rows are written in batches at most this far apart: one insert per script costs
# more than running a small script.
FLUSH_SECONDS = 0.5

EXPORT_FORMATS = ("parquet", "csv", "json")

# How long an operation waits for another process to let go of the main file, and when it says so.
LOCK_WAIT_SECONDS = 120.0
LOCK_NOTICE_SECONDS = 2.0
_HOLDER = re.compile(r"PID (\d+)")


class StoreBusyError(RuntimeError):
    """Another process kept the results file for longer than LOCK_WAIT_SECONDS: one line, exit 2."""


def default_db_path() -> Path:
    return Path("results") / "wasm-harness.duckdb"


class ResultsStore:
    def __init__(self, path: Path | str, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._lock = threading.Lock()
        self._pending: list[dict] = []
        self._flushed = time.monotonic()
        self._timer: threading.Timer | None = None
        self._closed = False
        self._memory = duckdb.connect() if str(path) == ":memory:" else None
        self._staging: duckdb.DuckDBPyConnection | None = None
        self._held: duckdb.DuckDBPyConnection | None = None
        self._staging_path = self.path.with_name(
            f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.staging")
        if self._memory is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._ready = read_only and self._memory is None  # tables are made at the first open
        if self._memory is not None:
            self._prepare(self._memory)

    def _prepare(self, con: duckdb.DuckDBPyConnection) -> None:
        """Tables (and columns added since a file was written), and rows orphaned by a SIGKILL."""
        self._ready = True
        con.execute(_create("results", COLUMNS))
        for column, kind in COLUMNS.items():  # files written before a column existed gain it
            con.execute(f"ALTER TABLE results ADD COLUMN IF NOT EXISTS {_q(column)} {kind}")
        con.execute(_create("runs", RUN_COLUMNS))
        for column, kind in RUN_COLUMNS.items():
            if "PRIMARY" not in kind:
                con.execute(f"ALTER TABLE runs ADD COLUMN IF NOT EXISTS {_q(column)} {kind}")
        if self._memory is None:
            self._recover_orphans(con)

    # --- the main file, held only for one operation -----------------------------------
    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Keep the main file open across several operations (each open costs ~10 ms); others
        wait meanwhile, so hold it only for work that takes moments (rendering a report)."""
        if self._memory is not None or self._held is not None:
            yield
            return
        self._held = self._open(read_only=self.read_only)
        try:
            yield
        finally:
            held, self._held = self._held, None
            held.close()

    @contextlib.contextmanager
    def _main(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._memory is not None:
            yield self._memory
            return
        if self._held is not None:
            yield self._held
            return
        con = self._open(read_only=read_only or self.read_only)
        try:
            yield con
        finally:
            con.close()

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        if self._ready:
            return _connect_waiting(self.path, read_only=read_only)
        # The first open of this store writes: it makes the tables (a new file has none to read).
        con = _connect_waiting(self.path, read_only=False)
        self._prepare(con)
        return con

    def _recover_orphans(self, con: duckdb.DuckDBPyConnection) -> None:
        """Rows staged by processes that died (SIGKILL) move into the main file."""
        for staged in sorted(self.path.parent.glob(f".{self.path.name}.*.staging")):
            parts = staged.name.split(".")
            try:
                pid = int(parts[-3])
            except (IndexError, ValueError):
                continue
            if pid == os.getpid() or process_alive(pid):
                continue
            _merge_file(con, staged)

    # --- rows: staged, then moved in --------------------------------------------------
    def add_rows(self, rows: Iterable[dict]) -> None:
        """Queue rows; they reach disk within FLUSH_SECONDS, and the main file on read or close()."""
        with self._lock:
            self._pending.extend(rows)
            if time.monotonic() - self._flushed >= FLUSH_SECONDS:
                self._flush_locked()
            elif self._pending and self._timer is None:
                # Nothing may come after these rows for a long while (a hang): a kill must not lose them.
                self._timer = threading.Timer(FLUSH_SECONDS, self._flush_later)
                self._timer.daemon = True
                self._timer.start()

    def _flush_later(self) -> None:
        with self._lock:
            self._timer = None
            if not self._closed:
                self._flush_locked()

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        self._flushed = time.monotonic()
        if not self._pending:
            return
        import numpy as np  # here, not at start-up: nothing else runs while the harness starts

        if self._memory is not None:
            con = self._memory
        else:
            if self._staging is None:
                self._staging = duckdb.connect(str(self._staging_path))
                self._staging.execute(_create("results", COLUMNS))
            con = self._staging
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
        con.execute(f"INSERT INTO results ({names}) SELECT {values} FROM incoming",
                          [columns[c][0] for c in COLUMNS if c in constant])

    def _publish_locked(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        """Everything this process wrote, into the main file (which `con` holds, if given)."""
        self._flush_locked()
        if self._staging is None:
            return
        self._staging.close()
        self._staging = None
        if con is not None:
            _merge_file(con, self._staging_path)
        else:
            with self._main() as main:
                _merge_file(main, self._staging_path)

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._publish_locked()
            self._closed = True
            if self._memory is not None:
                self._memory.close()

    # --- runs ---------------------------------------------------------------------------
    def start_run(self, meta: dict) -> None:
        row = {k: meta.get(k) for k in RUN_COLUMNS}
        row["engines"] = json.dumps(meta.get("engines", {}))
        with self._lock, self._main() as con:
            con.execute(f"INSERT INTO runs VALUES ({', '.join('?' * len(row))})", list(row.values()))

    def finish_run(self, run_id: str, status: str, finished: object, engines: dict | None = None) -> None:
        with self._lock, self._main() as con:
            self._publish_locked(con)
            con.execute("UPDATE runs SET status = ?, finished = ? WHERE run_id = ?",
                        [status, finished, run_id])
            if engines is not None:
                con.execute("UPDATE runs SET engines = ? WHERE run_id = ?", [json.dumps(engines), run_id])

    def run(self, run_id: str) -> dict | None:
        """A recorded run's metadata, or None."""
        with self._lock, self._main(read_only=True) as con:
            cursor = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
            row = cursor.fetchone()
            names = [d[0] for d in cursor.description]
        return dict(zip(names, row, strict=True)) if row else None

    def set_status(self, run_id: str, status: str, pid: int | None = None, host: str | None = None) -> None:
        with self._lock, self._main() as con:
            con.execute("UPDATE runs SET status = ? WHERE run_id = ?", [status, run_id])
            if pid is not None:
                con.execute("UPDATE runs SET pid = ?, host = ? WHERE run_id = ?", [pid, host, run_id])

    def delete_rows(self, where: str, params: list) -> int:
        """Delete the results rows matching a SQL condition (a resumed run's half-done units);
        returns how many went."""
        with self._lock, self._main() as con:
            self._publish_locked(con)
            count = con.execute(f"SELECT count(*) FROM results WHERE {where}", params).fetchone()[0]
            if count:
                con.execute(f"DELETE FROM results WHERE {where}", params)
        return int(count)

    def set_engines(self, run_id: str, engines: dict) -> None:
        with self._lock, self._main() as con:
            con.execute("UPDATE runs SET engines = ? WHERE run_id = ?", [json.dumps(engines), run_id])

    # --- reading ------------------------------------------------------------------------
    @contextlib.contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The main file for reading, with everything this process wrote in it."""
        with self._lock:
            if not self.read_only:
                self._publish_locked()
            with self._main(read_only=True) as con:
                yield con

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Rows of a read-only SQL query over `results` and `runs` (this process's rows included)."""
        with self._reading() as con:
            return con.execute(sql, params or []).fetchall()

    def frame(self, run_id: str | None = None) -> pd.DataFrame:
        import pandas  # noqa: F401  (DuckDB's .df() needs it loaded)

        with self._reading() as con:
            if run_id is None:
                return con.execute("SELECT * FROM results").df()
            return con.execute("SELECT * FROM results WHERE run_id = ?", [run_id]).df()

    def query_frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """A read-only SQL query's result as a DataFrame (DuckDB's column types kept)."""
        import pandas  # noqa: F401

        with self._reading() as con:
            return con.execute(sql, params or []).df()

    def query_frames(self, tables: dict[str, tuple[str, list]],
                     queries: list[tuple[str, list]]) -> list[pd.DataFrame]:
        """Read-only queries that share work: each of `tables` (name -> SELECT and its parameters) is
        made once as a temporary table on one connection, in order (a table may read the ones before
        it), then every query runs over them, and the tables are dropped. A CTE used by several
        queries would be computed once per query."""
        import pandas  # noqa: F401

        with self._reading() as con:
            try:
                for name, (sql, params) in tables.items():
                    con.execute(f"CREATE OR REPLACE TEMP TABLE {_q(name)} AS {sql}", params)
                return [con.execute(sql, params).df() for sql, params in queries]
            finally:
                for name in tables:
                    con.execute(f"DROP TABLE IF EXISTS temp.{_q(name)}")

    def runs(self) -> pd.DataFrame:
        import pandas  # noqa: F401

        with self._reading() as con:
            return con.execute("SELECT * FROM runs ORDER BY started").df()

    def latest_run(self) -> str | None:
        with self._reading() as con:
            row = con.execute("SELECT run_id FROM runs ORDER BY started DESC LIMIT 1").fetchone()
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
        # The table keeps UTC without a zone; text formats get ISO 8601 with it, so nobody reads
        # them as local time. Parquet keeps the timestamp type.
        columns = "*" if fmt == "parquet" else \
            "* REPLACE (strftime(\"time\", '%Y-%m-%dT%H:%M:%S.%fZ') AS \"time\")"
        with self._reading() as con:
            count = con.execute(f"SELECT count(*) FROM results {where}", params).fetchone()[0]
            # A spec script's rows share one time: its commands stay in order by line.
            query = f"SELECT {columns} FROM results {where} ORDER BY time, engine, file, line"
            con.execute(f"COPY ({query}) TO '{_literal(out)}' ({options})", params)
        return int(count)


def _connect_waiting(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection to the main file; while another process holds it, wait and say so once."""
    started = time.monotonic()
    said = False
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise
            holder = _HOLDER.search(str(e))
            who = f"process {holder[1]}{_command_of(int(holder[1]))}" if holder else "another process"
            waited = time.monotonic() - started
            if waited > LOCK_WAIT_SECONDS:
                raise StoreBusyError(f"{path}: in use by {who} for over {LOCK_WAIT_SECONDS:g} s; "
                                     "wait for it, or give another --db") from None
            if waited > LOCK_NOTICE_SECONDS and not said:
                print(f"wasm-harness: waiting for {who}, which has {path} open", file=sys.stderr)
                said = True
        time.sleep(delay)
        delay = min(0.25, delay * 2)


def _merge_file(con: duckdb.DuckDBPyConnection, staged: Path) -> None:
    """Move a staging file's rows into the main file, then remove it."""
    if not staged.exists():
        return
    names = ", ".join(_q(c) for c in COLUMNS)
    con.execute(f"ATTACH '{_literal(staged)}' AS staged (READ_ONLY)")
    try:
        con.execute(f"INSERT INTO results ({names}) SELECT {names} FROM staged.results")
    finally:
        con.execute("DETACH staged")
    for leftover in (staged, staged.with_name(staged.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _command_of(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return ""
    text = " ".join(a.decode(errors="replace") for a in argv if a)
    return f" ({text[:80]})" if text else ""


def _create(table: str, columns: dict[str, str]) -> str:
    return f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(f'{_q(c)} {t}' for c, t in columns.items())})"


def _q(name: str) -> str:
    return f'"{name}"'


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
