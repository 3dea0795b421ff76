"""A TF.js Layers model (`tf.loadLayersModel`: model.json + weights.bin) written from numpy weights,
without TensorFlow: Keras' functional topology as JSON plus a float32 weights manifest.

Layers are channels-last (NHWC), so callers hand kernels already in Keras' layout: Conv2D
[kh, kw, in, out], DepthwiseConv2D [kh, kw, in, 1], Dense [in, out].
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

KERAS_VERSION = "2.15.0"  # what tfjs-layers 4.x reads; the topology below uses only 2.x fields


class LayersGraph:
    """A functional Keras model built layer by layer; each call returns the new layer's name."""

    def __init__(self, name: str, input_shape: list[int]) -> None:
        self.name = name
        self.layers: list[dict] = []
        self.weights: list[tuple[str, np.ndarray]] = []
        self.input = self._add("InputLayer", "input", {"batch_input_shape": [None, *input_shape],
                                                       "dtype": "float32", "sparse": False}, [])

    def _add(self, class_name: str, name: str, config: dict, inbound: list[str],
             weights: dict[str, np.ndarray] | None = None) -> str:
        if any(layer["name"] == name for layer in self.layers):
            raise ValueError(f"layer name {name!r} used twice")
        self.layers.append({
            "class_name": class_name, "name": name,
            "config": {"name": name, "trainable": True, "dtype": "float32", **config},
            "inbound_nodes": [[[src, 0, 0, {}] for src in inbound]] if inbound else [],
        })
        # tfjs-layers matches weights by "<layer>/<weight>" in the manifest.
        for key, value in (weights or {}).items():
            self.weights.append((f"{name}/{key}", np.ascontiguousarray(value, dtype=np.float32)))
        return name

    def conv(self, name: str, src: str, kernel: np.ndarray, bias: np.ndarray, stride: int, padding: str,
             activation: str = "linear") -> str:
        kh, kw, _, filters = kernel.shape
        config = {"filters": filters, "kernel_size": [kh, kw], "strides": [stride, stride],
                  "padding": padding, "data_format": "channels_last", "dilation_rate": [1, 1],
                  "activation": activation, "use_bias": True}
        return self._add("Conv2D", name, config, [src], {"kernel": kernel, "bias": bias})

    def depthwise(self, name: str, src: str, kernel: np.ndarray, bias: np.ndarray, stride: int, padding: str,
                  activation: str = "linear") -> str:
        kh, kw, _, multiplier = kernel.shape
        config = {"kernel_size": [kh, kw], "strides": [stride, stride], "padding": padding,
                  "depth_multiplier": multiplier, "data_format": "channels_last", "dilation_rate": [1, 1],
                  "activation": activation, "use_bias": True}
        return self._add("DepthwiseConv2D", name, config, [src], {"depthwise_kernel": kernel, "bias": bias})

    def zero_pad(self, name: str, src: str, pad: int) -> str:
        # PyTorch pads both sides alike; Keras "same" with stride 2 pads only after, hence explicit pads.
        config = {"padding": [[pad, pad], [pad, pad]], "data_format": "channels_last"}
        return self._add("ZeroPadding2D", name, config, [src])

    def max_pool(self, name: str, src: str, size: int) -> str:
        config = {"pool_size": [size, size], "strides": [size, size], "padding": "valid",
                  "data_format": "channels_last"}
        return self._add("MaxPooling2D", name, config, [src])

    def global_avg_pool(self, name: str, src: str) -> str:
        return self._add("GlobalAveragePooling2D", name, {"data_format": "channels_last"}, [src])

    def flatten(self, name: str, src: str) -> str:
        return self._add("Flatten", name, {"data_format": "channels_last"}, [src])

    def dense(self, name: str, src: str, kernel: np.ndarray, bias: np.ndarray,
              activation: str = "linear") -> str:
        config = {"units": kernel.shape[1], "activation": activation, "use_bias": True}
        return self._add("Dense", name, config, [src], {"kernel": kernel, "bias": bias})

    def add(self, name: str, a: str, b: str) -> str:
        return self._add("Add", name, {}, [a, b])

    def save(self, out_dir: Path, output: str) -> dict:
        """Write model.json and weights.bin; returns the files, relative to `out_dir`'s parent."""
        out_dir.mkdir(parents=True, exist_ok=True)
        topology = {
            "class_name": "Functional", "keras_version": KERAS_VERSION, "backend": "tensorflow",
            "config": {"name": self.name, "layers": self.layers, "input_layers": [[self.input, 0, 0]],
                       "output_layers": [[output, 0, 0]]},
        }
        manifest = [{"paths": ["weights.bin"], "weights": [
            {"name": name, "shape": list(value.shape), "dtype": "float32"} for name, value in self.weights]}]
        model = {"format": "layers-model", "generatedBy": "wasm-harness harness/ml_tfjs.py",
                 "convertedBy": None, "modelTopology": topology, "weightsManifest": manifest}
        (out_dir / "model.json").write_text(json.dumps(model))
        with open(out_dir / "weights.bin", "wb") as f:
            for _, value in self.weights:
                f.write(value.astype("<f4").tobytes())
        return {"model": f"{out_dir.name}/model.json", "weights": [f"{out_dir.name}/weights.bin"]}


def conv_kernel(weight: np.ndarray) -> np.ndarray:
    """PyTorch Conv2d [out, in, kh, kw] -> Keras [kh, kw, in, out]."""
    return weight.transpose(2, 3, 1, 0)


def depthwise_kernel(weight: np.ndarray) -> np.ndarray:
    """PyTorch depthwise Conv2d [channels, 1, kh, kw] -> Keras [kh, kw, channels, 1]."""
    return weight.transpose(2, 3, 0, 1)


def dense_kernel(weight: np.ndarray) -> np.ndarray:
    """PyTorch Linear [out, in] -> Keras [in, out]."""
    return weight.T
