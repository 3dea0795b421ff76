"""Node.js running the shared JS runner (engines/js/runner.mjs) through node_host.mjs."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

from engines.base import Availability, Engine
from harness.worker import WorkerSpec

_HOST = Path(__file__).resolve().parent / "js" / "node_host.mjs"
MIN_MAJOR = 18


@cache
def _node_version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


class NodeEngine(Engine):
    """Options: `binary` (default: `node` on PATH), `flags` (V8/Node flags, list)."""

    def binary(self) -> str | None:
        return shutil.which(self.options.get("binary", "node"))

    def availability(self) -> Availability:
        binary = self.binary()
        if binary is None:
            return Availability(False, f"{self.options.get('binary', 'node')} not found on PATH")
        text = _node_version(binary)
        try:
            major = int(text.lstrip("v").split(".")[0])
        except ValueError:
            return Availability(False, f"{binary} --version printed {text!r}")
        if major < MIN_MAJOR:
            return Availability(False, f"{binary} is {text}; the runner needs Node {MIN_MAJOR} or newer")
        return Availability(True)

    def version(self) -> str:
        binary = self.binary()
        return _node_version(binary).lstrip("v") if binary else "unknown"

    def worker_spec(self) -> WorkerSpec:
        binary = self.binary() or "node"
        return WorkerSpec(argv=[binary, *self.options.get("flags", []), str(_HOST)], label=self.name)
