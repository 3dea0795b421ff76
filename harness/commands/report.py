"""`wasm-harness report`: every report of a recorded run, rendered again from the store alone; or,
with --against or --last, the run compared with earlier ones (reports/comparison.py).

Each suite's `render` reads only the results table and the suite's own row, so
this prints and writes exactly what the run did (given the same --out).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness.store import ResultsStore
from harness.suite import EXIT_BAD_INPUT, Rendered, db_option, positive_int, print_rendered, report_view
from harness.suites import recorded_suites
from reports.escape import terminal

if TYPE_CHECKING:  # reports.comparison (pandas) is imported only when comparing
    from reports.comparison import Comparison

NAME = "report"
HELP = "re-render a recorded run's reports, or compare it with earlier runs (--against, --last)"
EPILOG = """\
examples:
  wasm-harness report                              the latest run's reports again
  wasm-harness report --against previous           the latest run against the one before it
  wasm-harness report --run ID --against OLD --markdown > comment.md
  wasm-harness report --last 30 --json | jq '.flags[] | select(.kind == "regression")'

comparison: feature answers that changed; spec pass rates per engine and proposal; interop
(the share of tests that pass in every browser, and in every engine), for our corpus and,
apart from it, the official testsuite (suite `testsuite`, `nightly --testsuite`); benchmark medians and
ML p50s with 95% intervals and their ratio. A timing is flagged as a regression or an
improvement only when it is significant (Mann-Whitney U on the two runs' samples, p < 0.05,
and the bootstrap interval of the ratio of medians without 1) AND it changed by more than
--threshold, which covers the drift between whole runs with nothing changed (see
BENCHMARKS.md, "History and regressions"). --last N finds steps over the N runs' medians (as
asv does) and tests each between the runs on either side. Every flag shows both figures, the
p-value and what changed between the runs: engine version and flags, the harness's commit.
Spec tests that stopped passing and feature answers that lost support are flagged too.

exit status: 0; 1 with --fail-on-regression when something regressed; 2 on bad input (no
database, an unknown run, fewer than two runs to compare)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Render every report of a recorded run (spec summary, feature matrix, benchmark\n"
                     "tables) from the DuckDB file alone, as the run printed and wrote them; with\n"
                     "--against or --last, compare the run with earlier ones instead.")
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    db_option(p)
    p.add_argument("--run", default="latest", metavar="ID", help="a run id or 'latest' (default)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="write the report files (matrix.{md,html,csv,json}, bench.{md,json}) there; when "
                        "comparing, comparison.md and comparison.json")
    p.add_argument("--json", action="store_true",
                   help="each suite's JSON, as its --json printed it (an object by suite when the run has "
                        "several); when comparing, the comparison (flags, features, spec, interop, "
                        "testsuite, testsuite_interop, timings)")
    against = p.add_mutually_exclusive_group()
    against.add_argument("--against", metavar="ID",
                         help="compare the run with this earlier run ('previous': the newest earlier run "
                              "that shares a suite with it)")
    against.add_argument("--last", type=_at_least_two, metavar="N",
                         help="compare the run with the one before it, and find steps over the last N runs "
                              "(up to and including it)")
    p.add_argument("--threshold", type=_fraction, default=None, metavar="F",
                   help="the smallest change flagged, as a fraction or a percentage (0.05 or 5%%; default: "
                        "the measured run-to-run drift, reports/comparison.py DRIFT_THRESHOLD)")
    p.add_argument("--markdown", action="store_true", help="print the comparison as GitHub Markdown")
    p.add_argument("--fail-on-regression", action="store_true",
                   help="exit 1 when the comparison flags a regression")


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
        if args.against is not None or args.last is not None:
            return _compare(store, run_id, args)
        if args.markdown or args.fail_on_regression or args.threshold is not None:
            print("wasm-harness: error: --markdown, --threshold and --fail-on-regression go with --against "
                  "or --last", file=sys.stderr)
            return EXIT_BAD_INPUT
        with store.holding():
            return _render(store, run_id, args)
    finally:
        store.close()


def _compare(store: ResultsStore, run_id: str, args: argparse.Namespace) -> int:
    from harness.results import load
    from reports import comparison

    results = load(store)
    threshold = comparison.DRIFT_THRESHOLD if args.threshold is None else args.threshold
    if args.last is not None:
        runs = results.run_ids("all")
        runs = runs[: runs.index(run_id) + 1][-args.last:]
        if len(runs) < 2:
            print(f"wasm-harness: error: {args.db}: run {run_id} has no earlier run to compare with",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        result = comparison.history(results, runs, threshold)
    else:
        against = comparison.previous_run(results, run_id) if args.against == "previous" else args.against
        if against is None or store.run(against) is None:
            what = f"no run {args.against!r}" if against else f"no run before {run_id}"
            print(f"wasm-harness: error: {args.db}: {what} (see wasm-harness runs)", file=sys.stderr)
            return EXIT_BAD_INPUT
        result = comparison.compare(results, run_id, against, threshold)
    return show_comparison(result, args)


def show_comparison(result: Comparison, args: argparse.Namespace) -> int:
    """A comparison as `report --against` shows it: comparison.md and .json under --out, the text
    (or --json, --markdown) on stdout; the exit status (--fail-on-regression). The nightly hands in
    the comparison it has already computed for its dashboard."""
    from reports import comparison_text

    document = json.dumps(result.to_dict(), indent=1)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "comparison.md").write_text(comparison_text.render(result, "github") + "\n")
        (args.out / "comparison.json").write_text(document + "\n")
    if args.json:
        print(document)
    else:
        print(terminal(comparison_text.render(result, "github" if args.markdown else "simple")))
    return 1 if args.fail_on_regression and result.regressions else 0


def _at_least_two(text: str) -> int:
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError("a comparison needs at least 2 runs")
    return value


def _fraction(text: str) -> float:
    """0.05 or 5%: a relative change, at least 0."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction (0.05) or a percentage (5%)") from None
    if not 0 <= value < 10:
        raise argparse.ArgumentTypeError(f"{text} is not a relative change between 0 and 10")
    return value


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
