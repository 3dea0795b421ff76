"""The ml suite's `webgpu` runtime: ONNX models planned in Python (harness/ml_wgsl_plan.py) and run
as our WGSL kernels (suites/ml/js/webgpu.mjs) on every host with an adapter here, answers judged
against native onnxruntime; the reasons given where a model or host cannot run it."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness import ml_models, ml_units
from harness.engine_required import require_engine
from harness.ml_runtimes import REGISTRY
from harness.ml_wgsl_plan import PlanError, build
from harness.worker import WorkerProcess
from tests.tiny_models import write_onnx_embed, write_onnx_mlp

ROOT = Path(__file__).resolve().parent.parent
# Every host with an adapter here: the browsers and Deno have navigator.gpu (SwiftShader in
# Chromium, lavapipe in Firefox and Deno); Node and Bun get Dawn from npm `webgpu`.
HOSTS = ["chromium", "firefox", "deno", "node", "bun"]
TIMING = {"warmups": 1, "samples": 3, "min_sample_s": 0.001}


def digits_plan() -> dict:
    folder = ml_models.model_folder("digits-cnn")
    return build(folder / "model.onnx", {"input": [2, 1, 8, 8]})[0]


def test_the_digits_cnn_becomes_five_kernel_launches_with_its_flops_counted() -> None:
    plan = digits_plan()
    kinds = [(op["kind"], op.get("act", {}).get("kind")) for op in plan["ops"]]
    # Each Relu folds into the conv or gemm before it; Flatten is only a new shape.
    assert kinds == [("conv", "relu"), ("conv", "relu"), ("maxpool", None), ("gemm", "relu"),
                     ("gemm", "none")]
    conv1, conv2, pool, fc1, fc2 = plan["ops"]
    assert fc1["x"] == pool["out"] and fc1["k"] == conv2["m"] * pool["oh"] * pool["ow"]
    expected = 2 * 2 * (conv1["m"] * 8 * 8 * conv1["c"] * 9 + conv2["m"] * 8 * 8 * conv2["c"] * 9
                        + fc1["k"] * fc1["cols"] + fc2["k"] * fc2["cols"])
    assert plan["flops"] == expected  # batch 2: 2 FLOPs per multiply-add
    assert plan["outputs"] == [{"name": "logits", "tensor": fc2["out"], "shape": [2, 10]}]


def test_a_matmul_with_a_constant_bias_add_and_relu_is_one_gemm(tmp_path: Path) -> None:
    model, _, _ = write_onnx_mlp(tmp_path)
    plan, weights = build(model, {"x": [2, 4]})
    [gemm] = plan["ops"]
    assert gemm["kind"] == "gemm" and gemm["act"] == {"kind": "relu"} and gemm["b"] is not None
    assert len(weights) == 4 * (4 * 3 + 3)


def test_a_model_with_an_op_the_kernels_lack_is_refused_by_name(tmp_path: Path) -> None:
    model, _, _ = write_onnx_embed(tmp_path)
    with pytest.raises(PlanError, match="no ONNX op Gather"):
        build(model, {"ids": [1, 5], "scale": [1]})


def unit_command(model: str, batch: int, **extra) -> tuple[dict, Path, dict]:
    folder = ml_models.model_folder(model)
    meta = ml_models.load_meta(folder)
    args = ml_units.runtime_args(folder, meta, "webgpu", batch)
    args.update(backend="wgsl", threads=1, **TIMING, **extra)
    return REGISTRY["webgpu"].command(args), folder, meta


def run_one(engine_name: str, command: dict) -> dict:
    worker = WorkerProcess(require_engine(engine_name).worker_spec())
    try:
        return worker.run_batch([command], 300.0)[0]
    finally:
        worker.close()


def judged(reply: dict, folder: Path, meta: dict, batch: int) -> tuple[dict, dict]:
    assert reply["ok"] is True, reply
    result = json.loads(reply["values"][0][1])
    outputs = {o["name"]: np.frombuffer(base64.b64decode(o["data_b64"]), dtype=o["dtype"])
               .reshape(o["shape"]) for o in result["outputs"]}
    verdict = ml_units.judge(meta, folder, batch, "webgpu", outputs, ml_models.run_native(folder, batch, 1))
    return result, verdict


@pytest.mark.parametrize("kernels", ["tiled", "direct"])
def test_both_product_kernels_match_native_onnxruntime(kernels: str) -> None:
    """The tiled kernels (workgroup memory: what a real GPU gets) and the direct ones (what the
    software adapters here get by default), forced in turn on Deno's lavapipe, at batch 64 so the
    products span several 32x32 tiles."""
    command, folder, meta = unit_command("digits-cnn", 64, kernels=kernels)
    result, verdict = judged(run_one("deno", command), folder, meta, 64)
    assert verdict["ok"], verdict
    assert verdict["top1_agreement"] == 1.0 and verdict["max_abs_diff"] < 1e-4
    assert result["binary"] == f"wgsl_kernels.mjs {kernels}"


KERNELS = ROOT / "suites" / "ml" / "js" / "wgsl_kernels.mjs"
# Every kernel source in wgsl_kernels.mjs built into a pipeline, with the compiler's messages:
# some (the standalone activation) run in no model here, so nothing else would compile them.
COMPILE_ALL = """
const kernels = await host.importModule(host.files[0]);
const adapter = await navigator.gpu.requestAdapter();
const device = await adapter.requestDevice();
const built = {};
for (const [name, code] of Object.entries(kernels)) {
  if (typeof code !== "string") continue;
  const module = device.createShaderModule({ code });
  const messages = (await module.getCompilationInfo()).messages.filter((m) => m.type === "error");
  try {
    await device.createComputePipelineAsync({ layout: "auto", compute: { module, entryPoint: "main" } });
    built[name] = messages.map((m) => `${m.lineNum}: ${m.message}`);
  } catch (e) {
    built[name] = [String(e), ...messages.map((m) => `${m.lineNum}: ${m.message}`)];
  }
}
device.destroy();
return built;
"""


def test_every_kernel_compiles_into_a_pipeline() -> None:
    reply = run_one("deno", {"i": 0, "do": "js", "code": COMPILE_ALL, "files": [str(KERNELS)]})
    assert reply["ok"] is True, reply
    built = json.loads(reply["values"][0][1])
    assert set(built) == {"ACTIVATION", "ADD", "CONV", "CONV_DIRECT", "DEPTHWISE", "GEMM", "GEMM_DIRECT",
                          "MEAN", "POOL"}
    assert built == dict.fromkeys(built, []), built


def test_node_without_dawn_is_unsupported_with_the_reason(tmp_path: Path) -> None:
    command, _, _ = unit_command("digits-cnn", 1)
    command["args"]["runtime_root"] = str(tmp_path / "no-webgpu-package")
    reply = run_one("node", command)
    assert reply["ok"] is False
    message = reply["error"]["message"]
    assert message.startswith("Error: unsupported: no navigator.gpu, and npm webgpu (Dawn) did not load"), \
        message


def test_minilm_is_unsupported_naming_the_op() -> None:
    command, _, _ = unit_command("minilm-fp32", 1)
    reply = run_one("node", command)
    assert reply["ok"] is False
    assert "unsupported: model minilm-fp32: the WGSL kernels have no ONNX op" in reply["error"]["message"]


def test_the_suite_runs_webgpu_on_every_host_with_an_adapter(tmp_path: Path) -> None:
    """CI's check: the smallest case (digits CNN, batch 1) on each host, judged against native,
    with the adapter's name and limits and the GFLOP/s the report derives from the plan's count."""
    for name in HOSTS:
        require_engine(name)
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "ml", "--quick", "--runtime", "webgpu",
         "--engine", ",".join(HOSTS), "--json", "--db", str(tmp_path / "r.duckdb"),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=900)
    assert proc.returncode == 0, proc.stderr
    rows = {r["engine"]: r for r in json.loads(proc.stdout) if r["runtime"] == "webgpu"}
    assert set(rows) == set(HOSTS)
    sources = {"chromium": "navigator.gpu", "firefox": "navigator.gpu", "deno": "navigator.gpu",
               "node": "npm webgpu (Dawn)", "bun": "npm webgpu (Dawn)"}
    for name, row in rows.items():
        assert row["verdict"] == "pass", row
        assert row["top1_agreement"] == 1.0 and row["max_abs_diff"] < 1e-4
        adapter = row["adapter"]
        assert adapter["source"] == sources[name]
        assert adapter["isFallbackAdapter"] is True  # software adapters only, on this machine
        assert adapter["limits"]["maxStorageBufferBindingSize"] >= 128 << 20
        assert adapter["limits"]["maxComputeInvocationsPerWorkgroup"] >= 64
        assert row["flops"] > 0 and row["gflops_per_s"] == pytest.approx(row["flops"] / row["p50_s"] / 1e9)
        assert row["ratio_to_native"] > 0
    assert rows["chromium"]["adapter"]["architecture"] == "swiftshader"
    assert "llvmpipe" in rows["deno"]["adapter"]["description"]
    assert "SwiftShader" in rows["node"]["adapter"]["description"]
    markdown = (tmp_path / "out" / "ml.md").read_text()
    assert "## GFLOP/s" in markdown and "software adapter" in markdown
