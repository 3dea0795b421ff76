"""The native baseline's `ml` command: a model run by onnxruntime (PyPI) in this worker process.

The same phases and result fields as the JS runtime modules (suites/ml/js/*.mjs):
read, compile (session creation), first inference, then calibrated samples.
Imported by engines/native_worker.py only when an `ml` command comes, so the
bench path does not pay for onnxruntime's import.
"""

from __future__ import annotations

import base64
import resource
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

DTYPES = {"float32": np.float32, "int64": np.int64, "int32": np.int32}


def run(cmd: dict) -> dict:
    clock = time.perf_counter
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
    min_sample = float(cmd.get("min_sample_s", 0.0))
    reps = 1
    samples: list[float] = []
    for n in range(int(cmd.get("warmups", 1)) + int(cmd.get("samples", 5))):
        t0 = clock()
        for _ in range(reps):
            session.run(None, feeds)
        elapsed = clock() - t0
        if n == 0 and elapsed < min_sample:
            # A short inference is repeated per sample, so the timer's step stays small beside it.
            reps = max(1, int(min_sample / max(elapsed, 1e-9)) + 1)
            continue
        if n >= int(cmd.get("warmups", 1)):
            samples.append(elapsed / reps)
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
