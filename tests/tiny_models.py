"""Tiny models for the ML runtime tests, written from scratch (no model hub, no `onnx` package).

* `write_onnx_mlp`: x float32 [batch, 4] -> MatMul -> Add -> Relu -> y [batch, 3].
* `write_onnx_embed`: ids int64 [1, 5] and scale float32 [1] -> Gather -> Mul -> emb float32
  [1, 5, 3], and ArgMax over the last axis -> am int64 [1, 5]: two inputs, an int64 input and an
  int64 output.
* `write_tfjs_dense`: a TF.js Layers model (model.json + one weights shard) of one Dense layer
  with ReLU, the same function as the ONNX MLP.

The ONNX files are encoded here by hand (ModelProto's protobuf fields, onnx.proto3), so the
tests need nothing beyond numpy; each writer returns the numpy reference of its outputs.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

FLOAT, INT64 = 1, 7  # TensorProto.DataType
ATTRIBUTE_INT = 2    # AttributeProto.AttributeType


# --- protobuf wire format ----------------------------------------------------------------

def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64s are ten-byte varints
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _int(field: int, n: int) -> bytes:
    return _varint(field << 3) + _varint(n)


def _bytes(field: int, data: bytes | str) -> bytes:
    raw = data.encode() if isinstance(data, str) else data
    return _varint(field << 3 | 2) + _varint(len(raw)) + raw


# --- ONNX messages -------------------------------------------------------------------------

def _tensor(name: str, array: np.ndarray) -> bytes:
    data_type = {np.dtype(np.float32): FLOAT, np.dtype(np.int64): INT64}[array.dtype]
    dims = b"".join(_int(1, d) for d in array.shape)
    raw = array.astype(array.dtype.newbyteorder("<")).tobytes()
    return dims + _int(2, data_type) + _bytes(8, name) + _bytes(9, raw)


def _value_info(name: str, elem_type: int, shape: list[int | str]) -> bytes:
    dims = b"".join(_bytes(1, _int(1, d) if isinstance(d, int) else _bytes(2, d)) for d in shape)
    tensor_type = _int(1, elem_type) + _bytes(2, dims)
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def _node(op: str, inputs: list[str], outputs: list[str], **ints: int) -> bytes:
    attrs = b"".join(_bytes(5, _bytes(1, k) + _int(3, v) + _int(20, ATTRIBUTE_INT)) for k, v in ints.items())
    return (b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs)
            + _bytes(3, f"{op}_{outputs[0]}") + _bytes(4, op) + attrs)


def _model(nodes: list[bytes], initializers: list[bytes], inputs: list[bytes], outputs: list[bytes]) -> bytes:
    graph = (b"".join(_bytes(1, n) for n in nodes) + _bytes(2, "tiny")
             + b"".join(_bytes(5, t) for t in initializers)
             + b"".join(_bytes(11, v) for v in inputs) + b"".join(_bytes(12, v) for v in outputs))
    opset = _bytes(1, "") + _int(2, 13)
    return _int(1, 8) + _bytes(2, "wasm-harness tests") + _bytes(7, graph) + _bytes(8, opset)


def _raw(path: Path, array: np.ndarray) -> dict:
    """Write an input as raw little-endian bytes; its entry in a command's `inputs`."""
    path.write_bytes(array.astype(array.dtype.newbyteorder("<")).tobytes())
    return {"dtype": str(array.dtype), "shape": list(array.shape), "file": str(path)}


# --- the models --------------------------------------------------------------------------------

def mlp_weights() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(13)
    return rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)


def mlp_input(batch: int = 2) -> np.ndarray:
    return np.random.default_rng(7).standard_normal((batch, 4)).astype(np.float32)


def mlp_reference(x: np.ndarray) -> np.ndarray:
    w, b = mlp_weights()
    return np.maximum(x @ w + b, 0).astype(np.float32)


def write_onnx_mlp(directory: Path) -> tuple[Path, list[dict], dict[str, np.ndarray]]:
    """The model file, its `inputs` entries and {output name: reference}."""
    w, b = mlp_weights()
    model = _model(
        [_node("MatMul", ["x", "w"], ["xw"]), _node("Add", ["xw", "b"], ["xwb"]),
         _node("Relu", ["xwb"], ["y"])],
        [_tensor("w", w), _tensor("b", b)],
        [_value_info("x", FLOAT, ["batch", 4])],
        [_value_info("y", FLOAT, ["batch", 3])],
    )
    path = directory / "mlp.onnx"
    path.write_bytes(model)
    x = mlp_input()
    return path, [{"name": "x", **_raw(directory / "mlp.x.bin", x)}], {"y": mlp_reference(x)}


def write_onnx_embed(directory: Path) -> tuple[Path, list[dict], dict[str, np.ndarray]]:
    table = np.random.default_rng(5).standard_normal((10, 3)).astype(np.float32)
    model = _model(
        [_node("Gather", ["table", "ids"], ["rows"]), _node("Mul", ["rows", "scale"], ["emb"]),
         _node("ArgMax", ["emb"], ["am"], axis=2, keepdims=0)],
        [_tensor("table", table)],
        [_value_info("ids", INT64, [1, 5]), _value_info("scale", FLOAT, [1])],
        [_value_info("emb", FLOAT, [1, 5, 3]), _value_info("am", INT64, [1, 5])],
    )
    path = directory / "embed.onnx"
    path.write_bytes(model)
    ids = np.array([[3, 0, 9, 3, 7]], dtype=np.int64)
    scale = np.array([-2.5], dtype=np.float32)
    emb = (table[ids] * scale).astype(np.float32)
    inputs = [{"name": "ids", **_raw(directory / "embed.ids.bin", ids)},
              {"name": "scale", **_raw(directory / "embed.scale.bin", scale)}]
    return path, inputs, {"emb": emb, "am": emb.argmax(axis=2).astype(np.int64)}


def write_tfjs_dense(directory: Path) -> tuple[Path, list[dict], dict[str, np.ndarray]]:
    """A Keras-format Layers model: InputLayer [null, 4] -> Dense(3, relu), weights in one shard."""
    w, b = mlp_weights()
    folder = directory / "tfjs-dense"
    folder.mkdir(exist_ok=True)
    (folder / "group1-shard1of1.bin").write_bytes(w.astype("<f4").tobytes() + b.astype("<f4").tobytes())
    topology = {
        "class_name": "Sequential",
        "config": {"name": "dense_model", "layers": [
            {"class_name": "InputLayer",
             "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False, "name": "x"}},
            {"class_name": "Dense",
             "config": {"name": "dense", "trainable": True, "dtype": "float32", "units": 3,
                        "activation": "relu", "use_bias": True,
                        "kernel_initializer": {"class_name": "Zeros", "config": {}},
                        "bias_initializer": {"class_name": "Zeros", "config": {}},
                        "kernel_regularizer": None, "bias_regularizer": None,
                        "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}},
        ]},
        "keras_version": "2.15.0", "backend": "tensorflow",
    }
    manifest = [{"paths": ["group1-shard1of1.bin"], "weights": [
        {"name": "dense/kernel", "shape": [4, 3], "dtype": "float32"},
        {"name": "dense/bias", "shape": [3], "dtype": "float32"},
    ]}]
    path = folder / "model.json"
    path.write_text(json.dumps({"format": "layers-model", "generatedBy": "wasm-harness tests",
                                "convertedBy": None, "modelTopology": topology, "weightsManifest": manifest}))
    x = mlp_input()
    inputs = [{"name": "x", "layout": "NC", **_raw(directory / "dense.x.bin", x)}]
    return path, inputs, {"dense": mlp_reference(x)}


def decode_output(output: dict) -> np.ndarray:
    """A result's output ({name, dtype, shape, data_b64}) as a numpy array."""
    data = base64.b64decode(output["data_b64"])
    dtype = np.dtype(output["dtype"]).newbyteorder("<")
    return np.frombuffer(data, dtype=dtype).reshape(output["shape"])



# --- a tiny BERT-like folder for transformers.js ----------------------------------------------

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "wasm", "is", "fast", "##er"]
HIDDEN = 4


def _bert_tables(quantized: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    words = rng.standard_normal((len(VOCAB), HIDDEN)).astype(np.float32)
    types = rng.standard_normal((2, HIDDEN)).astype(np.float32)
    if quantized:  # a different model, so that the test sees which file was loaded
        words = np.round(words * 4) / 4
    return words, types


def _bert_onnx(quantized: bool) -> bytes:
    words, types = _bert_tables(quantized)
    seq = ["batch", "sequence"]
    return _model(
        [_node("Gather", ["words", "input_ids"], ["w"]), _node("Gather", ["types", "token_type_ids"], ["t"]),
         _node("Add", ["w", "t"], ["last_hidden_state"])],
        [_tensor("words", words), _tensor("types", types)],
        [_value_info("input_ids", INT64, seq), _value_info("attention_mask", INT64, seq),
         _value_info("token_type_ids", INT64, seq)],
        [_value_info("last_hidden_state", FLOAT, [*seq, HIDDEN])],
    )


def _tokenizer() -> dict:
    special = {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
               "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": n, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for n, t in enumerate(VOCAB[:4])],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": special,
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: n for n, t in enumerate(VOCAB)}},
    }


TEXTS = ["Hello world", "wasm is faster"]
TOKEN_IDS = [[2, 4, 5, 3], [2, 6, 7, 8, 9, 3]]  # what the tokenizer above makes of TEXTS


def write_bert_folder(directory: Path, model_id: str = "tiny-bert") -> Path:
    """A transformers.js model folder: config, tokenizer, onnx/model.onnx and model_quantized.onnx."""
    folder = directory / model_id
    (folder / "onnx").mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({
        "model_type": "bert", "architectures": ["BertModel"], "hidden_size": HIDDEN,
        "vocab_size": len(VOCAB), "num_attention_heads": 1, "num_hidden_layers": 1,
        "max_position_embeddings": 16, "type_vocab_size": 2}))
    (folder / "tokenizer.json").write_text(json.dumps(_tokenizer()))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 16,
        "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",
        "mask_token": "[MASK]"}))
    (folder / "onnx" / "model.onnx").write_bytes(_bert_onnx(quantized=False))
    (folder / "onnx" / "model_quantized.onnx").write_bytes(_bert_onnx(quantized=True))
    return folder


def bert_reference(quantized: bool) -> np.ndarray:
    """Mean pooling over each text's tokens (padding masked out), then L2 normalisation."""
    words, types = _bert_tables(quantized)
    rows = []
    for ids in TOKEN_IDS:
        mean = (words[ids] + types[0]).mean(axis=0)
        rows.append(mean / np.linalg.norm(mean))
    return np.array(rows, dtype=np.float32)
