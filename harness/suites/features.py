"""The `features` suite (`wasm-harness detect`): the feature-support matrix, one probe per feature.

A wasm feature's probe is a small spec script (suites/features/<key>.wast): its
first module validates only with the feature, and its assertions prove the
feature works. A JS-API or host feature's probe is the body of an async JS
function (suites/features/js/<key>.js) that the shared runner evaluates, with
the preludes its `// uses:` header names (suites/features/js/_*.js) in front.
Answers: supported, unsupported, flag (a configuration with the V8 flag the
probe names supports it), n/a (a JS probe on an engine without JS), error.

These are behaviour probes; harness/feature_gates.py holds the validation-only
gates that a spec file's `;; features:` header is checked with.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from engines.base import Engine
from engines.protocol import PROJECT_ROOT
from engines.registry import make
from harness.session import Session
from harness.spec_runner import SpecRunner
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
)
from harness.wast.convert import ConversionError, parse_text
from harness.worker import WorkerError, WorkerProcess
from reports import claims
from reports import matrix as matrix_report
from reports.matrix import Answer, Matrix

PROBES_DIR = PROJECT_ROOT / "suites" / "features"
JS_TIMEOUT = 30.0

_HEADER = re.compile(r"^\s*(?:;;|//)\s*(?P<key>feature|wasmtime|v8-flag|uses):\s*(?P<value>\S.*?)\s*$")
HEADER_LINES = 12  # a header line further down is part of the probe


@dataclass(frozen=True)
class Probe:
    feature: str
    path: Path
    kind: str                      # "wast", "js" or "host"
    wasmtime_switches: tuple[str, ...] = ()   # Config switches that turn the feature off
    v8_flag: str | None = None
    host: dict | None = None       # a host probe's JSON: api, command, absent (see run_host_probe)
    code: str = ""                 # a js probe's function body as sent: its preludes, then the file


def js_probe_code(path: Path, uses: list[tuple[int, str]]) -> str:
    """A JS probe's body with the preludes its `// uses:` lines name (files beside it whose names
    start with `_`, so they are not probes themselves) in front, in the order named: still the body
    of one async function, since a prelude only declares helpers."""
    parts: dict[str, str] = {}
    for line, names in uses:
        for name in names.split():
            prelude = path.parent / name
            if not name.startswith("_") or not name.endswith(".js") or "/" in name or not prelude.is_file():
                raise BadInputError(f"{path}:{line}: uses {name!r}, which is not a _*.js file in "
                                    f"{path.parent}")
            if name in parts:  # its declarations twice would be a SyntaxError on the host
                raise BadInputError(f"{path}:{line}: uses {name!r} twice")
            parts[name] = prelude.read_text()
    return "".join(f"{part.rstrip()}\n" for part in parts.values()) + path.read_text()


def load_probes(root: Path = PROBES_DIR) -> list[Probe]:
    probes = []
    for path in sorted(root.glob("*.wast")) + sorted((root / "js").glob("[!_]*.js")):
        header = {}
        uses = []
        for number, line in enumerate(path.read_text().splitlines()[:HEADER_LINES], start=1):
            match = _HEADER.match(line)
            if match and match["key"] == "uses":
                uses.append((number, match["value"]))
            elif match:
                header[match["key"]] = match["value"]
        kind = "wast" if path.suffix == ".wast" else "js"
        if uses and kind != "js":
            raise BadInputError(f"{path}:{uses[0][0]}: `uses:` is for JS probes only")
        probes.append(Probe(feature=header.get("feature", path.stem), path=path, kind=kind,
                            wasmtime_switches=tuple(header.get("wasmtime", "").split()),
                            v8_flag=header.get("v8-flag"),
                            code=js_probe_code(path, uses) if kind == "js" else ""))
    for path in sorted((root / "host").glob("*.json")):
        spec = json.loads(path.read_text())
        probes.append(Probe(feature=spec.get("feature", path.stem), path=path, kind="host", host=spec))
    return probes


# --- wast probes -----------------------------------------------------------------

def wast_answer(rows: list[dict]) -> Answer:
    """The answer a probe script's rows give: see the module docstring."""
    verdicts = [r for r in rows if r.get("verdict")]
    if not verdicts:
        return Answer("error", "no result")
    if all(r["verdict"] == "skip" for r in verdicts):
        # The engine could not take the script at all (a reference tool's parser).
        return Answer("unsupported", verdicts[0]["message"])
    first = next((r for r in verdicts if r["kind"] in ("module", "module_definition")), None)
    if first is not None and first["verdict"] == "fail":
        return Answer("unsupported", first["message"])
    bad = [r for r in verdicts if r["verdict"] != "pass"]
    if not bad:
        return Answer("supported")
    worst = bad[0]
    return Answer("error", f"line {worst['line']} {worst['verdict']}: {worst['message']}")


def run_wast_probes(probes: list[Probe], engines: list[Engine], jobs: int,
                    sink: Callable[[list[dict]], None] | None, run_id: str,
                    owns: Callable[[str, str], bool] | None = None) -> dict[tuple[str, str], Answer]:
    runner = SpecRunner(engines, run_id, suite="features", root=probes[0].path.parent, sink=sink)
    by_path = {p.path: p for p in probes}
    by_name = {runner.recorded_name(p.path): p.feature for p in probes}
    wanted = None if owns is None else lambda file, engine: owns(engine, by_name[file])
    answers = {}
    for outcome in runner.run(list(by_path), jobs=jobs, wanted=wanted):
        answers[(outcome.engine, by_path[outcome.file].feature)] = wast_answer(outcome.rows)
    return answers


# --- js probes ------------------------------------------------------------------------

def js_answer(reply: dict) -> Answer:
    if not reply.get("ok"):
        error = reply.get("error", {})
        if error.get("kind") == "unsupported":
            return Answer("n/a", error.get("message", ""))
        return Answer("error", f"{error.get('kind')}: {error.get('message', '')}")
    try:
        value = json.loads(reply["values"][0][1])
    except (KeyError, IndexError, TypeError, ValueError):
        return Answer("error", f"unreadable reply {reply.get('values')!r}")
    if isinstance(value, dict):
        detail = str(value.get("detail", ""))
        value = value.get("supported")
    else:
        detail = ""
    if value is True:
        return Answer("supported", detail)
    if value is False:
        return Answer("unsupported", detail)
    return Answer("error", f"probe returned {value!r}")


# How a shard names the units that are not one feature on one engine (harness/work.py).
CROSS_CHECK_UNIT = "wasm-feature-detect"
ABSENCE_UNIT = "absence"

WASM_FEATURE_DETECT = PROJECT_ROOT / "node_modules" / "wasm-feature-detect" / "dist" / "esm" / "index.js"
CROSS_CHECK = PROBES_DIR / "js" / "_wasm_feature_detect.js"


def js_command(index: int, code: str) -> dict:
    # The wasm-feature-detect module is the one file a probe imports; a browser may
    # load only files a command names.
    return {"i": index, "do": "js", "code": code, "args": {"wasmFeatureDetect": str(WASM_FEATURE_DETECT)},
            "files": [str(WASM_FEATURE_DETECT)]}


def run_js(engine: Engine, codes: list[str]) -> list[dict] | str:
    """Replies to `js` commands in order, or why the engine could not run them."""
    if engine.runs_whole_scripts:
        return "runs whole scripts only"
    if not engine.has_javascript:
        return "no JavaScript in this engine"  # what a worker without JS answers, without starting one
    worker = WorkerProcess(engine.worker_spec())
    try:
        replies = worker.run_batch([js_command(n, c) for n, c in enumerate(codes)], JS_TIMEOUT)
    except WorkerError as e:
        return str(e)
    finally:
        worker.close()
    return [replies.get(n, {"ok": False, "error": {"kind": "internal", "message": "no reply"}})
            for n in range(len(codes))]


def run_js_probes(probes: list[Probe], engine: Engine) -> dict[tuple[str, str], Answer]:
    replies = run_js(engine, [p.code for p in probes])
    if isinstance(replies, str):
        kind = "n/a" if not engine.has_javascript else "error"
        return {(engine.name, p.feature): Answer(kind, replies) for p in probes}
    return {(engine.name, p.feature): js_answer(r) for p, r in zip(probes, replies, strict=True)}


def cross_check(engine: Engine) -> dict[str, bool] | None:
    """wasm-feature-detect's own answers on a JS engine ({detector: bool}), or None."""
    if not CROSS_CHECK.exists() or not engine.has_javascript:
        return None
    replies = run_js(engine, [CROSS_CHECK.read_text()])
    if isinstance(replies, str) or not replies[0].get("ok"):
        return None
    try:
        value = json.loads(replies[0]["values"][0][1])
    except (KeyError, IndexError, ValueError):
        return None
    return {k: bool(v) for k, v in value.items()} if isinstance(value, dict) else None


# --- host probes ----------------------------------------------------------------------------------
# A host API beyond wasm (WASI-NN, the component model): a configuration whose adapter lists the API
# in `host_apis` answers the probe's worker command with {supported, detail}; any other lacks that
# host. A probe with a `component` (a text file beside its JSON) sends it as a binary, in `file`.

def host_command(probe: Probe) -> dict:
    spec = probe.host or {}
    command = {"i": 0, **spec["command"]}
    if "component" in spec:
        command["file"] = str(parse_text(probe.path.parent / spec["component"]))
    return command


def run_host_probe(probe: Probe, engine: Engine) -> Answer:
    spec = probe.host or {}
    if engine.runs_whole_scripts or spec.get("api") not in engine.host_apis:
        return Answer("unsupported", f"{engine.name}: {spec.get('absent', 'no such host API')}")
    try:
        command = host_command(probe)
    except ConversionError as e:  # a broken probe: its file and line, in the matrix
        return Answer("error", str(e))
    worker = WorkerProcess(engine.worker_spec())
    try:
        reply = worker.run_batch([command], JS_TIMEOUT).get(0, {})
    except WorkerError as e:
        return Answer("error", str(e))
    finally:
        worker.close()
    error = reply.get("error") or {}
    if not reply.get("ok") and error.get("kind") == "unsupported":
        return Answer("unsupported", error.get("message", "").removeprefix("unsupported: "))
    return js_answer(reply)


# --- flags and absence ---------------------------------------------------------------------

def detect(engines: list[Engine], probes: list[Probe], jobs: int = 2,
           sink: Callable[[list[dict]], None] | None = None, run_id: str = "",
           absence_engine: str = "wasmtime", owns: Callable[[str, str], bool] | None = None) -> Matrix:
    """The matrix; with `owns(engine, unit)`, only the units it owns (a shard): a feature on an
    engine, the absence check (engine `absence`) of a feature, wasm-feature-detect on an engine."""
    def mine(engine: str, unit: str) -> bool:
        return owns is None or owns(engine, unit)

    matrix = Matrix(engines=[e.name for e in engines], features=sorted({p.feature for p in probes}),
                    versions={e.name: e.version() for e in engines})
    wast = [p for p in probes if p.kind == "wast"]
    js = [p for p in probes if p.kind == "js"]
    host = [(p, e) for p in probes if p.kind == "host" for e in engines if mine(e.name, p.feature)]
    if wast:
        matrix.cells.update(run_wast_probes(wast, engines, jobs, sink, run_id, owns))
    if js:
        def js_probes(engine: Engine) -> dict[tuple[str, str], Answer]:
            chosen = [p for p in js if mine(engine.name, p.feature)]
            return run_js_probes(chosen, engine) if chosen else {}

        def their_answers(engine: Engine) -> dict[str, bool] | None:
            return cross_check(engine) if mine(engine.name, CROSS_CHECK_UNIT) else None

        with ThreadPoolExecutor(max(1, jobs)) as pool:
            for answers in pool.map(js_probes, engines):
                matrix.cells.update(answers)
            for engine, theirs in zip(engines, pool.map(their_answers, engines), strict=True):
                if theirs is not None:
                    matrix.wasm_feature_detect[engine.name] = theirs
    if host:
        with ThreadPoolExecutor(max(1, jobs)) as pool:
            answers = pool.map(lambda pair: run_host_probe(*pair), host)
            for (probe, engine), got in zip(host, answers, strict=True):
                matrix.cells[(engine.name, probe.feature)] = got

    # Unsupported where a V8 flag exists: does the same configuration with the flag support it?
    retry = [(e, p, e.with_v8_flag(p.v8_flag)) for e in engines for p in probes
             if p.v8_flag and matrix.get(e.name, p.feature).answer == "unsupported"]
    for engine, probe, variant in retry:
        if variant is None:
            continue
        if probe.kind == "wast":
            got = run_wast_probes([probe], [variant], 1, None, run_id).get((variant.name, probe.feature))
        else:
            # A host that rejects the flag does not start: that is "no flag", not an error.
            got = run_js_probes([probe], variant).get((variant.name, probe.feature))
        if got is not None and got.answer == "supported":
            matrix.cells[(engine.name, probe.feature)] = Answer("flag", f"with {probe.v8_flag}")

    # Absence: the same probe on Wasmtime with the feature switched off must say unsupported.
    for probe in (p for p in wast if p.wasmtime_switches and mine(ABSENCE_UNIT, p.feature)):
        off = make(absence_engine).without_features(list(probe.wasmtime_switches))
        if off is None:
            continue
        got = run_wast_probes([probe], [off], 1, None, run_id)
        matrix.absence[probe.feature] = got.get((off.name, probe.feature), Answer("error", "not probed"))
    return matrix


# --- the suite ---------------------------------------------------------------------------------

class FeaturesSuite(Suite):
    name = "features"
    command = "detect"
    help = "measure the feature-support matrix on engines"
    description = ("Probe every WebAssembly feature, JS API and host capability on every engine "
                   "configuration (suites/features), print the matrix, write it as Markdown, HTML, CSV "
                   "and JSON, and show where webassembly.org's published table disagrees.")
    epilog = ("answers: supported, unsupported, flag (a V8 flag enables it), n/a, error. "
              "Exit status: 0 ok; 1 when an absence check fails (a probe still says supported with "
              "its feature switched off); 2 on bad input.")
    default_out = Path("results") / "features"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--feature", action="append", metavar="KEY", help="only these features (repeatable)")
        p.add_argument("--probes", type=Path, default=None, metavar="DIR",
                       help="probe folder (default: suites/features)")
        p.add_argument("--jobs", "-j", type=positive_int, default=2, metavar="N",
                       help="parallel jobs (default 2)")
        p.add_argument("--json", action="store_true",
                       help="print {engine configuration: {feature: answer}} instead of the table")

    def select(self, args: argparse.Namespace) -> Selection:
        probes = load_probes(args.probes or PROBES_DIR)
        if args.feature:
            unknown = sorted(set(args.feature) - {p.feature for p in probes})
            if unknown:
                raise BadInputError(f"no probe for {', '.join(unknown)}; known: "
                                    f"{', '.join(sorted({p.feature for p in probes}))}")
            probes = [p for p in probes if p.feature in args.feature]
        return Selection(units=probes)

    def run(self, session: Session, engines: list[Engine], selection: Selection,
            args: argparse.Namespace) -> dict:
        with session.progress("detect", total=1) as advance:
            result = detect(engines, selection.units, jobs=max(1, args.jobs), sink=session.add_rows,
                            run_id=session.run_id,
                            owns=lambda engine, unit: session.work.owns(self.name, engine, unit))
            advance("detect")
        session.add_rows(result.rows(session.rows(self.name, phase="detect")))
        return {"features": result.features}

    def matrix(self, view: ReportView) -> Matrix:
        rows = view.store.query(
            'SELECT kind, engine, "case", verdict, message FROM results WHERE run_id = ? AND suite = ? '
            "AND phase = 'detect' ORDER BY time", [view.run_id, self.name])
        engines = view.parameters.get("engines", [])
        return matrix_report.from_rows(rows, engines, view.parameters.get("features", []),
                                       {e: view.engines.get(e, {}).get("version", "") for e in engines})

    def render(self, view: ReportView) -> Rendered:
        result = self.matrix(view)
        when = view.started.isoformat(timespec="seconds") if hasattr(view.started, "isoformat") else ""
        files = matrix_report.write_all(result, view.out, view.run_id, when) if view.out else []
        errors = [f"absence check: {feature} switched off still answers {answer.answer}"
                  for feature, answer in sorted(result.absence.items()) if answer.answer != "unsupported"]
        if view.as_json:
            return Rendered(json.dumps(matrix_report.as_json(result), indent=2), errors, files)
        out = [matrix_report.text_table(result)]
        found = claims.disagreements(result)
        if found:
            out += [f"\nwhere the published table ({claims.source()}) disagrees:",
                    matrix_report.disagreement_table(found)]
        if result.cross_check_differences():
            out += ["\nwhere wasm-feature-detect answers otherwise:", matrix_report.cross_check_table(result)]
        out.append(f"\n{len(result.features)} features x {len(result.engines)} engine configurations in "
                   f"{view.wall_seconds:.1f} s; wrote {', '.join(str(f) for f in files) or 'no files'}")
        return Rendered("\n".join(out), errors, files)

    def exit_code(self, view: ReportView, args: argparse.Namespace) -> int:
        if view.parameters.get("bad_input"):
            return EXIT_BAD_INPUT
        failed = [a for a in self.matrix(view).absence.values() if a.answer != "unsupported"]
        return EXIT_UNEXPECTED if failed else EXIT_OK
