"""The `kernels` command of the Python workers (Wasmtime, Wasmer, native): our C kernels timed.

The ml suite's `kernels` runtime (harness/ml_kernels.py) sends every engine the same command:
`{"do": "kernels", "args": {...}}` with the build of suites/ml/kernels/kernels.c to run (`wasm`, or
`native`: the same C as a shared library), the weight blob, the input file, the net and batch,
and the sampling of suites/ml/js/common.mjs `measure`. Each worker gives `run` a loader for its
engine (a `Kernels`: call an export, read and write memory); the steps are the same everywhere
and the same as suites/ml/js/kernels.mjs on JS hosts:

  read       the files (module, weights, input)
  compile    compile and instantiate the module (dlopen natively), kn_prepare, write the weights
             and the input into its memory
  first      the first inference, kn_run(1), timed alone
  samples    warm-ups, then samples of kn_run(reps): the `reps` inferences of a sample loop inside
             the module, so the host's per-call cost (microseconds through wasmtime-py) is paid
             once per sample, not once per inference

Standard library only, valid Python 3.10: the Wasmer worker imports it.
"""

from __future__ import annotations

import base64
import math
import resource
import time
from collections.abc import Callable
from typing import Protocol

from engines.pyworker import Reported

VARIANT_CODES = {"scalar": 0, "simd": 1, "relaxed-simd": 2}
PREPARE_ERRORS = {-1: "unknown net", -2: "batch out of range", -3: "out of memory"}
MIN_SAMPLES = 3  # suites/ml/js/common.mjs
MAX_REPS = 1_000_000

clock = time.perf_counter


class Kernels(Protocol):
    """One instance of the kernels, as an engine holds it."""

    def call(self, name: str, *args: int) -> int: ...
    def write(self, address: int, data: bytes) -> None: ...
    def read(self, address: int, size: int) -> bytes: ...
    def memory_bytes(self) -> int | None: ...


def run(cmd: dict, binary_key: str, load: Callable[[bytes], Kernels], engine: str) -> dict:
    """Time one unit. `binary_key` is "wasm" or "native"; `load` compiles and instantiates the
    binary's bytes (raising Reported("compile", ...) when the engine refuses it)."""
    args = cmd["args"]
    if args.get("build_error"):
        raise Reported("internal", args["build_error"])
    variant = args["backend"]
    t0 = clock()
    with open(args[binary_key], "rb") as f:
        binary = f.read()
    with open(args["weights"], "rb") as f:
        weights = f.read()
    with open(args["inputs"][0]["file"], "rb") as f:
        data = f.read()
    read_s = clock() - t0

    t0 = clock()
    try:
        kernels = load(binary)
    except Reported as e:
        if e.kind == "compile" and variant != "scalar":
            # The engine lacks the instructions: a reasoned gap, not a failure.
            raise Reported("unsupported",
                           f"unsupported: {engine} cannot compile the {variant} build: {e}") from None
        raise
    status = kernels.call("kn_prepare", int(args["net"]), int(args["batch"]))
    if status != 0:
        reason = PREPARE_ERRORS.get(status, status)
        raise Reported("internal", f"kn_prepare({args['net']}, {args['batch']}): {reason}")
    for what, blob, size_fn, where_fn in (("weights", weights, "kn_weights_size", "kn_weights"),
                                          ("input", data, "kn_input_size", "kn_input")):
        want = kernels.call(size_fn)
        if len(blob) != want:
            raise Reported("internal", f"model {args['model_name']}: the {what} are {len(blob)} bytes, the "
                                       f"kernels' net {args['net']} at batch {args['batch']} takes {want}")
        kernels.write(kernels.call(where_fn), blob)
    built = kernels.call("kn_variant")
    if built != VARIANT_CODES[variant]:
        raise Reported("internal", f"{args[binary_key]} says it is build {built}, not {variant}")
    compile_s = clock() - t0

    t0 = clock()
    kernels.call("kn_run", 1)
    first_s = clock() - t0
    output = kernels.read(kernels.call("kn_output"), kernels.call("kn_output_size"))
    samples, reps = _samples(lambda reps: kernels.call("kn_run", reps), first_s, args)
    batch = int(args["batch"])
    shape = [batch, len(output) // 4 // batch]  # the logits: [batch, classes]
    wasm_memory = kernels.memory_bytes()
    return {
        "phases": {"read_s": read_s, "compile_s": compile_s, "first_s": first_s},
        "samples_s": samples, "reps": reps,
        "outputs": [{"name": args["output_name"], "dtype": "float32", "shape": shape,
                     "data_b64": base64.b64encode(output).decode()}],
        "threads_used": 1, "backend_used": variant, "binary": args[binary_key].rsplit("/", 1)[-1],
        "adapter": None,
        # ru_maxrss: the worker process's peak resident set, in KiB on Linux (as native onnxruntime).
        "memory": {"kind": "rss", "bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024},
        "versions": {"runtime": "kernels.c"},
        "notes": [f"linear memory {wasm_memory} bytes"] if wasm_memory else [],
    }


def _samples(run_reps: Callable[[int], object], first_s: float, args: dict) -> tuple[list[float], int]:
    """common.mjs `measure` after the first inference, with each sample's reps inside the module."""
    deadline = clock() + float(args.get("budget_s") or math.inf)
    fastest = first_s
    for _ in range(int(args.get("warmups", 1))):
        if clock() >= deadline:
            break
        t0 = clock()
        run_reps(1)
        fastest = min(fastest, clock() - t0)
    min_sample = float(args.get("min_sample_s") or 0.0)
    reps = 1 if fastest >= min_sample else min(MAX_REPS, math.ceil(min_sample / max(fastest, 1e-7)))
    wanted = int(args.get("samples", 5))
    samples: list[float] = []
    while len(samples) < wanted and (len(samples) < min(wanted, MIN_SAMPLES) or clock() < deadline):
        t0 = clock()
        run_reps(reps)
        samples.append((clock() - t0) / reps)
    return samples, reps
