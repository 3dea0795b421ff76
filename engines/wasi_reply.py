"""What the Python workers' `wasi` and `ml-wasi` commands share, whatever engine runs the module.

`{"do": "wasi", "file": F.wasm, "argv": [...], "stdin": FILE?}` runs a WASI (preview 1) command
module as `wasmtime run` does and replies with the JSON of an outcome: {exit_code, stdout,
stderr, read_s, compile_s, run_s}. Each engine's runner (engines/wasi_command.py for Wasmtime,
engines/wasmer_wasi.py for Wasmer) makes that outcome; this module turns it into the `ml-wasi`
reply, the same on every engine.

`ml-wasi` runs a program that prints the ml suite's result JSON (suites/ml/js/README.md; e.g.
suites/ml/emscripten/standalone_main.c) and replies with that result, adding what only the host
knows: reading the .wasm to its read_s, the compile time, the program's stderr to its notes, and
the command's `report` fields (backend_used, versions). A non-zero exit is an error naming the
file, with the program's stderr. A build other than the scalar one (`"variant"` of the command)
that the engine cannot compile is `unsupported` with the engine's message, as the `kernels`
runtime's (engines/kernels_driver.py).

Standard library only, valid Python 3.10: the Wasmer worker imports it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from engines.pyworker import Reported

clock = time.perf_counter


def read_module(path: str) -> tuple[bytes, float]:
    """The module's bytes and the seconds reading them took (an outcome's read_s)."""
    t0 = clock()
    binary = Path(path).read_bytes()
    return binary, clock() - t0


def argv(cmd: dict) -> list[str]:
    """The guest's arguments: the file's name, as a shell would pass it, then the command's."""
    return [Path(cmd["file"]).name, *map(str, cmd.get("argv", []))]


def captured(path: str) -> str:
    # The guest's bytes need not be UTF-8; the reply is JSON text.
    return Path(path).read_text(errors="replace")


def ml_result(cmd: dict, run: Callable[[dict], dict], engine: str) -> dict:
    """The `ml-wasi` reply: `run(cmd)` is the engine's `wasi` outcome, `engine` names it in errors."""
    name = Path(cmd["file"]).name
    try:
        outcome = run(cmd)
    except Reported as e:
        variant = cmd.get("variant", "scalar")
        if e.kind == "compile" and variant != "scalar":
            # The engine lacks the instructions (singlepass has no SIMD): a reasoned gap.
            raise Reported("unsupported",
                           f"unsupported: {engine} cannot compile the {variant} build: {e}") from None
        raise
    if outcome["exit_code"] != 0:
        raise RuntimeError(f"{name} exited with {outcome['exit_code']}: {outcome['stderr'].strip()[-1000:]}")
    try:
        result = json.loads(outcome["stdout"])
    except ValueError as e:
        raise RuntimeError(f"{name} printed no result JSON ({e}): {outcome['stdout'][:200]!r}") from None
    phases = result.setdefault("phases", {})
    phases["read_s"] = (phases.get("read_s") or 0.0) + outcome["read_s"]
    phases["compile_s"] = outcome["compile_s"]
    notes = result.setdefault("notes", [])
    if outcome["stderr"].strip():
        notes.append(f"stderr: {outcome['stderr'].strip()[:500]}")
    result.setdefault("binary", name)
    result.update(cmd.get("report", {}))  # what the harness knows of the build (backend, toolchain)
    return result
