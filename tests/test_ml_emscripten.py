"""The `emscripten` runtime: C built with Debian's emcc 3.1.6, hello world in each form (stdout
checked), the digits CNN through the ml suite in Node (JS glue), Wasmtime and Wasmer (standalone
wasm) against native onnxruntime, and its bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from engines.wasmtime_engine import WasmtimeEngine
from harness import emcc_build, ml_runtimes
from harness.engine_required import require_engine
from harness.ml_emscripten import EmscriptenRuntime, weights_file
from harness.ml_runtimes import Variant
from harness.worker import WorkerProcess
from tests.tiny_models import write_onnx_mlp

ROOT = Path(__file__).resolve().parent.parent
HELLO = "hello from emscripten"


def _reply(engine: str, command: dict) -> dict:
    worker = WorkerProcess(require_engine(engine).worker_spec())
    try:
        return worker.run_batch([command], 120.0)[0]
    finally:
        worker.close()


def test_hello_world_as_nodes_own_program() -> None:
    # The classic `node hello.js`, on Debian's Node 20 (-sSINGLE_FILE: see emcc_build).
    build = emcc_build.build("hello", "node", "scalar")
    done = subprocess.run(["node", str(build.main)], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, HELLO + "\n"), done.stderr


@pytest.mark.parametrize(("engine", "variant"), [("node", "scalar"), ("node", "simd"), ("deno", "simd"),
                                                 ("chromium", "simd"), ("firefox", "scalar")])
def test_hello_world_glue_on_js_hosts(engine: str, variant: str) -> None:
    build = emcc_build.build("hello", "glue", variant)
    code = """
      const create = (await host.importModule(host.args.glue)).default;
      const compiled = await WebAssembly.compile(await host.readFile(host.args.wasm));
      const printed = [];
      await create({ print: (t) => printed.push(t), instantiateWasm(imports, receive) {
        WebAssembly.instantiate(compiled, imports).then((i) => receive(i, compiled)); return {}; } });
      return printed;"""
    reply = _reply(engine, {"i": 0, "do": "js", "code": code, "files": [str(build.main), str(build.wasm)],
                            "args": {"glue": str(build.main), "wasm": str(build.wasm)}})
    assert reply["ok"], reply
    assert json.loads(reply["values"][0][1]) == [HELLO]


@pytest.mark.parametrize(("engine", "variant"), [("wasmtime", "scalar"), ("wasmtime", "simd"),
                                                 ("wasmer-cranelift", "scalar"), ("wasmer-cranelift", "simd"),
                                                 ("wasmer-singlepass", "scalar")])
def test_hello_world_standalone_in_a_wasi_runner(engine: str, variant: str) -> None:
    build = emcc_build.build("hello", "standalone", variant)
    reply = _reply(engine, {"i": 0, "do": "wasi", "file": str(build.main)})
    assert reply["ok"], reply
    outcome = json.loads(reply["values"][0][1])
    assert (outcome["exit_code"], outcome["stdout"], outcome["stderr"]) == (0, HELLO + "\n", "")


def _digits_cnn(tmp_path: Path, engines: list[str]) -> dict[tuple[str, str], dict]:
    """The emscripten runtime's rows of an ml run on these engines, by (engine, backend); every
    passing row's answers, times and kernels checked."""
    for engine in engines:
        require_engine(engine)
    db = tmp_path / "r.duckdb"
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "ml", "--quick", "--runtime", "emscripten",
                           "--model", "digits-cnn", "--engine", ",".join(engines), "--json", "--db", str(db)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=900,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    rows = {(r["engine"], r["backend"]): r for r in json.loads(proc.stdout) if r["runtime"] == "emscripten"}
    with duckdb.connect(str(db), read_only=True) as con:
        notes = {(engine, kind): json.loads(message)["notes"] for engine, kind, message in con.execute(
            "SELECT engine, kind, message FROM results WHERE suite = 'ml' AND phase = 'check' "
            "AND kind LIKE 'emscripten:%' AND verdict = 'pass'").fetchall()}
    passed = [row for row in rows.values() if row["verdict"] == "pass"]
    assert len(notes) == len(passed), notes
    for row in passed:
        assert row["top1_agreement"] == 1.0 and row["max_abs_diff"] < 1e-4, row
        assert row["p50_s"] > 0 and row["compile_s"] > 0 and row["ratio_to_native"] > 0, row
        # -msimd128 really selected the SIMD kernels, in both forms.
        want = "kernels: simd128" if "simd" in row["backend"] else "kernels: scalar"
        assert want in notes[(row["engine"], f"emscripten:{row['backend']}:1")], row
    return rows


def test_digits_cnn_in_node_and_wasmtime_checked_against_native(tmp_path: Path) -> None:
    rows = _digits_cnn(tmp_path, ["node", "wasmtime"])
    # The glue on the JS host, the standalone program in Wasmtime; no other pairs.
    assert set(rows) == {("node", "glue-scalar"), ("node", "glue-simd"),
                         ("wasmtime", "standalone-scalar"), ("wasmtime", "standalone-simd")}
    assert all(row["verdict"] == "pass" for row in rows.values()), rows


def test_digits_cnn_standalone_in_wasmer_checked_against_native(tmp_path: Path) -> None:
    rows = _digits_cnn(tmp_path, ["wasmer-cranelift", "wasmer-singlepass"])
    assert set(rows) == {("wasmer-cranelift", "standalone-scalar"), ("wasmer-cranelift", "standalone-simd"),
                         ("wasmer-singlepass", "standalone-scalar"), ("wasmer-singlepass", "standalone-simd")}
    # Singlepass has no SIMD: that build is a reasoned gap with the compiler's own message.
    gap = rows.pop(("wasmer-singlepass", "standalone-simd"))
    assert gap["verdict"] == "unsupported", gap
    assert "wasmer (singlepass) cannot compile the simd build" in gap["reason"], gap
    assert "V128" in gap["reason"], gap  # the compiler's message: the instruction it lacks
    assert all(row["verdict"] == "pass" for row in rows.values()), rows


@pytest.mark.parametrize("engine", ["wasmtime", "wasmer-cranelift"])
def test_standalone_program_with_short_stdin_is_an_error_naming_it(engine: str, tmp_path: Path) -> None:
    build = emcc_build.build("digits_cnn", "standalone", "scalar")
    short = tmp_path / "short.bin"
    short.write_bytes(b"\0" * 400)
    reply = _reply(engine, {"i": 0, "do": "ml-wasi", "file": str(build.main), "stdin": str(short),
                                "argv": [1, 0, 3, 0.0, "inf"]})
    assert not reply["ok"]
    message = reply["error"]["message"]
    assert "digits_cnn.wasm exited with 2" in message and "stdin ended before the weights" in message


def test_missing_emcc_is_unsupported_naming_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emcc_build, "emcc", lambda: None)
    runtime = ml_runtimes.REGISTRY["emscripten"]
    reason = runtime.unit_problem(Variant("emscripten", "standalone-simd", 1), WasmtimeEngine("wasmtime"))
    assert reason is not None and "emcc not found" in reason and "wasmtime" in reason
    with pytest.raises(emcc_build.EmccError, match="emcc not found"):
        emcc_build.build("hello", "glue", "scalar")


def test_a_model_that_is_not_the_digits_cnn_is_refused_naming_its_file(tmp_path: Path) -> None:
    model, _, _ = write_onnx_mlp(tmp_path)
    with pytest.raises(ValueError, match=str(model)):
        weights_file(model)
    assert not EmscriptenRuntime().runs_model({"name": "my-mlp"})
