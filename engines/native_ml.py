"""The native baseline's `ml` command: a model run by onnxruntime (PyPI) in this worker process.

The same phases and result fields as the JS runtime modules (suites/ml/js/*.mjs):
read, compile (session creation), first inference, then calibrated samples.
Imported by engines/native_worker.py only when an `ml` command comes, so the
bench path does not pay for onnxruntime's import.
"""

from __future__ import annotations

import base64
import math
import resource
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

DTYPES = {"float32": np.float32, "int64": np.int64, "int32": np.int32}


clock = time.perf_counter


def run(cmd: dict) -> dict:
    t0 = clock()
    model_bytes = Path(cmd["model"]).read_bytes()
    feeds = {i["name"]: np.frombuffer(Path(i["file"]).read_bytes(), dtype=DTYPES[i["dtype"]])
             .reshape(i["shape"]) for i in cmd["inputs"]}
    read_s = clock() - t0
    options = ort.SessionOptions()
    threads = int(cmd.get("threads", 1))
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    t0 = clock()
    session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    compile_s = clock() - t0
    t0 = clock()
    outputs = session.run(None, feeds)
    first_s = clock() - t0
    samples, reps = _samples(lambda: session.run(None, feeds), first_s, cmd)
    names = [o.name for o in session.get_outputs()]
    return {
        "phases": {"read_s": read_s, "compile_s": compile_s, "first_s": first_s},
        "samples_s": samples, "reps": reps,
        "outputs": [{"name": name, "dtype": str(value.dtype), "shape": list(value.shape),
                     "data_b64": base64.b64encode(np.ascontiguousarray(value).tobytes()).decode()}
                    for name, value in zip(names, outputs, strict=True)],
        "threads_used": threads, "backend_used": "cpu", "binary": None, "adapter": None,
        # ru_maxrss is the process's peak resident set, in KiB on Linux.
        "memory": {"kind": "rss", "bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024},
        "versions": {"runtime": f"onnxruntime {ort.__version__}"}, "notes": [],
    }


# suites/ml/js/common.mjs's `measure`, after the first inference: the same warm-ups, calibration,
# time budget and minimum number of samples, so native and JS figures mean the same thing.
MIN_SAMPLES = 3
MAX_REPS = 1_000_000


def _samples(infer, first_s: float, cmd: dict) -> tuple[list[float], int]:
    deadline = clock() + float(cmd.get("budget_s") or math.inf)
    fastest = first_s
    for _ in range(int(cmd.get("warmups", 1))):
        if clock() >= deadline:
            break
        t0 = clock()
        infer()
        fastest = min(fastest, clock() - t0)
    min_sample = float(cmd.get("min_sample_s", 0.0))
    reps = 1 if fastest >= min_sample else min(MAX_REPS, math.ceil(min_sample / max(fastest, 1e-7)))
    wanted = int(cmd.get("samples", 5))
    samples: list[float] = []
    while len(samples) < wanted and (len(samples) < min(wanted, MIN_SAMPLES) or clock() < deadline):
        t0 = clock()
        for _ in range(reps):
            infer()
        samples.append((clock() - t0) / reps)
    return samples, reps
