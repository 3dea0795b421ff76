"""Adapters declare their options and capabilities; suites ask those, never the class."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engines.registry import EngineConfigError, configurations, make

ROOT = Path(__file__).resolve().parent.parent


def test_every_configuration_uses_only_declared_options() -> None:
    for name, (_, options) in configurations().items():
        assert set(options) <= set(type(make(name)).OPTIONS), name


@pytest.mark.parametrize("spec", ["node:flagz=x", "wasmtime:stratgy=winch", "chromium:arg=--x"])
def test_an_unknown_option_is_an_error_listing_the_valid_ones(spec: str) -> None:
    with pytest.raises(EngineConfigError, match="unknown option") as info:
        make(spec)
    assert all(option in str(info.value) for option in type(make(spec.split(":")[0])).OPTIONS)


def test_the_command_line_refuses_an_option_typo() -> None:
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "engines", "--engine", "node:flagz=x"],
                          capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 2
    assert "unknown option 'flagz'" in proc.stderr and "binary" in proc.stderr and "flags" in proc.stderr


def test_capabilities() -> None:
    assert make("node").has_javascript and make("chromium").has_javascript
    assert not make("wasmtime").has_javascript and not make("wasmer-cranelift").has_javascript
    assert make("wabt").runs_whole_scripts and not make("node").runs_whole_scripts
    assert not make("native").runs_wasm and make("wasmtime").runs_wasm


def test_v8_flags_and_switched_off_features() -> None:
    node = make("node").with_v8_flag("--experimental-wasm-jspi")
    assert node is not None and node.options["flags"] == ["--experimental-wasm-jspi"]
    chromium = make("chromium").with_v8_flag("--experimental-wasm-jspi")
    assert chromium is not None and "--js-flags=--wasm-jspi" in chromium.options["args"]
    assert make("bun").with_v8_flag("--x") is None          # JavaScriptCore
    assert make("wasmtime").with_v8_flag("--x") is None
    off = make("wasmtime-pulley").without_features(["simd"])
    assert off is not None and off.options["disable"] == ["threads", "simd"]
    assert make("node").without_features(["simd"]) is None
