"""The command line: bad input, JSON output, the results store and its exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "add" (i32.const 1) (i32.const 1)) (i32.const 3))
"""
BROKEN = """\
(module (func (export "f")))
(assert_return (invoke "f"))
(assert_return (invoke "f") (i32.const zz))
(assert_return (invoke "f"))
"""


def harness(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=300)


def test_unknown_engine_is_one_clear_error(tmp_path: Path) -> None:
    proc = harness("spec", "--engine", "nosuch", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown engine 'nosuch'" in proc.stderr
    assert "wasmtime" in proc.stderr  # names the ones that exist


def test_broken_and_missing_files_name_file_and_line_and_keep_other_results(tmp_path: Path) -> None:
    (tmp_path / "good.wast").write_text(GOOD)
    (tmp_path / "broken.wast").write_text(BROKEN)
    db = tmp_path / "r.duckdb"
    proc = harness("spec", "--engine", "wasmtime", "--db", str(db), "good.wast", "broken.wast",
                   "missing.wast", cwd=tmp_path)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert any("broken.wast:3:" in line for line in errors), proc.stderr
    assert any("missing.wast" in line and "cannot read" in line for line in errors), proc.stderr
    rows = duckdb.connect(str(db)).execute(
        "SELECT file, line, verdict FROM results WHERE verdict IS NOT NULL ORDER BY file, line").fetchall()
    assert ("good.wast", 2, "pass") in rows and ("good.wast", 3, "fail") in rows
    assert ("broken.wast", 3, "fail") in rows


def test_corrupt_module_is_reported_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "corrupt.wast").write_text(
        '(module binary "\\00asm" "\\01\\00\\00\\00" "\\01\\05\\01\\60")\n'
        '(module (func (export "ok") (result i32) (i32.const 1)))\n'
        '(assert_return (invoke "ok") (i32.const 1))\n')
    proc = harness("spec", "--engine", "wasmtime", "--db", str(tmp_path / "r.duckdb"), "--json",
                   "corrupt.wast", cwd=tmp_path)
    assert proc.returncode == 2
    assert "corrupt.wast:1: module is not valid WebAssembly" in proc.stderr
    out = json.loads(proc.stdout)
    assert out["engines"]["wasmtime"]["counts"]["pass"] == 2  # the rest of the file still ran


def test_malformed_binary_module_names_the_parse_error_not_a_log_line(tmp_path: Path) -> None:
    # wasm-tools logs "failed to parse DWARF information" as a WARN line before the error itself.
    (tmp_path / "truncated.wast").write_text(
        '(module binary "\\00asm\\01\\00\\00\\00\\01\\05\\01\\60\\00")\n')
    proc = harness("spec", "--engine", "wasmtime", "--db", str(tmp_path / "r.duckdb"), "truncated.wast",
                   cwd=tmp_path)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: truncated.wast:1: module is not valid WebAssembly: "
                      "unexpected end-of-file (at offset 0xa)"], proc.stderr


def test_script_level_failure_is_named_script_not_none(tmp_path: Path) -> None:
    # A script that does not convert has one row for the whole script, with no command (case).
    (tmp_path / "broken.wast").write_text(BROKEN)
    db = str(tmp_path / "r.duckdb")
    proc = harness("spec", "--engine", "wasmtime", "--db", db, "broken.wast", cwd=tmp_path)
    assert proc.returncode == 2
    failing = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failing) == 1 and "broken.wast:3 script: cannot convert:" in failing[0], proc.stdout
    assert "None" not in proc.stdout
    out = json.loads(harness("spec", "--engine", "wasmtime", "--db", db, "--json", "broken.wast",
                             cwd=tmp_path).stdout)
    assert [(f["kind"], f["case"]) for f in out["engines"]["wasmtime"]["failures"]] == [("script", "script")]


def test_json_output_and_strict(tmp_path: Path) -> None:
    (tmp_path / "good.wast").write_text(GOOD)
    db = tmp_path / "r.duckdb"
    proc = harness("spec", "--engine", "wasmtime,node", "--db", str(db), "--json", "good.wast", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) >= {"run_id", "wall_seconds", "engines"}
    for engine in ("wasmtime", "node"):
        info = out["engines"][engine]
        assert info["counts"] == {"pass": 2, "fail": 1, "skip": 0, "crash": 0, "timeout": 0}
        assert [(f["file"], f["line"], f["expected"]) for f in info["failures"]] == [("good.wast", 3, False)]
        assert info["version"]
    strict = harness("spec", "--engine", "wasmtime", "--db", str(db), "--strict", "good.wast", cwd=tmp_path)
    assert strict.returncode == 1
    assert "good.wast:3" in strict.stdout


def test_exports_and_run_metadata(tmp_path: Path) -> None:
    (tmp_path / "good.wast").write_text(GOOD)
    db = tmp_path / "r.duckdb"
    assert harness("spec", "--engine", "wasmtime", "--db", str(db), "good.wast", cwd=tmp_path).returncode == 0
    frames = {}
    for fmt in ("parquet", "csv", "json"):
        out = tmp_path / f"out.{fmt}"
        proc = harness("export", "--db", str(db), "-o", str(out), cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        frames[fmt] = {"parquet": pd.read_parquet, "csv": pd.read_csv, "json": pd.read_json}[fmt](out)
    for frame in frames.values():
        verdicts = frame[frame["verdict"].notna()]
        assert sorted(verdicts["verdict"]) == ["fail", "pass", "pass"]
        # Every engine's row has its version; the suite's own row (wall time, parameters) has no engine.
        by_engine = frame[frame["engine"].notna()]
        assert set(by_engine["engine_version"].astype(str)) == {frames["parquet"]["engine_version"][0]}
        assert list(frame.loc[frame["engine"].isna(), "phase"]) == ["suite"]
    runs = json.loads(harness("runs", "--db", str(db), "--json", cwd=tmp_path).stdout)
    assert runs[0]["status"] == "finished"
    assert runs[0]["cpu"] and runs[0]["host"] and runs[0]["harness_version"]
    assert json.loads(runs[0]["engines"])["wasmtime"]["version"]


@pytest.mark.parametrize("command", [["--help"], ["spec", "--help"], ["engines", "--json"]])
def test_help_and_engines(tmp_path: Path, command: list[str]) -> None:
    proc = harness(*command, cwd=tmp_path)
    assert proc.returncode == 0
    if command == ["engines", "--json"]:
        engines = {e["engine"]: e for e in json.loads(proc.stdout)}
        assert engines["wasmtime"]["available"] and engines["node"]["available"]
    else:
        assert "wasm-harness" in proc.stdout
