"""`wasm-harness dashboard`: a recorded run as a static HTML folder, compared with the run before it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.suite import EXIT_BAD_INPUT, db_option
from reports.escape import terminal

NAME = "dashboard"
HELP = "write a run's static HTML dashboard (and summary.md), compared with the run before it"
DEFAULT_OUT = Path("results") / "dashboard"
EPILOG = """\
examples:
  wasm-harness dashboard                          the latest run, against the one before it
  wasm-harness dashboard --run 20261205T020000-nightly --against 20261204T020000-nightly
  wasm-harness dashboard --out site/ && xdg-open site/index.html
  wasm-harness dashboard --json | jq '.regressions[] | select(.engine == "node")'

The folder works from file:// with no network: Vega-Lite, vega-embed and
sortable-tablesort are copied into DIR/vendor/ from node_modules (make setup).
Exit status: 0; 2 on bad input (no such store or run, a folder that cannot be
written, set-up not done).
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Render a run from the results store as a self-contained HTML folder: flagged "
                     "regressions first (against the previous run), the feature matrix, spec results per "
                     "engine and per proposal, benchmark and ML charts with their 95%% intervals, trends "
                     "over every run in the store, sortable tables; and summary.md, for a CI comment.")
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    db_option(p)
    p.add_argument("--run", default="latest", metavar="ID", help="a run id or 'latest' (default)")
    p.add_argument("--against", default=None, metavar="ID",
                   help="the run to compare with (default: the one started last before --run; 'none': no "
                        "comparison)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help="the folder to write (default: %(default)s); index.html, summary.md, failures.csv, "
                        "vendor/")
    p.add_argument("--json", action="store_true",
                   help="print the page's path, the headline and every flagged change as JSON")


def run(args: argparse.Namespace) -> int:
    from reports.dashboard import MissingAssetError, UnknownRunError, assets, render, summary

    if not args.db.exists():
        return _bad(f"{args.db}: no results database")
    try:
        assets.check()
        board = render.read(args.db, args.run, args.against)
        page = render.write(board, args.out)
    except (MissingAssetError, UnknownRunError) as e:
        return _bad(str(e).strip("'\""))
    except OSError as e:
        return _bad(f"{e.filename or args.out}: cannot write: {e.strerror or e}")
    if args.json:
        print(json.dumps({"page": str(page), "summary": str(page.parent / "summary.md"),
                          "run_id": board.run["run_id"],
                          "against": board.against["run_id"] if board.against else None,
                          "headline": summary.headline(board), "regressions": board.regressions},
                         indent=2, default=str))
        return 0
    for line in summary.headline(board):
        print(terminal(line))
    print(f"wrote {page}")
    return 0


def _bad(message: str) -> int:
    print(f"wasm-harness: error: {terminal(message)}", file=sys.stderr)
    return EXIT_BAD_INPUT
