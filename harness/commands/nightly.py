"""`wasm-harness nightly`: every suite on every available engine configuration, as one run.

The suites run one after another through `run_command` (harness/suite.py), each
as its own command would, in one `Session`: spec (our corpus), features, jsapi, the
official testsuite (with --testsuite), bench and ml. A suite that raises is
reported and the others still run; the exit status is the worst of them. Then
the run's reports are rendered again from the store (`report --out`), and the
dashboard.

`--resume` continues a run that was killed or failed: a suite whose own row is
in the store finished and is skipped; in the others, each suite's
`finished_units` are skipped and its `discard_partial` deletes the rows of
units that did not finish, so nothing counts twice in the reports.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shlex
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engines.registry import resolve
from harness import runinfo
from harness.session import Session
from harness.store import ResultsStore
from harness.suite import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_UNEXPECTED,
    Suite,
    add_common_arguments,
    comma_list,
    db_option,
    positive_int,
    report_view,
    run_command,
)
from harness.work import Work, parse_shard
from reports.escape import terminal

if TYPE_CHECKING:  # pandas and the reports' statistics are imported only when rendering
    from reports.comparison import Comparison

NAME = "nightly"
HELP = "run every suite on every available engine as one run, then its reports and dashboard"
# The rows' suite names, in the order a nightly runs them: the quick ones first.
SUITES = ("spec", "features", "jsapi", "testsuite", "bench", "ml")
# The options a resumed run takes from its recorded command line; given again, they are an error.
RECORDED = ("quick", "testsuite", "engine", "shard", "suite", "jobs", "run_id")
DESCRIPTION = """\
Run the spec corpus (suites/spec), the feature matrix, the JS API suite, the official testsuite (with
--testsuite), the benchmarks and ML inference on every available engine configuration, as
one run in the results store; then render the run's reports into OUT/report (as `wasm-harness
report --out` does, with the text in OUT/report.txt) and the dashboard into OUT/dashboard,
and print the dashboard's path."""
EPILOG = """\
examples:
  wasm-harness nightly --quick                         every suite, quick settings, every engine
  wasm-harness nightly --testsuite ~/testsuite         with the official testsuite
  wasm-harness nightly --engine node,wasmtime --suite spec,features
  wasm-harness nightly --resume                        finish the latest killed nightly run
  wasm-harness nightly --shard 2/4 --run nightly-123   this machine's quarter of a shared run
  wasm-harness merge all.duckdb shard-*.duckdb          ... then join the shards' stores

--resume [RUN] continues a nightly run that was killed, interrupted or failed (default: the
latest such run in --db) with the options it was started with: finished suites and finished
units are not run again, and the rows of half-done units are deleted and the units redone.

exit status: 0 when every suite passed; 1 when a suite found an unexpected failure (spec and
testsuite run --strict), raised, or the dashboard failed; 2 on bad input (an unknown or
unavailable engine named with --engine, no run to resume)."""


@dataclass
class SuiteOutcome:
    suite: str
    exit: int
    seconds: float
    skipped: bool = False     # finished before this attempt (--resume)
    error: str | None = None  # what it raised


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = DESCRIPTION
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--quick", action="store_true",
                   help="each suite's quick settings (bench --quick, ml --quick; the corpus is quick)")
    p.add_argument("--testsuite", type=Path, metavar="DIR",
                   help="also run the official testsuite below DIR (suite `testsuite` in the store)")
    p.add_argument("--engine", action="append", metavar="NAME",
                   help="engine configurations (repeat or comma-separate; default: every available one)")
    p.add_argument("--suite", action="append", metavar="NAME",
                   help=f"only these suites (repeat or comma-separate): {', '.join(SUITES)}")
    p.add_argument("--jobs", "-j", type=positive_int, default=2, metavar="N",
                   help="parallel files for spec, features and testsuite (default 2)")
    p.add_argument("--resume", nargs="?", const="latest", default=None, metavar="RUN",
                   help="continue a killed nightly run (default: the latest unfinished one) without redoing "
                        "what it finished")
    p.add_argument("--shard", type=parse_shard, default=None, metavar="I/N",
                   help="run only shard I of N of every suite's units (see `wasm-harness merge`)")
    p.add_argument("--run", dest="run_id", default=None, metavar="ID",
                   help="the run id (default: a new one); machines running shards of one nightly share it")
    db_option(p)
    p.add_argument("--out", type=Path, default=Path("results"), metavar="DIR",
                   help="where each suite's files, report/, report.txt and dashboard/ go "
                        "(default: %(default)s)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (the per-suite lines stay)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (run, each suite's exit status and seconds, report and "
                        "dashboard paths) instead of the suites' tables")


def run(args: argparse.Namespace) -> int:
    if args.resume is not None:
        resumed = _resumed_args(args)
        if isinstance(resumed, str):
            print(f"wasm-harness: error: {terminal(resumed)}", file=sys.stderr)
            return EXIT_BAD_INPUT
        args = resumed
    chosen = comma_list(args.suite) or list(SUITES)
    unknown = [s for s in chosen if s not in SUITES]
    if unknown:
        print(f"wasm-harness: error: unknown suite {unknown[0]!r}; known: {', '.join(SUITES)}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.testsuite is not None and not args.testsuite.is_dir():
        print(f"wasm-harness: error: {args.testsuite}: --testsuite is not a directory", file=sys.stderr)
        return EXIT_BAD_INPUT
    steps = [s for s in SUITES if s in chosen and (s != "testsuite" or args.testsuite is not None)]
    engines, notes = _engines(args.engine)
    for note in notes:
        print(f"note: {terminal(note)}", file=sys.stderr)

    session = Session(args.db, run_id=args.run_id, progress=not args.no_progress and not args.json,
                      work=Work(shard=args.shard))
    started = time.perf_counter()
    outcomes: list[SuiteOutcome] = []
    try:
        with session:
            for number, name in enumerate(steps, 1):
                outcomes.append(_run_suite(session, name, number, len(steps), engines, args, started))
            if any(o.error for o in outcomes):
                session.finish("failed")  # a later --resume runs the suites that raised again
    finally:
        session.close()

    report, dashboard, problems = _render(args, session.run_id)
    code = max([o.exit for o in outcomes] + [EXIT_UNEXPECTED if problems else EXIT_OK])
    for problem in problems:
        print(f"error: {terminal(problem)}", file=sys.stderr)
    if args.json:
        print(json.dumps({"run_id": session.run_id, "db": str(args.db), "status": session.status,
                          "shard": str(args.shard) if args.shard else None, "exit": code,
                          "seconds": round(time.perf_counter() - started, 1),
                          "suites": [asdict(o) for o in outcomes], "report": str(report),
                          "dashboard": str(dashboard) if dashboard else None}, indent=2))
    else:
        print(f"nightly run {session.run_id} {session.status} in {_clock(time.perf_counter() - started)}; "
              f"exit {code}; reports in {report}")
        print(f"dashboard: {dashboard}" if dashboard else "dashboard: not rendered (see above)")
    return code


# --- one suite --------------------------------------------------------------------------------

def _run_suite(session: Session, name: str, number: int, total: int, engines: list[str] | None,
               args: argparse.Namespace, started: float) -> SuiteOutcome:
    suite = _suite(name)
    say = f"nightly [{number}/{total}] {name}"
    store = session.store
    if report_view(store, session.run_id, name, args.db) is not None:
        print(f"{say}: finished before, skipped", file=sys.stderr)
        return SuiteOutcome(name, EXIT_OK, 0.0, skipped=True)
    if session.joined:  # --resume, or --run naming a run the store has: finish it, count nothing twice
        removed = suite.discard_partial(store, session.run_id)
        finished = suite.finished_units(store, session.run_id)
        session.work.finished[name] = finished
        print(f"{say}: resuming: {len(finished)} units finished before; {removed} rows of unfinished units "
              "deleted", file=sys.stderr)
    print(f"{say}: started at +{_clock(time.perf_counter() - started)}", file=sys.stderr)
    begun = time.perf_counter()
    suite_args = _suite_args(suite, name, engines, args, session.run_id)
    try:
        output = io.StringIO() if args.json else sys.stdout
        with contextlib.redirect_stdout(output):
            code = run_command(suite, suite_args, session)
        error = None
    except KeyboardInterrupt:
        raise
    except Exception as e:  # any failure of one suite: say it, and go on with the others
        code, error = EXIT_UNEXPECTED, f"{type(e).__name__}: {e}"
        print(f"{say}: raised {terminal(error)}\n{terminal(traceback.format_exc())}", file=sys.stderr)
    seconds = time.perf_counter() - begun
    print(f"{say}: exit {code} in {_clock(seconds)} (nightly at +{_clock(time.perf_counter() - started)})",
          file=sys.stderr)
    return SuiteOutcome(name, code, round(seconds, 1), error=error)


def _suite(name: str) -> Suite:
    from harness.suites import recorded_suites

    return next(s for s in recorded_suites() if s.name == name)


def _suite_args(suite: Suite, name: str, engines: list[str] | None, args: argparse.Namespace,
                run_id: str) -> argparse.Namespace:
    """The suite's own options, parsed by its own parser, as its command would get them."""
    argv = ["--db", str(args.db), "--run", run_id, "--out", str(args.out / name)]
    # As given: `NAME:k=v,k=v` holds commas of its own, which the suites' --engine understands.
    argv += [f"--engine={entry}" for entry in engines or []]
    argv += ["--no-progress"] if args.no_progress or args.json else []
    if name in ("spec", "testsuite"):
        argv += ["--jobs", str(args.jobs), "--strict"]
    if name == "testsuite":
        argv += ["--testsuite", str(args.testsuite)]
    if name == "features":
        argv += ["--jobs", str(args.jobs)]
    if name in ("bench", "ml") and args.quick:
        argv += ["--quick"]
    parser = argparse.ArgumentParser(prog=f"wasm-harness nightly ({name})")
    suite.add_arguments(parser)
    add_common_arguments(suite, parser)
    return parser.parse_args(argv)


def _engines(names: list[str] | None) -> tuple[list[str] | None, list[str]]:
    """Names for the suites: those given, or every available configuration that runs wasm (each
    suite adds its baseline); and notes on the unavailable ones."""
    if names:
        resolve(names)  # an unknown engine or option: one clear error, exit 2, before anything runs
        return list(names), []
    chosen, notes = [], []
    for engine in resolve(None):
        if not engine.runs_wasm:
            continue
        state = engine.availability()
        if state.ok:
            chosen.append(engine.name)
        else:
            notes.append(f"{engine.name}: left out, unavailable: {state.reason}")
    return chosen, notes


# --- resuming -----------------------------------------------------------------------------------

def _resumed_args(args: argparse.Namespace) -> argparse.Namespace | str:
    """The resumed run's own options (from its recorded command line), or why it cannot resume."""
    defaults = _parser().parse_args([])
    given = [f"--{k.replace('_id', '').replace('_', '-')}" for k in RECORDED
             if getattr(args, k) != getattr(defaults, k)]
    if given:
        return (f"--resume takes the run's own options; do not give {', '.join(given)} with it "
                "(only --db, --out, --no-progress, --json)")
    if not args.db.exists():
        return f"{args.db}: no results database"
    store = ResultsStore(args.db)
    try:
        runs = store.query("SELECT run_id, status, host, pid, command FROM runs "
                           "WHERE command LIKE 'wasm-harness nightly%' ORDER BY started DESC")
    finally:
        store.close()
    states = [(r, runinfo.effective_status(s, h, p), c) for r, s, h, p, c in runs]
    if args.resume == "latest":
        unfinished = [(r, s, c) for r, s, c in states if s != "finished"]
        if not unfinished:
            return f"{args.db}: no unfinished nightly run to resume (see wasm-harness runs)"
        run_id, status, command = unfinished[0]
    else:
        found = [(r, s, c) for r, s, c in states if r == args.resume]
        if not found:
            return f"{args.db}: no nightly run {args.resume!r} (see wasm-harness runs)"
        run_id, status, command = found[0]
    if status == "running":
        return f"run {run_id} is still running (its process is alive); nothing to resume"
    if status == "finished":
        return f"run {run_id} finished; nothing to resume"
    recorded = _parser().parse_args(shlex.split(command)[2:])
    # The store is where the run was found; how to show it is this invocation's; files go where
    # the run put them unless --out says otherwise.
    recorded.resume, recorded.run_id, recorded.db = run_id, run_id, args.db
    recorded.no_progress, recorded.json = args.no_progress, args.json
    if args.out != defaults.out:
        recorded.out = args.out
    print(f"nightly: resuming run {run_id} ({status}): {terminal(command)}", file=sys.stderr)
    return recorded


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wasm-harness nightly", add_help=False)
    add_arguments(parser)
    return parser


# --- reports and the dashboard -----------------------------------------------------------------------

def _render(args: argparse.Namespace, run_id: str) -> tuple[Path, Path | None, list[str]]:
    """`report --out OUT/report` (its text into OUT/report.txt), the comparison with the run before
    (`report --against`), then the dashboard; problems as lines. The comparison is made once and
    handed to both."""
    from harness.commands import report

    problems = []
    out = args.out / "report"
    text = io.StringIO()
    # The report command's own parser gives every option its default, so new ones need no change here.
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    base = ["--db", str(args.db), "--run", run_id, "--out", str(out)]
    with contextlib.redirect_stdout(text):
        code = report.run(parser.parse_args(base))
    if code != EXIT_OK:
        problems.append(f"run {run_id}: its reports could not be rendered (exit {code})")
    compared = None
    try:
        compared = _comparison(args.db, run_id)
    except Exception as e:  # the run's results are safe in the store: say it, exit 1
        problems.append(f"run {run_id}: comparing it with the run before failed: {type(e).__name__}: {e}")
    if compared is not None:
        # The comparison with the night before, as `report --against` shows it:
        # OUT/report/comparison.md and .json, and the same text at the end of OUT/report.txt.
        against = compared.against.run_id
        with contextlib.redirect_stdout(text):
            code = report.show_comparison(compared, parser.parse_args([*base, "--against", against]))
        if code != EXIT_OK:
            problems.append(f"run {run_id}: its comparison with run {against} failed (exit {code})")
        else:
            print(f"compared with run {against}: {out / 'comparison.md'}", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.txt").write_text(text.getvalue())
    dashboard = None
    try:
        dashboard = dashboard_for(args.db, run_id, args.out / "dashboard", compared)
    except Exception as e:  # the run's results are safe in the store: say it, exit 1
        problems.append(f"dashboard: {type(e).__name__}: {e}")
    return out, dashboard, problems


def _comparison(db: Path, run_id: str) -> Comparison | None:
    """The run against the one before it, as `report --against previous` compares them (None when
    it is the first)."""
    from harness.results import load
    from reports.comparison import compare, previous_run

    results = load(db)
    try:
        with results.holding():
            against = previous_run(results, run_id)
            return None if against is None else compare(results, run_id, against)
    finally:
        results.store.close()


def dashboard_for(db: Path, run_id: str, out_dir: Path, compared: Comparison | None = None) -> Path:
    """The run's dashboard page (reports/dashboard), rendered from the store; `compared`: the
    comparison already made for the report, which the dashboard then shows instead of making it again."""
    from reports.dashboard import render_dashboard

    return render_dashboard(db, run_id, out_dir, compared=compared)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"
