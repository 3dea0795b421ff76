"""The `kernels` runtime: our C nets against a numpy reference and onnxruntime, in every build,
on every engine configuration, with speed-ups and ratios to native in the reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engines import kernels_driver
from engines.native_kernels import NativeKernels
from engines.pyworker import Reported
from harness import ml_models, ml_units
from harness.engine_required import require_engine
from harness.kernels_build import VARIANTS, artifacts, check_module
from harness.kernels_weights import WeightsError, pack
from harness.ml_runtimes import REGISTRY
from harness.workloads import BuildError, wasm_tools

ROOT = Path(__file__).resolve().parent.parent
MODELS = ("digits-cnn", "mlp")
ATOL = RTOL = 1e-4  # the models' tolerance against native onnxruntime (harness/ml_build.py)


# --- a numpy reference, from the ONNX initializers in PyTorch's own layouts ---------------------

def _initializers(folder: Path) -> dict[str, np.ndarray]:
    import onnx
    from onnx import numpy_helper

    return {t.name: numpy_helper.to_array(t).astype(np.float64)
            for t in onnx.load(str(folder / "model.onnx")).graph.initializer}


def _conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """NCHW, padding 1, stride 1, written out over the nine taps."""
    n, _, h, wd = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, w.shape[0], h, wd)) + b[None, :, None, None]
    for ky in range(3):
        for kx in range(3):
            out += np.einsum("nchw,oc->nohw", padded[:, :, ky:ky + h, kx:kx + wd], w[:, :, ky, kx])
    return out


def numpy_reference(model: str, folder: Path, x: np.ndarray) -> np.ndarray:
    w = _initializers(folder)
    relu = lambda a: np.maximum(a, 0.0)  # noqa: E731
    x = x.astype(np.float64)
    if model == "mlp":
        h = relu(x @ w["fc1.weight"].T + w["fc1.bias"])
        h = relu(h @ w["fc2.weight"].T + w["fc2.bias"])
        return h @ w["fc3.weight"].T + w["fc3.bias"]
    h = relu(_conv3x3(x, w["conv1.weight"], w["conv1.bias"]))
    h = relu(_conv3x3(h, w["conv2.weight"], w["conv2.bias"]))
    n, c, hh, ww = h.shape
    h = h.reshape(n, c, hh // 2, 2, ww // 2, 2).max(axis=(3, 5)).reshape(n, -1)  # max-pool 2, flatten
    h = relu(h @ w["fc1.weight"].T + w["fc1.bias"])
    return h @ w["fc2.weight"].T + w["fc2.bias"]


def _command(model: str, batch: int, variant: str, **sampling) -> dict:
    folder = ml_models.model_folder(model)
    args = ml_units.runtime_args(folder, ml_models.load_meta(folder), "kernels", batch)
    args.update(backend=variant, threads=1, warmups=1, samples=3, min_sample_s=0.0, budget_s=1.0, **sampling)
    return REGISTRY["kernels"].command(args)


def _logits(result: dict) -> np.ndarray:
    import base64

    (out,) = result["outputs"]
    return np.frombuffer(base64.b64decode(out["data_b64"]), dtype=out["dtype"]).reshape(out["shape"])


def _wasmtime(binary: bytes):
    from engines.wasmtime_worker import _Kernels, make_engine

    return _Kernels(make_engine({}, bench=True), binary)


@pytest.mark.parametrize("model", MODELS)
def test_numpy_reference_matches_onnxruntime(model: str) -> None:
    folder = ml_models.model_folder(model)
    for batch in ml_units.batches(ml_models.load_meta(folder)):
        x = ml_models.load_inputs(folder, batch)["input"]
        want = ml_models.run_native(folder, batch, threads=1)["logits"]
        np.testing.assert_allclose(numpy_reference(model, folder, x), want, atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_build_matches_numpy_wasm_and_native(model: str, variant: str) -> None:
    """Each build, in Wasmtime and natively, gives numpy's logits at both batch sizes, and the
    result carries the timing protocol's fields."""
    require_engine("wasmtime")
    folder = ml_models.model_folder(model)
    for batch in ml_units.batches(ml_models.load_meta(folder)):
        want = numpy_reference(model, folder, ml_models.load_inputs(folder, batch)["input"])
        command = _command(model, batch, variant)
        for key, load in (("wasm", _wasmtime), ("native", NativeKernels)):
            result = kernels_driver.run(command, key, load, key)
            got = _logits(result)
            assert got.shape == (batch, 10)
            np.testing.assert_allclose(got, want, atol=ATOL, rtol=RTOL, err_msg=f"{key} {variant} b{batch}")
            assert result["backend_used"] == variant and len(result["samples_s"]) >= 3
            assert all(s > 0 for s in result["samples_s"]) and result["phases"]["first_s"] > 0
    assert (np.argmax(got, axis=1) == np.argmax(want, axis=1)).all()


def test_builds_import_nothing_and_say_which_they_are() -> None:
    built = artifacts()
    assert set(built) == {(k, v) for k in ("wasm", "native") for v in VARIANTS}
    for variant in VARIANTS:
        wasm = built[("wasm", variant)].read_bytes()
        check_module(wasm, variant)
        assert kernels_driver.VARIANT_CODES[variant] == _wasmtime(wasm).call("kn_variant")
    wat = '(module (import "wasi_snapshot_preview1" "fd_write" (func)) (memory (export "memory") 1))'
    done = subprocess.run([str(wasm_tools()), "parse", "-"], input=wat.encode(), capture_output=True,
                          check=True)
    with pytest.raises(BuildError, match="imports wasi_snapshot_preview1"):  # one that needs WASI is refused
        check_module(done.stdout, "a WASI module")


def test_a_batch_the_kernels_refuse_is_a_clear_error() -> None:
    command = _command("digits-cnn", 1, "simd")
    command["args"]["batch"] = 99_999
    with pytest.raises(Reported, match=r"kn_prepare\(1, 99999\): batch out of range"):
        kernels_driver.run(command, "native", NativeKernels, "native")


def test_weights_that_do_not_fit_the_net_name_the_model_file(tmp_path: Path) -> None:
    from tests.tiny_models import write_onnx_mlp

    model, _, _ = write_onnx_mlp(tmp_path)
    with pytest.raises(WeightsError, match=rf"{model.name}: no initializer 'fc1\.weight'"):
        pack("mlp", model)
    with pytest.raises(WeightsError, match="no net for model 'mobilenet'"):
        pack("mobilenet", model)


def test_an_engine_without_relaxed_simd_answers_unsupported_with_the_reason() -> None:
    def refuses(binary: bytes):
        raise Reported("compile", "relaxed SIMD support is not enabled")

    with pytest.raises(Reported) as caught:
        kernels_driver.run(_command("mlp", 1, "relaxed-simd"), "wasm", refuses, "an engine")
    assert caught.value.kind == "unsupported"
    assert "unsupported: an engine cannot compile the relaxed-simd build: relaxed SIMD" in str(caught.value)
    with pytest.raises(Reported) as caught:  # the scalar build must compile everywhere: an error
        kernels_driver.run(_command("mlp", 1, "scalar"), "wasm", refuses, "an engine")
    assert caught.value.kind == "compile"


# --- the suite, every engine configuration --------------------------------------------------------

ENGINES = ("wasmtime", "wasmtime-pulley", "wasmer-cranelift", "wasmer-singlepass", "wasmer-llvm", "node",
           "node22", "node24", "deno", "bun", "chromium", "chromium-full", "firefox", "native")


def test_digits_cnn_on_every_engine(tmp_path: Path) -> None:
    """CI's check: the three builds of the digits CNN on every engine configuration, each answer
    judged against native onnxruntime; a build an engine cannot compile is `unsupported` with the
    reason, never missing; speed-ups and ratios to native in the JSON and the report."""
    for engine in ENGINES:
        require_engine(engine)
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "ml", "--quick", "--runtime", "kernels",
                           "--model", "digits-cnn", "--json", "--no-progress",
                           "--db", str(tmp_path / "r.duckdb"), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=900,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [r for r in json.loads(proc.stdout) if r["runtime"] == "kernels"]
    by = {(r["engine"], r["backend"]): r for r in rows}
    assert set(by) == {(e, v) for e in ENGINES for v in VARIANTS}
    for (engine, variant), row in by.items():
        if row["verdict"] == "unsupported":
            assert variant != "scalar" and f"cannot compile the {variant} build" in row["reason"], row
            continue
        assert row["verdict"] == "pass", row
        assert row["top1_agreement"] == 1.0 and row["max_abs_diff"] < 1e-4 and row["samples"] >= 3, row
        if variant != "scalar" and by[(engine, "scalar")]["verdict"] == "pass":
            assert row["simd_speedup_ci_low"] <= row["simd_speedup"] <= row["simd_speedup_ci_high"], row
        if engine != "native":
            assert row["ratio_to_native_kernels"] > 0 and "ratio_to_native_kernels_ci_low" in row, row
    # Engines without JavaScript run the SIMD build too: the claim is measured there.
    for engine in ("wasmtime", "wasmer-cranelift", "native"):
        assert by[(engine, "simd")]["verdict"] == "pass"
    assert by[("wasmtime", "relaxed-simd")]["verdict"] == "pass"  # Wasmtime 50 has relaxed SIMD
    report = (tmp_path / "out" / "ml.md").read_text()
    assert "Our kernels: SIMD over scalar" in report and "wasmer-singlepass" in report


def test_the_mlp_model_is_trained_and_its_onnx_is_the_784_512_512_10_net() -> None:
    folder = ml_models.model_folder("mlp")
    meta = ml_models.load_meta(folder)
    assert meta["inputs"][0]["shape"] == ["batch", 784] and meta["outputs"][0]["shape"] == ["batch", 10]
    assert meta["accuracy"]["held_out"] >= 0.9  # digits upscaled to 28x28, a few epochs
    shapes = {name: array.shape for name, array in _initializers(folder).items()}
    assert shapes == {"fc1.weight": (512, 784), "fc1.bias": (512,), "fc2.weight": (512, 512),
                      "fc2.bias": (512,), "fc3.weight": (10, 512), "fc3.bias": (10,)}
    logits = ml_models.run_native(folder, 64, threads=1)["logits"]
    labels = np.load(folder / meta["batches"]["b64"]["labels"])
    assert float(np.mean(logits.argmax(axis=1) == labels)) == meta["accuracy"]["b64"]
