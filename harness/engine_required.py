"""One rule for every test that needs an engine: in CI a missing engine fails, elsewhere it skips.

In the package (not tests/) because the pytest plugin (harness/pytest_plugin.py) applies it
to every .wast item, wherever pytest runs.

Set-up installs every engine, so in CI (CI=true) an unavailable one is a set-up
bug and must fail loudly; on a developer's machine it is a skip that says why.
"""

from __future__ import annotations

import os

import pytest

from engines.base import Engine
from engines.registry import make


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_engine(engine: Engine | str) -> Engine:
    """The engine (configuration name or Engine), available, or the test ends here."""
    if isinstance(engine, str):
        engine = make(engine)
    state = engine.availability()
    if not state.ok:
        if in_ci():
            pytest.fail(f"engine {engine.name} is not available in CI: {state.reason}", pytrace=False)
        pytest.skip(f"engine {engine.name} unavailable: {state.reason}")
    return engine
