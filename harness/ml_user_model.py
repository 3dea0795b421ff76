"""A user's own .onnx as an ml-suite model folder (harness/ml_models.py's contract).

Inputs come from the model's signature: each dynamic dimension is set with
`--shape NAME=1x128` (or a `.npy` given with `--input NAME=FILE.npy`), and the
data is seeded random (floats from a normal distribution, integers in 0..99,
booleans), so every runtime gets the same bytes. Answers are judged element-wise
against native onnxruntime on those inputs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from engines.protocol import cache_root

SEED = 0
TOLERANCE = {"atol": 1e-4, "rtol": 1e-3}
# onnxruntime's type names -> numpy dtype names the runtimes read.
DTYPES = {"tensor(float)": "float32", "tensor(int64)": "int64", "tensor(int32)": "int32",
          "tensor(bool)": "bool", "tensor(double)": "float64"}


class ModelError(Exception):
    """A model file or a --shape/--input the suite cannot use: one line naming the model."""


def user_model(path: Path, shapes: list[str], inputs: list[str]) -> Path:
    """The folder for `path` with these shapes and inputs, made once (keyed by all of them)."""
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    given_shapes = _pairs(shapes, "--shape", path)
    given_inputs = _pairs(inputs, "--input", path)
    key = hashlib.sha256(path.read_bytes() + json.dumps([given_shapes, given_inputs, SEED, TOLERANCE],
                                                        sort_keys=True).encode()
                         + b"".join(Path(f).read_bytes() for f in given_inputs.values() if Path(f).exists())
                         ).hexdigest()[:16]
    folder = cache_root() / "ml-user" / f"{path.stem}-{key}"
    if (folder / "meta.json").exists():
        return folder
    import onnxruntime as ort

    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises its own exception types for a bad file
        raise ModelError(f"{path}: native onnxruntime cannot load it: {str(e).splitlines()[0]}") from None
    rng = np.random.default_rng(SEED)
    tmp = Path(tempfile.mkdtemp(prefix=".user-", dir=folder.parent if folder.parent.exists() else None))
    try:
        (tmp / "inputs" / "b0").mkdir(parents=True)
        specs = []
        feeds = {}
        for arg in session.get_inputs():
            data = feeds[arg.name] = _input_data(arg, given_shapes, given_inputs, rng, path)
            file = f"inputs/b0/{arg.name}.bin"
            (tmp / file).write_bytes(np.ascontiguousarray(data).tobytes())
            np.save(tmp / f"inputs/b0/{arg.name}.npy", data)
            specs.append({"name": arg.name, "dtype": str(data.dtype), "shape": list(data.shape), "file": file,
                          "npy": f"inputs/b0/{arg.name}.npy"})
        try:  # inputs the model refuses are the user's to fix, before any engine starts
            session.run(None, feeds)
        except Exception as e:  # onnxruntime raises its own exception types
            reason = str(e).splitlines()[0]
            raise ModelError(f"{path}: native onnxruntime refuses these inputs: {reason}") from None
        batch = int(specs[0]["shape"][0]) if specs and specs[0]["shape"] else 1
        for spec in specs:  # the suite names batch variants by their batch size
            spec["file"] = spec["file"].replace("b0", f"b{batch}")
            spec["npy"] = spec["npy"].replace("b0", f"b{batch}")
        (tmp / "inputs" / "b0").rename(tmp / "inputs" / f"b{batch}")
        shutil.copyfile(path, tmp / "model.onnx")
        meta = {"format": 1, "name": path.stem, "task": "user", "description": f"your model {path}",
                "model": "model.onnx", "inputs": specs,
                "outputs": [{"name": o.name, "shape": o.shape} for o in session.get_outputs()],
                "batches": {f"b{batch}": {"batch": batch, "inputs": specs}},
                "accuracy": {"metric": "elementwise"}, "tolerance": TOLERANCE, "tfjs": None,
                "tfjs_reason": "a user's ONNX file has no TF.js weights", "transformers": None,
                "sources": {"model": str(path.resolve())}, "seed": SEED}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            tmp.rename(folder)
        except OSError:  # another process made it first: theirs is the same
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _input_data(arg, shapes: dict[str, str], files: dict[str, str], rng: np.random.Generator,
                path: Path) -> np.ndarray:
    if arg.name in files:
        try:
            return np.load(files[arg.name])
        except (OSError, ValueError) as e:
            raise ModelError(f"{path}: --input {arg.name}={files[arg.name]}: {e}") from None
    dtype = DTYPES.get(arg.type)
    if dtype is None:
        raise ModelError(f"{path}: input {arg.name} has type {arg.type}, which the runtimes cannot be fed")
    if arg.name in shapes:
        try:
            shape = [int(d) for d in shapes[arg.name].lower().split("x")]
        except ValueError:
            raise ModelError(f"{path}: --shape {arg.name}={shapes[arg.name]}: "
                             "dimensions are like 1x128") from None
    else:
        dynamic = [d for d in arg.shape if not isinstance(d, int)]
        if dynamic:
            raise ModelError(f"{path}: input {arg.name} has dynamic dimensions {arg.shape}: give them with "
                             f"--shape {arg.name}=" + "x".join(str(d) if isinstance(d, int) else "N"
                                                              for d in arg.shape))
        shape = list(arg.shape)
    if dtype.startswith("float"):
        return rng.standard_normal(shape).astype(dtype)
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    return rng.integers(0, 100, shape).astype(dtype)


def _pairs(items: list[str], option: str, path: Path) -> dict[str, str]:
    out = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name or not value:
            raise ModelError(f"{path}: {option} {item!r} is not NAME=VALUE")
        out[name] = value
    return out
