"""The native baseline as an engine configuration: the same C workloads built for this CPU.

It runs no WebAssembly (`runs_wasm` is false), so spec and feature probes leave
it out; the bench suite (and later the ML suites) time it beside every engine,
through the same worker protocol, as one more row.

Options: `compiler` (default "clang-19", or $CLANG), the C compiler whose
version the rows record; the bench suite builds with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cache
from typing import ClassVar

from engines.base import Availability, Engine
from engines.protocol import PROJECT_ROOT, WorkerSpec


@cache
def _compiler_version(path: str) -> str:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    return out.stdout.splitlines()[0].strip() if out.returncode == 0 and out.stdout else "clang"


class NativeEngine(Engine):
    runs_wasm = False
    OPTIONS: ClassVar[dict[str, str]] = {"compiler": "the C compiler (default clang-19, or $CLANG)"}

    def compiler(self) -> str:
        return str(self.options.get("compiler") or os.environ.get("CLANG") or "clang-19")

    def availability(self) -> Availability:
        if shutil.which(self.compiler()) is None:
            return Availability(False, f"{self.compiler()} not found (make setup installs Debian clang-19)")
        return Availability(True)

    def version(self) -> str:
        path = shutil.which(self.compiler())
        return _compiler_version(path) if path else ""

    def worker_spec(self) -> WorkerSpec:
        return WorkerSpec(argv=[sys.executable, "-m", "engines.native_worker", self.version()],
                          cwd=str(PROJECT_ROOT), label=self.name)
