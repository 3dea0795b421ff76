"""The feature matrix gives the answers known for the pinned versions, and says so in every format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.suites import features as detect
from reports import claims
from reports.matrix import ANSWERS, Answer

ROOT = Path(__file__).resolve().parent.parent
# The whole matrix (every configuration engines.toml has) takes about 30 s.
ENGINES = ["all"]
CHECKED = ["wasmtime", "node", "node24", "wasmer-cranelift", "chromium", "firefox"]


@pytest.fixture(scope="module")
def matrix_run(tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("features")
    argv = [sys.executable, "-m", "harness.cli", "detect", "--engine", ",".join(ENGINES),
            "--out", str(out), "--db", str(out / "r.duckdb"), "--json"]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), out


def test_known_answers_for_the_pinned_versions(matrix_run) -> None:
    m, _ = matrix_run
    assert m["node"]["gc"] == "unsupported"               # Node 20 lacks standard GC
    assert m["node"]["exceptionsFinal"] == "unsupported"  # ... and exnref
    assert m["node24"]["gc"] == "supported"
    assert m["wasmer-cranelift"]["memory64"] == "unsupported"  # Wasmer 1.1 lacks memory64
    assert m["wasmtime"]["tailCall"] == m["wasmtime"]["gc"] == "supported"
    assert m["chromium"]["webgpu"] == "supported"         # SwiftShader, with --enable-unsafe-webgpu
    assert m["chromium"]["crossOriginIsolated"] == "supported"
    # a Worker and the page add to one shared memory: threads really share it
    assert m["chromium"]["threadsAcrossAgents"] == m["node"]["threadsAcrossAgents"] == "supported"
    assert m["node"]["jspi"] == "unsupported" and m["node24"]["jspi"] == "supported"
    assert m["wasmtime"]["jspi"] == "n/a"                 # a JS API on a standalone runtime
    assert len(m) >= 14  # every configuration answered
    for engine in m:
        assert set(m[engine].values()) <= set(ANSWERS)
    for engine in CHECKED:
        assert "error" not in m[engine].values(), {f: a for f, a in m[engine].items() if a == "error"}


def test_absence_checks_and_outputs(matrix_run) -> None:
    _, out = matrix_run
    document = json.loads((out / "matrix.json").read_text())
    assert document["absence"], "no probe names a Wasmtime switch"
    assert set(document["absence"].values()) == {"unsupported"}
    assert "webassembly.org" in document["claims_source"]
    assert (out / "matrix.csv").read_text().startswith("engine,version,feature,answer,detail")
    html = (out / "matrix.html").read_text()
    assert "<table>" in html and "chromium" in html
    assert "| feature" in (out / "matrix.md").read_text()
    assert document["wasm_feature_detect"]["node"]["gc"] is False  # the cross-check ran in JS hosts


def test_claims_are_read_for_the_version_run() -> None:
    assert claims.claim("node", "20.20.2", "gc").answer == "unsupported"   # table: since 22.0
    assert claims.claim("node24", "24.21.0", "gc").answer == "supported"
    assert claims.claim("wasmtime", "50.0.1", "bigInt").answer == "none"   # null: no claim
    assert claims.claim("chromium", "156.0.8078.79", "typeReflection").answer == "flag"
    assert claims.claim("bun", "1.4.5", "gc").answer == "none"             # not in the table


def test_wast_answers_from_rows() -> None:
    module_fails = [{"kind": "module", "verdict": "fail", "line": 3, "message": "compile error: x"},
                    {"kind": "assert_return", "verdict": "fail", "line": 4, "message": "no instance"}]
    assert detect.wast_answer(module_fails).answer == "unsupported"
    works = [{"kind": "module", "verdict": "pass", "line": 3, "message": ""},
             {"kind": "assert_return", "verdict": "pass", "line": 4, "message": ""}]
    assert detect.wast_answer(works).answer == "supported"
    wrong = [works[0], {"kind": "assert_return", "verdict": "fail", "line": 4, "message": "got 1"}]
    assert detect.wast_answer(wrong) == Answer("error", "line 4 fail: got 1")


def test_unknown_feature_is_bad_input(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "detect", "--feature", "nosuch",
                           "--db", str(tmp_path / "r.duckdb")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "no probe for nosuch" in proc.stderr


def test_features_md_lists_the_tables_features_without_a_probe() -> None:
    """FEATURES.md's count and its "not probed" table stay true as probes are added."""
    text = (ROOT / "FEATURES.md").read_text()
    table = set(claims.table()["features"])
    probed = table & {p.feature for p in detect.load_probes()}
    heading = "## Features of webassembly.org's table that are not probed"
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    assert f"Of the table's {len(table)} features, {len(probed)} have a probe above" in section
    listed = set()
    for row in section.splitlines():
        if row.startswith("| ") and not row.startswith(("| feature", "| ---")):
            listed.update(name.strip() for name in row.split("|")[1].split(","))
    assert listed == table - probed, (listed ^ (table - probed))
    assert f"The other {len(table - probed)} of the table" in section
