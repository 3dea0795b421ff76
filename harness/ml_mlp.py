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

from harness.ml_build import classifier_files, digits_data, train_classifier

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
    x_train, x_test, y_train, y_test = digits_data()
    model = train_classifier(Mlp, _upscaled(x_train), y_train, lr=1e-3, epochs=EPOCHS)
    return {
        **classifier_files(out, model, _upscaled(x_test), y_test),
        "description": "an MLP 784-512-512-10 trained here on scikit-learn's digits upscaled to 28x28",
        "tfjs": None, "tfjs_reason": "no TF.js Layers export for this model",
        "sources": {"data": "sklearn.datasets.load_digits, 80/20 stratified split (seed), bilinear to 28x28",
                    "training": f"Adam lr 1e-3, {EPOCHS} epochs, batch 64, seeded initial weights"},
    }
