"""The `bench` suite: the benchmark workloads timed on every engine against the native build."""

from __future__ import annotations

import argparse
import dataclasses
import json

from engines.base import Engine
from harness.session import Session
from harness.store import NATIVE
from harness.suite import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_UNEXPECTED,
    BadInputError,
    Rendered,
    ReportView,
    Selection,
    Suite,
    comma_list,
    non_negative_int,
    positive_int,
    positive_seconds,
    with_baseline,
)


class BenchSuite(Suite):
    name = "bench"
    command = "bench"
    help = "time the benchmark kernels on engines against the native build"
    description = """\
Build the kernels (suites/bench: C for native, wasm scalar, SIMD and relaxed SIMD; WAT
micro-benchmarks), check every engine's answer against the native build, and time compile,
instantiate, first call and steady-state execution inside each engine, in fresh worker
processes, engines interleaved. Prints wasm/native ratios and SIMD speed-ups with 95%
bootstrap intervals; every sample goes to the results store."""
    epilog = """\
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
does not build)."""

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--kernel", action="append", metavar="NAME",
                       help="only these workloads (repeat or comma-separate; see suites/bench/bench.toml)")
        p.add_argument("--variant", action="append", choices=("scalar", "simd", "relaxed"),
                       help="only these wasm builds (repeatable; default: all)")
        p.add_argument("--profile", choices=("quick", "default", "long"), default="default",
                       help="sizes and sampling plan (default: %(default)s)")
        p.add_argument("--quick", action="store_const", const="quick", dest="profile", help="--profile quick")
        p.add_argument("--processes", type=positive_int, metavar="N",
                       help="fresh worker processes per engine")
        p.add_argument("--samples", type=positive_int, metavar="N", help="samples kept per process")
        p.add_argument("--warmups", type=non_negative_int, metavar="N", help="samples discarded per process")
        p.add_argument("--min-sample", type=positive_seconds, metavar="S", help="shortest sample, in seconds")
        p.add_argument("--seed", type=int, default=None, metavar="N", help="seed of the shuffled order")
        p.add_argument("--no-native", action="store_true", help="leave out the native baseline")
        p.add_argument("--json", action="store_true",
                       help="print one JSON row per engine, kernel, variant and phase: median_s, "
                            "ci_low_s, ci_high_s, samples, ratio_to_native and simd_speedup with their CIs "
                            "and p-values")

    def engine_problem(self, engine: Engine) -> str | None:
        if engine.runs_whole_scripts:
            return "it runs whole .wast scripts and has no timing interface"
        return None

    def prepare_engines(self, engines: list[Engine], args: argparse.Namespace) -> list[Engine]:
        # The native build is the baseline of every ratio: it runs unless --no-native.
        if args.no_native:
            return [e for e in engines if e.runs_wasm]
        return with_baseline(engines)

    def select(self, args: argparse.Namespace) -> Selection:
        from harness import workloads  # the workloads and runner load when bench runs

        try:
            manifest = workloads.load_manifest()
            wanted = set(comma_list(args.kernel))
            unknown = sorted(wanted - set(manifest))
            if unknown:
                raise BadInputError(f"unknown kernel {', '.join(unknown)}; known: {', '.join(manifest)}")
            chosen = [w for name, w in manifest.items() if not wanted or name in wanted]
            artifacts = workloads.build(chosen)
        except workloads.BuildError as e:
            raise BadInputError(str(e)) from None
        return Selection(units=chosen, context={"artifacts": artifacts})

    def run(self, session: Session, engines: list[Engine], selection: Selection,
            args: argparse.Namespace) -> dict:
        from harness.bench_runner import PROFILES, BenchRunner, Outcome, Unit

        overrides = {"processes": args.processes, "samples": args.samples, "warmups": args.warmups,
                     "min_sample_s": args.min_sample}
        profile = dataclasses.replace(PROFILES[args.profile],
                                      **{k: v for k, v in overrides.items() if v is not None})
        runner = BenchRunner(engines, selection.units, selection.context["artifacts"], profile,
                             make_rows=lambda engine: session.rows(self.name, engine),
                             add_rows=session.add_rows,
                             variants=set(args.variant) if args.variant else None, seed=args.seed)
        with session.progress("bench", total=runner.total) as advance:
            def unit_done(engine: str, unit: Unit, outcome: Outcome) -> None:
                advance(f"{engine} {unit.workload.name}/{unit.variant}")

            runner.on_unit = unit_done
            runner.run()
        return {"profile": dataclasses.asdict(profile)}

    def _rows(self, view: ReportView) -> list[dict]:
        if "rows" not in view.memo:
            view.memo["rows"] = self._summarize(view)
        return view.memo["rows"]

    def _summarize(self, view: ReportView) -> list[dict]:
        from harness.results import load
        from reports import bench as bench_report  # scipy: only when a report is made

        # Only this suite's rows: a nightly run also holds every spec command.
        return bench_report.summarize(load(view.store).rows(self.name, view.run_id))

    def render(self, view: ReportView) -> Rendered:
        from reports import bench as bench_report

        rows = self._rows(view)
        profile = view.parameters.get("profile", {})
        files = []
        if view.out:
            view.out.mkdir(parents=True, exist_ok=True)
            title = f"# Benchmarks, run {view.run_id} ({profile.get('name')} profile)"
            (view.out / "bench.md").write_text(f"{title}\n\n{bench_report.tables(rows, fmt='github')}\n")
            (view.out / "bench.json").write_text(json.dumps(rows, indent=1) + "\n")
            files = [view.out / "bench.md", view.out / "bench.json"]
        if view.as_json:
            return Rendered(json.dumps(rows, indent=1), files=files)
        engines = view.parameters.get("engines", [])
        wasm_engines = [e for e in engines if e != NATIVE]
        text = (f"{bench_report.tables(rows)}\n\n{profile.get('name')} profile: {profile.get('processes')} "
                f"processes x ({profile.get('warmups')} warm-up + {profile.get('samples')} samples of >= "
                f"{profile.get('min_sample_s', 0):g} s) per engine and build, {len(wasm_engines)} engines + "
                f"{'native' if NATIVE in engines else 'no native'}; {view.wall_seconds:.0f} s; "
                f"run {view.run_id} in {view.db}")
        return Rendered(text, files=files)

    def exit_code(self, view: ReportView, args: argparse.Namespace) -> int:
        if view.parameters.get("bad_input"):
            return EXIT_BAD_INPUT
        # Unsupported SIMD builds and the manifest's known engine bugs are findings, not failures;
        # a known bug that passes is (the manifest is stale).
        failed = [r for r in self._rows(view) if r["phase"] == "run" and r["status"] != "unsupported"
                  and (r["status"] == "xpass" or not r.get("expected_failure"))]
        return EXIT_UNEXPECTED if failed else EXIT_OK
