"""An ONNX model as a plan for the `webgpu` runtime's WGSL kernels (suites/ml/js/webgpu.mjs).

The JS side has no ONNX parser, so Python reads the model once (the `onnx` package) and writes,
for one batch size, a list of kernel launches with every shape resolved, plus the constant tensors
as one raw float32 file. The kernels cover what the suite's image models use: Conv (any groups,
strides, pads, dilations; depthwise gets its own kernel), Gemm and 2-D MatMul, elementwise Add,
Relu and Clip (fused into the Conv or Gemm before them where that output has no other reader, as
is the Add of a constant bias after a MatMul),
MaxPool and AveragePool, GlobalAveragePool and ReduceMean over H and W, and the shape-only ops
(Flatten, Reshape, Squeeze, Unsqueeze, Identity). A model with any other op (MiniLM's Gather,
LayerNormalization, Softmax...) raises PlanError naming the op: the unit is `unsupported`.

FLOPs are counted here once per plan: 2 per multiply-add of the convolutions and matrix
products (the usual count; bias, activations, pooling and adds are left out), so the suite can
report GFLOP/s.

    plan(model.onnx, {input: shape}) -> folder with plan.json and weights.bin (cached by content)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from engines.protocol import cache_root

PLAN_FORMAT = 1
SOURCE = Path(__file__).resolve()
SHAPE_ONLY = ("Flatten", "Reshape", "Squeeze", "Unsqueeze", "Identity")
ACTIVATIONS = ("Relu", "Clip")


class PlanError(Exception):
    """The model uses something the WGSL kernels do not implement (the reason names it)."""


def plan_folder(model: Path, shapes: dict[str, list[int]]) -> Path:
    """The plan for `model` at these input shapes: built once into the harness cache."""
    key = hashlib.sha256(model.read_bytes() + SOURCE.read_bytes()
                         + json.dumps([PLAN_FORMAT, shapes], sort_keys=True).encode()).hexdigest()[:16]
    folder = cache_root() / "ml-wgsl" / f"{model.parent.name}-{key}"
    if (folder / "plan.json").is_file():
        return folder
    plan, weights = build(model, shapes)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
    (tmp / "weights.bin").write_bytes(weights)
    (tmp / "plan.json").write_text(json.dumps(plan, indent=1))
    try:
        os.rename(tmp, folder)
    except OSError:  # another process wrote the same plan first
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    return folder


def build(model_path: Path, shapes: dict[str, list[int]]) -> tuple[dict, bytes]:
    """(plan, weights bytes) for the model at the given input shapes."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_path))
    graph = model.graph
    consts: dict[str, np.ndarray] = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            consts[node.output[0]] = numpy_helper.to_array(_attrs(node)["value"])
    graph_inputs = [i.name for i in graph.input if i.name not in consts]
    missing = [name for name in graph_inputs if name not in shapes]
    if missing:
        raise PlanError(f"no shape given for input {missing[0]!r}")
    builder = _Builder(consts, {name: list(shapes[name]) for name in graph_inputs},
                       [o.name for o in graph.output], _readers(graph))
    for node in graph.node:
        if node.op_type != "Constant":
            builder.add(node)
    return builder.finish(graph_inputs)


def _attrs(node: Any) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _readers(graph: Any) -> dict[str, int]:
    count: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            count[name] = count.get(name, 0) + 1
    for out in graph.output:
        count[out.name] = count.get(out.name, 0) + 1
    return count


class _Builder:
    def __init__(self, consts: dict[str, np.ndarray], shapes: dict[str, list[int]], outputs: list[str],
                 readers: dict[str, int]) -> None:
        self.consts, self.shapes, self.outputs, self.readers = consts, shapes, outputs, readers
        self.ops: list[dict] = []
        self.weights: dict[str, np.ndarray] = {}
        self.alias: dict[str, str] = {}   # a shape-only op's output -> the tensor holding its data
        self.producer: dict[str, dict] = {}
        self.flops = 0

    def tensor(self, name: str) -> str:
        """The buffer a tensor lives in: itself, or what a shape-only op passed through."""
        while name in self.alias:
            name = self.alias[name]
        return name

    def weight(self, name: str, data: np.ndarray) -> str:
        self.weights[name] = np.ascontiguousarray(data, dtype=np.float32)
        self.shapes[name] = list(data.shape)
        return name

    def shape(self, name: str) -> list[int]:
        if name in self.shapes:
            return self.shapes[name]
        if name in self.consts:
            return list(self.consts[name].shape)
        raise PlanError(f"tensor {name!r} has no known shape")

    def emit(self, op: dict, out: str, shape: list[int]) -> None:
        op["out"] = out
        self.shapes[out] = shape
        self.ops.append(op)
        self.producer[out] = op

    def add(self, node: Any) -> None:
        kind = node.op_type
        handler = getattr(self, f"_op_{kind}", None)
        if handler is None:
            raise PlanError(f"the WGSL kernels have no ONNX op {kind} (node {node.name or node.output[0]!r})")
        handler(node, _attrs(node))

    # --- operators ------------------------------------------------------------------------------

    def _op_Conv(self, node: Any, a: dict) -> None:
        x, w = node.input[0], node.input[1]
        if w not in self.consts:
            raise PlanError(f"Conv {node.name!r}: weights that are not constant")
        weight = self.consts[w]
        n, c, h, wd = self.shape(x)
        m, cg, kh, kw = weight.shape
        group = int(a.get("group", 1))
        if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            raise PlanError(f"Conv {node.name!r}: auto_pad is not implemented")
        strides = a.get("strides", [1, 1])
        dil = a.get("dilations", [1, 1])
        pads = a.get("pads", [0, 0, 0, 0])
        oh = (h + pads[0] + pads[2] - dil[0] * (kh - 1) - 1) // strides[0] + 1
        ow = (wd + pads[1] + pads[3] - dil[1] * (kw - 1) - 1) // strides[1] + 1
        bias = self.consts.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
        depthwise = group == c == m and cg == 1
        op = {"kind": "depthwise" if depthwise else "conv", "x": self.tensor(x),
              "w": self.weight(w, weight),
              "b": self.weight(node.input[2], bias) if bias is not None else None,
              "n": n, "c": c, "h": h, "wd": wd, "m": m, "oh": oh, "ow": ow, "kh": kh, "kw": kw,
              "sh": strides[0], "sw": strides[1], "ph": pads[0], "pw": pads[1], "dh": dil[0], "dw": dil[1],
              "group": group, "act": {"kind": "none"}}
        self.flops += 2 * n * m * oh * ow * cg * kh * kw
        self.emit(op, node.output[0], [n, m, oh, ow])

    def _op_Gemm(self, node: Any, a: dict) -> None:
        x, w = node.input[0], node.input[1]
        if a.get("transA", 0):
            raise PlanError(f"Gemm {node.name!r}: transA is not implemented")
        if w not in self.consts:
            raise PlanError(f"Gemm {node.name!r}: a B that is not constant")
        rows, k = self.shape(x)
        weight = self.consts[w] * float(a.get("alpha", 1.0))
        if not a.get("transB", 0):
            weight = weight.T  # the kernel reads B as N x K
        cols = weight.shape[0]
        bias = None
        if len(node.input) > 2 and node.input[2]:
            c = self.consts.get(node.input[2])
            if c is None:
                raise PlanError(f"Gemm {node.name!r}: a C that is not constant")
            bias = np.broadcast_to(c * float(a.get("beta", 1.0)), (cols,)) if c.size in (1, cols) else None
            if bias is None:
                raise PlanError(f"Gemm {node.name!r}: C of shape {c.shape} is not a per-column bias")
        self._gemm(node, x, weight, bias, rows, k, cols, [rows, cols])

    def _op_MatMul(self, node: Any, a: dict) -> None:
        x, w = node.input[0], node.input[1]
        if w not in self.consts or self.consts[w].ndim != 2:
            raise PlanError(f"MatMul {node.name!r}: only a constant 2-D B is implemented")
        shape = self.shape(x)
        k, cols = self.consts[w].shape
        rows = math.prod(shape[:-1])
        self._gemm(node, x, self.consts[w].T, None, rows, k, cols, [*shape[:-1], cols])

    def _gemm(self, node: Any, x: str, weight_nk: np.ndarray, bias: np.ndarray | None, rows: int, k: int,
              cols: int, out_shape: list[int]) -> None:
        op = {"kind": "gemm", "x": self.tensor(x), "w": self.weight(node.input[1] + ":nk", weight_nk),
              "b": self.weight(node.input[1] + ":bias", np.asarray(bias)) if bias is not None else None,
              "rows": rows, "k": k, "cols": cols, "act": {"kind": "none"}}
        self.flops += 2 * rows * k * cols
        self.emit(op, node.output[0], out_shape)

    def _activation(self, node: Any) -> dict:
        if node.op_type == "Relu":
            return {"kind": "relu"}
        low = self.consts[node.input[1]] if len(node.input) > 1 and node.input[1] else None
        high = self.consts[node.input[2]] if len(node.input) > 2 and node.input[2] else None
        a = _attrs(node)
        return {"kind": "clip",
                "min": float(low) if low is not None else float(a.get("min", -3.4e38)),
                "max": float(high) if high is not None else float(a.get("max", 3.4e38))}

    def _act(self, node: Any, a: dict) -> None:
        src = node.input[0]
        act = self._activation(node)
        before = self.producer.get(self.tensor(src))
        # Fuse into the conv or gemm that made the input, when nothing else reads it.
        if (before is not None and before["kind"] in ("conv", "depthwise", "gemm")
                and before["act"]["kind"] == "none" and self.readers.get(src, 0) == 1
                and src not in self.outputs):
            before["act"] = act
            self.alias[node.output[0]] = src
            self.shapes[node.output[0]] = self.shape(src)
            return
        self.emit({"kind": "act", "x": self.tensor(src), "size": math.prod(self.shape(src)), "act": act},
                  node.output[0], self.shape(src))

    _op_Relu = _act
    _op_Clip = _act

    def _op_Add(self, node: Any, a: dict) -> None:
        x, y = node.input
        if x in self.consts:
            x, y = y, x
        if y in self.consts and self._fuse_bias(x, self.consts[y], node.output[0]):
            return
        if x in self.consts or y in self.consts or self.shape(x) != self.shape(y):
            raise PlanError(f"Add {node.name!r}: only two computed tensors of one shape are implemented")
        self.emit({"kind": "add", "x": self.tensor(x), "y": self.tensor(y), "size": math.prod(self.shape(x))},
                  node.output[0], self.shape(x))

    def _fuse_bias(self, src: str, bias: np.ndarray, out: str) -> bool:
        """MatMul then Add of a per-column constant (a dense layer): the constant becomes the gemm's bias."""
        before = self.producer.get(src)
        if (before is None or before["kind"] != "gemm" or before["b"] is not None
                or before["act"]["kind"] != "none" or self.readers.get(src, 0) != 1 or src in self.outputs
                or bias.size not in (1, before["cols"])):
            return False
        before["b"] = self.weight(f"{out}:bias", np.broadcast_to(bias.reshape(-1), (before["cols"],)))
        self.alias[out] = src
        self.shapes[out] = self.shape(src)
        return True

    def _pool(self, node: Any, a: dict, kind: str) -> None:
        x = node.input[0]
        n, c, h, w = self.shape(x)
        if a.get("ceil_mode", 0) or any(d != 1 for d in a.get("dilations", [1, 1])):
            raise PlanError(f"{node.op_type} {node.name!r}: ceil_mode and dilations are not implemented")
        kh, kw = a["kernel_shape"]
        strides = a.get("strides", [1, 1])
        pads = a.get("pads", [0, 0, 0, 0])
        oh = (h + pads[0] + pads[2] - kh) // strides[0] + 1
        ow = (w + pads[1] + pads[3] - kw) // strides[1] + 1
        self.emit({"kind": kind, "x": self.tensor(x), "n": n, "c": c, "h": h, "wd": w, "oh": oh, "ow": ow,
                   "kh": kh, "kw": kw, "sh": strides[0], "sw": strides[1], "ph": pads[0], "pw": pads[1],
                   "include_pad": int(a.get("count_include_pad", 0))},
                  node.output[0], [n, c, oh, ow])

    def _op_MaxPool(self, node: Any, a: dict) -> None:
        if len(node.output) > 1 and node.output[1]:
            raise PlanError(f"MaxPool {node.name!r}: the indices output is not implemented")
        self._pool(node, a, "maxpool")

    def _op_AveragePool(self, node: Any, a: dict) -> None:
        self._pool(node, a, "avgpool")

    def _mean_hw(self, node: Any, keepdims: bool) -> None:
        x = node.input[0]
        n, c, h, w = self.shape(x)
        self.emit({"kind": "mean", "x": self.tensor(x), "rows": n * c, "size": h * w},
                  node.output[0], [n, c, 1, 1] if keepdims else [n, c])

    def _op_GlobalAveragePool(self, node: Any, a: dict) -> None:
        self._mean_hw(node, True)

    def _op_ReduceMean(self, node: Any, a: dict) -> None:
        axes = a.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1] in self.consts:
            axes = self.consts[node.input[1]].tolist()
        rank = len(self.shape(node.input[0]))
        if rank != 4 or sorted(ax % rank for ax in (axes or [])) != [2, 3]:
            raise PlanError(f"ReduceMean {node.name!r}: only the mean over H and W of NCHW is implemented")
        self._mean_hw(node, bool(a.get("keepdims", 1)))

    def _shape_only(self, node: Any, a: dict) -> None:
        x = node.input[0]
        shape = self.shape(x)
        if node.op_type == "Flatten":
            axis = a.get("axis", 1) % len(shape) if shape else 0
            new = [math.prod(shape[:axis]), math.prod(shape[axis:])]
        elif node.op_type == "Reshape":
            target = self.consts.get(node.input[1])
            if target is None:
                raise PlanError(f"Reshape {node.name!r}: a shape that is not constant")
            new = [int(d) if d != 0 else shape[i] for i, d in enumerate(target.tolist())]
            if -1 in new:
                known = math.prod(d for d in new if d != -1)
                new[new.index(-1)] = math.prod(shape) // known
        elif node.op_type in ("Squeeze", "Unsqueeze"):
            axes = a.get("axes")
            if axes is None and len(node.input) > 1:
                axes = self.consts[node.input[1]].tolist()
            new = list(shape)
            if node.op_type == "Squeeze":
                drop = ({ax % len(shape) for ax in axes} if axes
                        else {i for i, d in enumerate(shape) if d == 1})
                new = [d for i, d in enumerate(shape) if i not in drop]
            else:
                for ax in sorted(ax % (len(shape) + len(axes)) for ax in axes):
                    new.insert(ax, 1)
        else:
            new = list(shape)
        if math.prod(new) != math.prod(shape):
            raise PlanError(f"{node.op_type} {node.name!r}: shape {shape} -> {new} changes the size")
        self.alias[node.output[0]] = x
        self.shapes[node.output[0]] = new

    _op_Flatten = _op_Reshape = _op_Squeeze = _op_Unsqueeze = _op_Identity = _shape_only

    def finish(self, inputs: list[str]) -> tuple[dict, bytes]:
        offsets, chunks, at = {}, [], 0
        for name, data in self.weights.items():
            offsets[name] = {"offset": at, "size": int(data.size)}
            chunks.append(data.tobytes())
            at += data.size
        outputs = []
        for name in self.outputs:
            source = self.tensor(name)
            if source in inputs or source in self.weights:
                raise PlanError(f"output {name!r} is computed by no kernel")
            outputs.append({"name": name, "tensor": source, "shape": self.shapes[name]})
        used = {t for op in self.ops for t in (op.get("x"), op.get("y"), op["out"]) if t}
        tensors = {t: math.prod(self.shapes[t]) for t in used if t not in self.weights}
        plan = {"format": PLAN_FORMAT, "inputs": [{"name": n, "shape": self.shapes[n]} for n in inputs],
                "outputs": outputs, "tensors": tensors, "weights": offsets, "ops": self.ops,
                "flops": int(self.flops)}
        return plan, b"".join(chunks)
