"""The `spec` suite: .wast spec scripts on engines, every command judged bit for bit."""

from __future__ import annotations

import argparse
import fnmatch
import json
from pathlib import Path

from engines.base import Engine
from engines.protocol import PROJECT_ROOT
from harness.session import Session
from harness.spec_runner import DEFAULT_TIMEOUT, FileOutcome, SpecRunner
from harness.store import ResultsStore
from harness.suite import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_UNEXPECTED,
    Rendered,
    ReportView,
    Selection,
    Suite,
    positive_int,
    positive_seconds,
)
from harness.wast.convert import default_cache_root
from reports import summary

DEFAULT_CORPUS = PROJECT_ROOT / "suites" / "spec"


class SpecSuite(Suite):
    name = "spec"
    command = "spec"
    help = "run .wast spec scripts on engines"
    description = ("Run .wast spec scripts on engines and judge every command bit for bit. "
                   "With no FILE and no --testsuite, runs the project's corpus in suites/spec.")
    epilog = ("exit status: 0 ok; 1 with --strict when anything failed unexpectedly "
              "(fail, crash, timeout, or an xfail that passed); 2 on bad input "
              "(unknown engine, missing or broken .wast).")

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("paths", nargs="*", type=Path, metavar="FILE", help=".wast files or directories")
        p.add_argument("--testsuite", type=Path, metavar="DIR",
                       help="run every .wast below DIR (e.g. a WebAssembly/testsuite checkout)")
        p.add_argument("--include", action="append", default=[], metavar="GLOB",
                       help="only files whose path (relative to the testsuite) matches; repeatable")
        p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                       help="leave out matching files, e.g. 'proposals/*'; repeatable")
        p.add_argument("--jobs", "-j", type=positive_int, default=1, metavar="N",
                       help="files run in parallel (default 1)")
        p.add_argument("--timeout", type=positive_seconds, default=DEFAULT_TIMEOUT, metavar="S",
                       help=f"seconds per command before it counts as a timeout "
                            f"(default {DEFAULT_TIMEOUT:g})")
        p.add_argument("--strict", action="store_true", help="exit 1 on any unexpected failure")
        p.add_argument("--per-file", action="store_true", help="also print a table per file")
        p.add_argument("--json", action="store_true",
                       help="print one JSON object: counts and failures per engine, wall seconds")
        p.add_argument("--cache", type=Path, default=None, metavar="DIR",
                       help=f"conversion cache (default {default_cache_root()})")

    def select(self, args: argparse.Namespace) -> Selection:
        files, root, problems = collect_files(args)
        if not files and not problems:
            problems.append("no .wast files selected")
        return Selection(units=files, problems=problems, context={"root": root})

    def run(self, session: Session, engines: list[Engine], selection: Selection,
            args: argparse.Namespace) -> dict:
        files: list[Path] = selection.units
        runner = SpecRunner(engines, session.run_id, suite=self.name, root=selection.context["root"],
                            timeout=args.timeout, cache_root=args.cache or default_cache_root(),
                            sink=session.add_rows)
        # A unit is one file on one engine (its rows reach the store together).
        def wanted(file: str, engine: str) -> bool:
            return session.work.wants(self.name, (engine, file))

        try:
            total = sum(wanted(runner.recorded_name(f), e.name) for f in files for e in engines)
            with session.progress(self.name, total=total) as advance:
                def done(outcome: FileOutcome) -> None:
                    advance(f"{outcome.engine} {outcome.file.name}")

                if engines and files:
                    runner.run(files, jobs=max(1, args.jobs), on_done=done, wanted=wanted)
        finally:
            # Bad input found before an interruption is still said.
            parameters = {"bad_input": [str(b) for b in runner.bad_input], "per_file": args.per_file}
        return parameters

    # A file on an engine is finished when its wall-time row is in: it comes with the file's other rows.
    def finished_units(self, store: ResultsStore, run_id: str) -> set[tuple]:
        return set(store.query("SELECT engine, file FROM results WHERE run_id = ? AND suite = ? AND "
                               "kind = 'script' AND metric = 'wall_time' AND phase = 'run'",
                               [run_id, self.name]))

    def discard_partial(self, store: ResultsStore, run_id: str) -> int:
        return store.delete_rows(
            "run_id = ? AND suite = ? AND phase = 'run' AND NOT EXISTS (SELECT 1 FROM results w WHERE "
            "w.run_id = results.run_id AND w.suite = results.suite AND w.engine = results.engine AND "
            "w.file = results.file AND w.kind = 'script' AND w.metric = 'wall_time' AND w.phase = 'run')",
            [run_id, self.name])

    def render(self, view: ReportView) -> Rendered:
        engines: list[str] = view.parameters.get("engines", [])
        if view.as_json:
            document = {"run_id": view.run_id, "wall_seconds": round(view.wall_seconds, 3),
                        "db": str(view.db),
                        "engines": summary.summary_json(view.store, view.run_id,
                                                        {e: view.engines.get(e, {}) for e in engines},
                                                        suite=self.name),
                        "proposals": summary.proposal_counts(view.store, view.run_id, suite=self.name),
                        "bad_input": view.parameters.get("bad_input", [])}
            return Rendered(json.dumps(document, indent=2))
        return Rendered(spec_tables(view, engines, self.name))

    def exit_code(self, view: ReportView, args: argparse.Namespace) -> int:
        if view.parameters.get("bad_input"):
            return EXIT_BAD_INPUT
        unexpected = sum(r["unexpected"] for r in summary.counts(view.store, view.run_id, ["engine"],
                                                                 suite=self.name))
        return EXIT_UNEXPECTED if args.strict and unexpected else EXIT_OK


def spec_tables(view: ReportView, engines: list[str], suite: str) -> str:
    store, run_id = view.store, view.run_id
    if not summary.counts(store, run_id, ["engine"], suite=suite):
        return "no results"
    out: list[str] = []
    if view.parameters.get("per_file"):
        out += [summary.file_table(store, run_id, suite=suite), ""]
    unexpected = [f for f in summary.failures(store, run_id, suite=suite) if not f["expected"]]
    out += [f"{f['verdict'].upper():7} {f['engine']:10} {f['file']}:{f['line']} {f['case']}: "
            f"{f['message']}" for f in unexpected[:50]]
    if len(unexpected) > 50:
        out.append(f"... and {len(unexpected) - 50} more (see --json or the results table)")
    if unexpected:
        out.append("")
    out.append(summary.engine_table(store, run_id, engines, suite=suite))
    by_proposal = summary.proposal_table(store, run_id, engines, suite=suite)
    if by_proposal:
        out.append(f"\npassed per proposal (commands; deliberate failures left out):\n{by_proposal}")
    out.append(f"\nrun {run_id} in {view.wall_seconds:.1f} s; results in {view.db}")
    return "\n".join(out)


def collect_files(args: argparse.Namespace) -> tuple[list[Path], Path | None, list[str]]:
    """The .wast files to run, the root their names are relative to, and problems found."""
    problems: list[str] = []
    files: list[Path] = []
    root: Path | None = None
    sources = list(args.paths)
    if args.testsuite is not None:
        if not args.testsuite.is_dir():
            problems.append(f"{args.testsuite}: --testsuite is not a directory")
        sources.append(args.testsuite)
        root = args.testsuite
    if not sources:
        sources, root = [DEFAULT_CORPUS], DEFAULT_CORPUS
    for source in sources:
        if source.is_dir():
            found = sorted(source.rglob("*.wast"))
            root = root or source
            files.extend(f for f in found if _selected(f.relative_to(source), args))
        elif source.exists() or source.suffix == ".wast":
            # A missing file is reported by the run itself as bad input, with its name.
            files.append(source)
        else:
            problems.append(f"{source}: no such file or directory")
    return files, root, problems


def _selected(rel: Path, args: argparse.Namespace) -> bool:
    text = rel.as_posix()
    if args.include and not any(fnmatch.fnmatch(text, g) for g in args.include):
        return False
    return not any(fnmatch.fnmatch(text, g) for g in args.exclude)
