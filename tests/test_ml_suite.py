"""`wasm-harness ml`: models through the web runtimes against native onnxruntime, answers checked,
every figure with its interval, a user's own model, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness import ml_models, ml_units
from harness.engine_required import require_engine
from tests.tiny_models import write_onnx_mlp

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"engine", "model", "runtime", "backend", "threads", "verdict"}
TIMED_KEYS = {"p50_s", "p95_s", "ci_low_s", "ci_high_s", "max_abs_diff"}


def ml(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", "ml", *args], capture_output=True, text=True,
                          cwd=cwd, env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})), timeout=900)


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> tuple[list[dict], Path]:
    require_engine("node")
    where = tmp_path_factory.mktemp("ml")
    proc = ml("--quick", "--model", "digits-cnn,minilm-fp32", "--engine", "node", "--runtime",
              "ort,transformers", "--json", "--db", str(where / "r.duckdb"), "--out", str(where / "out"),
              cwd=where)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), where


def test_every_unit_is_judged_and_timed_against_native(quick) -> None:
    rows, _ = quick
    by = {(r["engine"], r["model"], r["runtime"], r["backend"], r["threads"]): r for r in rows}
    for row in rows:
        assert set(row) >= KEYS, row
        if row["verdict"] == "unsupported":
            assert row["reason"], row
            continue
        assert row["verdict"] == "pass", row
        assert set(row) >= TIMED_KEYS, row
        assert row["ci_low_s"] <= row["p50_s"] <= row["ci_high_s"]
    native = by[("native", "minilm-fp32", "onnxruntime", "cpu", 1)]
    wasm = by[("node", "minilm-fp32", "ort", "wasm", 1)]
    assert wasm["cosine"] > 0.9999 and wasm["ratio_to_native"] > 1  # wasm is slower than native
    assert "ratio_to_native" not in native
    assert by[("node", "digits-cnn", "ort", "wasm", 2)]["threads_used"] == 2
    assert by[("node", "digits-cnn", "ort", "wasm", 1)]["top1_agreement"] == 1.0
    transformers = by[("node", "minilm-fp32", "transformers", "wasm", 1)]
    assert transformers["cosine"] > 0.999
    # The pipeline pads to 128 tokens like the ONNX inputs, so it does the same work as ORT-web on
    # the same onnxruntime-web (padded to the sentence's own 12 tokens it ran about 5x faster).
    assert transformers["p50_s"] > 0.5 * wasm["p50_s"]
    webgpu = by[("node", "digits-cnn", "ort", "webgpu", 1)]
    assert webgpu["verdict"] == "unsupported" and "WebGPU" in webgpu["reason"]


def test_quick_profile_on_every_js_configuration(tmp_path: Path) -> None:
    """CI's check: the digits CNN on ORT-web wasm and TF.js SIMD wasm everywhere, and our SIMD
    kernels on every engine (those without JavaScript and native too), answers judged."""
    js_engines = {"node", "node22", "node24", "deno", "bun", "chromium", "chromium-full", "firefox"}
    other_engines = {"wasmtime", "wasmtime-pulley", "wasmer-cranelift", "wasmer-singlepass", "wasmer-llvm",
                     "native"}
    for engine in js_engines | other_engines:
        require_engine(engine)
    proc = ml("--quick", "--json", "--db", str(tmp_path / "r.duckdb"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    ran = {(r["engine"], r["runtime"], r["backend"]): r for r in rows}
    pairs = (("ort", "wasm"), ("tfjs", "wasm-simd"))
    kernels = {(e, "kernels", "simd") for e in js_engines | other_engines}
    ort_tfjs = {(e, r, b) for e in js_engines for r, b in pairs}
    assert set(ran) == {("native", "onnxruntime", "cpu")} | ort_tfjs | kernels
    # Wasmer's singlepass compiler has no SIMD: a reasoned gap (tests/test_ml_kernels.py has the rest).
    gap = ran.pop(("wasmer-singlepass", "kernels", "simd"))
    assert gap["verdict"] == "unsupported" and "cannot compile the simd build" in gap["reason"], gap
    rows = list(ran.values())
    for row in rows:
        assert row["verdict"] == "pass" and row["top1_agreement"] == 1.0 and row["samples"] >= 3, row
    assert all(r["binary"] == "tfjs-backend-wasm-simd.wasm" for r in rows if r["runtime"] == "tfjs")


def test_report_files_and_chart(quick) -> None:
    rows, where = quick
    assert json.loads((where / "out" / "ml.json").read_text()) == rows
    assert "| model" in (where / "out" / "ml.md").read_text()
    svg = (where / "out" / "ml.svg").read_text()
    assert "<svg" in svg and "minilm-fp32 b1" in svg
    assert (where / "out" / "ml.png").read_bytes()[:4] == b"\x89PNG"


def test_a_wrong_answer_fails_with_the_reason() -> None:
    folder = ml_models.model_folder("digits-cnn")
    meta = ml_models.load_meta(folder)
    reference = ml_models.run_native(folder, 1, threads=1)
    right = ml_units.judge(meta, folder, 1, "ort", dict(reference), reference)
    assert right["ok"] and right["max_abs_diff"] == 0.0
    off = {name: value + 1e-2 for name, value in reference.items()}
    wrong = ml_units.judge(meta, folder, 1, "ort", off, reference)
    assert not wrong["ok"] and "outside atol" in wrong["reason"]
    minilm = ml_models.model_folder("minilm-fp32")
    meta = ml_models.load_meta(minilm)
    reference = ml_models.run_native(minilm, 1, threads=1)
    rng = np.random.default_rng(0)
    noisy = {k: v + rng.normal(0, 0.5, v.shape).astype(np.float32) for k, v in reference.items()}
    assert not ml_units.judge(meta, minilm, 1, "ort", noisy, reference)["ok"]


def test_your_own_model(tmp_path: Path) -> None:
    require_engine("node")
    model, _, _ = write_onnx_mlp(tmp_path)
    proc = ml("--model", str(model), "--shape", "x=2x4", "--engine", "node", "--runtime", "ort", "--backend",
              "wasm", "--samples", "3", "--json", "--db", str(tmp_path / "r.duckdb"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert {(r["engine"], r["threads"], r["verdict"]) for r in rows} == {
        ("native", 1, "pass"), ("native", 2, "pass"), ("node", 1, "pass"), ("node", 2, "pass")}
    assert all(r["model"] == "mlp" and r["batch"] == 2 for r in rows)


def test_a_corrupt_model_file_is_an_error_row_and_the_run_goes_on(tmp_path: Path) -> None:
    require_engine("node")
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}  # the corruption stays in this test's cache
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    bad = write_onnx_mlp(tmp_path / "a")[0].rename(tmp_path / "a" / "bad.onnx")
    good = write_onnx_mlp(tmp_path / "b")[0]
    common = ("--shape", "x=2x4", "--engine", "node", "--runtime", "ort", "--backend", "wasm", "--threads",
              "1", "--samples", "3", "--json", "--db", str(tmp_path / "r.duckdb"))
    assert ml("--model", str(bad), *common, cwd=tmp_path, env=cache).returncode == 0
    (cached,) = (tmp_path / "cache" / "wasm-harness" / "ml-user").glob("bad-*/model.onnx")
    cached.write_bytes(b"\x00" * 64)  # the cached copy goes bad after it was built
    proc = ml("--model", f"{bad},{good}", *common, cwd=tmp_path, env=cache)
    assert proc.returncode == 1, proc.stderr
    rows = json.loads(proc.stdout)
    assert {(r["model"], r["engine"], r["verdict"]) for r in rows} == {
        ("bad", "native", "error"), ("bad", "node", "error"), ("mlp", "native", "pass"),
        ("mlp", "node", "pass")}
    reason = next(r["reason"] for r in rows if r["model"] == "bad" and r["engine"] == "node")
    assert reason.startswith("model bad: native onnxruntime cannot run ") and str(cached) in reason


def test_bad_models_are_one_line_errors(tmp_path: Path) -> None:
    model, _, _ = write_onnx_mlp(tmp_path)
    proc = ml("--model", str(model), "--engine", "node", cwd=tmp_path)    # x has a dynamic batch
    assert proc.returncode == 2 and "--shape x=Nx4" in proc.stderr, proc.stderr
    proc = ml("--model", str(model), "--shape", "x=2x5", "--engine", "node", cwd=tmp_path)  # x is Nx4
    assert proc.returncode == 2, proc.stderr
    assert "mlp.onnx: native onnxruntime refuses these inputs" in proc.stderr, proc.stderr
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((3, 7), np.float32))
    proc = ml("--model", str(model), "--input", f"x={wrong}", "--engine", "node", cwd=tmp_path)
    assert proc.returncode == 2 and "refuses these inputs" in proc.stderr, proc.stderr
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    proc = ml("--model", str(junk), "--engine", "node", cwd=tmp_path)
    assert proc.returncode == 2 and "junk.onnx: native onnxruntime cannot load it" in proc.stderr
    proc = ml("--model", "nosuch", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown model 'nosuch'" in proc.stderr
    proc = ml("--runtime", "tensorflow", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown runtime" in proc.stderr


def _kinds(*argv: str, models: str = "digits-cnn,minilm-fp32") -> dict[tuple[str, int], set[str]]:
    import argparse

    from harness.suite import add_common_arguments
    from harness.suites.ml import MlSuite

    suite = MlSuite()
    parser = argparse.ArgumentParser()
    add_common_arguments(suite, parser)
    suite.add_arguments(parser)
    units = suite.select(parser.parse_args(["--model", models, *argv])).units
    kinds: dict[tuple[str, int], set[str]] = {}
    for u in units:
        kinds.setdefault((u.model, u.batch), set()).add(u.variant.kind)
    return kinds


def test_the_default_profile_leaves_out_what_repeats_and_a_choice_brings_it_back() -> None:
    default = _kinds()
    b1 = default[("minilm-fp32", 1)]
    assert "transformers:webgpu:1" not in b1
    assert "ort:webgpu:1" in b1 and "transformers:wasm:1" in b1
    assert not {k for k in default[("minilm-fp32", 8)] if "webgpu" in k or k.startswith("transformers")}
    assert "ort:wasm:2" in default[("minilm-fp32", 8)] and "transformers:wasm:2" not in b1
    chosen = _kinds("--runtime", "transformers")
    every = {"transformers:webgpu:1", "transformers:wasm:1", "transformers:wasm:2"}
    assert every <= chosen[("minilm-fp32", 1)]
    assert "transformers:wasm:1" in chosen[("minilm-fp32", 8)]
    assert _kinds("--profile", "full")[("minilm-fp32", 1)] >= b1 | {"transformers:webgpu:1"}


def test_a_quantized_model_accepts_another_sound_path_but_fp32_does_not() -> None:
    """An int8 answer off native int8 (0.99 cosine) passes when it is as near the fp32
    sentence-transformers reference as native int8 is; fp32 answers get no such leeway."""
    fp32, int8 = ml_models.model_folder("minilm-fp32"), ml_models.model_folder("minilm-int8")
    native_fp32 = ml_models.run_native(fp32, 8, threads=1)
    native_int8 = ml_models.run_native(int8, 8, threads=1)
    # An int8 path that rounds more finely than onnxruntime's: native int8 moved towards native fp32,
    # each element by at most the int8 tolerance (0.5), as OpenVINO's path differs (0.26 at most).
    finer = {k: v + np.clip(native_fp32[k] - v, -0.45, 0.45) for k, v in native_int8.items()}
    judged = ml_units.judge(ml_models.load_meta(int8), int8, 8, "wasi-nn", finer, native_int8)
    assert judged["cosine"] < 0.998 and judged["ok"], judged
    assert judged["cosine_vs_reference"] > judged["native_cosine_vs_reference"]
    assert "matches native int8" in judged["judged"]
    # the other way round, native int8's answer to the fp32 model is a failure
    strict = ml_units.judge(ml_models.load_meta(fp32), fp32, 8, "wasi-nn", dict(native_int8), native_fp32)
    assert not strict["ok"] and "native_cosine_vs_reference" not in strict
    # and a noisy int8 answer is still a failure, saying where native int8 stands
    rng = np.random.default_rng(0)
    noisy = {k: v + rng.normal(0, 0.5, v.shape).astype(np.float32) for k, v in native_int8.items()}
    bad = ml_units.judge(ml_models.load_meta(int8), int8, 8, "wasi-nn", noisy, native_int8)
    assert not bad["ok"] and "native int8 scores" in bad["reason"]


def test_threaded_units_warm_up_longer() -> None:
    from harness.ml_runtimes import Variant
    from harness.suites.ml import PROFILES, sampling

    default = PROFILES["default"]
    one, two = (sampling(default, Variant("ort", "wasm", t), 10) for t in (1, 2))
    assert one["min_warmup_s"] == 0.0 and two["min_warmup_s"] == 2.5
    assert one["budget_s"] == two["budget_s"] == 4.0
    assert sampling(PROFILES["full"], Variant("tfjs", "wasm-simd-threads", 2), 20)["budget_s"] is None


def test_the_default_profile_leaves_out_slow_units_on_some_models_only() -> None:
    every = "digits-cnn,minilm-fp32,minilm-int8,mobilenet"
    default = _kinds(models=every)
    assert "webgpu:wgsl:1" in default[("digits-cnn", 1)] and "webgpu:wgsl:1" not in default[("mobilenet", 1)]
    assert "tfjs:cpu:1" in default[("digits-cnn", 1)] and "tfjs:cpu:1" not in default[("mobilenet", 1)]
    assert "ort:webgpu:1" in default[("minilm-fp32", 1)] and "ort:webgpu:1" not in default[("minilm-int8", 1)]
    assert "webgpu:wgsl:1" in _kinds("--runtime", "webgpu", models=every)[("mobilenet", 1)]
    assert "tfjs:cpu:1" in _kinds("--profile", "full", models=every)[("mobilenet", 1)]
    # Untuned TVM on MiniLM: batch 1 only by default; the digits CNN keeps its batch 64.
    assert "tvm:wasm:1" in default[("minilm-fp32", 1)] and "tvm:wasm:1" not in default[("minilm-fp32", 8)]
    assert "tvm:wasm:1" in default[("digits-cnn", 64)]
    assert "tvm:wasm:1" in _kinds("--runtime", "tvm", models=every)[("minilm-fp32", 8)]
