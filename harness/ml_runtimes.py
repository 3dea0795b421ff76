"""The ml suite's runtimes: what each can run, on which engines, and the worker command for a unit.

A runtime is one way a model reaches an engine: a JS library (onnxruntime-web,
TensorFlow.js, transformers.js) on hosts with JavaScript, native onnxruntime as
the baseline, and, later, our own wasm kernels, WebGPU compute, WASI-NN, TVM
and Emscripten builds. Adding one means a `Runtime` subclass and an entry in
`REGISTRY`; the suite (harness/suites/ml.py) plans, runs, checks and stores
every runtime's units the same way, and never names one.

A unit's command is sent to a fresh worker of the engine (engines/*), whose
reply carries the result fields of suites/ml/js/README.md: `outputs`,
`phases`, `samples_s`, `memory`, and what the runtime reported.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from engines.base import Engine
from harness import ml_files, ml_units

# The `js` command's code: the runtime module does the work (suites/ml/js/README.md).
JS_DRIVER = "const m = await host.importModule(host.args.module); return await m.run(host, host.args);"


class UnitUnsupported(Exception):
    """Raised by a runtime's `command` when the unit cannot run for a stated reason that only
    building it reveals (TVM's WebGPU code generator has no int64): the unit's verdict is
    `unsupported` with that reason, not `error`."""


@dataclass(frozen=True)
class Variant:
    """How one runtime runs a model: a backend and a thread count."""

    runtime: str
    backend: str
    threads: int

    @property
    def kind(self) -> str:
        return f"{self.runtime}:{self.backend}:{self.threads}"


class Runtime:
    """One runtime. `args` given to `command` are the unit's: the model's files and inputs
    (ml_units.runtime_args) plus backend, threads and the profile's sampling."""

    name: str = ""
    variants: tuple[Variant, ...] = ()
    # True for the baseline every answer is checked against (and ratios are taken to).
    native: bool = False

    def problem(self, engine: Engine) -> str | None:
        """Why this runtime has no units on `engine` at all, or None when it has."""
        raise NotImplementedError

    def runs_model(self, meta: dict) -> bool:
        return ml_units.runs_on(meta, self.name)

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        """Options of its own on `wasm-harness ml` (e.g. tvm's --tvm-home)."""

    def configure(self, args: argparse.Namespace) -> None:
        """Take those options before the run's units are planned."""

    def runs_variant(self, variant: Variant, engine: Engine) -> bool:
        """Whether this variant exists on `engine` at all (no row when not), given no `problem`."""
        return True

    def unit_problem(self, variant: Variant, engine: Engine) -> str | None:
        """Why this variant is `unsupported` on `engine` (a row with the reason), or None."""
        return None

    def command(self, args: dict) -> dict:
        """The unit's worker command; raises UnitUnsupported when the unit cannot run here."""
        raise NotImplementedError


class JsRuntime(Runtime):
    """A JS library, driven by its module in suites/ml/js on any host with JavaScript."""

    def __init__(self, name: str, variants: tuple[Variant, ...]) -> None:
        self.name, self.variants = name, variants

    def problem(self, engine: Engine) -> str | None:
        if not engine.runs_wasm:
            return "the native baseline runs no JavaScript"
        return None if engine.has_javascript else "it runs no JavaScript"

    def command(self, args: dict) -> dict:
        args = {**args, "module": str(ml_files.runtime_module(self.name)),
                "runtime_root": str(ml_files.runtime_root(self.name))}
        files = [*map(str, ml_files.runtime_files(self.name, args["backend"])), *ml_units.files_of(args)]
        return {"i": 0, "do": "js", "code": JS_DRIVER, "args": args, "files": files}


class NativeOnnxRuntime(Runtime):
    """onnxruntime from PyPI in the native worker (engines/native_ml.py): the reference."""

    name = "onnxruntime"
    variants = (Variant("onnxruntime", "cpu", 1), Variant("onnxruntime", "cpu", 2))
    native = True

    def problem(self, engine: Engine) -> str | None:
        return None if not engine.runs_wasm else "native onnxruntime runs in the native worker only"

    def command(self, args: dict) -> dict:
        return {"i": 0, "do": "ml", **args}


# Part 2's runtimes live in their own modules, which import the classes above.
from harness import ml_wasi_nn as _wasi_nn  # noqa: E402
from harness.ml_emscripten import EmscriptenRuntime  # noqa: E402
from harness.ml_tvm import TvmRuntime  # noqa: E402
from harness.ml_webgpu import WebGpuRuntime  # noqa: E402  (it subclasses JsRuntime above)


def _kernels() -> Runtime:
    from harness.ml_kernels import KernelsRuntime  # it imports this module

    return KernelsRuntime()


REGISTRY: dict[str, Runtime] = {r.name: r for r in (
    JsRuntime("ort", (Variant("ort", "wasm", 1), Variant("ort", "wasm", 2), Variant("ort", "webgpu", 1))),
    JsRuntime("tfjs", (Variant("tfjs", "cpu", 1), Variant("tfjs", "wasm-scalar", 1),
                       Variant("tfjs", "wasm-simd", 1), Variant("tfjs", "wasm-simd-threads", 2),
                       Variant("tfjs", "webgl", 1), Variant("tfjs", "webgpu", 1))),
    JsRuntime("transformers", (Variant("transformers", "wasm", 1), Variant("transformers", "wasm", 2),
                               Variant("transformers", "webgpu", 1))),
    WebGpuRuntime(),
    NativeOnnxRuntime(),
    EmscriptenRuntime(),
    TvmRuntime(),
    _kernels(),
    _wasi_nn.WasiNnRuntime(),
)}
NATIVE_RUNTIME = NativeOnnxRuntime.name
# The runtimes a user may choose with --runtime (the baseline always runs).
CHOOSABLE = tuple(name for name, r in REGISTRY.items() if not r.native)


def runtime(name: str) -> Runtime:
    return REGISTRY[name]


def engine_problem(engine: Engine) -> str | None:
    """Why no runtime runs on `engine` (each reason with the runtimes it holds back), or None."""
    reasons: dict[str, list[str]] = {}
    for r in REGISTRY.values():
        reason = r.problem(engine)
        if reason is None:
            return None
        if not r.native:
            reasons.setdefault(reason, []).append(r.name)
    return "; ".join(f"{reason} ({', '.join(names)})" for reason, names in reasons.items())
