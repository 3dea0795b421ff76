"""A testsuite checkout with `proposals/<name>/` folders: each file needs its proposal (an engine
without it skips the file, saying so), a file the converter cannot read is that file's skip naming
the tool rather than bad input, and the report gives pass rates per proposal."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from harness.engine_required import require_engine
from tests.test_cli import harness

FILES = {
    "i32_add.wast": """(module (func (export "add") (param i32 i32) (result i32)
  (i32.add (local.get 0) (local.get 1))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
""",
    # Node 20 has no memory64: the folder alone (no `;; features:` header) must make it skip.
    "proposals/memory64/address.wast": """(module (memory i64 1)
  (func (export "load") (param i64) (result i32) (i32.load (local.get 0))))
(assert_return (invoke "load" (i64.const 0)) (i32.const 0))
(assert_trap (invoke "load" (i64.const 0x10000)) "out of bounds memory access")
""",
    "proposals/tail-call/return_call.wast": """(module
  (func $f (export "f") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 7))
      (else (return_call $f (i64.sub (local.get 0) (i64.const 1)))))))
(assert_return (invoke "f" (i64.const 1000000)) (i64.const 7))
""",
    # Text no tool here can read: the converter lacks the proposal.
    "proposals/half-precision/splat.wast": """(module (func (export "f") (result v128)
  (f16x8.splat (f32.const 1))))
""",
}


def test_proposal_folders_gate_files_and_report_per_proposal(tmp_path: Path) -> None:
    require_engine("wasmtime")
    node = require_engine("node")
    suite = tmp_path / "testsuite"
    for name, text in FILES.items():
        (suite / name).parent.mkdir(parents=True, exist_ok=True)
        (suite / name).write_text(text)
    db = tmp_path / "r.duckdb"
    args = ("spec", "--testsuite", str(suite), "--engine", "wasmtime,node", "--db", str(db), "--no-progress")
    proc = harness(*args, "--json", cwd=tmp_path)
    # Not bad input (exit 2): the unreadable file is a skip naming the tool.
    assert proc.returncode == 0, proc.stderr[-3000:]
    document = json.loads(proc.stdout)
    assert document["bad_input"] == []
    rates = {(r["proposal"], r["engine"]): (r["passed"], r["commands"]) for r in document["proposals"]}
    assert rates[("core", "wasmtime")] == rates[("core", "node")] == (2, 2)
    assert rates[("memory64", "wasmtime")] == (3, 3)
    assert rates[("tail-call", "wasmtime")] == rates[("tail-call", "node")] == (2, 2)
    assert rates[("half-precision", "wasmtime")] == (0, 1)

    text = harness("report", "--db", str(db), cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "passed per proposal" in text.stdout
    rows = harness("export", "--db", str(db), "--run", "latest", "-o", str(tmp_path / "x.csv"), cwd=tmp_path)
    assert rows.returncode == 0, rows.stderr
    with (tmp_path / "x.csv").open() as f:
        messages = {(r["engine"], r["file"]): r["message"] for r in csv.DictReader(f)
                    if r["verdict"] == "skip"}
    tool = messages[("wasmtime", "proposals/half-precision/splat.wast")]
    assert tool.startswith("wasm-tools 1.262.0 cannot convert this half-precision proposal file:"), tool
    if not node.version().startswith("20."):
        pytest.skip(f"needs Node 20, which lacks memory64; the system Node is {node.version()}")
    assert messages[("node", "proposals/memory64/address.wast")].startswith(
        "engine lacks memory64, which the memory64 proposal's folder needs")
    assert rates[("memory64", "node")] == (0, 1)
