"""`wasm-harness bench`: every engine's answers checked on the quick profile, wrong answers and
hangs as verdicts, and the command's output."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engines.registry import configurations, make, resolve
from harness.bench_runner import PROFILES, BenchRunner
from harness.engine_required import require_engine
from harness.session import Session
from harness.store import NATIVE
from harness.workloads import Workload, all_variants, build, load_manifest

ROOT = Path(__file__).resolve().parent.parent
WASM_TOOLS = Path(sys.executable).parent / "wasm-tools"
BENCH_ENGINES = [n for n in configurations() if not make(n).runs_whole_scripts]
QUICK_ONE_PROCESS = dataclasses.replace(PROFILES["quick"], processes=1, samples=2)


def run(engines: list, workloads: list[Workload], artifacts: dict, tmp_path: Path, profile=QUICK_ONE_PROCESS,
        native: bool = False) -> list[dict]:
    if native and not any(e.name == NATIVE for e in engines):
        engines = [*engines, make(NATIVE)]
    with Session(tmp_path / "r.duckdb", progress=False) as session:
        session.add_engines(engines)
        BenchRunner(engines, workloads, artifacts, profile, make_rows=lambda e: session.rows("bench", e),
                    add_rows=session.add_rows, seed=1).run()
    rows = session.store.frame(session.run_id).to_dict("records")
    session.close()
    return rows


@pytest.mark.parametrize("engine", BENCH_ENGINES)
def test_every_workload_answers_right_and_is_timed(tmp_path: Path, engine: str) -> None:
    """The CI check of the quick profile: every workload and variant on this engine."""
    require_engine(engine)
    workloads = list(load_manifest().values())
    rows = run(resolve([engine]), workloads, build(workloads), tmp_path, native=engine == "wasmtime")
    checks = {(r["engine"], r["case"], r["kind"]): r for r in rows if r["phase"] == "check"}
    runs_wasm = make(engine).runs_wasm
    expected_units = {(engine, w.name, v) for w in workloads for v in all_variants(w)
                      if (v != NATIVE) == runs_wasm}
    assert expected_units <= set(checks)
    for key, row in checks.items():
        if row["verdict"] == "unsupported":  # a SIMD build an engine cannot compile (Wasmer singlepass)
            assert key[2] in ("simd", "relaxed") and "not compiled" in row["message"], row
            continue
        if row["expected_failure"]:  # a known engine bug (bench.toml xfail) must still fail
            assert row["verdict"] != "pass", row
            continue
        assert row["verdict"] == "pass", row
        times = [r for r in rows if (r["engine"], r["case"], r["kind"]) == key and r["phase"] == "execute"]
        assert len(times) == QUICK_ONE_PROCESS.samples and all(t["value"] > 0 for t in times)
        phases = {r["phase"] for r in rows if (r["engine"], r["case"], r["kind"]) == key}
        wasm_phases = {"compile", "instantiate"} if key[0] != NATIVE else set()
        assert {"first_call", "timer", *wasm_phases} <= phases


def wat_workload(tmp_path: Path, name: str, body: str, expect: float) -> tuple[Workload, dict]:
    """A micro-benchmark from WAT text: bench_check returns `answer`; bench_run runs `body`."""
    wat = tmp_path / f"{name}.wat"
    wat.write_text(f"""(module (memory (export "memory") 1)
      (func (export "bench_init") (param i32))
      (func (export "bench_run") (param $reps i32) {body})
      (func (export "bench_check") (result f64) (f64.const 41)))""")
    wasm = tmp_path / f"{name}.wasm"
    subprocess.run([str(WASM_TOOLS), "parse", str(wat), "-o", str(wasm)], check=True)
    workload = Workload(name=name, kind="micro", source=wat, description=name, variants=("scalar",),
                        sizes={"quick": 1, "default": 1, "long": 1}, tolerance=0.0,
                        expect={"quick": expect, "default": expect, "long": expect}, fresh=False,
                        max_reps=None)
    return workload, {(name, "scalar"): wasm}


@pytest.mark.parametrize("engine", ["wasmtime", "node"])
def test_a_wrong_answer_is_a_failure_without_times_and_a_hang_a_timeout(tmp_path: Path, engine: str) -> None:
    require_engine(engine)
    wrong, a1 = wat_workload(tmp_path, "wrong", "", expect=42.0)
    right, a2 = wat_workload(tmp_path, "right", "", expect=41.0)
    hang, a3 = wat_workload(tmp_path, "hang", "(loop (br 0))", expect=41.0)
    profile = dataclasses.replace(QUICK_ONE_PROCESS, processes=2, timeout_s=2.0)
    rows = run(resolve([engine]), [wrong, hang, right], {**a1, **a2, **a3}, tmp_path, profile=profile)
    checks = [(r["case"], r["process"], r["verdict"]) for r in rows if r["phase"] == "check"]
    # Failed units are not retried in the second process; the right one runs in both.
    assert sorted(checks) == [("hang", 0, "timeout"), ("right", 0, "pass"), ("right", 1, "pass"),
                              ("wrong", 0, "fail")]
    assert not [r for r in rows if r["case"] != "right" and r["phase"] == "execute"]
    assert "expected 42.0" in next(r["message"] for r in rows if r["case"] == "wrong")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", "bench", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)


def test_bench_command_json_rows(tmp_path: Path) -> None:
    require_engine("wasmtime")
    done = cli("--quick", "--engine", "wasmtime", "--kernel", "matmul,calls", "--json",
               "--db", str(tmp_path / "r.duckdb"), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    by = {(r["engine"], r["kernel"], r["variant"], r["phase"]): r for r in rows}
    simd = by[("wasmtime", "matmul", "simd", "execute")]
    for field in ("median_s", "ci_low_s", "ci_high_s", "samples", "ratio_to_native", "ratio_to_native_ci_low",
                  "ratio_to_native_ci_high", "simd_speedup", "simd_speedup_ci_low", "simd_speedup_ci_high"):
        assert isinstance(simd[field], float | int), field
    assert simd["ci_low_s"] <= simd["median_s"] <= simd["ci_high_s"]
    assert {p for (e, k, v, p) in by if (e, k, v) == ("wasmtime", "matmul", "scalar")} == {
        "compile", "instantiate", "first_call", "execute"}
    assert ("native", "matmul", "native", "execute") in by
    assert ("wasmtime", "calls", "scalar", "execute") in by
    assert "ratio_to_native" in by[("wasmtime", "geomean", "scalar", "execute")]
    assert json.loads((tmp_path / "out" / "bench.json").read_text()) == rows
    assert "wasm / native" in (tmp_path / "out" / "bench.md").read_text()


def test_bench_command_bad_input() -> None:
    done = cli("--kernel", "no-such-kernel")
    assert done.returncode == 2 and "unknown kernel no-such-kernel" in done.stderr
    done = cli("--engine", "no-such-engine")
    assert done.returncode == 2 and "no-such-engine" in done.stderr
