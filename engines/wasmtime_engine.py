"""Wasmtime through its Python embedding (PyPI `wasmtime`), in a Python worker."""

from __future__ import annotations

import json
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import ClassVar

from engines.base import Availability, Engine
from engines.protocol import PROJECT_ROOT, WorkerSpec

# What wasmtime.Config.strategy takes.
STRATEGIES = ("auto", "cranelift", "winch")


class WasmtimeEngine(Engine):
    runs_wasi_commands: ClassVar[bool] = True
    # wasmtime-py has no wasi-nn; the worker answers it through the Wasmtime CLI (engines/wasi_nn.py).
    # Components go through wasmtime-py's component API (engines/wasmtime_component.py).
    host_apis: ClassVar[frozenset[str]] = frozenset({"wasi-nn", "component-model"})
    OPTIONS: ClassVar[dict[str, str]] = {
        "strategy": "the compiler: cranelift or winch",
        "target": "a target triple, e.g. pulley64 for Wasmtime's portable interpreter",
        "disable": "wasm features to switch off (Config switches, e.g. simd, threads)",
        "cache": "use Wasmtime's on-disk compilation cache (default true)",
    }

    def without_features(self, switches: list[str]) -> Engine | None:
        disabled = [*self.options.get("disable", []), *switches]
        return type(self)(f"{self.name} without {', '.join(switches)}", {**self.options, "disable": disabled})

    def availability(self) -> Availability:
        try:
            import wasmtime  # noqa: F401
        except ImportError as e:
            return Availability(False, f"python package wasmtime cannot be imported: {e}")
        strategy = self.options.get("strategy")
        if strategy is not None and strategy not in STRATEGIES:
            return Availability(False, f"unknown strategy {strategy!r}; one of {', '.join(STRATEGIES)}")
        return Availability(True)

    def version(self) -> str:
        try:
            return version("wasmtime")
        except PackageNotFoundError:
            return "unknown"

    def worker_spec(self) -> WorkerSpec:
        return WorkerSpec(
            argv=[sys.executable, "-m", "engines.wasmtime_worker", json.dumps(self.options)],
            cwd=str(PROJECT_ROOT), label=self.name, buffers_replies=True,
        )
