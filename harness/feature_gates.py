"""Feature gates: which proposals an engine configuration validates, found by compiling tiny modules.

Spec files name the proposals they need (`;; features: ...`); a file whose
needs an engine lacks is skipped with that reason. A gate checks validation
only; the feature matrix's probes (suites/features, `wasm-harness detect`)
check behaviour.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.watcache import wat_binary

# Feature names follow the webassembly.org feature table where it has one.
GATES: dict[str, str] = {
    "simd": "(module (func (result v128) (v128.const i32x4 0 0 0 0)))",
    "relaxedSimd": "(module (func (result v128) (i32x4.relaxed_trunc_f32x4_s (v128.const f32x4 0 0 0 0))))",
    "gc": "(module (type $s (struct (field i32))) (func (result anyref) (struct.new $s (i32.const 1))))",
    "functionReferences": "(module (type $t (func)) (func (param (ref $t)) (call_ref $t (local.get 0))))",
    "exnref": "(module (tag $e) (func (block $h (result exnref) (try_table (catch_all_ref $h) "
              "(throw $e)) unreachable) drop))",
    "legacyExceptions": "(module (tag $e) (func try throw $e catch $e end))",
    "tailCall": "(module (func $f (return_call $f)))",
    "memory64": "(module (memory i64 1))",
    "multiMemory": "(module (memory 1) (memory 1))",
    "extendedConst": "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
    "threads": "(module (memory 1 1 shared) (func (drop (i32.atomic.load (i32.const 0)))))",
    # Part of WebAssembly 2.0, so named only by files that an engine lacking them must skip
    # (Wasmer's singlepass compiler: no multi-value; reference params of imported functions panic).
    "multiValue": "(module (func (result i32 i64) (i32.const 1) (i64.const 2)))",
    "referenceTypes": "(module (import \"m\" \"f\" (func (param externref funcref) (result externref))) "
                      "(table 1 externref) "
                      "(func (param externref) (result i32) (ref.is_null (local.get 0))))",
    "wideArithmetic": "(module (func (param i64 i64 i64 i64) (result i64 i64) "
                      "(i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3))))",
    "customPageSizes": "(module (memory 1 (pagesize 1)))",
}

# The official testsuite keeps each proposal's tests in proposals/<name>/ (its repository's
# name); a file there needs what the proposal adds, as if its header said `;; features:`.
# A proposal without an entry (annotations, a text-format change) has no gate: its files run.
PROPOSAL_FEATURES: dict[str, list[str]] = {
    "relaxed-simd": ["relaxedSimd"],
    "gc": ["gc"],
    "function-references": ["functionReferences"],
    "exception-handling": ["exnref"],
    "tail-call": ["tailCall"],
    "memory64": ["memory64"],
    "multi-memory": ["multiMemory"],
    "extended-const": ["extendedConst"],
    "threads": ["threads"],
    "wide-arithmetic": ["wideArithmetic"],
    "custom-page-sizes": ["customPageSizes"],
    # The 3.0 spec's own folder: its tests mix everything 3.0 added.
    "wasm-3.0": ["gc", "functionReferences", "exnref", "tailCall", "memory64", "multiMemory",
                 "extendedConst", "relaxedSimd"],
}
_PROPOSAL = re.compile(r"(?:^|/)proposals/([^/]+)/")


def proposal_of(name: str) -> str | None:
    """The proposal a spec file belongs to by its path (`.../proposals/<name>/...`), or None."""
    match = _PROPOSAL.search(name.replace("\\", "/"))
    return match.group(1) if match else None


def proposal_features(name: str) -> list[str]:
    """The gated features a file needs by its path: its proposal's (legacy exception handling,
    kept in exception-handling/legacy/, needs the legacy instructions instead)."""
    proposal = proposal_of(name)
    if proposal == "exception-handling" and "/legacy/" in name.replace("\\", "/"):
        return ["legacyExceptions"]
    return list(PROPOSAL_FEATURES.get(proposal or "", []))


def gate_commands(cache_dir: Path) -> tuple[list[str], list[dict]]:
    """A batch of compile commands, one per feature, and the feature name of each index."""
    names = list(GATES)
    files = [wat_binary(cache_dir, f"probe-{name}", GATES[name]) for name in names]
    return names, [{"i": n, "do": "compile", "file": str(f)} for n, f in enumerate(files)]
