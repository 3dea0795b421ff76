"""What the ml suite hands a runtime for one model and batch, and how it judges the answer.

Model folders follow harness/ml_models.py's contract. A runtime gets absolute
paths (`runtime_args`), a browser gets the list of files it may load
(`files_of`), and an answer is judged against native onnxruntime on the same
inputs (`judge`): element-wise within the model's tolerance, plus top-1
agreement (and accuracy on the true labels) for classifiers, or cosine
similarity of the sentence embeddings for MiniLM (against native and against
sentence-transformers).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engines.protocol import cache_root
from harness import ml_models

# Runtimes that read the ONNX file itself (emscripten and kernels: its initializers, as the C
# weights; webgpu: through its plan, harness/ml_wgsl_plan.py; wasi-nn converts it to OpenVINO IR;
# tvm compiles it with relax).
ONNX_RUNTIMES = ("ort", "onnxruntime", "emscripten", "kernels", "webgpu", "wasi-nn", "tvm")


def batches(meta: dict) -> list[int]:
    return sorted(int(v["batch"]) for v in meta["batches"].values())


def runs_on(meta: dict, runtime: str) -> bool:
    """Whether the runtime can run this model: TF.js needs its Layers weights, transformers.js
    its model folder (MiniLM)."""
    if runtime in ONNX_RUNTIMES:
        return True
    return bool(meta.get(runtime))


def runtime_args(folder: Path, meta: dict, runtime: str, batch: int) -> dict:
    variant = meta["batches"][f"b{batch}"]
    inputs = [{"name": i["name"], "dtype": i["dtype"], "shape": i["shape"], "file": str(folder / i["file"])}
              for i in variant["inputs"]]
    if runtime in ONNX_RUNTIMES:
        return {"model": str(folder / meta["model"]), "inputs": inputs}
    if runtime == "tfjs":
        tfjs = meta["tfjs"]
        return {"model": str(folder / tfjs["model"]), "weights": [str(folder / w) for w in tfjs["weights"]],
                "inputs": [_transposed(folder, i, tfjs["transpose"]) for i in inputs],
                "layout": tfjs["input_layout"]}
    if runtime == "transformers":
        info = meta["transformers"]
        model_dir = folder / info["dir"]
        return {"model": str(model_dir), "model_id": model_dir.name, "quantized": info["dtype"] == "q8",
                "dtype": info["dtype"], "texts": meta["sentences"][:batch], "pooling": info["pooling"],
                "normalize": info["normalize"],
                # The pipeline pads to the batch's longest sentence (about 12 tokens here); padding
                # to the ONNX inputs' length makes it the same work as onnxruntime's rows.
                "seq_len": int(variant["inputs"][0]["shape"][1])}
    raise ValueError(f"unknown runtime {runtime!r}")


def files_of(args: dict) -> list[str]:
    """Every model and input file a browser page needs for these args (it may load no others)."""
    files = [i["file"] for i in args.get("inputs", [])]
    model = Path(args["model"])
    if model.is_dir():
        files += [str(p) for p in sorted(model.rglob("*")) if p.is_file()]
    else:
        files.append(str(model))
    return files + list(args.get("weights", []))


def judge(meta: dict, folder: Path, batch: int, runtime: str, outputs: dict[str, np.ndarray],
          reference: dict[str, np.ndarray]) -> dict:
    """Accuracy figures and `ok`: within tolerance of native onnxruntime, and of the model's floors."""
    inputs = ml_models.load_inputs(folder, batch)
    if meta["accuracy"]["metric"] == "cosine":
        return _judge_embeddings(meta, folder, batch, runtime, outputs, reference, inputs)
    return _judge_elementwise(meta, folder, batch, runtime, outputs, reference)


def _judge_elementwise(meta: dict, folder: Path, batch: int, runtime: str, outputs: dict[str, np.ndarray],
                       reference: dict[str, np.ndarray]) -> dict:
    tolerance = (meta.get("tfjs") or {}).get("tolerance") if runtime == "tfjs" else None
    tolerance = tolerance or meta["tolerance"]
    result: dict = {"tolerance": tolerance, "max_abs_diff": 0.0}
    within = True
    for n, (name, want) in enumerate(reference.items()):
        # A runtime may name outputs its own way (TF.js layers): fall back to the position.
        got = outputs.get(name, list(outputs.values())[n] if n < len(outputs) else None)
        if got is None or got.size != want.size:
            return {"ok": False, "reason": f"output {name}: got {None if got is None else got.shape}, "
                                           f"native {want.shape}"}
        got = got.reshape(want.shape).astype(np.float64)
        if want.size:
            result["max_abs_diff"] = max(result["max_abs_diff"], float(np.max(np.abs(got - want))))
            within = within and bool(np.all(np.abs(got - want) <= tolerance["atol"]
                                            + tolerance["rtol"] * np.abs(want)))
        if n == 0 and meta["accuracy"]["metric"] == "top1":
            result["top1_agreement"] = float(np.mean(np.argmax(got, axis=-1) == np.argmax(want, axis=-1)))
            labels = meta["batches"][f"b{batch}"].get("labels")
            if labels:
                result["accuracy"] = float(np.mean(np.argmax(got, axis=-1) == np.load(folder / labels)))
    result["ok"] = within
    if not within:
        result["reason"] = (f"largest difference from native {result['max_abs_diff']:.3g} is outside "
                            f"atol {tolerance['atol']:g} + rtol {tolerance['rtol']:g}")
    return result


def _judge_embeddings(meta: dict, folder: Path, batch: int, runtime: str, outputs: dict[str, np.ndarray],
                      reference: dict[str, np.ndarray], inputs: dict[str, np.ndarray]) -> dict:
    accuracy = meta["accuracy"]
    native = ml_models.sentence_embeddings(reference["last_hidden_state"], inputs["attention_mask"])
    got = _only(outputs)
    if got is None:
        return {"ok": False, "reason": "no output"}
    result: dict = {}
    if runtime == "transformers":  # the pipeline pools and normalizes itself: compare embeddings
        embeddings = got.reshape(native.shape).astype(np.float64)
        result["max_abs_diff"] = float(np.max(np.abs(embeddings - native)))
    else:
        hidden = got.reshape(reference["last_hidden_state"].shape)
        embeddings = ml_models.sentence_embeddings(hidden, inputs["attention_mask"])
        result["max_abs_diff"] = float(np.max(np.abs(hidden - reference["last_hidden_state"])))
    cosine = float(np.min(np.sum(embeddings * native, axis=1)))
    expected = np.load(folder / accuracy["reference"])[: embeddings.shape[0]]
    versus_reference = float(np.min(np.sum(embeddings * expected, axis=1)))
    result.update(cosine=cosine, cosine_vs_reference=versus_reference)
    near_native = cosine >= accuracy["min_cosine_vs_native"]
    if not near_native and meta.get("quantization"):
        # Two sound int8 paths may round activations differently: OpenVINO's (wasi-nn) sits at 0.997
        # against native onnxruntime's int8 yet nearer the fp32 sentence-transformers reference than
        # native int8 itself (0.991 vs 0.990). So a quantized model's answer also passes when it is as
        # close to the reference as native is, within the native floor's own slack.
        native_vs_reference = float(np.min(np.sum(native * expected, axis=1)))
        slack = 1 - accuracy["min_cosine_vs_native"]
        near_native = versus_reference >= native_vs_reference - slack
        result["native_cosine_vs_reference"] = native_vs_reference
        if near_native:
            floor = accuracy["min_cosine_vs_native"]
            result["judged"] = (f"cosine {cosine:.5f} vs native int8 is below {floor}, "
                                f"but {versus_reference:.5f} vs sentence-transformers matches native int8's "
                                f"{native_vs_reference:.5f} (within {slack:.3g})")
    ok = near_native and versus_reference >= accuracy["min_cosine"]
    if "max_abs_diff" in result and runtime != "transformers":
        ok = ok and result["max_abs_diff"] <= meta["tolerance"]["atol"] + meta["tolerance"]["rtol"] * float(
            np.max(np.abs(reference["last_hidden_state"])))
    result["ok"] = bool(ok)
    if not ok:
        floor = accuracy["min_cosine_vs_native"]
        result["reason"] = (f"cosine {cosine:.5f} vs native (floor {floor}), "
                            f"{versus_reference:.5f} vs sentence-transformers "
                            f"(floor {accuracy['min_cosine']})")
        if "native_cosine_vs_reference" in result:
            result["reason"] += f"; native int8 scores {result['native_cosine_vs_reference']:.5f} there"
    return result


def _only(outputs: dict[str, np.ndarray]) -> np.ndarray | None:
    return next(iter(outputs.values()), None)


def _transposed(folder: Path, spec: dict, axes: list[int]) -> dict:
    """An input in TF.js's layout (NHWC), written once beside the harness cache."""
    raw = Path(spec["file"]).read_bytes()
    data = np.frombuffer(raw, dtype=np.dtype(spec["dtype"])).reshape(spec["shape"])
    moved = np.ascontiguousarray(np.transpose(data, axes))
    name = f"{Path(spec['file']).parent.name}-{spec['name']}.nhwc.bin"
    out = cache_root() / "ml-inputs" / folder.name / name
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{id(out)}.tmp")
        tmp.write_bytes(moved.tobytes())
        tmp.replace(out)
    return {"name": spec["name"], "dtype": spec["dtype"], "shape": list(moved.shape), "file": str(out)}
