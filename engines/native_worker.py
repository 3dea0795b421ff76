"""Worker for the native baseline: runs the workloads' native builds and models, no WebAssembly.

The `bench` command's `file` is a native executable built by the bench suite
(suites/bench/native_main.c is its driver, which times the same phases as the
wasm workers); this worker runs it and hands back the driver's one JSON line.
The `ml` command runs a model with native onnxruntime (engines/native_ml.py), the `kernels`
command our C kernels as a shared library (engines/native_kernels.py).
Every other command is `unsupported`: there is no wasm engine here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from engines.pyworker import Reported, run_commands, serve


class Worker:
    def __init__(self, version: str) -> None:
        self.version = version

    def run(self, request: dict, emit: Any) -> None:
        timeout = float(request.get("timeout") or 60.0)
        run_commands(request, None, lambda cmd, _state: self.execute(cmd, timeout), classify, emit)

    def execute(self, cmd: dict, timeout: float) -> list:
        if cmd["do"] == "ml":
            from engines import native_ml  # onnxruntime takes a while to import: only when asked

            return [["json", json.dumps(native_ml.run(cmd))]]
        if cmd["do"] == "kernels":  # the ml suite's `kernels` runtime, its C built for this CPU
            from engines import kernels_driver, native_kernels

            return [["json", json.dumps(kernels_driver.run(cmd, "native", native_kernels.NativeKernels,
                                                           f"native ({self.version})"))]]
        if cmd["do"] != "bench":
            raise Reported("unsupported", "the native baseline runs no WebAssembly")
        executable = cmd["file"]
        argv = [executable, str(cmd["size"]), repr(float(cmd.get("min_sample_s", 0.01))),
                str(cmd.get("warmups", 1)), str(cmd.get("samples", 5))]
        name = executable.rsplit("/", 1)[-1]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Reported("timeout", f"{name}: no answer within {timeout:g} s; killed") from None
        if done.returncode != 0:
            reason = f"signal {-done.returncode}" if done.returncode < 0 else f"exit code {done.returncode}"
            # A signal is the program crashing; an exit code is its own refusal.
            raise Reported("crash" if done.returncode < 0 else "internal",
                           f"{name}: {reason}: {done.stderr.strip()[-500:]}")
        try:
            result = json.loads(done.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError) as e:
            raise Reported("internal", f"{name}: output is not JSON: {e}") from None
        return [["json", json.dumps(result)]]


def classify(error: BaseException) -> dict:
    if isinstance(error, Reported):
        return {"kind": error.kind, "message": str(error)}
    return {"kind": "internal", "message": f"{type(error).__name__}: {error}"}


def main() -> None:
    worker = Worker(sys.argv[1] if len(sys.argv) > 1 else "native")
    serve(lambda: {"version": worker.version}, worker.run)


if __name__ == "__main__":
    main()
