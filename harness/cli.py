"""The `wasm-harness` command line."""

from __future__ import annotations

import argparse
import fnmatch
import json
import shlex
import sys
import time
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from tabulate import tabulate

from engines.registry import EngineConfigError, UnknownEngineError, config_file, resolve
from harness import runinfo
from harness.spec_runner import DEFAULT_TIMEOUT, FileOutcome, SpecRunner
from harness.store import EXPORT_FORMATS, ResultsStore, default_db_path
from harness.wast.convert import default_cache_root
from reports import summary

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SUITE = PROJECT_ROOT / "suites" / "spec"
EXIT_BAD_INPUT = 2
EXIT_UNEXPECTED = 1

EPILOG = """\
examples:
  wasm-harness engines                       which engines are here, their versions, why not
  wasm-harness spec                          our corpus (suites/spec) on every engine
  wasm-harness spec --engine wasmtime x.wast one file on one engine
  wasm-harness spec --testsuite ~/testsuite --exclude 'proposals/*' --jobs 2 --strict
  wasm-harness spec --json | jq '.engines.node.counts'
  wasm-harness bench --quick                 every kernel on every engine, quickly
  wasm-harness bench --engine node,wasmtime --kernel matmul --json
  wasm-harness export --format parquet -o results.parquet

Results go to results/wasm-harness.duckdb (one row per observation; see README).
"""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except (UnknownEngineError, EngineConfigError) as e:
        print(f"wasm-harness: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("wasm-harness: interrupted; finished results are kept", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wasm-harness",
        description="Conformance and benchmark harness for WebAssembly engines.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("engines", help="list engine configurations, availability and versions",
                       description="List every engine configuration: available or why not, and version.")
    p.add_argument("--engine", action="append", metavar="NAME", help="only these (repeat or comma-separate)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_engines)

    p = sub.add_parser(
        "spec", help="run .wast spec scripts on engines",
        description="Run .wast spec scripts on engines and judge every command bit for bit. "
                    "With no FILE and no --testsuite, runs the project's corpus in suites/spec.",
        epilog="exit status: 0 ok; 1 with --strict when anything failed unexpectedly "
               "(fail, crash, timeout, or an xfail that passed); 2 on bad input "
               "(unknown engine, missing or broken .wast).")
    p.add_argument("paths", nargs="*", type=Path, metavar="FILE", help=".wast files or directories")
    p.add_argument("--engine", action="append", metavar="NAME",
                   help=f"engine configuration(s) from {config_file().name} (see `wasm-harness engines`), "
                        "NAME:key=value for extra options, or all (default: all)")
    p.add_argument("--testsuite", type=Path, metavar="DIR",
                   help="run every .wast below DIR (e.g. a WebAssembly/testsuite checkout)")
    p.add_argument("--include", action="append", default=[], metavar="GLOB",
                   help="only files whose path (relative to the testsuite) matches; repeatable")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="leave out matching files, e.g. 'proposals/*'; repeatable")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="files run in parallel (default 1)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"seconds per command before it counts as a timeout (default {DEFAULT_TIMEOUT:g})")
    p.add_argument("--strict", action="store_true", help="exit 1 on any unexpected failure")
    p.add_argument("--per-file", action="store_true", help="also print a table per file")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: counts and failures per engine, wall seconds")
    _db_option(p)
    p.add_argument("--cache", type=Path, default=None, metavar="DIR",
                   help=f"conversion cache (default {default_cache_root()})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_spec)

    p = sub.add_parser(
        "detect", help="measure the feature-support matrix on engines",
        description="Probe every WebAssembly feature, JS API and host capability on every engine "
                    "configuration (suites/features), print the matrix, write it as Markdown, HTML, CSV "
                    "and JSON, and show where webassembly.org's published table disagrees.",
        epilog="answers: supported, unsupported, flag (a V8 flag enables it), n/a, error. "
               "Exit status: 0 ok; 1 when an absence check fails (a probe still says supported with "
               "its feature switched off); 2 on bad input.")
    p.add_argument("--engine", action="append", metavar="NAME",
                   help="engine configuration(s), NAME:key=value, or all (default: all)")
    p.add_argument("--feature", action="append", metavar="KEY", help="only these features (repeatable)")
    p.add_argument("--probes", type=Path, default=None, metavar="DIR",
                   help="probe folder (default: suites/features)")
    p.add_argument("--jobs", "-j", type=int, default=2, metavar="N", help="parallel jobs (default 2)")
    p.add_argument("--out", type=Path, default=Path("results") / "features", metavar="DIR",
                   help="where matrix.{md,html,csv,json} go (default: %(default)s)")
    p.add_argument("--json", action="store_true",
                   help="print {engine configuration: {feature: answer}} instead of the table")
    _db_option(p)
    p.set_defaults(func=cmd_detect)

    p = sub.add_parser(
        "bench", help="time the benchmark kernels on engines against the native build",
        description="""\
Build the kernels (suites/bench: C for native, wasm scalar, SIMD and relaxed SIMD; WAT
micro-benchmarks), check every engine's answer against the native build, and time compile,
instantiate, first call and steady-state execution inside each engine, in fresh worker
processes, engines interleaved. Prints wasm/native ratios and SIMD speed-ups with 95%
bootstrap intervals; every sample goes to the results store.""",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="""\
examples:
  wasm-harness bench --quick                         everything, small sizes, a minute
  wasm-harness bench --engine node,chromium,firefox --variant scalar --variant simd
  wasm-harness bench --kernel matmul --profile long --processes 5
  wasm-harness bench --json | jq '.[] | select(.kernel == "geomean")'

profiles: quick (tiny sizes, 2 processes x 3 samples of >= 2 ms: for CI), default (3
processes x 7 samples of >= 20 ms), long (sizes of 100 ms and more, 3 x 5 samples).

exit status: 0 ok; 1 when an engine gave a wrong answer, crashed, hung or failed (a SIMD
build it cannot compile is `unsupported`, and bench.toml's xfail lists known engine
bugs: neither fails the run); 2 on bad input (unknown engine or kernel, a workload that
does not build).""")
    p.add_argument("--engine", action="append", metavar="NAME",
                   help="engine configuration(s), NAME:key=value, or all (default: all); the native "
                        "build always runs as the baseline unless --no-native")
    p.add_argument("--kernel", action="append", metavar="NAME",
                   help="only these workloads (repeat or comma-separate; see suites/bench/bench.toml)")
    p.add_argument("--variant", action="append", choices=("scalar", "simd", "relaxed"),
                   help="only these wasm builds (repeatable; default: all)")
    p.add_argument("--profile", choices=("quick", "default", "long"), default="default",
                   help="sizes and sampling plan (default: %(default)s)")
    p.add_argument("--quick", action="store_const", const="quick", dest="profile", help="--profile quick")
    p.add_argument("--processes", type=int, metavar="N", help="fresh worker processes per engine")
    p.add_argument("--samples", type=int, metavar="N", help="samples kept per process")
    p.add_argument("--warmups", type=int, metavar="N", help="samples discarded per process")
    p.add_argument("--min-sample", type=float, metavar="S", help="shortest sample, in seconds")
    p.add_argument("--seed", type=int, default=None, metavar="N", help="seed of the shuffled order")
    p.add_argument("--no-native", action="store_true", help="leave out the native baseline")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="also write bench.md and bench.json (the --json rows) there")
    p.add_argument("--json", action="store_true",
                   help="print one JSON row per engine, kernel, variant and phase: median_s, ci_low_s, "
                        "ci_high_s, samples, ratio_to_native and simd_speedup with their CIs and p-values")
    _db_option(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("export", help="write the results table as Parquet, CSV or JSON",
                       description="Export results rows: one run (default: the latest) or all.")
    _db_option(p)
    p.add_argument("--format", choices=EXPORT_FORMATS, help="default: from the output's suffix")
    p.add_argument("--run", default="latest", metavar="ID", help="a run id, 'latest' (default) or 'all'")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="PATH")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("runs", help="list recorded runs with their metadata")
    _db_option(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_runs)
    return parser


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=default_db_path(), metavar="PATH",
                   help="results database (default: %(default)s)")


def _available(engines: list) -> tuple[list, list[str]]:
    """The engines that can run, and a bad-input line for each that cannot."""
    usable, missing = [], []
    for engine in engines:
        state = engine.availability()
        if state.ok:
            usable.append(engine)
        else:
            missing.append(f"{engine.name}: engine unavailable: {state.reason}")
    return usable, missing


def _start_run(db: Path, engines: list) -> tuple[ResultsStore, str, datetime, dict]:
    """Open the store and record a new run with its metadata and engine versions."""
    started = runinfo.now()
    run_id = runinfo.new_run_id(started)
    store = ResultsStore(db)
    meta = runinfo.run_metadata(run_id, started, shlex.join(["wasm-harness", *sys.argv[1:]]))
    meta["engines"] = {e.name: {"version": e.version(), "flags": e.flags} for e in engines}
    store.start_run(meta)
    return store, run_id, started, meta


# --- engines -----------------------------------------------------------------

def cmd_engines(args: argparse.Namespace) -> int:
    rows = []
    for engine in resolve(args.engine):
        state = engine.availability()
        rows.append({"engine": engine.name, "available": state.ok, "version": engine.version()
                     if state.ok else "", "flags": engine.flags, "reason": state.reason})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(tabulate([{**r, "available": "yes" if r["available"] else "no"} for r in rows],
                       headers="keys", tablefmt="github"))
    return 0


# --- spec --------------------------------------------------------------------

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
        sources, root = [DEFAULT_SUITE], DEFAULT_SUITE
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


def cmd_spec(args: argparse.Namespace) -> int:
    usable, bad = _available(resolve(args.engine))
    err = Console(stderr=True)
    files, root, problems = collect_files(args)
    bad.extend(problems)
    if not files and not problems:
        bad.append("no .wast files selected")

    store, run_id, started, meta = _start_run(args.db, usable)
    runner = SpecRunner(usable, run_id, suite="spec", root=root, timeout=args.timeout,
                        cache_root=args.cache or default_cache_root(), sink=store.add_rows)
    status = "interrupted"
    wall = time.perf_counter()
    try:
        with _progress(err, enabled=not args.no_progress) as progress:
            task = progress.add_task("spec", total=len(files) * len(usable))

            def done(outcome: FileOutcome) -> None:
                progress.update(task, advance=1, description=f"{outcome.engine} {outcome.file.name}")

            if usable:
                runner.run(files, jobs=max(1, args.jobs), on_done=done)
        status = "finished"
    finally:
        wall = time.perf_counter() - wall
        store.finish_run(run_id, status, runinfo.now())
    bad.extend(str(b) for b in runner.bad_input)

    unexpected = sum(row["unexpected"] for row in summary.counts(store, run_id, ["engine"]))
    for line in bad:
        err.print(f"[red]error:[/red] {line}", highlight=False, markup=True, soft_wrap=True)
    if args.json:
        print(json.dumps({"run_id": run_id, "wall_seconds": round(wall, 3), "db": str(args.db),
                          "engines": summary.summary_json(store, run_id, meta["engines"]),
                          "bad_input": bad}, indent=2))
    else:
        _print_spec_tables(store, run_id, [e.name for e in usable], args.per_file, wall, args.db)
    store.close()
    if bad:
        return EXIT_BAD_INPUT
    return EXIT_UNEXPECTED if args.strict and unexpected else 0


def _print_spec_tables(store: ResultsStore, run_id: str, engines: list[str], per_file: bool,
                       wall: float, db: Path) -> None:
    if not summary.counts(store, run_id, ["engine"]):
        print("no results")
        return
    if per_file:
        print(summary.file_table(store, run_id))
        print()
    unexpected = [f for f in summary.failures(store, run_id) if not f["expected"]]
    for f in unexpected[:50]:
        print(f"{f['verdict'].upper():7} {f['engine']:10} {f['file']}:{f['line']} {f['case']}: "
              f"{f['message']}")
    if len(unexpected) > 50:
        print(f"... and {len(unexpected) - 50} more (see --json or the results table)")
    if unexpected:
        print()
    print(summary.engine_table(store, run_id, engines))
    print(f"\nrun {run_id} in {wall:.1f} s; results in {db}")


def _progress(console: Console, enabled: bool) -> Progress:
    return Progress(TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True,
                    disable=not (enabled and console.is_terminal))


# --- detect ------------------------------------------------------------------------

def cmd_detect(args: argparse.Namespace) -> int:
    from harness import detect
    from reports import claims, matrix

    engines, missing = _available(resolve(args.engine))
    probes = detect.load_probes(args.probes or detect.PROBES_DIR)
    if args.feature:
        unknown = sorted(set(args.feature) - {p.feature for p in probes})
        if unknown:
            print(f"wasm-harness: error: no probe for {', '.join(unknown)}; known: "
                  f"{', '.join(sorted({p.feature for p in probes}))}", file=sys.stderr)
            return EXIT_BAD_INPUT
        probes = [p for p in probes if p.feature in args.feature]
    store, run_id, started, _ = _start_run(args.db, engines)
    status = "interrupted"
    wall = time.perf_counter()
    try:
        result = detect.detect(engines, probes, jobs=max(1, args.jobs), sink=store.add_rows, run_id=run_id)
        status = "finished"
    finally:
        wall = time.perf_counter() - wall
        store.finish_run(run_id, status, runinfo.now())
        store.close()
    files = matrix.write_all(result, args.out, run_id, started.isoformat(timespec="seconds"))
    failed_absence = sorted(f for f, a in result.absence.items() if a.answer != "unsupported")
    for line in missing:
        print(f"error: {line}", file=sys.stderr)
    for feature in failed_absence:
        print(f"error: absence check: {feature} switched off still answers "
              f"{result.absence[feature].answer}", file=sys.stderr)
    if args.json:
        print(json.dumps(matrix.as_json(result), indent=2))
    else:
        print(matrix.text_table(result))
        found = claims.disagreements(result)
        if found:
            print(f"\nwhere the published table ({claims.source()}) disagrees:")
            print(matrix.disagreement_table(found))
        if result.cross_check_differences():
            print("\nwhere wasm-feature-detect answers otherwise:")
            print(matrix.cross_check_table(result))
        print(f"\n{len(result.features)} features x {len(result.engines)} engine configurations in "
              f"{wall:.1f} s; wrote {', '.join(str(f) for f in files)}")
    if missing:
        return EXIT_BAD_INPUT
    return EXIT_UNEXPECTED if failed_absence else 0


# --- bench -------------------------------------------------------------------------

def cmd_bench(args: argparse.Namespace) -> int:
    import dataclasses

    from engines.base import ScriptEngine
    from harness.bench import build
    from harness.bench.runner import NATIVE, PROFILES, BenchRunner, native_flags, native_version
    from reports import bench as bench_report

    try:
        workloads = build.load_manifest()
        wanted = _names(args.kernel)
        unknown = sorted(wanted - set(workloads))
        if unknown:
            print(f"wasm-harness: error: unknown kernel {', '.join(unknown)}; known: "
                  f"{', '.join(workloads)}", file=sys.stderr)
            return EXIT_BAD_INPUT
        chosen = [w for name, w in workloads.items() if not wanted or name in wanted]
        artifacts = build.build(chosen)
    except build.BuildError as e:
        print(f"wasm-harness: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    engines, missing = _available(resolve(args.engine))
    script_only = [e for e in engines if isinstance(e, ScriptEngine)]
    engines = [e for e in engines if not isinstance(e, ScriptEngine)]
    notes = [f"{e.name}: not benchmarked: it runs whole .wast scripts and has no timing interface"
             for e in script_only]
    profile = PROFILES[args.profile]
    overrides = {"processes": args.processes, "samples": args.samples, "warmups": args.warmups,
                 "min_sample_s": args.min_sample}
    profile = dataclasses.replace(profile, **{k: v for k, v in overrides.items() if v is not None})
    store, run_id, _, meta = _start_run(args.db, engines)
    versions = {e.name: info["version"] for e, info in zip(engines, meta["engines"].values(), strict=True)}
    if not args.no_native:
        versions[NATIVE] = native_version()
        meta["engines"][NATIVE] = {"version": versions[NATIVE], "flags": native_flags()}
    console = Console(stderr=True)
    status = "interrupted"
    wall = time.perf_counter()
    try:
        with _progress(console, not args.no_progress and not args.json) as progress:
            runner = BenchRunner(engines, chosen, artifacts, profile, store, run_id, versions,
                                 variants=set(args.variant) if args.variant else None,
                                 native=not args.no_native, seed=args.seed)
            task = progress.add_task("bench", total=runner.total)

            def advance(engine: str, unit, outcome) -> None:
                progress.update(task, advance=1, description=f"{engine} {unit.workload.name}/{unit.variant}")

            runner.on_unit = advance
            runner.run()
        status = "finished"
    finally:
        wall = time.perf_counter() - wall
        store.finish_run(run_id, status, runinfo.now(), meta["engines"])
        frame = store.frame(run_id)
        store.close()
    rows = bench_report.summarize(frame)
    for line in [*missing, *notes]:
        print(f"{'error' if line in missing else 'note'}: {line}", file=sys.stderr)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench.md").write_text(f"# Benchmarks, run {run_id} ({profile.name} profile)\n\n"
                                           + bench_report.tables(rows, fmt="github") + "\n")
        (args.out / "bench.json").write_text(json.dumps(rows, indent=1) + "\n")
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(bench_report.tables(rows))
        print(f"\n{profile.name} profile: {profile.processes} processes x ({profile.warmups} warm-up + "
              f"{profile.samples} samples of >= {profile.min_sample_s:g} s) per engine and build, "
              f"{len(engines)} engines + {'native' if not args.no_native else 'no native'}; "
              f"{wall:.0f} s; run {run_id} in {args.db}")
    if missing:
        return EXIT_BAD_INPUT
    # Unsupported SIMD builds and the manifest's known engine bugs are findings, not failures;
    # a known bug that passes is (the manifest is stale).
    failed = [r for r in rows if r["phase"] == "run" and r["status"] != "unsupported"
              and (r["status"] == "xpass" or not r.get("expected_failure"))]
    return EXIT_UNEXPECTED if failed else 0


def _names(values: list[str] | None) -> set[str]:
    return {n.strip() for v in values or [] for n in v.split(",") if n.strip()}


# --- export / runs -------------------------------------------------------------

def cmd_export(args: argparse.Namespace) -> int:
    fmt = args.format or args.output.suffix.lstrip(".")
    if fmt not in EXPORT_FORMATS:
        print(f"wasm-harness: error: {args.output}: cannot tell the format; use --format "
              f"{'/'.join(EXPORT_FORMATS)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not args.db.exists():
        print(f"wasm-harness: error: {args.db}: no results database", file=sys.stderr)
        return EXIT_BAD_INPUT
    store = ResultsStore(args.db)
    run = store.latest_run() if args.run == "latest" else None if args.run == "all" else args.run
    count = store.export(args.output, fmt, run)
    store.close()
    print(f"wrote {count} rows to {args.output}")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
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


if __name__ == "__main__":
    sys.exit(main())
