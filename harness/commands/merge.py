"""`wasm-harness merge OUT IN...`: several machines' stores or Parquet exports as one (harness/merge.py)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import duckdb
from tabulate import tabulate

from harness.merge import MergeError, merge
from harness.suite import EXIT_BAD_INPUT
from reports.escape import terminal

NAME = "merge"
HELP = "join the results stores or Parquet exports of several machines (shards) into one store"
EPILOG = """\
examples:
  wasm-harness merge results/all.duckdb shard1.duckdb shard2.duckdb
  wasm-harness merge results/wasm-harness.duckdb shard-*.parquet     shards into the history store
  wasm-harness merge all.duckdb a.duckdb b.duckdb --as-run nightly-42  runs made without a shared --run

Rows identical in every column across inputs are one row (a store and its own export, a
store given twice); every other row is kept. Runs with one id become one run: engines
unioned, started the earliest, finished the latest, the worst status; each suite of a run
gets one suite row, the shards' report parameters joined, so `wasm-harness report` renders
the whole run. OUT, when it exists, is merged into; it is replaced only when every input
was read.

exit status: 0; 2 when an input is missing, unreadable, or not a wasm-harness store or
Parquet export (nothing is written)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Join the results stores (DuckDB files) or Parquet exports (wasm-harness export) of "
                     "several machines into one store: no duplicates, no losses.")
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("out", type=Path, metavar="OUT.duckdb", help="the merged store (merged into if it exists)")
    p.add_argument("inputs", type=Path, nargs="+", metavar="IN", help="DuckDB stores or .parquet exports")
    p.add_argument("--as-run", default=None, metavar="ID",
                   help="record every input row under this one run id (shards that did not share --run)")
    p.add_argument("--json", action="store_true", help="print what was merged as JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    try:
        result = merge(args.out, args.inputs, as_run=args.as_run)
    except MergeError as e:
        print(f"wasm-harness: error: {terminal(str(e))}; nothing written", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, duckdb.Error) as e:
        print(f"wasm-harness: error: {args.out}: cannot write: {terminal(str(e).splitlines()[0])}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps({**asdict(result), "out": str(result.out)}, indent=2, default=str))
        return 0
    print(tabulate([{"run": r["run_id"], "status": r["status"], "parts": r["parts"], "rows": r["rows"],
                     "engines": len(r["engines"])} for r in result.runs], headers="keys", tablefmt="github"))
    print(f"\nmerged {sum(result.rows_in.values())} rows from {len(result.rows_in)} inputs into "
          f"{result.out}: {result.rows_out} rows ({result.duplicates} duplicates dropped, "
          f"{result.suite_rows_joined} shards' suite rows joined)")
    return 0
