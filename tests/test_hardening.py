"""Hostile and careless use: signals, bad arguments, export errors, escaping (issue: hardening)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from harness.engine_required import require_engine

ROOT = Path(__file__).resolve().parent.parent
GOOD = """\
(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
"""
HANG = '(module (func (export "spin") (loop (br 0))))\n(assert_return (invoke "spin"))\n'


def harness(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})), timeout=300)


def error_lines(proc: subprocess.CompletedProcess) -> list[str]:
    return [line for line in proc.stderr.splitlines() if "error" in line]


@pytest.mark.parametrize("args", [["--timeout", "-1"], ["--timeout", "0"], ["--jobs", "0"],
                                  ["--jobs", "-3"], ["--engine", ","], ["--engine", ""]])
def test_bad_arguments_are_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "good.wast").write_text(GOOD)
    proc = harness("spec", *args, "--db", str(tmp_path / "r.duckdb"), "good.wast", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert len(error_lines(proc)) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "no results" not in proc.stdout


def test_a_bare_command_is_not_success(tmp_path: Path) -> None:
    proc = harness(cwd=tmp_path)
    assert proc.returncode == 2 and "usage: wasm-harness" in proc.stderr


def test_a_bad_engine_option_value_is_said_once_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "good.wast").write_text(GOOD)
    proc = harness("spec", "--engine", "wasmtime:strategy=bogus", "--db", str(tmp_path / "r.duckdb"),
                   "good.wast", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    [line] = error_lines(proc)
    assert line.count("wasmtime:strategy=bogus") == 1 and "unknown strategy 'bogus'" in line


def run_in_background(tmp_path: Path, engine: str) -> tuple[subprocess.Popen, Path]:
    # Files run largest first: the padding makes the quick file go first, then the hang.
    (tmp_path / "a_quick.wast").write_text(GOOD + ";;" + "x" * 4000 + "\n")
    (tmp_path / "b_hang.wast").write_text(HANG)
    db = tmp_path / "r.duckdb"
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli", "spec", "--engine", engine, "--timeout",
                             "60", "--db", str(db), "a_quick.wast", "b_hang.wast"], cwd=tmp_path,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return proc, db


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_keeps_finished_rows_and_marks_the_run_interrupted(tmp_path: Path, signum: int,
                                                                    code: int) -> None:
    """Ctrl-C and SIGTERM (timeout, CI runners, systemd) end a run the same way."""
    require_engine("node")
    proc, db = run_in_background(tmp_path, "node")
    time.sleep(6)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    con = duckdb.connect(str(db))
    files = {r[0] for r in con.execute("SELECT file FROM results WHERE verdict IS NOT NULL").fetchall()}
    assert files == {"a_quick.wast"}
    assert con.execute("SELECT status FROM runs").fetchone()[0] == "interrupted"


def test_a_run_killed_with_sigkill_shows_as_abandoned(tmp_path: Path) -> None:
    require_engine("node")
    proc, db = run_in_background(tmp_path, "node")
    time.sleep(6)
    proc.kill()
    proc.communicate(timeout=60)
    runs = json.loads(harness("runs", "--db", str(db), "--json", cwd=tmp_path).stdout)
    assert [r["status"] for r in runs] == ["abandoned"]
    assert runs[0]["pid"] == proc.pid
    # The rows it had staged before it was killed were moved into the store by the next process.
    con = duckdb.connect(str(db), read_only=True)
    files = {r[0] for r in con.execute("SELECT file FROM results WHERE verdict IS NOT NULL").fetchall()}
    con.close()
    assert files == {"a_quick.wast"}
    assert not list(tmp_path.glob(".r.duckdb.*.staging"))
    table = harness("runs", "--db", str(db), cwd=tmp_path).stdout
    assert "abandoned" in table and "engines" not in table  # the wide JSON column is behind --json


def test_export_errors_and_time_zones(tmp_path: Path) -> None:
    require_engine("wasmtime")
    (tmp_path / "good.wast").write_text(GOOD)
    db = tmp_path / "r.duckdb"
    assert harness("spec", "--engine", "wasmtime", "--db", str(db), "good.wast", cwd=tmp_path).returncode == 0
    blocked = tmp_path / "file"
    blocked.write_text("")
    proc = harness("export", "--db", str(db), "-o", str(blocked / "out.csv"), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "cannot" in proc.stderr
    proc = harness("export", "--db", str(db), "--run", "bogus", "-o", str(tmp_path / "x.csv"), cwd=tmp_path)
    assert proc.returncode == 2 and "no run 'bogus'" in proc.stderr
    assert not (tmp_path / "x.csv").exists()
    parquet = tmp_path / "out.parquet"
    assert harness("export", "--db", str(db), "-o", str(parquet), cwd=tmp_path).returncode == 0
    frame = pd.read_parquet(parquet)
    assert frame["line"].dtype.kind == "i"  # never null, so an integer column for pandas too
    nullable = pd.read_parquet(parquet, dtype_backend="numpy_nullable")
    assert str(nullable["process"].dtype) == "Int32"
    for fmt in ("csv", "json"):
        out = tmp_path / f"out.{fmt}"
        assert harness("export", "--db", str(db), "-o", str(out), cwd=tmp_path).returncode == 0
        text = out.read_text()
        stamps = [r["time"] for r in json.loads(text)] if fmt == "json" else \
            [line.split(",")[1] for line in text.splitlines()[1:]]
        assert stamps and all(s.endswith("Z") and "T" in s for s in stamps), stamps[:3]


def test_hostile_names_are_escaped_in_markdown_and_on_the_terminal(tmp_path: Path) -> None:
    require_engine("wasmtime")
    evil = "<script>alert(1)</script>"
    engines = tmp_path / "engines.toml"
    engines.write_text(f'["{evil}"]\nadapter = "wasmtime"\n')
    proc = harness("detect", "--engine", evil, "--feature", "simd", "--db", str(tmp_path / "r.duckdb"),
                   "--out", str(tmp_path / "out"), cwd=tmp_path, env={"WASM_HARNESS_ENGINES": str(engines)})
    assert proc.returncode == 0, proc.stderr
    markdown = (tmp_path / "out" / "matrix.md").read_text()
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert "<script>" not in (tmp_path / "out" / "matrix.html").read_text()

    name = "evil\x1b[31m<b>.wast"
    (tmp_path / name).write_text(GOOD.replace("(i32.const 3)", "(i32.const 4)"))
    proc = harness("spec", "--engine", "wasmtime", "--db", str(tmp_path / "r.duckdb"), name, cwd=tmp_path)
    assert "\x1b" not in proc.stdout + proc.stderr
    assert "evil\\x1b[31m<b>.wast:2" in proc.stdout


DEPENDENT = """\
(module $ok (func (export "one") (result i32) (i32.const 1)))
(module $bad (func unreachable) (start 0) (func (export "two") (result i32) (i32.const 2)))
(assert_return (invoke "two") (i32.const 2))
(assert_return (invoke $bad "two") (i32.const 2))
(register "bad" $bad)
(assert_return (invoke $ok "one") (i32.const 1))
(module (func (export "three") (result i32) (i32.const 3)))
(assert_return (invoke "three") (i32.const 3))
"""


def test_commands_on_a_module_that_did_not_instantiate_are_skips(tmp_path: Path) -> None:
    require_engine("wasmtime")
    (tmp_path / "dep.wast").write_text(DEPENDENT)
    db = tmp_path / "r.duckdb"
    proc = harness("spec", "--engine", "wasmtime", "--db", str(db), "dep.wast", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    found = duckdb.connect(str(db)).execute("SELECT line, verdict, message FROM results "
                                            "WHERE kind != 'script' AND verdict IS NOT NULL").fetchall()
    rows = {line: (verdict, message) for line, verdict, message in found}
    assert rows[2][0] == "fail"                      # the module itself: the engine's failure
    for line in (3, 4, 5):                           # what used it: skipped, naming the module's line
        assert rows[line] == ("skip", rows[line][1]) and "module at line 2" in rows[line][1], rows[line]
    assert rows[6][0] == rows[7][0] == rows[8][0] == "pass"   # other instances are unaffected


def test_readers_and_a_second_writer_work_while_a_run_holds_the_store(tmp_path: Path) -> None:
    require_engine("node")
    require_engine("wasmtime")
    (tmp_path / "good.wast").write_text(GOOD)
    db = tmp_path / "r.duckdb"
    first = harness("spec", "--engine", "wasmtime", "--db", str(db), "good.wast", cwd=tmp_path)
    assert first.returncode == 0
    proc, _ = run_in_background(tmp_path, "node")
    try:
        time.sleep(6)
        assert proc.poll() is None  # still in the hang
        started = time.monotonic()
        runs = harness("runs", "--db", str(db), "--json", cwd=tmp_path)
        assert runs.returncode == 0, runs.stderr
        assert sorted(r["status"] for r in json.loads(runs.stdout)) == ["finished", "running"]
        exported = harness("export", "--db", str(db), "--run", "all", "-o", str(tmp_path / "all.csv"),
                           cwd=tmp_path)
        assert exported.returncode == 0, exported.stderr
        reported = harness("report", "--db", str(db), "--run", json.loads(runs.stdout)[0]["run_id"],
                           cwd=tmp_path)
        assert reported.returncode == 0 and "| pass" in reported.stdout, reported.stderr
        second = harness("spec", "--engine", "wasmtime", "--db", str(db), "good.wast", cwd=tmp_path)
        assert second.returncode == 0, second.stderr
        assert time.monotonic() - started < 60  # nobody waited for the run to end
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    con = duckdb.connect(str(db), read_only=True)
    statuses = sorted(r[0] for r in con.execute("SELECT status FROM runs").fetchall())
    quick = con.execute("SELECT count(*) FROM results WHERE file = 'a_quick.wast'").fetchone()[0]
    assert statuses == ["finished", "finished", "interrupted"] and quick > 0
