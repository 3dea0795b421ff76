"""Command-line JS hosts (Node, Deno, Bun) running the shared runner through js/cli_host.mjs.

Each differs only in how it is started and how it prints its version.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import ClassVar

from engines.base import Availability, Engine
from engines.protocol import PROJECT_ROOT, WorkerSpec

HOST = Path(__file__).resolve().parent / "js" / "cli_host.mjs"


@cache
def _version_output(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
    return out.stdout.strip()


class JsHostEngine(Engine):
    """Options: `binary` (a name on PATH, or a path relative to the project), `flags` (list)."""

    has_javascript = True
    OPTIONS: ClassVar[dict[str, str]] = {
        "binary": "the host's executable: a name on PATH, or a path relative to the project",
        "flags": "command-line flags for the host (V8 flags for Node and Deno), a list or one string",
    }
    default_binary = "node"

    def binary(self) -> str | None:
        name = str(self.options.get("binary", self.default_binary))
        if "/" in name:
            path = PROJECT_ROOT / name
            return str(path) if path.exists() else None
        return shutil.which(name)

    def availability(self) -> Availability:
        binary = self.binary()
        if binary is None:
            return Availability(False, f"{self.options.get('binary', self.default_binary)} not found "
                                       "(make setup installs it)")
        try:
            if not self.version():
                return Availability(False, f"{binary} --version printed nothing")
        except (OSError, subprocess.SubprocessError) as e:
            return Availability(False, f"{binary} does not run: {e}")
        return Availability(True)

    def version(self) -> str:
        binary = self.binary()
        if binary is None:
            return ""
        match = re.search(r"(\d+\.\d+\.\d+)", _version_output(binary))
        return match[1] if match else ""

    def flags_list(self) -> list[str]:
        flags = self.options.get("flags", [])
        return flags.split() if isinstance(flags, str) else list(flags)

    def argv(self, binary: str) -> list[str]:
        return [binary, *self.flags_list(), str(HOST)]

    def worker_spec(self) -> WorkerSpec:
        return WorkerSpec(argv=self.argv(self.binary() or self.default_binary), label=self.name)


    def _with_flag(self, flag: str) -> JsHostEngine:
        return type(self)(f"{self.name}+{flag}", {**self.options, "flags": [*self.flags_list(), flag]})


class NodeEngine(JsHostEngine):
    default_binary = "node"

    def with_v8_flag(self, flag: str) -> Engine | None:
        return self._with_flag(flag)


class DenoEngine(JsHostEngine):
    default_binary = "deno"

    def with_v8_flag(self, flag: str) -> Engine | None:
        return self._with_flag(flag)

    def argv(self, binary: str) -> list[str]:
        flags = self.flags_list()
        v8 = [f"--v8-flags={','.join(flags)}"] if flags else []
        # Reads anywhere (module files); writes only to the temporary directory, whose name
        # it may read from the environment (the `wasi` feature probe captures stdout in a file there).
        return [binary, "run", "--quiet", "--allow-read", f"--allow-write={tempfile.gettempdir()}",
                "--allow-env=TMPDIR,TMP,TEMP", *v8, str(HOST)]


class BunEngine(JsHostEngine):
    default_binary = "bun"  # JavaScriptCore: no V8 flags
