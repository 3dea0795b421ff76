"""The feature matrix's componentModel probe, for real: a component lifting a core function and a
string function runs in the Wasmtime worker (its configuration's Config, Pulley included), every
other configuration is `unsupported` with the reason; a broken probe is an error, not a crash."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engines.registry import make
from harness.suites.features import PROBES_DIR, Probe, load_probes, run_host_probe
from harness.wast.convert import ConversionError, parse_text

ROOT = Path(__file__).resolve().parent.parent
PROBE_TEXT = PROBES_DIR / "host" / "componentModel.wat"


def component_probe() -> Probe:
    (probe,) = [p for p in load_probes() if p.feature == "componentModel"]
    return probe


def probe_in(folder: Path, text: str, calls: list[dict] | None = None) -> Probe:
    """The real probe with its component text (and calls) replaced, in `folder`."""
    spec = json.loads(json.dumps(component_probe().host))
    (folder / "broken.wat").write_text(text)
    spec["component"] = "broken.wat"
    if calls is not None:
        spec["command"]["calls"] = calls
    return Probe(feature="componentModel", path=folder / "broken.json", kind="host", host=spec)


def test_detect_answers_component_model(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "harness.cli", "detect", "--feature", "componentModel", "--engine",
            "wasmtime,wasmtime-pulley,node", "--json", "--db", str(tmp_path / "r.duckdb"),
            "--out", str(tmp_path / "out")]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"wasmtime": {"componentModel": "supported"},
                                       "wasmtime-pulley": {"componentModel": "supported"},
                                       "node": {"componentModel": "unsupported"}}
    (table,) = (tmp_path / "out").glob("*.csv")
    detail = {row["engine"]: row["detail"] for row in csv.DictReader(table.open())}
    for engine in ("wasmtime", "wasmtime-pulley"):  # the calls that ran, with their results
        assert "answer(41) = 1682" in detail[engine], detail
        assert "reverse('component-model') = 'ledom-tnenopmoc'" in detail[engine], detail
    assert "core modules only" in detail["node"] and "jco" in detail["node"], detail


def test_core_module_engines_are_unsupported_without_a_worker() -> None:
    for name in ("node", "wabt", "chromium", "wasmer-cranelift"):
        got = run_host_probe(component_probe(), make(name))
        assert got.answer == "unsupported" and "core modules only" in got.detail, (name, got)


def test_a_wrong_result_is_an_error(tmp_path: Path) -> None:
    probe = probe_in(tmp_path, PROBE_TEXT.read_text(),
                     calls=[{"func": "answer", "args": [41], "expect": 1681}])
    got = run_host_probe(probe, make("wasmtime"))
    assert got.answer == "error" and "answer(41) gave 1682, not 1681" in got.detail, got


def test_an_invalid_component_is_a_compile_error(tmp_path: Path) -> None:
    # Parses, but lifts an (i32) -> i32 core function as taking a string: Wasmtime rejects it.
    text = PROBE_TEXT.read_text().replace('(param "x" u32) (result u32)', '(param "x" string) (result u32)')
    got = run_host_probe(probe_in(tmp_path, text), make("wasmtime"))
    assert got.answer == "error" and got.detail.startswith("compile: "), got


def test_a_missing_export_and_a_trap_are_errors(tmp_path: Path) -> None:
    missing = probe_in(tmp_path, PROBE_TEXT.read_text(), calls=[{"func": "nothing", "args": [], "expect": 0}])
    got = run_host_probe(missing, make("wasmtime"))
    assert got.answer == "error" and "no function 'nothing'" in got.detail, got
    text = PROBE_TEXT.read_text().replace("(i32.add (i32.mul (local.get $x) (local.get $x)) (i32.const 1))",
                                          "(unreachable)")
    got = run_host_probe(probe_in(tmp_path, text), make("wasmtime"))
    assert got.answer == "error" and got.detail.startswith("trap: ") and "unreachable" in got.detail, got


def test_unparsable_text_names_its_file_and_line(tmp_path: Path) -> None:
    text = PROBE_TEXT.read_text().replace("(core instance $i (instantiate $m))",
                                          "(core instance $i (instantiate $nowhere))")
    line = text.splitlines().index("  (core instance $i (instantiate $nowhere))") + 1
    got = run_host_probe(probe_in(tmp_path, text), make("wasmtime"))
    assert got.answer == "error" and got.detail.startswith(f"{tmp_path / 'broken.wat'}:{line}: "), got
    assert "nowhere" in got.detail, got


def test_parse_text_caches_by_content(tmp_path: Path) -> None:
    first = parse_text(PROBE_TEXT, cache_root=tmp_path)
    assert first.read_bytes()[:8] == b"\0asm\x0d\0\x01\0"  # a component's preamble: version 0xd, layer 1
    copy = tmp_path / "copy.wat"
    shutil.copy(PROBE_TEXT, copy)
    assert parse_text(copy, cache_root=tmp_path) == first
    with pytest.raises(ConversionError, match="cannot read"):
        parse_text(tmp_path / "absent.wat", cache_root=tmp_path)
