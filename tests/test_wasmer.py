"""Wasmer (PyPI wasmer 1.1.0, Python 3.10 venv) with its three compilers, on real workers.

The corpus check is tests/test_corpus.py's, with one allowance: wasmer-python 1.1
cannot hand wasm a host reference at all, so a command that passes
`(ref.extern N)` is skipped, saying so (and only such commands may be).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_corpus import CORPUS, problems, run_corpus

from engines.registry import make, resolve
from harness import spec_runner
from harness.engine_required import in_ci, require_engine
from harness.runinfo import new_run_id, now
from harness.spec_runner import SpecRunner
from harness.wast.convert import convert
from harness.wast.judge import Verdict
from harness.wast.plan import plan_script
from harness.worker import WorkerProcess

CONFIGURATIONS = ["wasmer-cranelift", "wasmer-singlepass", "wasmer-llvm"]
HOST_REFS = "wasmer-python 1.1 cannot pass a host reference"


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_configuration_is_available_or_says_precisely_why(name: str) -> None:
    engine = make(name)
    assert engine.options["compiler"] == name.removeprefix("wasmer-")
    state = engine.availability()
    if state.ok:
        return
    if "no Python 3.10" in state.reason and not in_ci():
        pytest.skip(state.reason)
    # Only LLVM may be missing, and only for its known reason: the libtinfo it links.
    assert name == "wasmer-llvm", state.reason
    assert "libtinfo" in state.reason, state.reason


def test_unknown_compiler_is_unavailable_with_the_known_ones_named() -> None:
    state = make("wasmer:compiler=turbofan").availability()
    assert not state.ok
    assert "turbofan" in state.reason and "singlepass" in state.reason


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_version_is_the_wasmer_package_version(name: str) -> None:
    require_engine(name)
    engine = make(name)
    assert engine.version() == "1.1.0"
    worker = WorkerProcess(engine.worker_spec())
    try:
        hello = worker.start()
    finally:
        worker.close()
    assert hello["version"] == "1.1.0"
    assert hello["compiler"] == engine.options["compiler"]


def host_ref_commands(path: Path) -> set[int]:
    """Lines of the commands that hand wasm a non-null host reference."""
    plan = plan_script(convert(path))
    return {s.line for s in plan.steps if s.wire and any(
        kind == "externref" and value is not None for kind, value in s.wire.get("args", []))}


def wasmer_problems(engine: str, rows: list[dict]) -> list[str]:
    """problems(), less the commands wasmer-python cannot express, which must say so."""
    inexpressible = {(r["file"], r["line"]) for r in rows if r.get("verdict") == "skip"
                     and r["kind"] != "script" and r["message"].startswith(HOST_REFS)}
    passing_host_refs = {(path.name, line) for path in CORPUS for line in host_ref_commands(path)}
    found = [f"{file}:{line} says it needs a host reference but passes none"
             for file, line in sorted(inexpressible - passing_host_refs)]
    for problem in problems(engine, rows):
        file, _, line = problem.split(" ", 1)[0].rpartition(":")
        if (file, int(line)) not in inexpressible:
            found.append(problem)
    return found


@pytest.fixture(scope="module", params=CONFIGURATIONS)
def wasmer_corpus(request) -> tuple[str, list[dict]]:
    require_engine(request.param)
    return request.param, run_corpus(request.param)


def test_corpus_deliberate_failures_fail_and_the_rest_passes(wasmer_corpus) -> None:
    engine, rows = wasmer_corpus
    assert wasmer_problems(engine, rows) == []
    verdicts = [r["verdict"] for r in rows if r.get("verdict")]
    assert "crash" not in verdicts and "timeout" not in verdicts
    expected = [r for r in rows if r.get("expected_failure")]
    # Singlepass runs only spectest.wast and traps.wast (no multi-value, broken reference
    # imports): its deliberate failures are its own table.grow bug.
    assert len(expected) >= (4 if engine == "wasmer-singlepass" else 30)


def test_corpus_skips_say_what_wasmer_lacks(wasmer_corpus) -> None:
    engine, rows = wasmer_corpus
    skips = {r["file"]: r["message"] for r in rows if r["kind"] == "script" and r.get("verdict") == "skip"}
    assert "engine lacks gc" in skips["gc_refs.wast"]
    assert "engine lacks exnref" in skips["exceptions.wast"]
    assert "engine lacks legacyExceptions" in skips["legacy_exceptions.wast"]
    if engine == "wasmer-singlepass":
        assert "engine lacks simd" in skips["simd.wast"]
        assert "multiValue" in skips["integers.wast"]
        assert "referenceTypes" in skips["refs.wast"]
    else:
        assert "simd.wast" not in skips and "refs.wast" not in skips
        host = [r for r in rows if r.get("verdict") == "skip" and r["kind"] != "script"]
        assert host and all(r["message"].startswith(HOST_REFS) for r in host)


WORKER_SCRIPT = """\
(module $m
  (func (export "spin") (loop (br 0)))
  (global $n (mut i32) (i32.const 0))
  (func (export "bump") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
  (func $deep (export "deep") (result i32) (i32.add (call $deep) (i32.const 1)))
  (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func (export "big") (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))
  (func (export "ext.id") (param externref) (result externref) (local.get 0))
  (func (export "func.null") (result funcref) (ref.null func))
  (func (export "f") (result i32) (i32.const 1))
  (global (export "g_func") funcref (ref.func 7))
  (global (export "g_ext") (mut externref) (ref.null extern)))
(register "m" $m)
(assert_return (invoke "bump") (i32.const 1))
(assert_trap (invoke "div" (i32.const 0)) "integer divide by zero")
(assert_exhaustion (invoke "deep") "call stack exhausted")
(assert_return (invoke "big" (i64.const -1)) (i64.const 0))
(assert_return (invoke "ext.id" (ref.null extern)) (ref.null extern))
(assert_return (invoke "func.null") (ref.null func))
(assert_return (get "g_func") (ref.func))
(assert_return (get "g_ext") (ref.null extern))
(assert_return (invoke "ext.id" (ref.extern 1)) (ref.extern 1))
(assert_malformed (module binary "") "unexpected end")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_unlinkable (module (import "m" "nope" (func))) "unknown import")
(assert_unlinkable (module (import "m" "bump" (func (param i32)))) "incompatible import type")
(assert_trap (module (func unreachable) (start 0)) "unreachable")
(assert_return (invoke "spin"))
(assert_return (invoke "bump") (i32.const 2))
(module (import "m" "bump" (func $b (result i32))) (func (export "b2") (result i32) (call $b)))
(assert_return (invoke "b2") (i32.const 3))
"""


def test_worker_outcomes_on_cranelift(tmp_path: Path) -> None:
    require_engine("wasmer-cranelift")
    script = tmp_path / "wasmer.wast"
    script.write_text(WORKER_SCRIPT)
    runner = SpecRunner(resolve(["wasmer-cranelift"]), new_run_id(now()), root=tmp_path, timeout=1.0,
                        cache_root=tmp_path / "cache")
    try:
        outcome = runner.run_file(script, runner.engines[0])
    finally:
        runner.close()
    rows = {r["line"]: r for r in outcome.rows if r.get("kind") != "script"}
    verdicts = {line: r["verdict"] for line, r in rows.items()}
    skip_line = 22
    hang_line = 28
    assert verdicts.pop(skip_line) == "skip"
    assert rows[skip_line]["message"].startswith(HOST_REFS)
    # No interruption in Wasmer 1.1: the harness kills the hung worker, then rebuilds the
    # script's state (bump was called once before the hang) and goes on.
    assert verdicts.pop(hang_line) == "timeout"
    assert "worker killed" in rows[hang_line]["message"]
    assert set(verdicts.values()) == {"pass"}, {k: rows[k]["message"] for k, v in verdicts.items()
                                               if v != "pass"}


def test_a_harness_that_passes_everything_is_caught_on_wasmer(monkeypatch) -> None:
    require_engine("wasmer-cranelift")
    monkeypatch.setattr(spec_runner, "judge", lambda step, reply, reason=None: Verdict("pass"))
    rows = run_corpus("wasmer-cranelift")
    found = wasmer_problems("wasmer-cranelift", rows)
    assert len([p for p in found if "deliberate failure" in p]) >= 25
