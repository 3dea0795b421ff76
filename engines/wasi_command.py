"""The Wasmtime worker's `wasi` and `ml-wasi` commands: a WASI command module run as `wasmtime run` does.

The commands and their replies are engines/wasi_reply.py's. Here `run` compiles the module, links
WASI preview 1, calls `_start` with the arguments and the file as stdin, and makes the outcome.
Stdout and stderr go through temporary files (wasmtime-py captures to files, not to memory).
"""

from __future__ import annotations

import os
import tempfile

import wasmtime

from engines import wasi_reply
from engines.pyworker import Reported

clock = wasi_reply.clock


def run(engine: wasmtime.Engine, cmd: dict) -> dict:
    binary, read_s = wasi_reply.read_module(cmd["file"])
    t0 = clock()
    try:
        module = wasmtime.Module(engine, binary)
    except wasmtime.WasmtimeError as e:  # ml-wasi tells a build the engine cannot compile by this
        raise Reported("compile", str(e).strip()) from e
    compile_s = clock() - t0
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    with tempfile.TemporaryDirectory(prefix="wasi-") as tmp:
        config = wasmtime.WasiConfig()
        config.argv = wasi_reply.argv(cmd)
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
        stdout, stderr = wasi_reply.captured(out), wasi_reply.captured(err)
    return {"exit_code": exit_code, "stdout": stdout, "stderr": stderr, "read_s": read_s,
            "compile_s": compile_s, "run_s": run_s}


def ml_result(engine: wasmtime.Engine, cmd: dict) -> dict:
    return wasi_reply.ml_result(cmd, lambda c: run(engine, c), "wasmtime")
