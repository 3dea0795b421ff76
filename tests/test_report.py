"""`wasm-harness report` renders a recorded run from the store alone, exactly as the run printed and
wrote it; suites joined with --run share one run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from harness.engine_required import require_engine

ROOT = Path(__file__).resolve().parent.parent
RUN = "20261205T000000-report"


def harness(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=600)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, dict[str, subprocess.CompletedProcess]]:
    """Three suites into one run of one store, each command's own output kept."""
    require_engine("wasmtime")
    require_engine("node")
    where = tmp_path_factory.mktemp("report")
    db = str(where / "r.duckdb")
    common = ["--db", db, "--run", RUN, "--engine", "wasmtime,node"]
    done = {
        "spec": harness("spec", *common, "--per-file", str(ROOT / "suites" / "spec" / "integers.wast"),
                        cwd=where),
        "detect": harness("detect", *common, "--feature", "simd", "--feature", "bigInt", "--out",
                          str(where / "run"), cwd=where),
        "bench": harness("bench", *common, "--quick", "--kernel", "matmul,calls", "--processes", "1",
                         "--out", str(where / "run"), cwd=where),
    }
    for name, proc in done.items():
        assert proc.returncode == 0, (name, proc.stderr)
    return where, done


def test_suites_with_one_run_id_share_one_run(recorded) -> None:
    where, _ = recorded
    con = duckdb.connect(str(where / "r.duckdb"), read_only=True)
    assert con.execute("SELECT run_id, status FROM runs").fetchall() == [(RUN, "finished")]
    suites = {r[0] for r in con.execute("SELECT DISTINCT suite FROM results").fetchall()}
    assert suites == {"spec", "features", "bench"}
    engines = json.loads(con.execute("SELECT engines FROM runs").fetchone()[0])
    assert set(engines) == {"wasmtime", "node", "native"}


def test_report_prints_and_writes_what_the_run_did(recorded) -> None:
    where, done = recorded
    proc = harness("report", "--db", str(where / "r.duckdb"), "--run", RUN, "--out", str(where / "run2"),
                   cwd=where)
    assert proc.returncode == 0, proc.stderr
    expected = "".join(done[name].stdout for name in ("spec", "detect", "bench"))
    assert proc.stdout.replace(str(where / "run2"), str(where / "run")) == expected
    assert proc.stderr == "".join(done[name].stderr for name in ("spec", "detect", "bench"))
    for name in ("matrix.md", "matrix.html", "matrix.csv", "matrix.json", "bench.md", "bench.json"):
        assert (where / "run2" / name).read_text() == (where / "run" / name).read_text(), name


def test_report_json_and_latest(recorded) -> None:
    where, _ = recorded
    proc = harness("report", "--db", str(where / "r.duckdb"), "--json", cwd=where)
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert set(document) == {"spec", "features", "bench"}
    assert document["spec"]["engines"]["wasmtime"]["counts"]["pass"] > 0
    assert document["features"]["wasmtime"]["simd"] == "supported"
    assert any(r["engine"] == "native" for r in document["bench"])


def test_report_of_an_unknown_run_is_bad_input(recorded, tmp_path: Path) -> None:
    where, _ = recorded
    proc = harness("report", "--db", str(where / "r.duckdb"), "--run", "bogus", cwd=where)
    assert proc.returncode == 2 and "no run 'bogus'" in proc.stderr
    proc = harness("report", "--db", str(tmp_path / "none.duckdb"), cwd=tmp_path)
    assert proc.returncode == 2 and "no results database" in proc.stderr
