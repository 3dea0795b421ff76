"""The `tvm` runtime. PyPI apache-tvm compiles the digits CNN to wasm32 objects (and WebGPU kernels)
that Debian's emcc links, leaving only the web runtime's symbols; npm tvmjs loads; without a tree
(or with a partial one) every unit is `unsupported`, saying why; a --tvm-home that is not a
directory is bad input; and with the tree set-up assembles, the model runs and is right."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engines.wasmtime_engine import WasmtimeEngine
from harness import emcc_build, ml_models, ml_runtimes, tvm_tree
from harness.engine_required import require_engine
from harness.ml_runtimes import Variant
from harness.ml_tvm import NO_TREE, NO_WGSL_I64, SOURCE_FILES, TVMJS, TvmError, TvmRuntime, compile_objects
from harness.suite import BadInputError
from harness.wast.binary import read_module
from harness.worker import WorkerProcess

ROOT = Path(__file__).resolve().parent.parent
# What the TVM web runtime (wasm_runtime.bc) provides to a model compiled for wasm32.
RUNTIME_SYMBOLS = {"env.TVMBackendAllocWorkspace", "env.TVMBackendFreeWorkspace",
                   "env.TVMFFIEnvModRegisterSystemLibSymbol", "env.TVMFFIErrorSetRaisedFromCStrParts"}


def ml(*args: str, cwd: Path, tvm_home: str = "") -> subprocess.CompletedProcess:
    # TVM_HOME set empty: no tree, not even the one set-up assembles (harness/tvm_tree.py).
    return subprocess.run([sys.executable, "-m", "harness.cli", "ml", *args], capture_output=True, text=True,
                          cwd=cwd, env=dict(os.environ, PYTHONPATH=str(ROOT), TVM_HOME=tvm_home), timeout=600)


def test_without_a_source_tree_every_unit_is_unsupported_saying_why(tmp_path: Path) -> None:
    require_engine("node")
    proc = ml("--quick", "--runtime", "tvm", "--model", "digits-cnn", "--engine", "node", "--json",
              "--db", str(tmp_path / "r.duckdb"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = [r for r in json.loads(proc.stdout) if r["runtime"] == "tvm"]
    assert {r["backend"] for r in rows} == {"wasm", "webgpu"}
    for row in rows:
        assert row["verdict"] == "unsupported" and row["reason"].startswith(NO_TREE), row
        assert "--tvm-home" in row["reason"] and "node" in row["reason"]


def test_a_partial_tree_names_what_it_lacks(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Makefile").write_text("all:\n")
    runtime = TvmRuntime()
    runtime.configure(argparse.Namespace(tvm_home=tmp_path))
    reason = runtime.unit_problem(Variant("tvm", "wasm", 1), WasmtimeEngine("wasmtime"))
    assert reason is not None and str(tmp_path) in reason
    assert "include/tvm/support/io.h" in reason and "web/Makefile" not in reason
    assert all(f in reason for f in SOURCE_FILES if f != "web/Makefile")


def test_the_wheels_own_files_are_not_a_tree_and_the_reason_lists_the_missing_headers() -> None:
    # apache-tvm ships web/Makefile and web/emcc/*.cc, but not the headers they include (issue 15).
    import tvm

    wheel = Path(tvm.__file__).resolve().parent
    runtime = TvmRuntime()
    runtime.configure(argparse.Namespace(tvm_home=wheel))
    reason = runtime.unit_problem(Variant("tvm", "wasm", 1), WasmtimeEngine("wasmtime")) or ""
    missing = reason.split(" lacks ", 1)[1].split(" (")[0].split(", ")
    assert "include/tvm/support/io.h" in missing and "src/support/arena.h" in missing
    assert not [m for m in missing if m.startswith("web/")]  # the sources are there


def test_a_tvm_home_that_is_not_a_directory_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="not a directory"):
        TvmRuntime().configure(argparse.Namespace(tvm_home=tmp_path / "missing"))
    proc = ml("--runtime", "tvm", "--engine", "node", "--tvm-home", str(tmp_path / "missing"), cwd=tmp_path)
    assert proc.returncode == 2 and "--tvm-home" in proc.stderr


@pytest.mark.parametrize("backend", ["wasm", "webgpu"])
def test_tvm_compiles_the_digits_cnn_to_objects_debian_emcc_links(backend: str, tmp_path: Path) -> None:
    model = ml_models.model_folder("digits-cnn") / "model.onnx"
    objects = compile_objects(model, {"input": [1, 1, 8, 8]}, backend)
    assert objects and all(o.read_bytes()[:4] == b"\0asm" for o in objects)  # wasm objects, not bitcode
    if backend == "webgpu":  # the kernels travel as WGSL inside the objects
        assert any(b"@group(0) @binding(0)" in o.read_bytes() for o in objects)
    out = tmp_path / "model.wasm"
    command = [emcc_build.emcc() or "emcc", "-O3", "--no-entry", "-sSTANDALONE_WASM", "-sWASM_BIGINT=1",
               "-sERROR_ON_UNDEFINED_SYMBOLS=0", "-Wl,--export-all", *map(str, objects), "-o", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    imports = set(read_module(out.read_bytes()).imports)
    # Only TVM's runtime and FFI C API is left for wasm_runtime.bc to provide (WebGPU launches its
    # kernels through TVMFFIFunctionCall as well).
    assert all(i.startswith("env.TVM") for i in imports) and imports >= RUNTIME_SYMBOLS, imports
    if backend == "wasm":
        assert imports == RUNTIME_SYMBOLS


def test_tvmjs_loads_in_node_with_what_the_runtime_module_calls() -> None:
    worker = WorkerProcess(require_engine("node").worker_spec())
    code = """
      const m = await host.importModule(host.args.tvmjs);
      const api = m.instantiate ? m : m.default;
      return ["instantiate", "createPolyfillWASI", "detectGPUDevice"].map((n) => typeof api[n]);"""
    try:
        reply = worker.run_batch([{"i": 0, "do": "js", "code": code, "args": {"tvmjs": str(TVMJS)}}], 60.0)[0]
    finally:
        worker.close()
    assert reply["ok"], reply
    assert json.loads(reply["values"][0][1]) == ["function"] * 3


def test_tvm_is_a_choosable_runtime() -> None:
    assert "tvm" in ml_runtimes.CHOOSABLE


def test_with_the_assembled_tree_tvm_runs_the_digits_cnn_right_on_wasm_and_webgpu(tmp_path: Path) -> None:
    # All three steps (compile, web runtime, link) and tvm.mjs, with the tree set-up assembles from
    # PyPI packages: wasm on Node, wasm and WebGPU (wgpu, software adapter) on Deno.
    require_engine("node")
    require_engine("deno")
    tree = tvm_tree.assemble()
    db = tmp_path / "r.duckdb"
    proc = ml("--quick", "--runtime", "tvm", "--model", "digits-cnn", "--engine", "node,deno", "--json",
              "--db", str(db), "--run", "tvm", cwd=tmp_path, tvm_home=str(tree))
    assert proc.returncode == 0, proc.stderr
    rows = {(r["engine"], r["backend"]): r for r in json.loads(proc.stdout) if r["runtime"] == "tvm"}
    assert rows[("node", "webgpu")]["verdict"] == "unsupported"
    for key in (("node", "wasm"), ("deno", "wasm"), ("deno", "webgpu")):
        row = rows[key]
        assert row["verdict"] == "pass" and row["max_abs_diff"] < 1e-4 and row["top1_agreement"] == 1.0, row
        assert row["p50_s"] > 0 and row["backend_used"] == key[1]
    # The check row says which tree built the runtime.
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute("SELECT message FROM results WHERE run_id = 'tvm' AND kind LIKE 'tvm:%' "
                            "AND phase = 'check' AND verdict = 'pass'").fetchall()
    messages = [m for (m,) in found]
    assert len(messages) == 3
    assert all(tvm_tree.TILELANG in json.loads(m)["versions"]["runtime"] for m in messages)


def test_minilm_on_webgpu_is_unsupported_and_the_failure_is_remembered(tmp_path: Path, monkeypatch) -> None:
    # TVM's WGSL code generator has no int64, and MiniLM's token ids are int64: `unsupported`, not
    # `error`. The failed compile is cached by content, so the next engine does not repeat it.
    require_engine("deno")
    proc = ml("--quick", "--runtime", "tvm", "--backend", "webgpu", "--model", "minilm-fp32", "--engine",
              "deno", "--json", "--db", str(tmp_path / "r.duckdb"), cwd=tmp_path,
              tvm_home=str(tvm_tree.assemble()))
    assert proc.returncode == 0, proc.stderr
    [row] = [r for r in json.loads(proc.stdout) if r["runtime"] == "tvm"]
    assert row["verdict"] == "unsupported" and NO_WGSL_I64 in row["reason"] and "deno" in row["reason"], row
    minilm = ml_models.model_folder("minilm-fp32")
    shapes = {i["name"]: i["shape"] for i in ml_models.load_meta(minilm)["batches"]["b1"]["inputs"]}
    import harness.ml_tvm

    def compile_again(*args: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(harness.ml_tvm, "_compile", compile_again)
    with pytest.raises(TvmError, match="minilm-fp32.*for webgpu: .*do not support i64"):
        compile_objects(minilm / "model.onnx", shapes, "webgpu")
