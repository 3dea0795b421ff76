"""Our corpus on every engine: each deliberate failure is caught, everything else passes.

A harness that passed everything (or compared values loosely) would report the
`;; xfail:` commands as passing; `problems()` turns that into test failures,
and the last test proves it by running with such a harness.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engines.registry import resolve
from harness import spec_runner
from harness.runinfo import new_run_id, now
from harness.spec_runner import SpecRunner
from harness.wast.annotations import xfail_reason
from harness.wast.convert import convert
from harness.wast.judge import Verdict
from harness.wast.plan import plan_script

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "suites" / "spec").glob("*.wast"))


def run_corpus(engine: str) -> list[dict]:
    runner = SpecRunner(resolve([engine]), new_run_id(now()), root=ROOT / "suites" / "spec")
    return [row for outcome in runner.run(CORPUS) for row in outcome.rows]


def problems(engine: str, rows: list[dict]) -> list[str]:
    """Every way the rows differ from what the corpus says must happen."""
    found = []
    by_file: dict[str, list[dict]] = {}
    for row in rows:
        by_file.setdefault(row["file"], []).append(row)
    for path in CORPUS:
        mine = [r for r in by_file.get(path.name, []) if r.get("verdict")]
        if mine and all(r["verdict"] == "skip" for r in mine):
            continue  # the engine lacks a feature the file needs, or cannot parse it; the rows say why
        plan = plan_script(convert(path))
        marked = {line for line, entries in plan.xfails.items() if xfail_reason(entries, engine)}
        for r in mine:
            if r["line"] in marked:
                if not (r["verdict"] == "fail" and r["expected_failure"]):
                    found.append(f"{path.name}:{r['line']} is a deliberate failure but was {r['verdict']}")
            elif r["verdict"] != "pass":
                found.append(f"{path.name}:{r['line']} {r['verdict']}: {r['message']}")
        seen = {r["line"] for r in mine}
        found.extend(f"{path.name}:{line} has no result" for line in sorted(marked - seen))
    return found


# Every engine configuration set-up installs (browsers and Wasmer have their own test files).
ENGINES = ["wasmtime", "wasmtime-pulley", "node", "node22", "node24", "deno", "bun", "wabt"]


@pytest.fixture(scope="module", params=ENGINES)
def corpus_run(request) -> tuple[str, list[dict]]:
    return request.param, run_corpus(request.param)


def test_corpus_has_deliberate_failures_of_every_kind() -> None:
    reasons = [reason for path in CORPUS for entries in convert(path).annotations.xfails.values()
               for _, reason in entries]
    assert len(reasons) >= 30
    kinds: set[str] = set()
    for path in CORPUS:
        plan = plan_script(convert(path))
        kinds |= {step.kind for step in plan.steps if step.line in plan.xfails}
    assert kinds >= {"assert_return", "assert_trap", "assert_exhaustion", "assert_invalid",
                     "assert_malformed", "assert_unlinkable", "assert_uninstantiable"}


def test_deliberate_failures_fail_and_the_rest_passes(corpus_run) -> None:
    engine, rows = corpus_run
    assert problems(engine, rows) == []
    expected = [r for r in rows if r.get("expected_failure")]
    # WABT's parser rejects xfail.wast, so only the float and v128 deliberate failures run there.
    assert len(expected) >= (6 if engine == "wabt" else 25)


def test_failures_say_what_differs(corpus_run) -> None:
    engine, rows = corpus_run
    if engine == "wabt":
        pytest.skip("WABT words its own messages, and cannot parse xfail.wast")
    messages = {(r["file"], r["line"]): r["message"] for r in rows if r.get("expected_failure")}
    assert "0x7fa00001" in messages[("xfail.wast", 34)]        # the exact f32 payload returned
    assert "-0.0" in messages[("xfail.wast", 35)]                # the sign of zero
    assert "9007199254740993" in messages[("xfail.wast", 33)]   # i64 beyond 2^53, exactly


def test_a_harness_that_passes_everything_is_caught(monkeypatch) -> None:
    monkeypatch.setattr(spec_runner, "judge", lambda step, reply, reason=None: Verdict("pass"))
    rows = run_corpus("wasmtime")
    found = problems("wasmtime", rows)
    assert len([p for p in found if "deliberate failure" in p]) >= 25
