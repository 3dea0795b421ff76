"""Wasmer through its Python embedding (PyPI `wasmer` 1.1.0), in a Python 3.10 worker.

wasmer 1.1.0 has wheels only for CPython <= 3.10, so it lives in its own venv,
`.venv-wasmer` (made by setup/setup.sh from setup/requirements-wasmer.lock),
and the worker (engines/wasmer_worker.py) runs on that venv's Python.

Options: `compiler` = cranelift | singlepass | llvm (the wasmer_compiler_* package).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import ClassVar

from engines.base import Availability, Engine
from engines.protocol import PROJECT_ROOT, WorkerSpec

VENV = PROJECT_ROOT / ".venv-wasmer"
COMPILERS = ("cranelift", "singlepass", "llvm")
# What each compiler needs beyond the wheel, said when it does not load.
_HINTS = {
    "llvm": "wasmer_compiler_llvm's bundled libtinfo has no symbol versions, so ld.so rejects it; "
            "make setup installs Debian libtinfo5 and points the compiler at it with patchelf",
}


def venv_python() -> Path:
    return VENV / "bin" / "python"


def find_python310() -> str | None:
    """A Python 3.10 that runs: `python3.10` on PATH (a pyenv shim may not), else pyenv's."""
    candidates = [shutil.which("python3.10")]
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates += sorted(glob.glob(f"{root}/versions/3.10*/bin/python3.10"), reverse=True)
    for candidate in filter(None, candidates):
        try:
            ok = subprocess.run([candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 10)"],
                                capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        if ok:
            return candidate
    return None


@cache
def _probe(python: str, compiler: str) -> tuple[bool, str]:
    """(True, version) when the venv imports wasmer and the compiler; else (False, why)."""
    code = (f"import wasmer, wasmer_compiler_{compiler}; "
            f"wasmer.Store(wasmer.engine.Universal(wasmer_compiler_{compiler}.Compiler)); "
            "print(wasmer.__version__)")
    try:
        proc = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120,
                              cwd=str(PROJECT_ROOT))
    except (OSError, subprocess.SubprocessError) as e:
        return False, f"{python} does not run: {e}"
    if proc.returncode == 0:
        return True, proc.stdout.strip()
    lines = [ln.strip() for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
    detail = lines[-1] if lines else f"exit code {proc.returncode}"
    return False, detail


class WasmerEngine(Engine):
    # wasmer-python's own WASI, stdio redirected around the guest (engines/wasmer_wasi.py).
    runs_wasi_commands: ClassVar[bool] = True
    OPTIONS: ClassVar[dict[str, str]] = {"compiler": f"one of {', '.join(COMPILERS)} (default cranelift)"}

    def compiler(self) -> str:
        return str(self.options.get("compiler", "cranelift"))

    def availability(self) -> Availability:
        compiler = self.compiler()
        if compiler not in COMPILERS:
            return Availability(False, f"unknown wasmer compiler {compiler!r}; known: {', '.join(COMPILERS)}")
        python = venv_python()
        if not python.exists():
            if find_python310() is None:
                return Availability(False, "no Python 3.10 on this machine (tried python3.10 on PATH and "
                                           "pyenv's versions/3.10*): wasmer 1.1.0 has wheels only for "
                                           "CPython <= 3.10, so make setup could not create .venv-wasmer")
            return Availability(False, f"{python} is missing: run make setup")
        ok, detail = _probe(str(python), compiler)
        if ok:
            return Availability(True)
        hint = f" ({_HINTS[compiler]})" if compiler in _HINTS else ""
        return Availability(False, f"import wasmer_compiler_{compiler} fails in .venv-wasmer: {detail}{hint}")

    def version(self) -> str:
        """The wasmer package's version, read from the venv's metadata (no interpreter start)."""
        for info in sorted(VENV.glob("lib/python3*/site-packages/wasmer-*.dist-info")):
            for line in (info / "METADATA").read_text(errors="replace").splitlines():
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
        return "unknown"

    def worker_spec(self) -> WorkerSpec:
        return WorkerSpec(
            argv=[str(venv_python()), "-m", "engines.wasmer_worker", json.dumps(self.options)],
            cwd=str(PROJECT_ROOT), label=self.name,
        )
