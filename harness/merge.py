"""Several machines' results joined into one store: DuckDB stores or Parquet exports in, one DuckDB out.

No duplicates, no losses. A row has no id of its own: it is identified by all
its columns. Rows that are the same in every column and come from different
inputs (a store and its own export, a store merged twice) are one row; rows
repeated within one input are kept as often as that input has them (two
commands on one line can give identical rows). In SQL: each input numbers the
copies of a row, and the merge keeps each (row, copy number) once. Parquet
keeps every column exactly (timestamps to the microsecond, doubles bit for
bit), so an export is identified with its store's rows.

Then one run is one run: `runs` rows with the same id are merged (engines
unioned, started the earliest, finished the latest, status the worst; other
metadata that differs, such as hosts, is listed), and each suite of a run has
one `suite` row (the shards' parameters unioned, the longest wall time), which
`report` needs. A Parquet export holds no `runs` table: its runs are made from
its rows, with status `unknown`.

The output is written beside OUT and renamed over it at the end, so a bad
input leaves OUT as it was. OUT, when it exists, is one of the inputs: shards
can be merged into a history store.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from harness.runinfo import effective_status
from harness.session import SUITE_PHASE
from harness.store import COLUMNS, RUN_COLUMNS

# Worst last: a merged run is as finished as its least finished part.
STATUS_ORDER = ("finished", "unknown", "running", "interrupted", "abandoned", "failed")
_REQUIRED = ("run_id", "suite", "phase")


class MergeError(Exception):
    """An input that cannot be merged: one line naming the file, exit 2."""


@dataclass
class MergeResult:
    out: Path
    rows_in: dict[str, int] = field(default_factory=dict)   # input -> rows read
    rows_out: int = 0
    duplicates: int = 0
    suite_rows_joined: int = 0
    runs: list[dict] = field(default_factory=list)           # run_id, status, engines, rows


def merge(out: Path, inputs: list[Path], as_run: str | None = None) -> MergeResult:
    sources = ([out] if out.exists() and out.resolve() not in {i.resolve() for i in inputs} else []) + inputs
    for path in sources:
        _kind(path)  # every input is checked before anything is written
    tmp = out.with_name(f".{out.name}.merging-{os.getpid()}")
    _remove(tmp)
    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(tmp))
    result = MergeResult(out)
    try:
        _create_tables(con)
        names = ", ".join(_q(c) for c in COLUMNS)
        con.execute(f"CREATE TEMP TABLE incoming AS SELECT {names}, 0::BIGINT AS copy FROM results LIMIT 0")
        runs: list[dict] = []
        for n, path in enumerate(sources):
            result.rows_in[str(path)] = _read(con, n, path, runs)
        if as_run is not None:
            con.execute("UPDATE incoming SET run_id = ?", [as_run])
            for run in runs:
                run["run_id"] = as_run
        con.execute(f"INSERT INTO results SELECT {names} FROM (SELECT DISTINCT {names}, copy FROM incoming)")
        total = sum(result.rows_in.values())
        result.rows_out = con.execute("SELECT count(*) FROM results").fetchone()[0]
        result.duplicates = total - result.rows_out
        result.suite_rows_joined = _join_suite_rows(con)
        result.rows_out = con.execute("SELECT count(*) FROM results").fetchone()[0]
        result.runs = _write_runs(con, runs)
        con.execute("DROP TABLE incoming")
        con.close()
    except BaseException:
        con.close()
        _remove(tmp)
        raise
    os.replace(tmp, out)
    _remove(out.with_name(out.name + ".wal"))
    return result


# --- inputs ------------------------------------------------------------------------------------

def _kind(path: Path) -> str:
    """"duckdb" or "parquet", from the file's own magic bytes; MergeError otherwise."""
    try:
        with path.open("rb") as f:
            head = f.read(12)
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 4))
            tail = f.read(4)
    except IsADirectoryError:
        raise MergeError(f"{path}: is a directory, not a DuckDB store or a Parquet export") from None
    except OSError as e:
        raise MergeError(f"{path}: cannot read: {e.strerror or e}") from None
    if head[8:12] == b"DUCK":
        return "duckdb"
    if head[:4] == b"PAR1" and tail == b"PAR1":
        return "parquet"
    raise MergeError(f"{path}: neither a DuckDB store nor a Parquet export "
                     "(wasm-harness export -o X.parquet)")


def _read(con: duckdb.DuckDBPyConnection, n: int, path: Path, runs: list[dict]) -> int:
    """Append an input's rows to `incoming` with their copy numbers; its runs to `runs`."""
    kind = _kind(path)
    alias = f"in{n}"
    try:
        if kind == "duckdb":
            con.execute(f"ATTACH '{_literal(path)}' AS {alias} (READ_ONLY)")
            source = f"{alias}.results"
            present = {r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = 'results'",
                [alias]).fetchall()}
        else:
            source = f"read_parquet('{_literal(path)}')"
            present = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    except duckdb.Error as e:
        raise MergeError(f"{path}: cannot open: {_first_line(e)}") from None
    try:
        missing = [c for c in _REQUIRED if c not in present]
        if missing:
            what = "no results table" if not present else f"no {', '.join(missing)} column"
            raise MergeError(f"{path}: {what}: not a wasm-harness store or export")
        # A column the input lacks (written by an older harness) is null, as the store itself adds it.
        columns = ", ".join(f"CAST({_q(c)} AS {t}) AS {_q(c)}" if c in present else f"NULL::{t} AS {_q(c)}"
                            for c, t in COLUMNS.items())
        names = ", ".join(_q(c) for c in COLUMNS)
        try:
            count = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
            con.execute(f"INSERT INTO incoming SELECT {names}, row_number() OVER (PARTITION BY {names}) "
                        f"AS copy FROM (SELECT {columns} FROM {source})")
        except duckdb.Error as e:
            raise MergeError(f"{path}: cannot read its rows: {_first_line(e)}") from None
        runs.extend(_runs_of(con, alias, path) if kind == "duckdb" else _runs_from_rows(con, source))
        return int(count)
    finally:
        if kind == "duckdb":
            con.execute(f"DETACH {alias}")


def _runs_of(con: duckdb.DuckDBPyConnection, alias: str, path: Path) -> list[dict]:
    present = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = 'runs'",
        [alias]).fetchall()}
    if "run_id" not in present:
        raise MergeError(f"{path}: no runs table: not a wasm-harness store")
    columns = ", ".join(_q(c) if c in present else f"NULL AS {_q(c)}" for c in RUN_COLUMNS)
    cursor = con.execute(f"SELECT {columns} FROM {alias}.runs")
    names = [d[0] for d in cursor.description]
    runs = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for run in runs:
        run["status"] = effective_status(run["status"] or "unknown", run["host"], run["pid"])
    return runs


def _runs_from_rows(con: duckdb.DuckDBPyConnection, source: str) -> list[dict]:
    """A Parquet export's runs, as far as its rows tell: times, and the engines with versions and flags."""
    runs = {}
    for run_id, started, finished in con.execute(
            f"SELECT run_id, min(time), max(time) FROM {source} GROUP BY run_id").fetchall():
        runs[run_id] = {"run_id": run_id, "started": started, "finished": finished, "status": "unknown",
                        "engines": {}}
    for run_id, engine, version, flags in con.execute(
            f"SELECT DISTINCT run_id, engine, engine_version, engine_flags FROM {source} "
            "WHERE engine IS NOT NULL AND engine_version IS NOT NULL").fetchall():
        runs[run_id]["engines"].setdefault(engine, {"version": version, "flags": flags})
    for run in runs.values():
        run["engines"] = json.dumps(run["engines"])
    return list(runs.values())


# --- one run is one run -----------------------------------------------------------------------

def _join_suite_rows(con: duckdb.DuckDBPyConnection) -> int:
    """One `suite` row per suite and run: the shards' parameters unioned, the longest wall time."""
    names = list(COLUMNS)
    rows = con.execute(f"SELECT {', '.join(_q(c) for c in names)} FROM results WHERE phase = ? "
                       "AND engine IS NULL ORDER BY time", [SUITE_PHASE]).fetchall()
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        record = dict(zip(names, row, strict=True))
        groups.setdefault((record["run_id"], record["suite"]), []).append(record)
    joined = 0
    for (run_id, suite), records in groups.items():
        if len(records) < 2:
            continue
        one = dict(records[-1])
        one["time"] = max(r["time"] for r in records)
        one["value"] = max((r["value"] for r in records if r["value"] is not None), default=None)
        one["message"] = json.dumps(join_parameters([_parameters(r["message"]) for r in records]))
        con.execute("DELETE FROM results WHERE run_id = ? AND suite = ? AND phase = ? AND engine IS NULL",
                    [run_id, suite, SUITE_PHASE])
        con.execute(f"INSERT INTO results ({', '.join(_q(c) for c in names)}) VALUES "
                    f"({', '.join('?' * len(names))})", [one[c] for c in names])
        joined += len(records) - 1
    return joined


def join_parameters(parts: list[dict]) -> dict:
    """Several shards' suite parameters as one: lists unioned in order, a shard's own label dropped,
    anything else as the first shard that has it says."""
    joined: dict = {}
    for part in parts:
        for key, value in part.items():
            if key == "shard":
                continue
            if isinstance(value, list):
                have = joined.setdefault(key, [])
                seen = {json.dumps(v, sort_keys=True) for v in have}
                have.extend(v for v in value if json.dumps(v, sort_keys=True) not in seen)
            else:
                joined.setdefault(key, value)
    return joined


def _parameters(message: str | None) -> dict:
    try:
        value = json.loads(message or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _write_runs(con: duckdb.DuckDBPyConnection, runs: list[dict]) -> list[dict]:
    by_id: dict[str, list[dict]] = {}
    for run in runs:
        by_id.setdefault(run["run_id"], []).append(run)
    # Rows whose run no input describes (a store's rows without their runs row) still get a run.
    described = [r for r in _runs_from_rows(con, "results") if r["run_id"] not in by_id]
    for run in described:
        by_id[run["run_id"]] = [run]
    written = []
    for run_id, parts in by_id.items():
        run = join_runs(parts)
        con.execute(f"INSERT INTO runs ({', '.join(_q(c) for c in RUN_COLUMNS)}) VALUES "
                    f"({', '.join('?' * len(RUN_COLUMNS))})", [run.get(c) for c in RUN_COLUMNS])
        rows = con.execute("SELECT count(*) FROM results WHERE run_id = ?", [run_id]).fetchone()[0]
        written.append({"run_id": run_id, "status": run["status"], "rows": rows, "parts": len(parts),
                        "engines": sorted(json.loads(run["engines"]))})
    return written


def join_runs(parts: list[dict]) -> dict:
    """One run from its parts' metadata: see the module docstring."""
    engines: dict = {}
    for part in parts:
        for name, info in json.loads(part.get("engines") or "{}").items():
            engines.setdefault(name, info)
    started = [p["started"] for p in parts if p.get("started") is not None]
    finished = [p["finished"] for p in parts if p.get("finished") is not None]
    statuses = [p.get("status") or "unknown" for p in parts]
    run = {"run_id": parts[0]["run_id"], "engines": json.dumps(engines),
           "started": min(started, default=None), "finished": max(finished, default=None),
           "status": max(statuses, key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else 1)}
    for column in RUN_COLUMNS:
        if column in run:
            continue
        values = list(dict.fromkeys(p.get(column) for p in parts if p.get(column) is not None))
        if len(values) == 1 or (values and RUN_COLUMNS[column] != "VARCHAR"):
            # Several pids or CPU counts cannot be one number: the first stands (hosts are listed).
            run[column] = values[0] if column != "pid" or len(values) == 1 else None
        elif values:
            run[column] = "; ".join(str(v) for v in values)
    return run


# --- helpers ------------------------------------------------------------------------------------

def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table, columns in (("results", COLUMNS), ("runs", RUN_COLUMNS)):
        con.execute(f"CREATE TABLE {table} ({', '.join(f'{_q(c)} {t}' for c, t in columns.items())})")


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def _q(name: str) -> str:
    return f'"{name}"'


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
