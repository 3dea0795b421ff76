"""The Wasmtime worker's `wasi` and `ml-wasi` commands: a WASI command module run as `wasmtime run` does.

`{"do": "wasi", "file": F.wasm, "argv": [...], "stdin": FILE?}` compiles the module, links WASI
preview 1, calls `_start` with the arguments and the file as stdin, and replies with the JSON of
{exit_code, stdout, stderr, read_s, compile_s, run_s}. Stdout and stderr go through temporary
files (wasmtime-py captures to files, not to memory).

`ml-wasi` runs a program that prints the ml suite's result JSON (suites/ml/js/README.md; e.g.
suites/ml/emscripten/standalone_main.c) and replies with that result, adding what only the host
knows: reading the .wasm to its read_s, the compile time, the program's stderr to its notes, and
the command's `report` fields (backend_used, versions).
A non-zero exit is an error naming the file, with the program's stderr.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import wasmtime

clock = time.perf_counter


def run(engine: wasmtime.Engine, cmd: dict) -> dict:
    t0 = clock()
    binary = Path(cmd["file"]).read_bytes()
    read_s = clock() - t0
    t0 = clock()
    module = wasmtime.Module(engine, binary)
    compile_s = clock() - t0
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    with tempfile.TemporaryDirectory(prefix="wasi-") as tmp:
        config = wasmtime.WasiConfig()
        config.argv = [Path(cmd["file"]).name, *map(str, cmd.get("argv", []))]
        if cmd.get("stdin"):
            config.stdin_file = cmd["stdin"]
        out, err = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
        config.stdout_file, config.stderr_file = out, err
        store.set_wasi(config)
        t0 = clock()
        exit_code = 0
        try:
            instance = linker.instantiate(store, module)
            instance.exports(store)["_start"](store)
        except wasmtime.ExitTrap as e:  # proc_exit: Emscripten's standalone main always ends so
            exit_code = e.code
        run_s = clock() - t0
        stdout, stderr = (Path(p).read_text(errors="replace") for p in (out, err))
    return {"exit_code": exit_code, "stdout": stdout, "stderr": stderr, "read_s": read_s,
            "compile_s": compile_s, "run_s": run_s}


def ml_result(engine: wasmtime.Engine, cmd: dict) -> dict:
    outcome = run(engine, cmd)
    name = Path(cmd["file"]).name
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
