"""`wasm-harness runs`: the recorded runs and their metadata."""

from __future__ import annotations

import argparse
import sys

from tabulate import tabulate

from harness.runinfo import effective_status
from harness.store import ResultsStore
from harness.suite import EXIT_BAD_INPUT, db_option

NAME = "runs"
HELP = "list recorded runs with their metadata"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Every recorded run: id, start, status, harness commit. A run still `running` "
                     "whose process on this host is gone (killed with SIGKILL) shows as `abandoned`.")
    db_option(p)
    p.add_argument("--json", action="store_true",
                   help="every column, engines with their versions and flags included")


def run(args: argparse.Namespace) -> int:
    if not args.db.exists():
        print(f"wasm-harness: error: {args.db}: no results database", file=sys.stderr)
        return EXIT_BAD_INPUT
    store = ResultsStore(args.db)
    import pandas as pd  # here: the other commands start without it

    runs = store.runs()
    store.close()
    runs["status"] = [effective_status(s, h, None if pd.isna(p) else int(p))
                      for s, h, p in zip(runs["status"], runs["host"], runs["pid"], strict=True)]
    if args.json:
        print(runs.to_json(orient="records", date_format="iso", indent=2))
    else:
        # The engines' JSON makes the table too wide for a terminal: it is in --json.
        print(tabulate(runs[["run_id", "started", "status", "git_commit", "command"]], headers="keys",
                       tablefmt="github", showindex=False))
    return 0
