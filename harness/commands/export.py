"""`wasm-harness export`: the results table (one run or all) as Parquet, CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from harness.store import EXPORT_FORMATS, ResultsStore
from harness.suite import EXIT_BAD_INPUT, db_option

NAME = "export"
HELP = "write the results table as Parquet, CSV or JSON"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = "Export results rows: one run (default: the latest) or all."
    db_option(p)
    p.add_argument("--format", choices=EXPORT_FORMATS, help="default: from the output's suffix")
    p.add_argument("--run", default="latest", metavar="ID", help="a run id, 'latest' (default) or 'all'")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="PATH")


def run(args: argparse.Namespace) -> int:
    fmt = args.format or args.output.suffix.lstrip(".")
    if fmt not in EXPORT_FORMATS:
        print(f"wasm-harness: error: {args.output}: cannot tell the format; use --format "
              f"{'/'.join(EXPORT_FORMATS)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not args.db.exists():
        print(f"wasm-harness: error: {args.db}: no results database", file=sys.stderr)
        return EXIT_BAD_INPUT
    store = ResultsStore(args.db)
    try:
        run_id = store.latest_run() if args.run == "latest" else None if args.run == "all" else args.run
        if run_id is not None and store.run(run_id) is None:
            print(f"wasm-harness: error: {args.db}: no run {args.run!r} (see wasm-harness runs)",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        try:
            count = store.export(args.output, fmt, run_id)
        except (OSError, duckdb.Error) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e).splitlines()[0]
            print(f"wasm-harness: error: {args.output}: cannot write: {reason}", file=sys.stderr)
            return EXIT_BAD_INPUT
    finally:
        store.close()
    print(f"wrote {count} rows to {args.output}")
    return 0
