"""The weight blob of the `kernels` runtime: a model's ONNX weights in the layout kernels.c reads.

suites/ml/kernels/kernels.c has no ONNX parser: the host writes one float32 blob into its memory.
Here it is packed from the very initializers of the model's model.onnx (so the kernels run the
weights native onnxruntime runs), transposed to what the C wants: a dense layer as W[K][N]
(PyTorch's Gemm has W[N][K], transB=1), a 3x3 conv as W[ky][kx][ic][oc], each followed by its
bias. The digits CNN's fc1 rows are reordered from PyTorch's CHW flatten to NHWC, as its
activations are NHWC. Blobs are cached beside the model, keyed by the ONNX file's content.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engines.protocol import cache_root


class WeightsError(Exception):
    """A model file whose weights are not what the hand-written net needs."""


def _initializers(model_path: Path) -> dict[str, np.ndarray]:
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_path))
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def _take(weights: dict[str, np.ndarray], name: str, shape: tuple[int, ...], where: Path) -> np.ndarray:
    array = weights.get(name)
    if array is None:
        raise WeightsError(f"{where}: no initializer {name!r} (has {', '.join(sorted(weights)) or 'none'})")
    if array.shape != shape or array.dtype != np.float32:
        raise WeightsError(f"{where}: {name} is {array.dtype} {list(array.shape)}, the kernels need "
                           f"float32 {list(shape)}")
    return array


def _digits(w: dict[str, np.ndarray], where: Path) -> list[np.ndarray]:
    def conv(name: str, cin: int, cout: int) -> list[np.ndarray]:
        kernel = _take(w, f"{name}.weight", (cout, cin, 3, 3), where)  # [oc, ic, ky, kx]
        return [kernel.transpose(2, 3, 1, 0), _take(w, f"{name}.bias", (cout,), where)]

    fc1 = _take(w, "fc1.weight", (64, 512), where)
    fc1 = fc1.reshape(64, 32, 4, 4).transpose(0, 2, 3, 1).reshape(64, 512)  # CHW -> HWC columns
    return [*conv("conv1", 1, 16), *conv("conv2", 16, 32),
            fc1.T, _take(w, "fc1.bias", (64,), where),
            _take(w, "fc2.weight", (10, 64), where).T, _take(w, "fc2.bias", (10,), where)]


def _mlp(w: dict[str, np.ndarray], where: Path) -> list[np.ndarray]:
    parts = []
    for name, k, n in (("fc1", 784, 512), ("fc2", 512, 512), ("fc3", 512, 10)):
        parts += [_take(w, f"{name}.weight", (n, k), where).T, _take(w, f"{name}.bias", (n,), where)]
    return parts


PACKERS: dict[str, Callable[[dict[str, np.ndarray], Path], list[np.ndarray]]] = {
    "digits-cnn": _digits, "mlp": _mlp}


def pack(name: str, model_path: Path) -> bytes:
    """The blob for model `name` from its ONNX file (raises WeightsError naming the file)."""
    if name not in PACKERS:
        raise WeightsError(f"the kernels have no net for model {name!r} (they have {', '.join(PACKERS)})")
    parts = PACKERS[name](_initializers(model_path), model_path)
    return b"".join(np.ascontiguousarray(p, dtype="<f4").tobytes() for p in parts)


def weights_file(name: str, model_path: Path) -> Path:
    """The blob as a file, written once per content of the ONNX file."""
    digest = hashlib.sha256(Path(__file__).read_bytes() + Path(model_path).read_bytes()).hexdigest()[:16]
    out = cache_root() / "ml-kernels" / "weights" / f"{name}-{digest}.bin"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pack(name, model_path))
        tmp.replace(out)
    return out
