"""The ml suite's models: each builds (or comes from the cache), its folder keeps the contract of
harness/ml_models.py, native onnxruntime runs every batch variant, and the numbers hold: digits
accuracy, MiniLM cosines against sentence-transformers, a MobileNet that is not degenerate."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="the model builders need the ml-build packages (setup/requirements.lock)")

from harness.ml_models import (  # noqa: E402
    MODELS,
    ModelError,
    check_folder,
    load_inputs,
    load_meta,
    model_folder,
    model_hash,
    native_session,
    run_native,
    sentence_embeddings,
)

# The shared cache, as set-up fills it: a test run after `make setup` builds nothing.
FOLDERS = {name: model_folder(name) for name in MODELS}
VARIANTS = [(name, variant["batch"]) for name, folder in FOLDERS.items()
            for variant in load_meta(folder)["batches"].values()]


@pytest.mark.parametrize("name", MODELS)
def test_folder_keeps_the_contract(name: str) -> None:
    folder = FOLDERS[name]
    meta = load_meta(folder)
    assert folder.name == f"{name}-{model_hash(name)}" and meta["name"] == name
    assert meta["task"] in ("classification", "embedding")
    check_folder(folder)  # every named file exists; input files are shape x dtype bytes
    for key, variant in meta["batches"].items():
        assert key == f"b{variant['batch']}"
        assert [s["name"] for s in variant["inputs"]] == [s["name"] for s in meta["inputs"]]
        for spec in variant["inputs"]:
            array = np.load(folder / spec["npy"])
            assert list(array.shape) == spec["shape"] and str(array.dtype) == spec["dtype"]
            assert spec["shape"][0] == variant["batch"]
            raw = np.fromfile(folder / spec["file"], dtype=np.dtype(spec["dtype"]).newbyteorder("<"))
            assert np.array_equal(raw.reshape(array.shape), array)


def test_check_folder_catches_a_wrong_file_size(tmp_path: Path) -> None:
    broken = tmp_path / "digits"
    shutil.copytree(FOLDERS["digits-cnn"], broken)
    spec = load_meta(broken)["batches"]["b1"]["inputs"][0]
    (broken / spec["file"]).write_bytes(b"\0" * 4)
    with pytest.raises(ModelError, match="shape x dtype"):
        check_folder(broken)


@pytest.mark.parametrize(("name", "batch"), VARIANTS)
@pytest.mark.parametrize("threads", [1, 2])
def test_native_runs_every_variant(name: str, batch: int, threads: int) -> None:
    meta = load_meta(FOLDERS[name])
    outputs = run_native(FOLDERS[name], batch, threads)
    assert list(outputs) == [o["name"] for o in meta["outputs"]]
    first_input = next(iter(load_inputs(FOLDERS[name], batch).values()))
    dims = {"batch": batch, "seq": first_input.shape[1]}
    for spec, value in zip(meta["outputs"], outputs.values(), strict=True):
        assert list(value.shape) == [dims.get(d, d) for d in spec["shape"]]
        assert np.isfinite(value).all()


@pytest.mark.parametrize("name", ["digits-cnn", "mlp"])  # the classifiers trained here (classifier_files)
def test_digits_accuracy(name: str) -> None:
    folder = FOLDERS[name]
    meta = load_meta(folder)
    assert meta["accuracy"]["held_out"] >= 0.9
    # The recorded figure is what onnxruntime computes on the stored slice.
    logits = run_native(folder, 64, 2)["logits"]
    labels = np.load(folder / meta["batches"]["b64"]["labels"])
    assert (logits.argmax(axis=1) == labels).mean() == pytest.approx(meta["accuracy"]["b64"])
    assert (logits.argmax(axis=1) == labels).mean() >= 0.9


@pytest.mark.parametrize(("name", "floor"), [("minilm-fp32", 0.999), ("minilm-int8", 0.99)])
@pytest.mark.parametrize("batch", [1, 8])
def test_minilm_matches_sentence_transformers(name: str, floor: float, batch: int) -> None:
    folder = FOLDERS[name]
    meta = load_meta(folder)
    inputs = load_inputs(folder, batch)
    hidden = run_native(folder, batch, 2)["last_hidden_state"]
    embeddings = sentence_embeddings(hidden, inputs["attention_mask"])
    reference = np.load(folder / meta["accuracy"]["reference"])[:batch]
    assert np.allclose(np.linalg.norm(reference, axis=1), 1, atol=1e-5)
    assert (embeddings * reference).sum(axis=1).min() >= floor
    if batch > 1:
        # Different sentences stay apart: a model that maps everything alike would pass the floor too.
        assert (embeddings[0] * embeddings[1:]).sum(axis=1).max() < 0.9


def test_minilm_takes_any_sequence_length() -> None:
    # transformers.js pads to the longest sentence, not to 128: the export must keep `seq` dynamic.
    folder = FOLDERS["minilm-fp32"]
    inputs = load_inputs(folder, 8)
    longest = int(inputs["attention_mask"].sum(axis=1).max())
    short = {name: array[:, :longest] for name, array in inputs.items()}
    hidden = native_session(folder, 1).run(None, short)[0]
    reference = np.load(folder / load_meta(folder)["accuracy"]["reference"])
    assert hidden.shape[1] == longest
    assert (sentence_embeddings(hidden, short["attention_mask"]) * reference).sum(axis=1).min() >= 0.999


def test_int8_is_quantized_and_measured() -> None:
    fp32, int8 = (load_meta(FOLDERS[n]) for n in ("minilm-fp32", "minilm-int8"))
    size = {n: (FOLDERS[n] / "model.onnx").stat().st_size for n in ("minilm-fp32", "minilm-int8")}
    assert size["minilm-int8"] < size["minilm-fp32"] / 3
    measured = int8["accuracy"]["measured"]
    per_channel = measured["native_vs_sentence_transformers"]["min"]
    assert measured["per_tensor_vs_sentence_transformers"]["min"] < per_channel
    for meta, dtype in ((fp32, "fp32"), (int8, "q8")):
        layout = FOLDERS[meta["name"]] / meta["transformers"]["dir"]
        assert meta["transformers"]["dtype"] == dtype
        for rel in ("config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx",
                    "onnx/model_quantized.onnx"):
            assert (layout / rel).is_file(), rel
        assert json.loads((layout / "config.json").read_text())["model_type"] == "bert"


def test_mobilenet_output_is_not_degenerate() -> None:
    logits = run_native(FOLDERS["mobilenet"], 1, 2)["logits"]
    assert logits.shape == (1, 1000) and np.isfinite(logits).all()
    assert logits.std() > 1e-3 and len(np.unique(logits)) > 900


def test_second_call_is_a_cache_hit() -> None:
    started = time.perf_counter()
    again = {name: model_folder(name) for name in MODELS}
    assert time.perf_counter() - started < 1.0
    assert again == FOLDERS


def test_build_is_atomic_and_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A builder that fails leaves no folder behind; the next call builds it whole, once.
    import harness.ml_build as ml_build

    real = ml_build.build_mobilenet
    calls = []

    def failing(out: Path, deps: dict[str, Path]) -> dict:
        calls.append(out)
        raise RuntimeError("interrupted")

    monkeypatch.setattr(ml_build, "build_mobilenet", failing)
    with pytest.raises(RuntimeError, match="interrupted"):
        model_folder("mobilenet", tmp_path)
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []
    monkeypatch.setattr(ml_build, "build_mobilenet", real)
    built = model_folder("mobilenet", tmp_path)
    assert built.parent == tmp_path and (built / "meta.json").is_file()
    assert model_folder("mobilenet", tmp_path) == built
    assert np.array_equal(np.load(built / "inputs/b1/input.npy"),
                          np.load(FOLDERS["mobilenet"] / "inputs/b1/input.npy"))


def test_unknown_model_is_an_error() -> None:
    with pytest.raises(ModelError, match="no model 'resnet'"):
        model_folder("resnet")
