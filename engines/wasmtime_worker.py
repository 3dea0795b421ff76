"""Worker process for Wasmtime through wasmtime-py (JSON lines on stdin/stdout).

Run as `python -m engines.wasmtime_worker '{"strategy": "cranelift"}'`. It is
the in-process-engine counterpart of engines/js/runner.mjs and speaks the same
protocol (ARCHITECTURE.md). The harness only ever sends it integer and
reference values: anything else arrives through a wrapper module.
"""

from __future__ import annotations

import ctypes
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import wasmtime
from wasmtime import _bindings  # the pinned wasmtime-py's raw C functions, for the hot path
from wasmtime import _ffi as ffi

from engines import kernels_driver
from engines.pyworker import BenchInstance, Reported, bench_loop, run_commands, serve, signed, unsigned

EPOCH_TICK_SECONDS = 0.01


def make_engine(options: dict, bench: bool = False) -> wasmtime.Engine:
    """The worker's engine; for `bench`, as users run Wasmtime: no cache, no epoch checks,
    parallel compilation."""
    config = wasmtime.Config()
    for feature in ("threads", "tail_call", "reference_types", "simd", "bulk_memory", "multi_value",
                    "multi_memory", "memory64", "relaxed_simd", "exceptions", "function_references",
                    "gc", "wide_arithmetic", "custom_page_sizes"):
        setattr(config, f"wasm_{feature}", True)
    disable = options.get("disable", [])
    # From the command line (`--engine wasmtime:disable=gc`) one name arrives as a string.
    for feature in [disable] if isinstance(disable, str) else disable:
        setattr(config, f"wasm_{feature}", False)
    if options.get("strategy"):
        config.strategy = options["strategy"]
    if options.get("target"):
        config.target = options["target"]
    # Wasmtime's own on-disk compilation cache, as the wasmtime CLI uses by default.
    if options.get("cache", True) and not bench:  # a Config's cache can be switched on, not off
        config.cache = True
    config.shared_memory = True  # shared memories need it as well as the threads proposal
    # A hung benchmark is killed by the harness's watchdog instead: epoch checks cost time in loops.
    config.epoch_interruption = not bench
    config.parallel_compilation = bench  # spec runs use one worker per core; benchmarks run alone
    return wasmtime.Engine(config)


class HostRef:
    """The host value behind `(ref.extern N)`: identity is the number."""

    __slots__ = ("id",)

    def __init__(self, id: int) -> None:
        self.id = id


class Worker:
    def __init__(self, options: dict) -> None:
        self.options = options
        self.engine = make_engine(options)
        self._bench_engine: wasmtime.Engine | None = None
        self.modules: dict[str, wasmtime.Module] = {}
        self.host_refs: dict[int, HostRef] = {}
        threading.Thread(target=self._tick, daemon=True).start()

    def _tick(self) -> None:
        while True:
            time.sleep(EPOCH_TICK_SECONDS)
            self.engine.increment_epoch()

    def compile(self, path: str) -> wasmtime.Module:
        module = self.modules.get(path)
        if module is None:
            with open(path, "rb") as f:
                module = wasmtime.Module(self.engine, f.read())
            # Scripts compile each module once; only wrappers and spectest recur.
            if ".wrap" in path or "spectest" in path:
                self.modules[path] = module
        return module

    # --- one script ---------------------------------------------------------
    def run(self, request: dict, emit) -> None:
        store = wasmtime.Store(self.engine)
        ticks = max(1, int(request.get("timeout", 10) / EPOCH_TICK_SECONDS))
        linker = wasmtime.Linker(self.engine)
        linker.allow_shadowing = True
        state = _ScriptState(store, linker, ticks)
        for path in request.get("spectest", []):
            try:
                module = self.compile(path)
            except wasmtime.WasmtimeError:
                continue  # a part of spectest this configuration cannot compile (table64 without memory64)
            store.set_epoch_deadline(ticks)
            linker.define_instance(store, "spectest", linker.instantiate(store, module))
        run_commands(request, state, self.execute, classify, emit)

    def execute(self, cmd: dict, st: _ScriptState) -> list | None:
        _set_epoch_deadline(st.context, st.ticks)  # every command gets the whole timeout
        do = cmd["do"]
        if do == "module":
            module = _stage("compile", self.compile, cmd["file"])
            st.bind(cmd.get("name"), _stage("link", st.linker.instantiate, st.store, module))
        elif do == "define":
            st.definitions[cmd["name"]] = _stage("compile", self.compile, cmd["file"])
        elif do == "instance":
            module = st.definitions[cmd["module"]]
            st.bind(cmd.get("name"), _stage("link", st.linker.instantiate, st.store, module))
        elif do == "register":
            st.linker.define_instance(st.store, cmd["as"], st.instance(cmd.get("instance")))
        elif do == "compile":
            _stage("compile", self.compile, cmd["file"])
        elif do == "instantiate":
            module = _stage("compile", self.compile, cmd["file"])
            _stage("link", st.linker.instantiate, st.store, module)
        elif do in ("call", "get"):
            return self.action(cmd, st)
        elif do == "js":
            raise Reported("unsupported", "no JavaScript in this engine")
        elif do == "bench":
            return self.bench(cmd)
        elif do in ("wasi", "ml-wasi"):  # a WASI command module, as `wasmtime run` runs it
            from engines import wasi_command

            run = wasi_command.run if do == "wasi" else wasi_command.ml_result
            return [["json", json.dumps(run(self.bench_engine(), cmd))]]
        elif do == "kernels":
            return self.kernels(cmd)
        elif do == "wasi-nn":  # the ml suite's wasi-nn runtime: the Wasmtime CLI with -S nn
            from engines import wasi_nn

            return [["json", json.dumps(wasi_nn.run(cmd, self.options, st.ticks * EPOCH_TICK_SECONDS))]]
        elif do == "component":  # the componentModel probe, through wasmtime-py's component API
            from engines import wasmtime_component

            result = wasmtime_component.run(self.engine, cmd, st.ticks, _stage, package_version())
            return [["json", json.dumps(result)]]
        else:
            raise Reported("unsupported", f"unknown command {do}")
        return None

    def bench_engine(self) -> wasmtime.Engine:
        if self._bench_engine is None:
            self._bench_engine = make_engine(self.options, bench=True)
        return self._bench_engine

    def bench(self, cmd: dict) -> list:
        engine = self.bench_engine()
        with open(cmd["file"], "rb") as f:
            binary = f.read()
        return bench_loop(cmd, lambda: _stage("compile", wasmtime.Module, engine, binary),
                          lambda module: _BenchInstance(engine, module), time.perf_counter,
                          "time.perf_counter")

    def kernels(self, cmd: dict) -> list:
        """The ml suite's `kernels` runtime (engines/kernels_driver.py), on the bench engine."""
        if self._bench_engine is None:
            self._bench_engine = make_engine(self.options, bench=True)
        engine = self._bench_engine
        label = f"wasmtime ({self.options.get('target') or self.options.get('strategy') or 'default'})"
        result = kernels_driver.run(cmd, "wasm", lambda binary: _Kernels(engine, binary), label)
        return [["json", json.dumps(result)]]

    def action(self, cmd: dict, st: _ScriptState) -> list:
        target = st.instance(cmd.get("instance"))
        if "wrapper" in cmd:
            target = st.wrapper(target, self.compile(cmd["wrapper"]["file"]))
            item = target.exports(st.store)[cmd["field"]]
        else:
            item = _export(target, st.store, cmd["field"])
        kinds = cmd["results"]
        args = cmd.get("args", [])
        if cmd["do"] == "get" and isinstance(item, wasmtime.Global):
            raw: Any = item.value(st.store)
            if isinstance(raw, wasmtime.Val):  # wasmtime-py hands back a Val for null references
                raw = raw.value
        elif isinstance(item, wasmtime.Func) and all(a[0] in _KIND for a in args) \
                and all(k in _KIND for k in kinds):
            return fast_call(st.context, item, args, kinds)
        else:
            raw = item(st.store, *[self.arg(a) for a in args])
        results = [] if not kinds else raw if len(kinds) > 1 else [raw]
        return [encode(kind, value) for kind, value in zip(kinds, results, strict=True)]

    def arg(self, arg: list) -> Any:
        kind, value = arg
        if kind == "i32":
            return wasmtime.Val.i32(signed(int(value), 32))
        if kind == "i64":
            return wasmtime.Val.i64(signed(int(value), 64))
        if kind == "externref":
            if value is None:
                return wasmtime.Val.externref(None)
            return wasmtime.Val.externref(self.host_refs.setdefault(value, HostRef(value)))
        if kind == "funcref":
            return wasmtime.Val.funcref(None)
        raise Reported("unsupported", f"argument kind {kind}")


class _BenchInstance(BenchInstance):
    def __init__(self, engine: wasmtime.Engine, module: wasmtime.Module) -> None:
        self.engine = engine
        self.module = module

    def instantiate(self) -> None:
        self.store = wasmtime.Store(self.engine)
        exports = _stage("link", wasmtime.Instance, self.store, self.module, []).exports(self.store)
        if "_initialize" in exports:
            exports["_initialize"](self.store)
        self._init, self._run, self._check = (exports[n] for n in ("bench_init", "bench_run", "bench_check"))

    def init(self, size: int) -> None:
        self._init(self.store, size)

    def run(self, reps: int) -> None:
        self._run(self.store, reps)

    def check(self) -> float:
        return float(self._check(self.store))


class _Kernels:
    """An instance of suites/ml/kernels/kernels.c in its own store (engines/kernels_driver.py)."""

    def __init__(self, engine: wasmtime.Engine, binary: bytes) -> None:
        self.store = wasmtime.Store(engine)
        module = _stage("compile", wasmtime.Module, engine, binary)
        self.exports = _stage("link", wasmtime.Instance, self.store, module, []).exports(self.store)
        if "_initialize" in self.exports:
            self.exports["_initialize"](self.store)
        self.memory = self.exports["memory"]

    def call(self, name: str, *args: int) -> int:
        return self.exports[name](self.store, *args)

    def write(self, address: int, data: bytes) -> None:
        self.memory.write(self.store, data, address)

    def read(self, address: int, size: int) -> bytes:
        return bytes(self.memory.read(self.store, address, address + size))

    def memory_bytes(self) -> int:
        return self.memory.data_len(self.store)


class _ScriptState:
    def __init__(self, store: wasmtime.Store, linker: wasmtime.Linker, ticks: int) -> None:
        self.store = store
        self.context = store._context()
        self.linker = linker
        self.ticks = ticks
        self.current: wasmtime.Instance | None = None
        self.named: dict[str, wasmtime.Instance] = {}
        self.definitions: dict[str, wasmtime.Module] = {}
        self.wrappers: dict[tuple[int, int], wasmtime.Instance] = {}

    def bind(self, name: str | None, instance: wasmtime.Instance) -> None:
        self.current = instance
        if name:
            self.named[name] = instance

    def instance(self, name: str | None) -> wasmtime.Instance:
        instance = self.named.get(name) if name else self.current
        if instance is None:
            raise Reported("internal", f"no instance named {name}" if name else "no current instance")
        return instance

    def wrapper(self, target: wasmtime.Instance, module: wasmtime.Module) -> wasmtime.Instance:
        key = (id(target), id(module))
        if key not in self.wrappers:
            imports = [_export(target, self.store, imp.name) for imp in module.imports]
            self.wrappers[key] = wasmtime.Instance(self.store, module, imports)
        return self.wrappers[key]


# Integer kinds as the C API tags them.
_KIND = {"i32": ffi.WASMTIME_I32.value, "i64": ffi.WASMTIME_I64.value}
_VALS = [ffi.wasmtime_val_t * n for n in range(17)]  # array types for up to 16 values, made once
_func_call = _bindings._wasmtime_func_call  # the C functions themselves: wasmtime-py's Python
_set_epoch_deadline = _bindings._wasmtime_context_set_epoch_deadline  # wrappers cost as much again


def fast_call(context: Any, func: wasmtime.Func, args: list, kinds: list[str]) -> list:
    """Call with integers only, straight through the C API.

    Nearly every spec-script call is all-integer (wrappers make floats and vectors
    integers), and wasmtime-py's generic Func.__call__ costs several times the call
    itself in type introspection. A wrong arity or type is rejected by Wasmtime.
    """
    nargs, nresults = len(args), len(kinds)
    params = (_VALS[nargs] if nargs < len(_VALS) else ffi.wasmtime_val_t * nargs)()
    for n, (kind, value) in enumerate(args):
        param = params[n]
        param.kind = _KIND[kind]
        # ctypes keeps the low 32 or 64 bits: the unsigned bit pattern becomes the signed value.
        if kind == "i32":
            param.of.i32 = int(value)
        else:
            param.of.i64 = int(value)
    results = (_VALS[nresults] if nresults < len(_VALS) else ffi.wasmtime_val_t * nresults)()
    trap = ctypes.POINTER(ffi.wasm_trap_t)()
    error = _func_call(context, ctypes.byref(func._func), params, nargs, results, nresults,
                       ctypes.byref(trap))
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)
    if trap:
        raise wasmtime.Trap._from_ptr(trap)
    out = []
    for n, kind in enumerate(kinds):
        result = results[n]
        if result.kind != _KIND[kind]:
            raise Reported("internal", f"result {n} is not {kind}")
        out.append([kind, unsigned(kind, result.of.i32 if kind == "i32" else result.of.i64)])
    return out


def _stage(kind: str, fn, *args):
    """Run a compile or link step, tagging its failure with that kind.

    Traps (a start function or segment initialization failing) stay traps.
    """
    try:
        return fn(*args)
    except wasmtime.Trap:
        raise
    except wasmtime.WasmtimeError as e:
        raise Reported(kind, _concise(str(e))) from e


def _export(instance: wasmtime.Instance, store: wasmtime.Store, name: str) -> Any:
    try:
        return instance.exports(store)[name]
    except KeyError:
        raise Reported("internal", f"no export named {name!r}") from None


def encode(kind: str, value: Any) -> list:
    if kind in ("i32", "i64"):
        return [kind, unsigned(kind, value)]
    if kind == "externref":
        if value is None:
            return [kind, None]
        return [kind, value.id if isinstance(value, HostRef) else "other"]
    if kind == "funcref":
        return [kind, None if value is None else "func"]
    raise Reported("unsupported", f"result kind {kind}")


def _concise(message: str) -> str:
    """Wasmtime's innermost cause ("wasm trap: ...") without the backtrace."""
    lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
    if "Caused by:" in lines:
        causes = lines[lines.index("Caused by:") + 1:]
        return "; ".join(c.split(": ", 1)[-1] if c[:1].isdigit() else c for c in causes)
    return lines[0] if lines else message


def classify(error: Exception) -> dict:
    if isinstance(error, Reported):
        return {"kind": error.kind, "message": str(error)}
    message = _concise(str(error))
    if isinstance(error, wasmtime.Trap):
        if "thrown wasm exception" in message.lower():
            return {"kind": "exception", "message": message}
        code = error.trap_code
        if code == wasmtime.TrapCode.STACK_OVERFLOW:
            return {"kind": "exhaustion", "message": message}
        if code == wasmtime.TrapCode.INTERRUPT:
            return {"kind": "timeout", "message": "interrupted by epoch deadline: " + message}
        return {"kind": "trap", "message": message}
    if isinstance(error, wasmtime.WasmtimeError):
        return {"kind": "trap", "message": message}
    return {"kind": "internal", "message": f"{type(error).__name__}: {message}"}


def package_version() -> str:
    """wasmtime-py's version, from the name of its dist-info directory: importlib.metadata
    takes longer to import than wasmtime, at every worker start."""
    site = Path(wasmtime.__file__).resolve().parent.parent
    found = [p.name for p in site.glob("wasmtime-*.dist-info")]
    return found[0].removeprefix("wasmtime-").removesuffix(".dist-info") if len(found) == 1 else "unknown"


def main() -> None:
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    worker = Worker(options)
    serve(lambda: {"version": package_version()}, worker.run)


if __name__ == "__main__":
    main()
