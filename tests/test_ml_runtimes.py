"""The ML runtimes' JavaScript (suites/ml/js) on real hosts, driven as the ml suite drives them.

Tiny models made here (tests/tiny_models.py: ONNX files encoded by hand, a TF.js Layers model, a
BERT-like transformers.js folder), run through `js` commands on WorkerProcess workers, outputs
compared with numpy. Where a host cannot run a runtime or backend, the test asserts the
`unsupported:` reason the module gives instead of skipping.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from harness.engine_required import require_engine
from harness.ml_files import RUNTIMES, backends, runtime_files, runtime_module, runtime_root
from harness.worker import WorkerProcess
from tests.tiny_models import (
    TEXTS,
    bert_reference,
    decode_output,
    write_bert_folder,
    write_onnx_embed,
    write_onnx_mlp,
    write_tfjs_dense,
)

JS_HOSTS = ["node", "node22", "node24", "deno", "bun", "chromium", "firefox"]
BROWSERS = {"chromium", "firefox"}
TIMEOUT = 120.0
CODE = "const m = await host.importModule(host.args.module); return await m.run(host, host.args);"
TIMING = {"warmups": 1, "samples": 3, "min_sample_s": 0.002}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("ml")
    return {"mlp": write_onnx_mlp(d), "embed": write_onnx_embed(d), "dense": write_tfjs_dense(d),
            "bert": write_bert_folder(d)}


def command(runtime: str, backend: str, model: Path, inputs: list[dict] | None = None, threads: int = 1,
            **extra) -> dict:
    """A `js` command as the ml suite sends it: the module, its args, every file a page needs."""
    args = {"module": str(runtime_module(runtime)), "runtime_root": str(runtime_root(runtime)),
            "model": str(model), "inputs": inputs or [], "backend": backend, "threads": threads,
            **TIMING, **extra}
    folder = model.parent if model.name == "model.json" else model  # a TF.js or transformers.js model
    model_files = [model] if model.suffix == ".onnx" else [p for p in folder.rglob("*") if p.is_file()]
    files = [*runtime_files(runtime, backend), *model_files, *(Path(i["file"]) for i in inputs or [])]
    return {"do": "js", "code": CODE, "args": args, "files": [str(f) for f in files]}


def run(engine_name: str, commands: list[dict]) -> list[dict]:
    engine = require_engine(engine_name)
    worker = WorkerProcess(engine.worker_spec())
    try:
        replies = worker.run_batch([{"i": n, **c} for n, c in enumerate(commands)], TIMEOUT)
    finally:
        worker.close()
    return [replies[n] for n in range(len(commands))]


def result(reply: dict) -> dict:
    assert reply["ok"] is True, reply
    [[kind, text]] = reply["values"]
    assert kind == "json"
    return json.loads(text)


def unsupported(reply: dict) -> str:
    """The reason of an `unsupported:` error (the runner reports a thrown Error as `Error: ...`)."""
    assert reply["ok"] is False, reply
    message = reply["error"]["message"]
    assert message.startswith("Error: unsupported: "), message
    return message.removeprefix("Error: unsupported: ")


def check_outputs(res: dict, reference: dict[str, np.ndarray]) -> None:
    got = {o["name"]: decode_output(o) for o in res["outputs"]}
    assert set(got) == set(reference)
    for name, want in reference.items():
        assert got[name].dtype == want.dtype and got[name].shape == want.shape, name
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got[name], want, atol=1e-5, rtol=0, err_msg=name)
        else:
            np.testing.assert_array_equal(got[name], want, err_msg=name)


def check_shape(res: dict, engine_name: str, samples: int = TIMING["samples"]) -> None:
    """The result fields every runtime fills."""
    phases = res["phases"]
    assert phases["compile_s"] > 0 and phases["first_s"] > 0
    assert len(res["samples_s"]) == samples and all(s > 0 for s in res["samples_s"])
    assert res["reps"] >= 1
    memory = res["memory"]
    if engine_name in BROWSERS:
        assert memory["kind"] in ("measureUserAgentSpecificMemory", "wasm-pages", None), memory
    else:
        assert memory["kind"] == "rss" and memory["bytes"] > 10 << 20, memory
    assert isinstance(res["notes"], list)


# --- onnxruntime-web's wasm path, and transformers.js, on every JS host ------------------------

@pytest.mark.parametrize("engine_name", JS_HOSTS)
def test_every_host_runs_onnxruntime_web_wasm_and_transformers_js(engine_name: str, models: dict) -> None:
    mlp, mlp_inputs, mlp_ref = models["mlp"]
    embed, embed_inputs, embed_ref = models["embed"]
    bert = models["bert"]
    replies = run(engine_name, [
        command("ort", "wasm", mlp, mlp_inputs),
        command("ort", "wasm", embed, embed_inputs),
        command("transformers", "wasm", bert, texts=TEXTS, model_id=bert.name, quantized=False),
        command("transformers", "wasm", bert, texts=TEXTS, model_id=bert.name, quantized=True),
    ])
    for reply, reference in ((replies[0], mlp_ref), (replies[1], embed_ref)):
        res = result(reply)
        check_outputs(res, reference)
        check_shape(res, engine_name)
        assert (res["threads_used"], res["backend_used"]) == (1, "wasm")
        assert res["binary"] == "ort-wasm-simd-threaded.wasm"
        assert res["versions"]["runtime"] == "1.30.0"
        assert res["adapter"] is None
    if engine_name == "deno":
        for reply in replies[2:]:
            assert "blob: URL" in unsupported(reply) and "--allow-ffi" in unsupported(reply)
        return
    for reply, quantized in zip(replies[2:], (False, True), strict=True):
        res = result(reply)
        # model_quantized.onnx is a different model here: the embeddings say which file loaded.
        check_outputs(res, {"embeddings": bert_reference(quantized)})
        check_shape(res, engine_name)
        assert res["phases"]["read_s"] is None
        assert res["versions"]["runtime"] == "4.3.2"
        assert res["binary"] == ("ort-wasm-simd-threaded.asyncify.wasm" if engine_name in BROWSERS
                                 else "ort-wasm-simd-threaded.wasm")


@pytest.mark.parametrize("engine_name", ["node", "chromium"])
def test_onnxruntime_web_two_threads_and_one_count_per_worker(engine_name: str, models: dict) -> None:
    mlp, inputs, reference = models["mlp"]
    replies = run(engine_name, [command("ort", "wasm", mlp, inputs, threads=2),
                                command("ort", "wasm", mlp, inputs, threads=1)])
    res = result(replies[0])
    check_outputs(res, reference)
    assert res["threads_used"] == 2
    # onnxruntime-web initialises once per realm: another thread count needs a fresh worker.
    assert replies[1]["ok"] is False
    assert "already initialised in this worker with 2 thread(s)" in replies[1]["error"]["message"]


def test_onnxruntime_web_webgpu_in_chromium_and_not_in_node(models: dict) -> None:
    mlp, inputs, reference = models["mlp"]
    res = result(run("chromium", [command("ort", "webgpu", mlp, inputs)])[0])
    check_outputs(res, reference)
    assert res["backend_used"] == "webgpu" and res["binary"] == "ort-wasm-simd-threaded.asyncify.wasm"
    assert res["adapter"]["architecture"] == "swiftshader"  # Chromium's CPU adapter (--enable-unsafe-webgpu)
    [reply] = run("node", [command("ort", "webgpu", mlp, inputs)])
    assert unsupported(reply) == "no WebGPU (navigator.gpu) in this host"


# --- TensorFlow.js -------------------------------------------------------------------------------

WASM_BINARIES = {"wasm-scalar": "tfjs-backend-wasm.wasm", "wasm-simd": "tfjs-backend-wasm-simd.wasm",
                 "wasm-simd-threads": "tfjs-backend-wasm-threaded-simd.wasm"}


def check_tfjs(res: dict, backend: str, reference: dict, engine_name: str) -> None:
    check_outputs(res, reference)
    check_shape(res, engine_name)
    assert res["versions"]["runtime"] == "4.22.0"
    assert res["backend_used"] == ("wasm" if backend in WASM_BINARIES else backend)
    assert res["binary"] == WASM_BINARIES.get(backend)


def test_tfjs_on_node(models: dict) -> None:
    dense, inputs, reference = models["dense"]
    order = ["cpu", "wasm-scalar", "wasm-simd", "wasm-scalar", "wasm-simd-threads", "webgl", "webgpu"]
    replies = run("node", [command("tfjs", b, dense, inputs, threads=2 if b == "wasm-simd-threads" else 1)
                           for b in order])
    # scalar again after SIMD: each run registers the wasm backend afresh, so its flags choose the binary
    for n in range(4):
        check_tfjs(result(replies[n]), order[n], reference, "node")
    assert "blob: URL" in unsupported(replies[4])
    assert unsupported(replies[5]) == "no WebGL in this host (no canvas)"
    assert unsupported(replies[6]) == "no WebGPU (navigator.gpu) in this host"


def test_tfjs_in_chromium(models: dict) -> None:
    dense, inputs, reference = models["dense"]
    order = ["cpu", "wasm-scalar", "wasm-simd", "wasm-simd-threads", "webgl", "webgpu"]
    replies = run("chromium", [command("tfjs", b, dense, inputs, threads=2 if b == "wasm-simd-threads" else 1)
                               for b in order])
    for backend, reply in zip(order, replies, strict=True):
        res = result(reply)
        check_tfjs(res, backend, reference, "chromium")
        if backend in WASM_BINARIES:
            assert res["memory"]["kind"] in ("measureUserAgentSpecificMemory", "wasm-pages")
        # getThreadsCount() is what XNNPACK's pool has: tfjs 4.22 reports 1 here even when asked for 2.
        assert res["threads_used"] >= 1
    assert result(replies[5])["adapter"]["architecture"] == "swiftshader"


# --- the file lists --------------------------------------------------------------------------------

def test_runtime_files_exist_and_name_the_module_first() -> None:
    for runtime in RUNTIMES:
        for backend in backends(runtime):
            files = runtime_files(runtime, backend)
            assert files[0] == runtime_module(runtime) and files[1].name == "common.mjs"
            assert all(f.is_file() for f in files), [f for f in files if not f.is_file()]
        assert runtime_files(runtime) == list(dict.fromkeys(f for b in backends(runtime)
                                                            for f in runtime_files(runtime, b)))
    assert backends("tfjs") == ["cpu", "webgl", "webgpu", "wasm-scalar", "wasm-simd", "wasm-simd-threads"]
    with pytest.raises(ValueError, match="no backend"):
        runtime_files("ort", "webgl")
    with pytest.raises(ValueError, match="unknown ML runtime"):
        runtime_files("onnx")


def test_measure_warms_up_for_min_warmup_s_within_the_budget(tmp_path: Path) -> None:
    """common.mjs `measure`: warm-ups go on until `min_warmup_s` has passed (JIT tier-up in the
    background), never past `budget_s`; without it, exactly `warmups` of them."""
    import subprocess

    from engines.protocol import PROJECT_ROOT

    common = PROJECT_ROOT / "suites" / "ml" / "js" / "common.mjs"
    script = tmp_path / "measure.mjs"
    script.write_text(f"""
const {{ measure }} = await import({json.dumps(common.as_uri())});
const memory = {{ sample() {{}} }};
const out = {{}};
const cases = [["plain", {{}}], ["warm", {{ min_warmup_s: 0.3 }}],
               ["capped", {{ min_warmup_s: 5, budget_s: 0.2 }}]];
for (const [name, extra] of cases) {{
  let calls = 0;
  const infer = async () => {{ calls++; await new Promise((r) => setTimeout(r, 20)); return {{}}; }};
  const args = {{ warmups: 1, samples: 3, min_sample_s: 0, budget_s: 5, ...extra }};
  const got = await measure(infer, args, memory);
  out[name] = {{ calls, samples: got.samples.length }};
}}
console.log(JSON.stringify(out));
""")
    got = json.loads(subprocess.run(["node", str(script)], capture_output=True, text=True, check=True,
                                    timeout=60).stdout)
    assert got["plain"] == {"calls": 1 + 1 + 3, "samples": 3}
    # 0.3 s of 20 ms warm-ups: about 15 (timers may run late, never early)
    assert 8 <= got["warm"]["calls"] - 1 - 3 <= 16 and got["warm"]["samples"] == 3
    # the budget (0.2 s) stops the warm-up; MIN_SAMPLES still run
    assert got["capped"]["calls"] - 1 - 3 <= 11 and got["capped"]["samples"] == 3
