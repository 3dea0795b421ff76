"""The `mlp` model of the ml suite: a multilayer perceptron 784-512-512-10 on the digits, upscaled.

The `kernels` runtime's second net (suites/ml/kernels/kernels.c), and a model every ONNX runtime
runs too. scikit-learn's 8x8 digits (the same split as digits-cnn) are upscaled to 28x28
(bilinear), flattened to 784 values, and the MLP (ReLU between its layers) is trained on them a
few epochs from seeded weights, so its answers mean something (top-1 on the held-out digits).
Imported only to build (torch); see harness/ml_models.py for the folder contract.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from harness.ml_build import (
    DIGITS_B64,
    TOLERANCE_FP32,
    _digits_data,
    _seed,
    _top1,
    _write_labels,
    export_onnx,
    native_outputs,
    signature,
    write_variant,
)
from harness.ml_models import SEED

SIDE = 28
EPOCHS = 8


class Mlp(nn.Module):
    """dense 784->512, ReLU, dense 512->512, ReLU, dense 512->10 (names as kernels_weights reads)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(SIDE * SIDE, 512)
        self.fc2 = nn.Linear(512, 512)
        self.fc3 = nn.Linear(512, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def _upscaled(images: np.ndarray) -> np.ndarray:
    """[N, 1, 8, 8] in 0..1 -> [N, 784], bilinear."""
    big = nn.functional.interpolate(torch.from_numpy(images), size=(SIDE, SIDE), mode="bilinear",
                                    align_corners=False)
    return big.reshape(len(images), -1).numpy().astype(np.float32)


def build_mlp(out: Path, deps: dict[str, Path]) -> dict:
    x_train, x_test, y_train, y_test = _digits_data()
    x_train, x_test = _upscaled(x_train), _upscaled(x_test)
    _seed()
    model = Mlp()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    xs, ys = torch.from_numpy(x_train), torch.from_numpy(y_train)
    order = torch.Generator().manual_seed(SEED)
    model.train()
    for _ in range(EPOCHS):
        for idx in torch.randperm(len(xs), generator=order).split(64):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(xs[idx]), ys[idx]).backward()
            optimizer.step()
    model.eval()
    export_onnx(model, (torch.from_numpy(x_test[:1]),), out / "model.onnx", ["input"], ["logits"],
                {"input": {0: "batch"}, "logits": {0: "batch"}})
    b1 = write_variant(out, 1, {"input": x_test[:1]})
    b1["labels"] = _write_labels(out, 1, y_test[:1])
    b64 = write_variant(out, DIGITS_B64, {"input": x_test[:DIGITS_B64]})
    b64["labels"] = _write_labels(out, DIGITS_B64, y_test[:DIGITS_B64])
    logits = native_outputs(out, "model.onnx", {"input": x_test})[0]
    return {
        "task": "classification",
        "description": "an MLP 784-512-512-10 trained here on scikit-learn's digits upscaled to 28x28",
        "inputs": signature(b1, {0: "batch"}), "outputs": [{"name": "logits", "shape": ["batch", 10]}],
        "batches": {"b1": b1, f"b{DIGITS_B64}": b64},
        "accuracy": {"metric": "top1", "held_out": _top1(logits, y_test), "held_out_size": len(y_test),
                     f"b{DIGITS_B64}": _top1(logits[:DIGITS_B64], y_test[:DIGITS_B64])},
        "tolerance": TOLERANCE_FP32,
        "tfjs": None, "tfjs_reason": "no TF.js Layers export for this model",
        "transformers": None,
        "sources": {"data": "sklearn.datasets.load_digits, 80/20 stratified split (seed), bilinear to 28x28",
                    "training": f"Adam lr 1e-3, {EPOCHS} epochs, batch 64, seeded initial weights"},
    }
