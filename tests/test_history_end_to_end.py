"""End to end: real benchmark runs on Wasmtime into one store; the second run's comparison with the
first flags nothing, and a third with the same configuration made slower on purpose (Wasmtime's
Pulley interpreter instead of Cranelift) is flagged as a regression with its evidence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from harness.engine_required import require_engine

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "sha256"
FAST = '[wasmtime]\nadapter = "wasmtime"\nstrategy = "cranelift"\n'
# The same configuration name, made slower: Wasmtime's portable interpreter (no threads there).
SLOW = FAST + 'target = "pulley64"\ndisable = ["threads"]\n'
NOISY_THRESHOLD = "0.25"


def harness(*args: str, cwd: Path, engines: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if engines is not None:
        env["WASM_HARNESS_ENGINES"] = str(engines)
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def test_a_configuration_made_slower_is_flagged_and_an_unchanged_rerun_is_not(tmp_path: Path) -> None:
    require_engine("wasmtime")
    db = str(tmp_path / "r.duckdb")
    fast, slow = tmp_path / "fast.toml", tmp_path / "slow.toml"
    fast.write_text(FAST)
    slow.write_text(SLOW)
    for run_id, config in (("night-1", fast), ("night-2", fast), ("night-3", slow)):
        proc = harness("bench", "--db", db, "--run", run_id, "--engine", "wasmtime", "--no-native",
                       "--kernel", KERNEL, "--variant", "scalar", "--quick", "--processes", "3", "--samples",
                       "5", "--no-progress", "--json", cwd=tmp_path, engines=config)
        assert proc.returncode == 0, (run_id, proc.stderr)

    # The default 5% threshold is for a quiet nightly machine. CI runs this beside other tests on
    # two cores, where three quick processes of an unchanged configuration can drift by more than
    # 5% with significance; 25% still separates noise from the slowed configuration's >1.5x.
    second = harness("report", "--db", db, "--run", "night-2", "--against", "previous", "--json",
                     "--threshold", NOISY_THRESHOLD, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    document = json.loads(second.stdout)
    assert (document["run"]["run_id"], document["against"]["run_id"]) == ("night-2", "night-1")
    [timing] = [t for t in document["timings"] if t["engine"] == "wasmtime"]
    assert timing["unit"] == f"{KERNEL}/scalar" and timing["ratio"]["low"] <= timing["ratio"]["high"]
    assert document["flags"] == [], document["flags"]

    third = harness("report", "--db", db, "--against", "previous", cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    assert "Flagged: 1 regression" in third.stdout and "target=pulley64" in third.stdout
    last = harness("report", "--db", db, "--last", "3", "--json", "--threshold", NOISY_THRESHOLD,
                   cwd=tmp_path)
    document = json.loads(last.stdout)
    [flag] = document["flags"]
    assert (flag["kind"], flag["suite"], flag["engine"], flag["what"]) == (
        "regression", "bench", "wasmtime", f"{KERNEL}/scalar")
    assert (flag["against"], flag["run"]) == ("night-2", "night-3")
    assert flag["ratio"]["low"] > 1.5 and flag["p_value"] < 0.05
    assert flag["before"]["value"] < flag["after"]["value"]
    assert any("wasmtime flags" in c and "target=pulley64" in c for c in flag["changes"]), flag["changes"]
