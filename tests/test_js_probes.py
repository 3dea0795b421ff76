"""The `js` command and the JS-API / host feature probes (suites/features/js/*.js), for real.

The command on the Node host shim (as tests/test_js_runner.py talks to it), then every probe
on Node and on real browser pages through the harness's WorkerProcess, with answers known for
this machine: Node 20's, the browsers' cross-origin isolation, Chromium's WebGPU (a SwiftShader
adapter, with --enable-unsafe-webgpu from engines.toml), wasm-feature-detect's dictionary. A
worker without JavaScript (Wasmtime, Wasmer) answers `unsupported`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_js_runner import NODE, NodeWorker

from engines.registry import make
from harness.engine_required import require_engine
from harness.suite import BadInputError
from harness.suites.features import load_probes
from harness.worker import WorkerProcess

ROOT = Path(__file__).resolve().parent.parent
PROBES_DIR = ROOT / "suites" / "features" / "js"
PROBES = sorted(p for p in PROBES_DIR.glob("*.js") if not p.name.startswith("_"))
WFD_PROBE = PROBES_DIR / "_wasm_feature_detect.js"
WFD = ROOT / "node_modules" / "wasm-feature-detect" / "dist" / "esm" / "index.js"
KEYS = {"bigInt", "jsStringBuiltins", "jspi", "typeReflection", "esmIntegration", "streamingCompilation",
        "exceptionsJsApi", "resizableBuffers", "sharedArrayBuffer", "crossOriginIsolated", "wasi", "webgpu",
        "webnn", "threadsAcrossAgents", "webContentSecurityPolicy", "float16Array", "atomicsWaitAsync",
        "memory64JsApi", "webgpuShaderF16", "webgl2", "stringref", "webgpuSubgroups", "webgpuTimestampQuery"}
TIMEOUT = 60.0
# What detect sends for each probe: the file with the preludes its `// uses:` lines name in front.
CODE = {p.path.stem: p.code for p in load_probes() if p.kind == "js"}


def js(code: str, **fields) -> dict:
    return {"do": "js", "code": code, **fields}


def value(reply: dict):
    """The JSON a `js` command's code returned."""
    assert reply["ok"] is True, reply
    [[kind, text]] = reply["values"]
    assert kind == "json"
    return json.loads(text)


def answer(result) -> tuple[bool, str]:
    """A probe's answer as (supported, detail); the probe must have returned one of the agreed shapes."""
    if isinstance(result, bool):
        return result, ""
    assert isinstance(result, dict) and set(result) <= {"supported", "detail"}, result
    assert isinstance(result["supported"], bool) and isinstance(result.get("detail", ""), str), result
    return result["supported"], result.get("detail", "")


def probe_commands() -> list[dict]:
    """Every probe and the wasm-feature-detect cross-check, as detect would send them."""
    args = {"wasmFeatureDetect": str(WFD)}
    return [{"i": n, **js(CODE.get(p.stem) or p.read_text(), args=args, files=[str(WFD)])}
            for n, p in enumerate([*PROBES, WFD_PROBE])]


def run_probes(engine) -> dict[str, dict]:
    """name -> reply, for every probe (`_wasm_feature_detect` for the cross-check) on one engine."""
    worker = WorkerProcess(engine.worker_spec())
    try:
        replies = worker.run_batch(probe_commands(), TIMEOUT)
    finally:
        worker.close()
    return {p.stem: replies[n] for n, p in enumerate([*PROBES, WFD_PROBE])}


# --- the probe files -------------------------------------------------------------------

def test_one_probe_per_key_each_with_its_header() -> None:
    assert {p.stem for p in PROBES} == KEYS
    for path in PROBES:
        assert path.read_text().splitlines()[0] == f"// feature: {path.stem}", path


def test_webgpu_probes_get_the_prelude_in_front() -> None:
    prelude = (PROBES_DIR / "_webgpu.js").read_text()
    for key in ("webgpu", "webgpuShaderF16", "webgpuSubgroups", "webgpuTimestampQuery"):
        body = (PROBES_DIR / f"{key}.js").read_text()
        assert CODE[key] == prelude + body, key
        assert "const within" not in body, key  # the helpers are the prelude's, not repeated
    assert CODE["bigInt"] == (PROBES_DIR / "bigInt.js").read_text()  # no `uses:`, nothing in front


@pytest.mark.parametrize(("header", "complaint"), [
    ("// uses: _nosuch.js", "uses '_nosuch.js', which is not a _*.js file"),
    ("// uses: other.js", "uses 'other.js', which is not a _*.js file"),
    ("// uses: _helpers.js _helpers.js", "uses '_helpers.js' twice"),
])
def test_a_bad_uses_line_is_bad_input_naming_file_and_line(tmp_path: Path, header: str,
                                                           complaint: str) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "_helpers.js").write_text("const h = 1;\n")
    (tmp_path / "js" / "other.js").write_text("return true;\n")
    probe = tmp_path / "js" / "thing.js"
    probe.write_text(f"// feature: thing\n{header}\nreturn h === 1;\n")
    with pytest.raises(BadInputError) as error:
        load_probes(tmp_path)
    assert str(error.value).startswith(f"{probe}:2: {complaint}"), error.value


# --- the command, on the Node host shim ----------------------------------------------------

node_only = pytest.mark.skipif(NODE is None, reason="node not installed")


@pytest.fixture
def worker():
    w = NodeWorker()
    yield w
    w.close()


@node_only
def test_js_command_returns_json_and_errors_keep_their_kinds(worker, tmp_path: Path) -> None:
    data = tmp_path / "data.bin"
    data.write_bytes(bytes([0, 1, 2, 255]))
    module = tmp_path / "helper.mjs"
    module.write_text("export const twice = (x) => 2 * x;\n")
    by_i, replies = worker.run([
        js("return 1 + 1"),
        js("await new Promise((r) => setTimeout(r, 1)); return {a: [1, 'b', null], c: true}"),
        js("return undefined"),
        js("console.log('stray output'); process.stdout.write(''); return host.name"),
        js("return host.args", args={"x": 1, "path": "/p"}),
        js("return [host.files, Array.from(await host.readFile(host.files[0]))]", files=[str(data)]),
        js("return (await host.importModule(host.args.m)).twice(21)", args={"m": str(module)}),
        js("throw new Error('boom')"),
        js("await WebAssembly.compile(new Uint8Array([0, 97, 115, 109]))"),
        js("this is not javascript"),
        js("return 2n"),  # JSON cannot say it: an internal error, not a crash
        {"do": "js"},
    ])
    assert [r["i"] for r in replies] == list(range(12))
    assert value(by_i[0]) == 2
    assert value(by_i[1]) == {"a": [1, "b", None], "c": True}
    assert value(by_i[2]) is None
    assert value(by_i[3]) == "node"
    assert value(by_i[4]) == {"x": 1, "path": "/p"}
    assert value(by_i[5]) == [[str(data)], [0, 1, 2, 255]]
    assert value(by_i[6]) == 42
    assert by_i[7]["error"] == {"kind": "internal", "message": "Error: boom"}
    assert by_i[8]["error"]["kind"] == "compile"
    for i in (9, 10, 11):
        assert by_i[i]["ok"] is False and by_i[i]["error"]["kind"] == "internal", by_i[i]


@node_only
def test_js_commands_mix_with_module_commands(worker, tmp_path: Path) -> None:
    wasmtime = pytest.importorskip("wasmtime")
    path = tmp_path / "m.wasm"
    path.write_bytes(wasmtime.wat2wasm('(module (func (export "f") (result i32) i32.const 7))'))
    by_i, _ = worker.run([
        {"do": "module", "file": str(path)},
        js("return typeof WebAssembly"),
        {"do": "call", "instance": None, "field": "f", "args": [], "results": ["i32"]},
    ])
    assert by_i[0]["ok"] and value(by_i[1]) == "object" and by_i[2]["values"] == [["i32", "7"]]


# The webgpu probes' answers where a host has no adapter to test with, which no host here gives:
# navigator.gpu stood in for on Node (which has none) for one command.
GPU_PROBES = ("webgpu", "webgpuShaderF16", "webgpuSubgroups", "webgpuTimestampQuery")
STUB_GPUS = {
    "null": ("async () => null",
             {"webgpu": "navigator.gpu exists, but requestAdapter() gave no adapter",
              "webgpuShaderF16": "no adapter", "webgpuSubgroups": "no adapter",
              "webgpuTimestampQuery": "no adapter"}),
    "bare": ("async () => ({ features: new Set() })",
             {"webgpu": "no adapter info: TypeError: adapter.requestDevice is not a function",
              "webgpuShaderF16": "the adapter lacks shader-f16",
              "webgpuSubgroups": "the adapter lacks subgroups",
              "webgpuTimestampQuery": "the adapter lacks timestamp-query"}),
    "rejects": ("async () => { throw new Error('lost'); }",
                dict.fromkeys(GPU_PROBES, "requestAdapter(): Error: lost")),
}


@node_only
@pytest.mark.parametrize("stub", sorted(STUB_GPUS))
def test_webgpu_probes_without_a_usable_adapter(worker, stub: str) -> None:
    request_adapter, details = STUB_GPUS[stub]
    stand_in = ("Object.defineProperty(globalThis, 'navigator', "
                f"{{ value: {{ gpu: {{ requestAdapter: {request_adapter} }} }}, configurable: true }});\n")
    commands = [js(f"{stand_in}try {{\n{CODE[key]}\n}} finally {{ delete globalThis.navigator; }}")
                for key in GPU_PROBES]
    by_i, _ = worker.run([*commands, js(CODE["webgpu"])])
    got = {key: answer(value(by_i[n])) for n, key in enumerate(GPU_PROBES)}
    assert got == {key: (False, detail) for key, detail in details.items()}
    assert answer(value(by_i[len(GPU_PROBES)])) == (False, "no navigator.gpu")  # the stand-in is gone again


# --- every probe on a real host ------------------------------------------------------------

@pytest.fixture(scope="module")
def answers():
    """Per engine configuration: every probe's reply, run once."""
    cache: dict[str, dict[str, dict]] = {}

    def get(name: str) -> dict[str, dict]:
        if name not in cache:
            cache[name] = run_probes(require_engine(name))
        return cache[name]

    return get


def supported(replies: dict[str, dict]) -> dict[str, tuple[bool, str]]:
    return {name: answer(value(reply)) for name, reply in replies.items() if name in KEYS}


@pytest.mark.parametrize("name", ["node", "node24", "deno", "bun", "chromium", "firefox"])
def test_every_probe_answers_on_every_js_host(answers, name: str) -> None:
    """No probe throws on a working host; every answer has one of the agreed shapes."""
    replies = answers(name)
    errors = {probe: reply["error"] for probe, reply in replies.items() if not reply["ok"]}
    assert errors == {}
    assert set(supported(replies)) == KEYS
    # Everything these hosts have in common.
    got = supported(replies)
    common = ("bigInt", "exceptionsJsApi", "sharedArrayBuffer", "streamingCompilation", "crossOriginIsolated",
              "atomicsWaitAsync")
    for key in common:
        assert got[key][0] is True, (key, got[key])


def test_node20_known_answers(answers) -> None:
    engine = require_engine("node")
    if not engine.version().startswith("20."):
        pytest.skip(f"the system Node is {engine.version()}, not 20")
    got = supported(answers("node"))
    for key in ("bigInt", "exceptionsJsApi", "sharedArrayBuffer", "wasi"):
        assert got[key][0] is True, (key, got[key])
    for key in ("jspi", "jsStringBuiltins", "resizableBuffers", "typeReflection", "esmIntegration", "webgpu",
                "webnn"):
        assert got[key][0] is False, (key, got[key])
    assert got["crossOriginIsolated"] == (True, "not a browser")
    assert got["float16Array"] == (False, "no Float16Array")
    assert got["webContentSecurityPolicy"] == (False, "no document: a CSP governs pages only")
    assert got["webgl2"] == (False, "no canvas (OffscreenCanvas or document)")
    assert got["stringref"][0] is False  # without the flag (detect retries with it)


def test_node24_and_deno_have_jspi_and_wasm_modules(answers) -> None:
    for name in ("node24", "deno"):
        got = supported(answers(name))
        assert got["jspi"][0] and got["jsStringBuiltins"][0], (name, got)
        assert got["esmIntegration"] == (True, "a data:application/wasm import; source phase works"), name


@pytest.mark.parametrize("name", ["chromium", "firefox"])
def test_browser_pages_are_isolated_and_lack_wasi(answers, name: str) -> None:
    got = supported(answers(name))
    assert got["crossOriginIsolated"] == (True, "crossOriginIsolated = true")
    assert got["sharedArrayBuffer"][0] is True
    assert got["wasi"] == (False, "no WASI in browsers")
    assert got["jspi"][0] is True  # both browsers here suspend and resume
    ok, detail = got["webContentSecurityPolicy"]
    assert ok, detail  # 'wasm-unsafe-eval' lets a frame compile, and its absence refuses
    assert "without: CompileError" in detail
    assert got["float16Array"] == (True, "binary16, ties to even")


def test_chromium_webgl2_and_subgroups_on_swiftshader(answers) -> None:
    got = supported(answers("chromium"))
    assert got["webgl2"][0] is True, got["webgl2"]
    assert got["webgpuSubgroups"] == (True, "subgroup size 4; sums [6,6,6,6]")
    assert got["webgpuShaderF16"] == (False, "the adapter lacks shader-f16")  # SwiftShader has none
    ok, detail = got["webgpuTimestampQuery"]
    assert ok and detail.startswith("pass took "), detail


def test_chromium_webgpu_runs_a_compute_shader_on_swiftshader(answers) -> None:
    require_engine("chromium")
    args = make("chromium").options.get("args", [])
    assert "--enable-unsafe-webgpu" in args
    ok, detail = supported(answers("chromium"))["webgpu"]
    assert ok, detail
    assert "swiftshader" in detail.lower()


@pytest.mark.parametrize("name", ["node", "chromium", "firefox"])
def test_wasm_feature_detect_gives_a_dictionary(answers, name: str) -> None:
    result = value(answers(name)["_wasm_feature_detect"])
    assert isinstance(result, dict) and all(isinstance(v, bool) for v in result.values()), result
    assert {"bigInt", "simd", "threads", "jspi", "jsStringBuiltins", "exceptions", "gc"} <= set(result)
    # It agrees with our probes where both look at the same thing.
    ours = supported(answers(name))
    assert result["bigInt"] == ours["bigInt"][0]
    assert result["jspi"] == ours["jspi"][0]


# --- host services in browser pages -----------------------------------------------------------

@pytest.mark.parametrize("name", ["chromium", "firefox"])
def test_browser_host_imports_and_reads_only_files_it_was_given(name: str, tmp_path: Path) -> None:
    engine = require_engine(name)
    module = tmp_path / "helper.mjs"
    module.write_text("export const twice = (x) => 2 * x;\n")
    other = tmp_path / "other.mjs"
    other.write_text("export const x = 1;\n")
    data = tmp_path / "data.bin"
    data.write_bytes(bytes([7, 8, 9]))
    worker = WorkerProcess(engine.worker_spec())
    try:
        replies = worker.run_batch([
            {"i": 0, **js("return host.name")},
            {"i": 1, **js("return (await host.importModule(host.files[0])).twice(21)", files=[str(module)])},
            {"i": 2, **js("return Array.from(await host.readFile(host.files[0]))", files=[str(data)])},
            {"i": 3, **js("return await host.importModule(host.args.p)", args={"p": str(other)})},
            {"i": 4, **js("return host.args", args={"a": [1]})},
        ], TIMEOUT)
    finally:
        worker.close()
    assert value(replies[0]) == name
    assert value(replies[1]) == 42
    assert value(replies[2]) == [7, 8, 9]
    assert replies[3]["ok"] is False and replies[3]["error"]["kind"] == "internal"  # not named: not served
    assert "`files`" in replies[3]["error"]["message"]
    assert value(replies[4]) == {"a": [1]}


# --- engines without JavaScript -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["wasmtime", "wasmer-cranelift"])
def test_engines_without_javascript_say_unsupported(name: str) -> None:
    engine = require_engine(name)
    worker = WorkerProcess(engine.worker_spec())
    try:
        commands = [{"i": 0, **js("return 1")}, {"i": 1, **js(WFD_PROBE.read_text())}]
        replies = worker.run_batch(commands, TIMEOUT)
    finally:
        worker.close()
    for reply in replies.values():
        assert reply["ok"] is False
        assert reply["error"] == {"kind": "unsupported", "message": "no JavaScript in this engine"}


def test_probe_details_name_what_is_missing(answers) -> None:
    """An unsupported answer says why (the detect matrix shows it)."""
    for name in ("node", "chromium"):
        for key, (ok, detail) in supported(answers(name)).items():
            if not ok:
                assert detail and not re.fullmatch(r"\s*", detail), (name, key)
