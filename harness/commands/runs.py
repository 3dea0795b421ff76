"""`wasm-harness runs`: the recorded runs and their metadata."""

from __future__ import annotations

import argparse
import sys

from tabulate import tabulate

from harness.store import ResultsStore
from harness.suite import EXIT_BAD_INPUT, db_option

NAME = "runs"
HELP = "list recorded runs with their metadata"


def add_arguments(p: argparse.ArgumentParser) -> None:
    db_option(p)
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    if not args.db.exists():
        print(f"wasm-harness: error: {args.db}: no results database", file=sys.stderr)
        return EXIT_BAD_INPUT
    store = ResultsStore(args.db)
    runs = store.runs()
    store.close()
    if args.json:
        print(runs.to_json(orient="records", date_format="iso", indent=2))
    else:
        print(tabulate(runs[["run_id", "started", "status", "git_commit", "engines"]], headers="keys",
                       tablefmt="github", showindex=False))
    return 0
