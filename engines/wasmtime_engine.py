"""Wasmtime through its Python embedding (PyPI `wasmtime`), in a Python worker."""

from __future__ import annotations

import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from engines.base import Availability, Engine
from harness.worker import WorkerSpec

_ROOT = Path(__file__).resolve().parent.parent


class WasmtimeEngine(Engine):
    def availability(self) -> Availability:
        try:
            import wasmtime  # noqa: F401
        except ImportError as e:
            return Availability(False, f"python package wasmtime cannot be imported: {e}")
        return Availability(True)

    def version(self) -> str:
        try:
            return version("wasmtime")
        except PackageNotFoundError:
            return "unknown"

    def worker_spec(self) -> WorkerSpec:
        return WorkerSpec(
            argv=[sys.executable, "-m", "engines.wasmtime_worker", json.dumps(self.options)],
            cwd=str(_ROOT), label=self.name, buffers_replies=True,
        )
