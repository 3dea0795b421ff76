"""Worker process for Wasmer through wasmer-python 1.1 (JSON lines on stdin/stdout).

Run as `.venv-wasmer/bin/python -m engines.wasmer_worker '{"compiler": "cranelift"}'`
from the project root. It speaks the protocol of engines/wasmtime_worker.py
(ARCHITECTURE.md) and runs under Python 3.10 with only the standard library and
wasmer: PyPI has wasmer 1.1.0 wheels only up to CPython 3.10, so this file must
not import the harness (3.11) or use anything newer than 3.10.

What wasmer-python 1.1 cannot do, and how this worker copes:

* It converts no reference value between Python and wasm (calling a function
  with an externref or funcref param or result, or reading such a global,
  panics with "not implemented"). Nulls and results go through a small adapter
  module compiled here: null arguments become `ref.null` inside it, and each
  reference result comes back as `ref.is_null`. A non-null host reference
  `(ref.extern N)` cannot be made at all: such a command is `unsupported`.
* It has no interruption (no fuel, no epochs): a command that does not end is
  killed by the harness after its timeout.
* Every error is a RuntimeError; the stage (compile, instantiate, call) and
  the message say which kind it is.
* `Module(store, bytes)` reads bytes without the `\\0asm` magic as WAT text (so
  a "binary" holding `(module)` would load); the worker rejects them as malformed.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from importlib.metadata import version
from typing import Any

from wasmer import Function, Global, ImportObject, Instance, Module, Store, Type, engine

from engines import kernels_driver
from engines.pyworker import (
    NOT_OURS,
    BenchInstance,
    Reported,
    bench_loop,
    run_commands,
    serve,
    signed,
    unsigned,
)
from engines.wasmer_wasi import WasiRunner

_INTEGER_TYPES = {Type.I32: "i32", Type.I64: "i64"}
_REF_TYPES = {Type.EXTERN_REF: "externref", Type.FUNC_REF: "funcref"}
_NULL = {Type.EXTERN_REF: "ref.null extern", Type.FUNC_REF: "ref.null func"}
# Panics raised by the Rust side arrive as pyo3's PanicException, a BaseException.


def make_store(options: dict) -> Store:
    # The adapter (engines/wasmer_engine.py) has checked the compiler's name.
    compiler = options.get("compiler", "cranelift")
    package = importlib.import_module(f"wasmer_compiler_{compiler}")
    return Store(engine.Universal(package.Compiler))


class Worker:
    def __init__(self, options: dict) -> None:
        self.store = make_store(options)
        self.modules: dict[str, Module] = {}
        self.adapters: dict[str, Module] = {}
        self.wasi = WasiRunner(self.store, lambda data: _stage("compile", self.compile_binary, data))

    def compile(self, path: str) -> Module:
        module = self.modules.get(path)
        if module is None:
            with open(path, "rb") as f:
                module = self.compile_binary(f.read())
            # Scripts compile each module once; only wrappers and spectest recur.
            if ".wrap" in path or "spectest" in path:
                self.modules[path] = module
        return module

    def compile_binary(self, data: bytes) -> Module:
        if not data.startswith(b"\0asm"):
            # wasmer-python reads bytes without the magic number as WAT text; the harness
            # only ever sends binaries, and a binary without the magic is malformed.
            raise Reported("compile", "malformed binary: missing the \\0asm magic number")
        return Module(self.store, data)

    def adapter(self, wat: str) -> Module:
        module = self.adapters.get(wat)
        if module is None:
            module = self.adapters[wat] = Module(self.store, wat)
        return module

    # --- one script ---------------------------------------------------------
    def run(self, request: dict, emit) -> None:
        # Wasmer 1.1 holds no state in the Store (instances own theirs): a fresh set of
        # instances and imports per script is a fresh world.
        state = _ScriptState()
        spectest: dict = {}
        for path in request.get("spectest", []):
            try:
                module = self.compile(path)
            except RuntimeError:
                continue  # a part of spectest Wasmer cannot compile (table64 needs memory64)
            spectest.update(state.export_map(Instance(module, state.imports)))
        state.imports.register("spectest", spectest)
        run_commands(request, state, self.execute, classify, emit)

    def execute(self, cmd: dict, st: _ScriptState) -> list | None:
        do = cmd["do"]
        if do == "module":
            module = _stage("compile", self.compile, cmd["file"])
            st.bind(cmd.get("name"), _stage("link", Instance, module, st.imports))
        elif do == "define":
            st.definitions[cmd["name"]] = _stage("compile", self.compile, cmd["file"])
        elif do == "instance":
            module = st.definitions[cmd["module"]]
            st.bind(cmd.get("name"), _stage("link", Instance, module, st.imports))
        elif do == "register":
            st.register(cmd["as"], st.instance(cmd.get("instance")))
        elif do == "compile":
            _stage("compile", self.compile, cmd["file"])
        elif do == "instantiate":
            module = _stage("compile", self.compile, cmd["file"])
            _stage("link", Instance, module, st.imports)
        elif do in ("call", "get"):
            return self.action(cmd, st)
        elif do == "js":
            raise Reported("unsupported", "no JavaScript in this engine")
        elif do == "bench":
            with open(cmd["file"], "rb") as f:
                binary = f.read()
            return bench_loop(cmd, lambda: _stage("compile", Module, self.store, binary), _BenchInstance,
                              time.perf_counter, "time.perf_counter")
        elif do in ("wasi", "ml-wasi"):  # a WASI command module (engines/wasmer_wasi.py)
            run = self.wasi.run if do == "wasi" else self.wasi.ml_result
            return [["json", json.dumps(run(cmd))]]
        elif do == "kernels":  # the ml suite's `kernels` runtime (engines/kernels_driver.py)
            result = kernels_driver.run(cmd, "wasm", lambda binary: _Kernels(self.store, binary),
                                        f"wasmer ({self.store.compiler_name})")
            return [["json", json.dumps(result)]]
        else:
            raise Reported("unsupported", f"unknown command {do}")
        return None

    def action(self, cmd: dict, st: _ScriptState) -> list:
        target = st.instance(cmd.get("instance"))
        if "wrapper" in cmd:
            module = _expressing("the harness's wrapper module", self.compile, cmd["wrapper"]["file"])
            target = _expressing("the harness's wrapper module", st.wrapper, target, module)
        item = st.export(target, cmd["field"])
        kinds = cmd["results"]
        args = cmd.get("args", [])
        if cmd["do"] == "get" and isinstance(item, Global):
            raw = self.read_global(item, st)
        elif isinstance(item, Function):
            raw = self.call(item, args, kinds, st)
        else:
            raise Reported("internal", f"export {cmd['field']!r} is a {type(item).__name__}, "
                                        f"not something to {cmd['do']}")
        results = [] if not kinds else list(raw) if len(kinds) > 1 else [raw]
        return [encode(kind, value) for kind, value in zip(kinds, results, strict=True)]

    def call(self, func: Function, args: list, kinds: list, st: _ScriptState) -> Any:
        ftype = func.type
        params, results = list(ftype.params), list(ftype.results)
        if len(args) != len(params):
            raise Reported("internal", f"{len(args)} arguments for {len(params)} params")
        refs = [t for t in params + results if t in _REF_TYPES]
        if not refs:
            return func(*[_integer_arg(a) for a in args])
        # References cannot cross wasmer-python's boundary: call through an adapter that
        # takes only the integer arguments and returns i32 null flags for references.
        for (kind, value), ptype in zip(args, params, strict=True):
            if ptype in _REF_TYPES and value is not None:
                raise Reported("unsupported", f"wasmer-python 1.1 cannot pass a host reference "
                                               f"({kind} {value}) into wasm")
        wat = _call_adapter(params, results)
        adapter = _expressing("the reference adapter module", st.adapted, func,
                              lambda: Instance(self.adapter(wat), _imports({"t": {"f": func}})))
        return adapter(*[_integer_arg(a) for a, p in zip(args, params, strict=True)
                         if p not in _REF_TYPES])

    def read_global(self, item: Global, st: _ScriptState) -> Any:
        gtype = item.type
        if gtype.type in _INTEGER_TYPES:
            return item.value
        if gtype.type not in _REF_TYPES:
            raise Reported("unsupported", f"global of type {gtype.type.name}")
        wat = _global_adapter(gtype.type, gtype.mutable)
        adapter = _expressing("the reference adapter module", st.adapted, item,
                              lambda: Instance(self.adapter(wat), _imports({"t": {"g": item}})))
        return adapter()


class _BenchInstance(BenchInstance):
    def __init__(self, module: Module) -> None:
        self.module = module

    def instantiate(self) -> None:
        exports = _stage("link", Instance, self.module).exports
        if any(name == "_initialize" for name, _ in exports):  # hasattr raises wasmer's own error
            exports._initialize()
        self._init, self._run, self._check = exports.bench_init, exports.bench_run, exports.bench_check

    def init(self, size: int) -> None:
        self._init(size)

    def run(self, reps: int) -> None:
        self._run(reps)

    def check(self) -> float:
        return float(self._check())


class _Kernels:
    """An instance of suites/ml/kernels/kernels.c (engines/kernels_driver.py)."""

    def __init__(self, store: Store, binary: bytes) -> None:
        module = _stage("compile", Module, store, binary)
        self.exports = _stage("link", Instance, module).exports
        if any(name == "_initialize" for name, _ in self.exports):
            self.exports._initialize()
        self.memory = self.exports.memory

    def call(self, name: str, *args: int) -> int:
        return getattr(self.exports, name)(*args)

    # A fresh view each time: growing the memory replaces its buffer.
    def write(self, address: int, data: bytes) -> None:
        memoryview(self.memory.buffer)[address:address + len(data)] = data

    def read(self, address: int, size: int) -> bytes:
        return bytes(memoryview(self.memory.buffer)[address:address + size])

    def memory_bytes(self) -> int:
        return int(self.memory.data_size)


class _ScriptState:
    def __init__(self) -> None:
        self.imports = ImportObject()
        self.current: Instance | None = None
        self.named: dict[str, Instance] = {}
        self.definitions: dict[str, Module] = {}
        self.exports: dict[int, tuple[Instance, dict]] = {}
        self.wrappers: dict[tuple[int, int], tuple[Instance, Module, Instance]] = {}
        self.adapters: dict[int, tuple[Any, Function]] = {}

    def bind(self, name: str | None, instance: Instance) -> None:
        self.current = instance
        if name:
            self.named[name] = instance

    def instance(self, name: str | None) -> Instance:
        instance = self.named.get(name) if name else self.current
        if instance is None:
            raise Reported("internal", f"no instance named {name}" if name else "no current instance")
        return instance

    def register(self, name: str, instance: Instance) -> None:
        self.imports.register(name, self.export_map(instance))

    def export_map(self, instance: Instance) -> dict:
        # Kept with the instance, so that the same export is the same object every time.
        entry = self.exports.get(id(instance))
        if entry is None or entry[0] is not instance:
            entry = self.exports[id(instance)] = (instance, dict(iter(instance.exports)))
        return entry[1]

    def export(self, instance: Instance, name: str) -> Any:
        try:
            return self.export_map(instance)[name]
        except KeyError:
            raise Reported("internal", f"no export named {name!r}") from None

    def wrapper(self, target: Instance, module: Module) -> Instance:
        key = (id(target), id(module))
        entry = self.wrappers.get(key)
        if entry is None or entry[0] is not target or entry[1] is not module:
            exports = self.export_map(target)
            wanted = {imp.name: exports[imp.name] for imp in module.imports
                      if imp.module == "target" and imp.name in exports}
            entry = self.wrappers[key] = (target, module, Instance(module, _imports({"target": wanted})))
        return entry[2]

    def adapted(self, item: Any, make) -> Function:
        entry = self.adapters.get(id(item))
        if entry is None or entry[0] is not item:
            instance = make()
            entry = self.adapters[id(item)] = (item, instance.exports.f)
        return entry[1]


def _imports(namespaces: dict) -> ImportObject:
    imports = ImportObject()
    for name, items in namespaces.items():
        imports.register(name, items)
    return imports


def _wat_type(t: Type) -> str:
    name = _INTEGER_TYPES.get(t) or _REF_TYPES.get(t)
    if name is None:
        raise Reported("unsupported", f"value type {t.name} (the harness wraps it; wrapper missing?)")
    return name


def _call_adapter(params: list, results: list) -> str:
    """A module importing `t.f` and exporting `f` with references taken out.

    Integer params stay params; reference params are passed as nulls; each
    reference result is returned as an i32 (1 for null).
    """
    ints = [p for p in params if p not in _REF_TYPES]
    sig = "".join(f" (param {_wat_type(p)})" for p in params) + \
        "".join(f" (result {_wat_type(r)})" for r in results)
    outer = "".join(f" (param {_wat_type(p)})" for p in ints) + \
        "".join(f" (result {'i32' if r in _REF_TYPES else _wat_type(r)})" for r in results)
    body, n = [], 0
    for p in params:
        if p in _REF_TYPES:
            body.append(f"({_NULL[p]})")
        else:
            body.append(f"(local.get {n})")
            n += 1
    body.append("(call $f)")
    locals_ = "".join(f" (local {_wat_type(r)})" for r in results)
    first = len(ints)
    body += [f"(local.set {first + k})" for k in reversed(range(len(results)))]
    for k, r in enumerate(results):
        body.append(f"(ref.is_null (local.get {first + k}))" if r in _REF_TYPES
                    else f"(local.get {first + k})")
    return (f'(module (import "t" "f" (func $f{sig}))'
            f' (func (export "f"){outer}{locals_} {" ".join(body)}))')


def _global_adapter(t: Type, mutable: bool) -> str:
    gtype = f"(mut {_wat_type(t)})" if mutable else _wat_type(t)
    return (f'(module (import "t" "g" (global $g {gtype}))'
            f' (func (export "f") (result i32) (ref.is_null (global.get $g))))')


def _integer_arg(arg: list) -> int:
    kind, value = arg
    if kind == "i32":
        return signed(int(value), 32)
    if kind == "i64":
        return signed(int(value), 64)
    raise Reported("unsupported", f"argument kind {kind}")


def _stage(kind: str, fn, *args):
    """Run a compile or link step, tagging its failure with that kind.

    Instantiation also runs the start function and the segment initializers:
    their failures are traps, not link errors. Wasmer words link errors as
    `Error while importing "m"."f": ...`.
    """
    try:
        return fn(*args)
    except RuntimeError as e:
        message = _concise(str(e))
        if kind == "link" and not message.startswith("Error while importing"):
            raise
        raise Reported(kind, message) from e


def _expressing(what: str, fn, *args):
    """Build a helper module (a harness wrapper, a reference adapter) the command needs.

    When this engine cannot compile or link it, the command cannot be expressed
    here: `unsupported`, not a trap or a compile error of the script's module.
    """
    try:
        return fn(*args)
    except Reported:
        raise
    except BaseException as e:
        if isinstance(e, NOT_OURS):
            raise
        raise Reported("unsupported", f"{what} does not load on this engine: "
                                       f"{classify(e)['message']}") from e


def encode(kind: str, value: Any) -> list:
    if kind in ("i32", "i64"):
        return [kind, unsigned(kind, value)]
    # References come back from an adapter as null flags; a non-null externref can only
    # be one that is not ours (this worker never hands wasm a host reference).
    if kind == "externref":
        return [kind, None if value else "other"]
    if kind == "funcref":
        return [kind, None if value else "func"]
    raise Reported("unsupported", f"result kind {kind}")


def _concise(message: str) -> str:
    """Wasmer's message without its wasm backtrace ("    at f (<module>[3]:0x2a)")."""
    lines = [ln.rstrip() for ln in message.strip().splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.lstrip().startswith("at ")]
    return "; ".join(ln.strip() for ln in lines) if lines else message


def classify(error: BaseException) -> dict:
    if isinstance(error, Reported):
        return {"kind": error.kind, "message": str(error)}
    message = _concise(str(error))
    if type(error).__name__ == "PanicException":
        return {"kind": "internal", "message": f"wasmer panicked: {message}"}
    if isinstance(error, RuntimeError):
        lowered = message.lower()
        if "call stack exhausted" in lowered or "stack overflow" in lowered:
            return {"kind": "exhaustion", "message": message}
        return {"kind": "trap", "message": message}
    return {"kind": "internal", "message": f"{type(error).__name__}: {message}"}


def main() -> None:
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    worker = Worker(options)
    serve(lambda: {"version": version("wasmer"), "compiler": worker.store.compiler_name}, worker.run)


if __name__ == "__main__":
    main()
