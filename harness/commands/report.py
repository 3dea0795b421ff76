"""`wasm-harness report`: every report of a recorded run, rendered again from the store alone.

Each suite's `render` reads only the results table and the suite's own row, so
this prints and writes exactly what the run did (given the same --out).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.store import ResultsStore
from harness.suite import EXIT_BAD_INPUT, Rendered, db_option, print_rendered, report_view
from harness.suites import recorded_suites

NAME = "report"
HELP = "re-render the reports of a recorded run from the results store"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Render every report of a recorded run (spec summary, feature matrix, benchmark "
                     "tables) from the DuckDB file alone, as the run printed and wrote them.")
    db_option(p)
    p.add_argument("--run", default="latest", metavar="ID", help="a run id or 'latest' (default)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="write the report files (matrix.{md,html,csv,json}, bench.{md,json}) there")
    p.add_argument("--json", action="store_true",
                   help="each suite's JSON, as its --json printed it (an object by suite when the run has "
                        "several)")


def run(args: argparse.Namespace) -> int:
    if not args.db.exists():
        print(f"wasm-harness: error: {args.db}: no results database", file=sys.stderr)
        return EXIT_BAD_INPUT
    store = ResultsStore(args.db)
    try:
        run_id = store.latest_run() if args.run == "latest" else args.run
        if run_id is None or store.run(run_id) is None:
            print(f"wasm-harness: error: {args.db}: no run {args.run!r} (see wasm-harness runs)",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        with store.holding():
            return _render(store, run_id, args)
    finally:
        store.close()


def _render(store: ResultsStore, run_id: str, args: argparse.Namespace) -> int:
    found = [(suite, view) for suite in recorded_suites()
             if (view := report_view(store, run_id, suite.name, args.db, args.out, args.json))]
    if not found:
        print(f"wasm-harness: error: run {run_id} has no suite results (it was interrupted before a "
              "suite finished, or made by an older version)", file=sys.stderr)
        return EXIT_BAD_INPUT
    rendered = [(suite, view, suite.render(view)) for suite, view in found]
    if args.json and len(rendered) > 1:
        for _, view, r in rendered:
            print_rendered(Rendered("", r.errors, r.files), view.parameters)
        print(json.dumps({suite.name: json.loads(r.stdout) for suite, _, r in rendered}, indent=2))
    else:
        for _, view, r in rendered:
            print_rendered(r, view.parameters)
    return 0
