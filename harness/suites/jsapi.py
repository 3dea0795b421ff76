"""The `jsapi` suite: testharness.js-style JS API tests on every JS host, per subtest.

Units are `.any.js` files (harness/jsapi_files.py): ours in suites/jsapi, or any
directory in WPT's `wasm/jsapi` layout (`--suite DIR`). Each file is one `js`
command (suites/jsapi/resources/run_file.js) carrying the harness, the file's
META scripts and the file itself as text, so a browser page needs no file of
ours; an engine gets all its files in one batch through the shared runner. A
command-line host runs the files that list `jsshell`; a browser runs those that
list `window` in its page and those that list `dedicatedworker` in a worker.

Rows (suite `jsapi`): `file` = the file's path in the suite directory, `kind` =
the scope (jsshell, window, dedicatedworker), `case` = the subtest's name,
`verdict` = pass, fail, timeout, notrun or skip (an optional feature the host
lacks: PRECONDITION_FAILED), `message` = the assertion's. A file that does not
load (a throw, a syntax error, a missing script, a worker that dies) is one row
with case `(file)` and verdict `error` (or `crash`/`timeout` when its worker
died or hung); a harness that ends in ERROR or TIMEOUT after loading adds a row
with case `(harness)`. reports/jsapi.py reads them.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from engines.base import Engine
from harness import jsapi_files
from harness.jsapi_files import OUR_HARNESS, OUR_SUITE, RUN_FILE, TestFile
from harness.session import Session
from harness.store import ResultsStore
from harness.suite import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_UNEXPECTED,
    BadInputError,
    Rendered,
    ReportView,
    Selection,
    Suite,
    positive_int,
    positive_seconds,
)
from harness.worker import WorkerError, WorkerProcess
from reports import jsapi as jsapi_report

VERDICTS = {"PASS": "pass", "FAIL": "fail", "TIMEOUT": "timeout", "NOTRUN": "notrun",
            "PRECONDITION_FAILED": "skip"}
FILE_CASE = "(file)"
HARNESS_CASE = "(harness)"
# A command runs its file in up to two scopes one after the other (a page, then its worker), each
# within the file's limit; beyond that: a worker's start and the second run_file waits after
# testharness.js's timeout(). A browser's own launch is not in it (the worker's greeting is).
SCOPES_PER_COMMAND = 2
GRACE_S = 5.0

EPILOG = """\
examples:
  wasm-harness jsapi                                  our suite (suites/jsapi) on every JS host
  wasm-harness jsapi --engine node,chromium           on two hosts
  wasm-harness jsapi --suite ~/wpt/wasm/jsapi         WPT's wasm JS API tests (window, worker, jsshell)
  wasm-harness jsapi --suite ~/spec/test/js-api --harness ~/spec/test/harness
  wasm-harness jsapi --file 'memory/*' --json          some files; JSON instead of the tables

verdicts per subtest: pass, fail, timeout, notrun, skip (PRECONDITION_FAILED); a file that throws
at load is one `error` result, and a harness that ends in ERROR or TIMEOUT one more. Exit status:
0 when every file loaded; 1 when a file did not load (--strict: when any subtest did not pass);
2 on bad input (no such directory, no .any.js files, no testharness.js in --harness)."""


class JsapiSuite(Suite):
    name = "jsapi"
    command = "jsapi"
    help = "run testharness.js-style WebAssembly JS API tests on every JS host"
    description = ("Run the JS API suite (suites/jsapi, or --suite DIR: WPT's wasm/jsapi layout of .any.js "
                   "files with `// META: global=, script=, timeout=` lines) on Node, Deno, Bun and the "
                   "browsers through the shared JS runner; record each subtest's result and report them "
                   "in the manner of wpt.fyi: counts per engine, where engines disagree, an interop figure.")
    epilog = EPILOG

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.formatter_class = argparse.RawDescriptionHelpFormatter
        p.add_argument("--suite", type=Path, default=None, metavar="DIR",
                       help="a directory of .any.js files in WPT's wasm/jsapi layout (default: suites/jsapi)")
        p.add_argument("--harness", type=Path, default=None, metavar="DIR",
                       help="a folder holding testharness.js (the spec repository's test/harness/); "
                            "default: our testharness.js-compatible shim")
        p.add_argument("--file", action="append", metavar="PATTERN",
                       help="only files whose path (in the suite directory) matches (glob or substring)")
        p.add_argument("--timeout", type=positive_seconds, default=None, metavar="S",
                       help="a file's time limit (default: 10 s, or 60 s for `// META: timeout=long`); "
                            "a long file gets 6 times S")
        p.add_argument("--jobs", "-j", type=positive_int, default=2, metavar="N",
                       help="engines run in parallel (default 2)")
        p.add_argument("--strict", action="store_true", help="exit 1 when any subtest did not pass")
        p.add_argument("--json", action="store_true",
                       help="print the report as JSON (counts, per-engine results, disagreements)")

    def engine_problem(self, engine: Engine) -> str | None:
        if engine.runs_whole_scripts or not engine.has_javascript:
            return "it has no JavaScript"
        return None

    def select(self, args: argparse.Namespace) -> Selection:
        suite_dir = (args.suite or OUR_SUITE).resolve()
        if not suite_dir.is_dir():
            raise BadInputError(f"{suite_dir}: --suite is not a directory")
        harness = OUR_HARNESS
        if args.harness is not None:
            found = jsapi_files.find_harness(args.harness)
            if found is None:
                raise BadInputError(f"{args.harness}: --harness holds no testharness.js")
            harness = found
        files = jsapi_files.discover(suite_dir, args.file, args.timeout)
        if not files:
            what = f" matching {', '.join(args.file)}" if args.file else ""
            raise BadInputError(f"{suite_dir}: no .any.js files{what}")
        return Selection(units=files, context={"suite_dir": suite_dir, "harness": harness})

    def run(self, session: Session, engines: list[Engine], selection: Selection,
            args: argparse.Namespace) -> dict:
        files: list[TestFile] = selection.units
        harness_path: Path = selection.context["harness"]
        harness = harness_path.read_text(encoding="utf-8")
        driver = RUN_FILE.read_text(encoding="utf-8")
        seconds: dict[str, float] = {}
        with session.progress("jsapi", total=len(files) * len(engines)) as advance:
            def on_engine(engine: Engine) -> None:
                mine = [f for f in files if session.work.wants(self.name, (engine.name, f.name))]
                began = time.perf_counter()
                self.run_engine(session, engine, mine, harness, driver, advance)
                seconds[engine.name] = round(time.perf_counter() - began, 2)

            with ThreadPoolExecutor(max(1, min(args.jobs, len(engines) or 1))) as pool:
                list(pool.map(on_engine, engines))
        ignored = sorted({g for f in files for g in f.ignored_globals})
        notes = [f"scopes not run: {', '.join(ignored)}"] if ignored else []
        return {"suite_dir": str(selection.context["suite_dir"]), "harness": str(harness_path),
                "files": [f.name for f in files], "seconds": seconds, "notes": notes}

    def run_engine(self, session: Session, engine: Engine, files: list[TestFile], harness: str,
                   driver: str, advance) -> None:
        make = session.rows(self.name, engine)
        commands, loadable = [], {}
        for index, f in enumerate(files):
            if f.missing_scripts:
                session.add_rows([make(file=f.name, case=FILE_CASE, kind="", verdict="error",
                                       message=f"cannot resolve META script {', '.join(f.missing_scripts)} "
                                               f"(from {f.path})")])
                advance(f"{engine.name} {f.name}")
                continue
            loadable[index] = f
            commands.append({"i": index, "do": "js", "code": driver,
                             "args": command_args(f, harness, driver)})
        if not commands:
            return

        def on_reply(reply: dict) -> None:
            f = loadable[reply["i"]]
            session.add_rows(file_rows(make, f, reply))
            advance(f"{engine.name} {f.name}")

        timeout = SCOPES_PER_COMMAND * max(f.timeout_s for f in loadable.values()) + GRACE_S
        worker = WorkerProcess(engine.worker_spec())
        try:
            worker.run_batch(commands, timeout, on_reply=on_reply)
        except WorkerError as e:
            session.add_rows([make(file=f.name, case=FILE_CASE, kind="", verdict="error",
                                   message=f"{engine.name}: {e}") for f in loadable.values()])
        finally:
            worker.close()

    # --- resuming (`nightly --resume`) ---------------------------------------------------------
    # A file's rows on an engine reach the store in one add_rows: a file with rows is finished, and
    # no unit is ever half there.
    def finished_units(self, store: ResultsStore, run_id: str) -> set[tuple]:
        return set(store.query("SELECT DISTINCT engine, file FROM results WHERE run_id = ? AND suite = ? "
                               "AND phase = 'run'", [run_id, self.name]))

    def discard_partial(self, store: ResultsStore, run_id: str) -> int:
        return 0

    def render(self, view: ReportView) -> Rendered:
        results = jsapi_report.load(view.store, view.run_id, view.parameters.get("engines", []))
        files = jsapi_report.write_all(results, view.out) if view.out else []
        if view.as_json:
            document = {"run_id": view.run_id, "wall_seconds": round(view.wall_seconds, 3),
                        **jsapi_report.as_json(results, view.parameters)}
            return Rendered(json.dumps(document, indent=2), [], files)
        text = jsapi_report.text(results, view.parameters, view.wall_seconds)
        if files:
            text += f"\nwrote {', '.join(str(f) for f in files)}"
        return Rendered(text, [], files)

    def exit_code(self, view: ReportView, args: argparse.Namespace) -> int:
        if view.parameters.get("bad_input"):
            return EXIT_BAD_INPUT
        results = jsapi_report.load(view.store, view.run_id, view.parameters.get("engines", []))
        if results.load_errors():
            return EXIT_UNEXPECTED
        if getattr(args, "strict", False) and not results.all_pass():
            return EXIT_UNEXPECTED
        return EXIT_OK


def command_args(f: TestFile, harness: str, driver: str) -> dict:
    scripts = [{"path": s.reference, "source": s.path.read_text(encoding="utf-8", errors="replace")}
               for s in f.scripts if s.path is not None]
    return {"harness": harness, "scripts": scripts, "globals": list(f.globals), "title": f.title,
            "timeout_ms": int(f.timeout_s * 1000), "driver": driver,
            "test": {"path": f.name, "source": f.path.read_text(encoding="utf-8", errors="replace")}}


def file_rows(make, f: TestFile, reply: dict) -> list[dict]:
    """The rows of one file's reply: one per subtest per scope, or the file's one error."""
    if not reply.get("ok"):
        error = reply.get("error", {})
        kind = error.get("kind", "internal")
        verdict = kind if kind in ("crash", "timeout") else "error"
        return [make(file=f.name, case=FILE_CASE, kind="", verdict=verdict,
                     message=f"{kind}: {error.get('message', '')}")]
    try:
        scopes = json.loads(reply["values"][0][1])["scopes"]
    except (KeyError, IndexError, TypeError, ValueError):
        return [make(file=f.name, case=FILE_CASE, kind="", verdict="error",
                     message=f"unreadable reply {str(reply.get('values'))[:200]}")]
    rows = []
    for scope, result in scopes.items():
        seconds = round(float(result.get("ms", 0.0)) / 1000, 4)
        status = result.get("status")
        if status == "LOAD_ERROR":
            rows.append(make(file=f.name, case=FILE_CASE, kind=scope, verdict="error",
                             message=result.get("message"), value=seconds, unit="s"))
            continue
        for test in result.get("tests", []):
            rows.append(make(file=f.name, case=test["name"], kind=scope,
                             verdict=VERDICTS.get(test["status"], "error"), message=test.get("message")))
        if status != "OK":
            verdict = {"TIMEOUT": "timeout", "PRECONDITION_FAILED": "skip"}.get(status, "error")
            rows.append(make(file=f.name, case=HARNESS_CASE, kind=scope, verdict=verdict,
                             message=f"harness {status}: {result.get('message') or ''}".rstrip(": ")))
    return rows
