"""The Suite interface, and the one way every suite command runs.

A suite turns units (spec scripts, feature probes, benchmark workloads) into
rows through engines. It declares:

* `name` (its rows' `suite` column), `command`, `help`, `description`, `epilog`;
* `add_arguments(parser)`: its own options (every suite also gets --engine,
  --db, --run, --json, --out and --no-progress);
* `engine_problem(engine)`: why it cannot run on a configuration (asked of the
  adapter's capabilities, never of its class), or None;
* `select(args)`: its units, and bad input found before anything runs;
* `run(session, engines, selection, args)`: rows into the session; it returns
  the parameters its report needs beyond the rows (they go into the suite's row);
* `render(view)`: the report, from the store alone: what the run prints, the
  error lines, and the files it writes. The run itself prints this, so
  `wasm-harness report` gives exactly the same;
* `exit_code(view, args)`: its verdict.

`run_command` does the rest: engines, availability, the session (one run,
finished or interrupted whatever happens), rows, the report and the exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from engines.base import Engine
from engines.registry import resolve
from harness.session import SUITE_PHASE, Session, timed
from harness.store import ResultsStore, default_db_path
from harness.work import Work, parse_shard
from reports.escape import terminal

EXIT_OK = 0
EXIT_UNEXPECTED = 1   # something failed that should not have (with --strict for spec)
EXIT_BAD_INPUT = 2    # unknown engine or option, missing or broken input


class BadInputError(Exception):
    """Input the suite cannot run at all: one line, exit 2."""


@dataclass
class Selection:
    """What a suite will run, and the bad input found while choosing it."""

    units: list
    problems: list[str] = field(default_factory=list)
    context: dict = field(default_factory=dict)   # what else the suite found while selecting


@dataclass
class ReportView:
    """One suite's part of a recorded run, as the store has it: what `render` reads."""

    store: ResultsStore
    run_id: str
    parameters: dict
    wall_seconds: float
    started: object
    engines: dict[str, dict]      # the run's configurations: {name: {"version", "flags"}}
    db: Path
    out: Path | None = None       # where files go, when they are asked for
    as_json: bool = False
    # What render and exit_code both need (bench's bootstrap summaries), computed once.
    memo: dict = field(default_factory=dict)


@dataclass
class Rendered:
    stdout: str
    errors: list[str] = field(default_factory=list)   # besides bad input: stderr lines `error: ...`
    files: list[Path] = field(default_factory=list)


class Suite(ABC):
    name: ClassVar[str]
    command: ClassVar[str]
    help: ClassVar[str]
    description: ClassVar[str] = ""
    epilog: ClassVar[str] = ""
    # Where --out goes when not given (None: no files unless asked).
    default_out: ClassVar[Path | None] = None

    @abstractmethod
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def engine_problem(self, engine: Engine) -> str | None:
        """Why this suite cannot run on `engine`, or None when it can."""
        return None if engine.runs_wasm else "it runs no WebAssembly"

    def prepare_engines(self, engines: list[Engine], args: argparse.Namespace) -> list[Engine]:
        """The configurations to run, from the ones asked for (a suite may add its baseline)."""
        return engines

    @abstractmethod
    def select(self, args: argparse.Namespace) -> Selection: ...

    @abstractmethod
    def run(self, session: Session, engines: list[Engine], selection: Selection,
            args: argparse.Namespace) -> dict: ...

    @abstractmethod
    def render(self, view: ReportView) -> Rendered: ...

    def exit_code(self, view: ReportView, args: argparse.Namespace) -> int:
        return EXIT_BAD_INPUT if view.parameters.get("bad_input") else EXIT_OK

    # --- resuming a killed run (`nightly --resume`) ----------------------------------------
    # A suite whose rows of one unit reach the store together (one add_rows) says which units
    # are finished, and its run skips them. The default is the whole suite as one unit: nothing
    # counts as finished until the suite's own row is written.
    def finished_units(self, store: ResultsStore, run_id: str) -> set[tuple]:
        """Keys of the units of `run_id` whose rows are all in the store (as `run` checks them)."""
        return set()

    def discard_partial(self, store: ResultsStore, run_id: str) -> int:
        """Delete the rows of units of `run_id` that did not finish (they are run again, and must
        not count twice); returns how many rows went."""
        return store.delete_rows("run_id = ? AND suite = ?", [run_id, self.name])


def add_common_arguments(suite: Suite, parser: argparse.ArgumentParser) -> None:
    from engines.registry import config_file

    parser.add_argument("--engine", action="append", metavar="NAME",
                        help=f"engine configuration(s) from {config_file().name} (see `wasm-harness "
                             "engines`), NAME:key=value for extra options, or all (default: all)")
    db_option(parser)
    parser.add_argument("--run", dest="run_id", default=None, metavar="ID",
                        help="record into this run id, joining it if the store has it (make nightly "
                             "puts every suite in one run); default: a new run")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--shard", type=parse_shard, default=None, metavar="I/N",
                        help="run only shard I of N (1 <= I <= N): N machines given 1/N ... N/N split the "
                             "units disjointly by a stable hash; `wasm-harness merge` joins their stores")
    if suite.default_out is not None:
        parser.add_argument("--out", type=Path, default=suite.default_out, metavar="DIR",
                            help="where the report files go (default: %(default)s)")
    else:
        parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                            help="also write the report files there")


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (so `--jobs 0` is an error, not a hang)."""
    return _whole_number(text, 1, "is not at least 1")


def non_negative_int(text: str) -> int:
    return _whole_number(text, 0, "is negative")


def _whole_number(text: str, minimum: int, too_small: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{text} {too_small}")
    return value


def comma_list(values: list[str] | None) -> list[str]:
    """Names from options that may repeat and comma-separate (`--kernel a,b --kernel c`)."""
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()]


def with_baseline(engines: list[Engine]) -> list[Engine]:
    """The configurations plus the native baseline (engines.toml's `native`) unless one is there."""
    from engines.registry import make
    from harness.store import NATIVE

    return engines if any(not e.runs_wasm for e in engines) else [*engines, make(NATIVE)]


def positive_seconds(text: str) -> float:
    """An argparse type: a duration above zero (a negative timeout once gave false timeouts)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of seconds")
    return value


def db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, default=default_db_path(), metavar="PATH",
                        help="results database (default: %(default)s)")


def select_engines(suite: Suite, names: list[str] | None) -> tuple[list[Engine], list[str], list[str]]:
    """(engines to run, unavailable ones as error lines, left-out ones as notes).

    A configuration the suite cannot use is left out with a note, except a
    baseline (no wasm) that only `all` brought in: no suite but bench wants it.
    """
    named = set(comma_list(names)) - {"all"}
    usable, missing, notes = [], [], []
    for engine in resolve(names):
        problem = suite.engine_problem(engine)
        if problem:
            if engine.runs_wasm or engine.name in named:
                notes.append(f"{engine.name}: not run by {suite.command}: {problem}")
            continue
        state = engine.availability()
        if state.ok:
            usable.append(engine)
        else:
            missing.append(f"{engine.name}: engine unavailable: {state.reason}")
    return usable, missing, notes


def run_command(suite: Suite, args: argparse.Namespace, session: Session | None = None) -> int:
    """A suite command from start to exit code: see the module docstring.

    Given a `session` (the nightly's: several suites in one run), the suite runs in it and leaves
    it open; its exceptions reach the caller. Otherwise the command has a session of its own.
    """
    engines, missing, notes = select_engines(suite, args.engine)
    engines = suite.prepare_engines(engines, args)
    try:
        selection = suite.select(args)
    except BadInputError as e:
        print(f"wasm-harness: error: {terminal(str(e))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    own = session is None
    if session is None:
        session = Session(args.db, run_id=args.run_id, progress=not args.no_progress and not args.json,
                          engines=engines, work=Work(shard=args.shard))
    else:
        session.add_engines(engines)
    try:
        with session if own else contextlib.nullcontext():
            with timed() as elapsed:
                parameters = suite.run(session, engines, selection, args)
            parameters["engines"] = [e.name for e in engines]
            parameters["bad_input"] = [*missing, *selection.problems, *parameters.get("bad_input", [])]
            parameters["notes"] = [*notes, *parameters.get("notes", [])]
            if session.work.shard is not None:
                parameters["shard"] = str(session.work.shard)
            session.record_suite(suite.name, elapsed(), parameters)
        with session.store.holding():  # one open of the file for every query of the report
            view = report_view(session.store, session.run_id, suite.name, args.db, args.out, args.json)
            assert view is not None  # the suite's row was just written
            rendered = suite.render(view)
            code = suite.exit_code(view, args)
        print_rendered(rendered, view.parameters)
        return code
    finally:
        if own:
            session.close()


def print_rendered(rendered: Rendered, parameters: dict) -> None:
    # File names, engine names and engine messages are not ours: no control sequence reaches the terminal.
    for line in parameters.get("notes", []):
        print(f"note: {terminal(line)}", file=sys.stderr)
    for line in [*parameters.get("bad_input", []), *rendered.errors]:
        print(f"error: {terminal(line)}", file=sys.stderr)
    if rendered.stdout:
        print(terminal(rendered.stdout))


def report_view(store: ResultsStore, run_id: str, suite: str, db: Path, out: Path | None = None,
                as_json: bool = False) -> ReportView | None:
    """A suite's part of a run, from the store; None when the run has no such suite."""
    found = store.query("SELECT value, message FROM results WHERE run_id = ? AND suite = ? AND phase = ? "
                        "ORDER BY time DESC LIMIT 1", [run_id, suite, SUITE_PHASE])
    run = store.run(run_id)
    if not found or run is None:
        return None
    wall, message = found[0]
    return ReportView(store=store, run_id=run_id, parameters=json.loads(message or "{}"),
                      wall_seconds=float(wall or 0.0), started=run["started"],
                      engines=json.loads(run["engines"] or "{}"), db=db, out=out, as_json=as_json)
