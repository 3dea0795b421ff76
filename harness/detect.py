"""The feature-support matrix: run one probe per feature on every engine configuration.

A wasm feature's probe is a small spec script (suites/features/<key>.wast): its
first module validates only with the feature, and its assertions prove the
feature works. A JS-API or host feature's probe is the body of an async JS
function (suites/features/js/<key>.js) that the shared runner evaluates.
Answers: supported, unsupported, flag (a configuration with the V8 flag the
probe names supports it), n/a (a JS probe on an engine without JS), error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from engines.base import Engine, ScriptEngine
from engines.browsers import ChromiumEngine
from engines.js_hosts import DenoEngine, NodeEngine
from engines.registry import make
from harness.runinfo import now
from harness.spec_runner import SpecRunner
from harness.worker import WorkerError, WorkerProcess

ROOT = Path(__file__).resolve().parent.parent
PROBES_DIR = ROOT / "suites" / "features"
ANSWERS = ("supported", "unsupported", "flag", "n/a", "error")
# In the results table an answer is the row's verdict; `value` makes it summable.
SUPPORT_VALUE = {"supported": 1.0, "flag": 0.5, "unsupported": 0.0}
JS_TIMEOUT = 30.0

_HEADER = re.compile(r"^\s*(?:;;|//)\s*(?P<key>feature|wasmtime|v8-flag):\s*(?P<value>\S.*?)\s*$")


@dataclass(frozen=True)
class Probe:
    feature: str
    path: Path
    kind: str                      # "wast" or "js"
    wasmtime_switches: tuple[str, ...] = ()   # Config switches that turn the feature off
    v8_flag: str | None = None


@dataclass
class Answer:
    answer: str
    detail: str = ""


@dataclass
class Matrix:
    engines: list[str]
    features: list[str]
    cells: dict[tuple[str, str], Answer] = field(default_factory=dict)        # (engine, feature)
    absence: dict[str, Answer] = field(default_factory=dict)                 # feature -> answer off
    versions: dict[str, str] = field(default_factory=dict)
    wasm_feature_detect: dict[str, dict[str, bool]] = field(default_factory=dict)  # engine -> answers

    def cross_check_differences(self) -> list[tuple[str, str, bool, Answer]]:
        """(engine, feature, wasm-feature-detect's answer, ours) wherever the two differ."""
        found = []
        for engine, theirs in self.wasm_feature_detect.items():
            for feature, says in sorted(theirs.items()):
                ours = self.cells.get((engine, feature))
                if ours is None or ours.answer == "n/a":
                    continue
                if says != (ours.answer == "supported"):
                    found.append((engine, feature, says, ours))
        return found

    def get(self, engine: str, feature: str) -> Answer:
        return self.cells.get((engine, feature), Answer("error", "not probed"))


def load_probes(root: Path = PROBES_DIR) -> list[Probe]:
    probes = []
    for path in sorted(root.glob("*.wast")) + sorted((root / "js").glob("[!_]*.js")):
        header = {}
        for line in path.read_text().splitlines()[:12]:
            match = _HEADER.match(line)
            if match:
                header[match["key"]] = match["value"]
        probes.append(Probe(feature=header.get("feature", path.stem), path=path,
                            kind="wast" if path.suffix == ".wast" else "js",
                            wasmtime_switches=tuple(header.get("wasmtime", "").split()),
                            v8_flag=header.get("v8-flag")))
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
                    sink: Callable[[list[dict]], None] | None, run_id: str) -> dict[tuple[str, str], Answer]:
    runner = SpecRunner(engines, run_id, suite="features", root=probes[0].path.parent, sink=sink)
    by_path = {p.path: p for p in probes}
    answers = {}
    for outcome in runner.run(list(by_path), jobs=jobs):
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


WASM_FEATURE_DETECT = ROOT / "node_modules" / "wasm-feature-detect" / "dist" / "esm" / "index.js"
CROSS_CHECK = PROBES_DIR / "js" / "_wasm_feature_detect.js"


def js_command(index: int, code: str) -> dict:
    # The wasm-feature-detect module is the one file a probe imports; a browser may
    # load only files a command names.
    return {"i": index, "do": "js", "code": code, "args": {"wasmFeatureDetect": str(WASM_FEATURE_DETECT)},
            "files": [str(WASM_FEATURE_DETECT)]}


def run_js(engine: Engine, codes: list[str]) -> list[dict] | str:
    """Replies to `js` commands in order, or why the engine could not run them."""
    if isinstance(engine, ScriptEngine):
        return "runs whole scripts only"
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
    replies = run_js(engine, [p.path.read_text() for p in probes])
    if isinstance(replies, str):
        kind = "n/a" if isinstance(engine, ScriptEngine) else "error"
        return {(engine.name, p.feature): Answer(kind, replies) for p in probes}
    return {(engine.name, p.feature): js_answer(r) for p, r in zip(probes, replies, strict=True)}


def cross_check(engine: Engine) -> dict[str, bool] | None:
    """wasm-feature-detect's own answers on a JS engine ({detector: bool}), or None."""
    if not CROSS_CHECK.exists() or isinstance(engine, ScriptEngine):
        return None
    replies = run_js(engine, [CROSS_CHECK.read_text()])
    if isinstance(replies, str) or not replies[0].get("ok"):
        return None
    try:
        value = json.loads(replies[0]["values"][0][1])
    except (KeyError, IndexError, ValueError):
        return None
    return {k: bool(v) for k, v in value.items()} if isinstance(value, dict) else None


# --- flags and absence ---------------------------------------------------------------------

def flagged(engine: Engine, flag: str) -> Engine | None:
    """The same configuration with a V8 flag added, for engines built on V8."""
    name = f"{engine.name}+{flag}"
    if isinstance(engine, NodeEngine | DenoEngine):
        return type(engine)(name, {**engine.options, "flags": [*engine.flags_list(), flag]})
    if isinstance(engine, ChromiumEngine):
        # Chromium's V8 spells its wasm flags --wasm-X and ignores --experimental-wasm-X.
        flag = flag.replace("--experimental-wasm-", "--wasm-")
        args = engine.options.get("args", [])
        args = args.split() if isinstance(args, str) else list(args)
        return type(engine)(name, {**engine.options, "args": [*args, f"--js-flags={flag}"]})
    return None


def detect(engines: list[Engine], probes: list[Probe], jobs: int = 2,
           sink: Callable[[list[dict]], None] | None = None, run_id: str = "",
           absence_engine: str = "wasmtime") -> Matrix:
    matrix = Matrix(engines=[e.name for e in engines], features=sorted({p.feature for p in probes}),
                    versions={e.name: e.version() for e in engines})
    wast = [p for p in probes if p.kind == "wast"]
    js = [p for p in probes if p.kind == "js"]
    if wast:
        matrix.cells.update(run_wast_probes(wast, engines, jobs, sink, run_id))
    if js:
        with ThreadPoolExecutor(max(1, jobs)) as pool:
            for answers in pool.map(lambda e: run_js_probes(js, e), engines):
                matrix.cells.update(answers)
            for engine, theirs in zip(engines, pool.map(cross_check, engines), strict=True):
                if theirs is not None:
                    matrix.wasm_feature_detect[engine.name] = theirs

    # Unsupported where a V8 flag exists: does the same configuration with the flag support it?
    retry = [(e, p, flagged(e, p.v8_flag)) for e in engines for p in probes
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
    for probe in (p for p in wast if p.wasmtime_switches):
        base = make(absence_engine)
        off = type(base)(f"{absence_engine} without {probe.feature}",
                         {**base.options, "disable": list(probe.wasmtime_switches)})
        got = run_wast_probes([probe], [off], 1, None, run_id)
        matrix.absence[probe.feature] = got.get((off.name, probe.feature), Answer("error", "not probed"))
    if sink is not None:
        sink(matrix_rows(matrix, run_id))
    return matrix


def matrix_rows(matrix: Matrix, run_id: str) -> list[dict]:
    """The answers as result rows: suite features, case = feature, verdict = the answer."""
    at = now()
    base = {"run_id": run_id, "time": at, "suite": "features", "file": "", "line": 0, "phase": "detect",
            "metric": "support", "expected_failure": False}
    rows = [{**base, "engine": engine, "engine_version": matrix.versions.get(engine), "case": feature,
             "kind": "feature", "verdict": answer.answer, "value": SUPPORT_VALUE.get(answer.answer),
             "message": answer.detail}
            for (engine, feature), answer in matrix.cells.items()]
    rows += [{**base, "engine": "wasmtime (feature off)", "case": feature, "kind": "absence",
              "verdict": answer.answer, "value": SUPPORT_VALUE.get(answer.answer), "message": answer.detail}
             for feature, answer in matrix.absence.items()]
    return rows
