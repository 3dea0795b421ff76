"""pytest plugin: every .wast file pytest visits is a test file, with one item per engine.

    pytest ~/testsuite --engine chromium -n 2 --junitxml=spec.xml
    pytest suites/spec --engine node            # in this repository

Installed with the package (the `pytest11` entry point in pyproject.toml), so it works in any
directory, not only in this checkout. A .wast file named on the command line, or found in a
directory pytest collects, becomes a test file; a project keeps .wast files out as it keeps any
file out (`collect_ignore` in a conftest.py, `--ignore`, `norecursedirs`).

An item passes when every command passes except the deliberate failures (`;; xfail:`), which
must fail. An engine that is not available is skipped with its reason, except in CI (CI=true),
where that is an error: whatever set-up installs must run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from engines.base import Engine
from engines.registry import EngineConfigError, UnknownEngineError, known, resolve
from harness.engine_required import require_engine

if TYPE_CHECKING:
    from pathlib import Path

    from harness.spec_runner import SpecRunner


def pytest_addoption(parser: pytest.Parser) -> None:
    try:
        names = ", ".join(known())
    except EngineConfigError as e:
        # A broken engines.toml must not break pytest for tests that never run a .wast: the
        # error comes back when an engine is resolved.
        names = f"(engines.toml unreadable: {e})"
    group = parser.getgroup("wasm-harness")
    group.addoption("--engine", action="append", default=None, metavar="NAME",
                    help=f"engine configuration(s) for .wast items: {names} or all (default: all); "
                         "repeat it or separate names with commas")
    group.addoption("--spec-timeout", type=float, default=None, metavar="S",
                    help="seconds per spec command before it is a timeout "
                         "(default: as `wasm-harness spec --timeout`)")


class _Session:
    """The engines and the one SpecRunner of a pytest process (each xdist worker has its own).

    One runner for every item, so engine workers are reused from one .wast file to the next.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._engines: list[Engine] | None = None
        self._runner: SpecRunner | None = None

    def engines(self) -> list[Engine]:
        """The configurations that run .wast files (a baseline without wasm has nothing to run)."""
        if self._engines is None:
            self._engines = [e for e in resolve(self.config.getoption("engine")) if e.runs_wasm]
        return self._engines

    def runner(self) -> SpecRunner:
        if self._runner is None:
            # Imported here: the plugin loads in every pytest run of an environment that has the
            # package, and only running a .wast needs the runner (and DuckDB, via its rows).
            from harness.runinfo import new_run_id, now
            from harness.spec_runner import DEFAULT_TIMEOUT, SpecRunner

            timeout = self.config.getoption("spec_timeout")
            # File names in failures are relative to pytest's rootdir, like its own node ids.
            self._runner = SpecRunner(self.engines(), new_run_id(now()), suite="spec",
                                      root=self.config.rootpath,
                                      timeout=DEFAULT_TIMEOUT if timeout is None else timeout)
        return self._runner

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()


_SESSION = pytest.StashKey[_Session]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "engine(name): the test drives this engine")
    session = _Session(config)
    if config.getoption("engine"):
        # A misspelt engine is a usage error before collection, not one error per .wast file.
        try:
            session.engines()
        except (UnknownEngineError, EngineConfigError) as e:
            raise pytest.UsageError(f"--engine: {e}") from None
    config.stash[_SESSION] = session
    config.add_cleanup(session.close)


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".wast":
        return WastFile.from_parent(parent, path=file_path)
    return None


class WastFile(pytest.File):
    def collect(self) -> Iterator[WastItem]:
        for engine in self.config.stash[_SESSION].engines():
            yield WastItem.from_parent(self, name=f"{self.path.name}[{engine.name}]", engine=engine)


class WastFailure(Exception):
    """The failing commands of one file on one engine, one `file:line: verdict: ...` line each."""


class WastItem(pytest.Item):
    def __init__(self, *, engine: Engine, **kwargs) -> None:
        super().__init__(**kwargs)
        self.engine = engine
        self.add_marker(pytest.mark.engine(engine.name))

    def runtest(self) -> None:
        from reports.summary import PROBLEMS  # here for the reason given in _Session.runner

        require_engine(self.engine)
        outcome = self.config.stash[_SESSION].runner().run_file(self.path, self.engine)
        verdicts = [r for r in outcome.rows if r.get("verdict")]
        whole = [r for r in verdicts if r.get("kind") == "script"]
        if whole and whole[0]["verdict"] == "skip":
            pytest.skip(whole[0]["message"])
        bad = [r for r in verdicts if r["verdict"] in PROBLEMS and not r.get("expected_failure")]
        if bad:
            raise WastFailure("\n".join(
                f"{r['file']}:{r['line']}: {r['verdict']}: {r.get('case') or r['kind']}: {r['message']}"
                for r in bad))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None):
        if isinstance(excinfo.value, WastFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.path.name} on {self.engine.name}"
