"""The rooms stay apart: engines/ imports no harness code, reports/ no suite or runner, and no
suite module names a concrete engine adapter (it asks the adapter's capabilities instead)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADAPTER_MODULES = {"engines.wasmtime_engine", "engines.js_hosts", "engines.browsers", "engines.wasmer_engine",
                   "engines.wabt_engine", "engines.native_engine"}


def imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def offenders(folder: str, bad) -> dict[str, list[str]]:
    return {str(p.relative_to(ROOT)): sorted(m for m in imports(p) if bad(m))
            for p in sorted((ROOT / folder).rglob("*.py")) if any(bad(m) for m in imports(p))}


def test_engines_import_no_harness_code() -> None:
    assert offenders("engines", lambda m: m == "harness" or m.startswith("harness.")) == {}


def test_reports_import_no_suite_runner_or_worker() -> None:
    def producer(m: str) -> bool:
        return m.startswith(("harness.suites", "harness.suite", "harness.spec_runner", "harness.bench_runner",
                             "harness.worker", "harness.session", "engines"))

    assert offenders("reports", producer) == {}


def test_suites_name_no_engine_adapter() -> None:
    def adapter(m: str) -> bool:
        named = any(m == a or m.startswith(a + ".") for a in ADAPTER_MODULES)
        return named or m == "engines.base.ScriptEngine"

    assert offenders("harness", adapter) == {}


def test_the_checks_can_fail() -> None:
    # The import reader sees function-level imports: a check that misses them would pass vacuously.
    assert "harness.bench_runner.PROFILES" in imports(ROOT / "harness" / "suites" / "bench.py")
    assert "engines.registry.make" in imports(ROOT / "harness" / "suite.py")
