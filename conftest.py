"""pytest plugin: every .wast under suites/ is a test file, with one item per engine.

    pytest suites/spec --engine wasmtime
    pytest suites/spec --engine node --junitxml=spec.xml

An item passes when every command passes except the deliberate failures
(`;; xfail:`), which must fail. An engine that is not available is skipped
with its reason, except in CI (CI=true), where that is an error: whatever
setup installs must run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engines.base import Engine
from engines.registry import known, resolve
from harness.runinfo import new_run_id, now
from harness.spec_runner import DEFAULT_TIMEOUT, SpecRunner
from reports.summary import PROBLEMS
from tests.engine_required import require_engine

ROOT = Path(__file__).resolve().parent


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wasm-harness")
    group.addoption("--engine", action="append", default=None, metavar="NAME",
                    help=f"engine configuration(s) for .wast items: {', '.join(known())} or all "
                         "(default: all)")
    group.addoption("--spec-timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                    help="seconds per spec command before it is a timeout")


def selected_engines(config: pytest.Config) -> list[Engine]:
    """The configurations that run .wast files (a baseline without wasm has nothing to run)."""
    return [e for e in resolve(config.getoption("engine")) if e.runs_wasm]


@pytest.fixture(scope="session")
def engines(pytestconfig: pytest.Config) -> list[Engine]:
    return selected_engines(pytestconfig)


class _Runners:
    """One SpecRunner per session, so workers are reused across .wast items."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.runner: SpecRunner | None = None

    def get(self) -> SpecRunner:
        if self.runner is None:
            self.runner = SpecRunner(selected_engines(self.config), new_run_id(now()),
                                     suite="spec", root=ROOT,
                                     timeout=self.config.getoption("spec_timeout"))
        return self.runner

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()


def pytest_configure(config: pytest.Config) -> None:
    runners = _Runners(config)
    config.stash[_RUNNERS] = runners
    config.add_cleanup(runners.close)


_RUNNERS = pytest.StashKey[_Runners]()


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    parts = file_path.relative_to(ROOT).parts
    # suites/features holds feature probes (wasm-harness detect), which fail by design where
    # a feature is missing: they are not conformance tests.
    if file_path.suffix == ".wast" and parts[:1] == ("suites",) and parts[1:2] != ("features",):
        return WastFile.from_parent(parent, path=file_path)
    return None


class WastFile(pytest.File):
    def collect(self):
        for engine in selected_engines(self.config):
            yield WastItem.from_parent(self, name=f"{self.path.name}[{engine.name}]", engine=engine)


class WastFailure(Exception):
    pass


class WastItem(pytest.Item):
    def __init__(self, *, engine: Engine, **kwargs) -> None:
        super().__init__(**kwargs)
        self.engine = engine
        self.add_marker(pytest.mark.engine(engine.name))

    def runtest(self) -> None:
        require_engine(self.engine)
        runner = self.config.stash[_RUNNERS].get()
        outcome = runner.run_file(self.path, self.engine)
        verdicts = [r for r in outcome.rows if r.get("verdict")]
        whole = [r for r in verdicts if r.get("kind") == "script"]
        if whole and whole[0]["verdict"] == "skip":
            pytest.skip(whole[0]["message"])
        bad = [r for r in verdicts if r["verdict"] in PROBLEMS and not r.get("expected_failure")]
        if bad:
            raise WastFailure("\n".join(
                f"{r['file']}:{r['line']}: {r['verdict']}: {r.get('case') or r['kind']}: {r['message']}"
                for r in bad))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, WastFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, 0, f"{self.path.name} on {self.engine.name}"
