"""The benchmark workloads: they build (cached), keep the kernel ABI, and every wasm build agrees
with the native one (micro-benchmarks: with the manifest's `expect`) at the quick size."""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import time
from pathlib import Path

import pytest
import wasmtime

from harness.wast.binary import read_module
from harness.workloads import (
    ABI,
    BENCH_DIR,
    BuildError,
    Workload,
    all_variants,
    build,
    load_manifest,
    toolchain,
    wasm_tools,
)

MANIFEST = load_manifest()
KERNELS = [w for w in MANIFEST.values() if w.kind == "kernel"]
MICROS = [w for w in MANIFEST.values() if w.kind == "micro"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench-cache")


@pytest.fixture(scope="module")
def artifacts(cache: Path) -> dict[tuple[str, str], Path]:
    return build(cache_dir=cache)  # from scratch: every workload and variant


@pytest.fixture(scope="module")
def engine() -> wasmtime.Engine:
    config = wasmtime.Config()
    config.wasm_simd = True
    config.wasm_relaxed_simd = True
    return wasmtime.Engine(config)


def run_wasm(engine: wasmtime.Engine, wasm: Path, size: int, reps: tuple[int, ...] = (1,)) -> list[float]:
    """bench_check after each bench_run(r), all in one instance."""
    store = wasmtime.Store(engine)
    exports = wasmtime.Instance(store, wasmtime.Module.from_file(engine, str(wasm)), []).exports(store)
    if "_initialize" in exports:
        exports["_initialize"](store)
    exports["bench_init"](store, size)
    checks = []
    for r in reps:
        exports["bench_run"](store, r)
        checks.append(exports["bench_check"](store))
    return checks


def run_native(executable: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(executable), *args], capture_output=True, text=True, timeout=60)


def test_every_variant_builds_validates_and_keeps_the_abi(artifacts: dict, cache: Path) -> None:
    assert set(artifacts) == {(w.name, v) for w in MANIFEST.values() for v in all_variants(w)}
    for (name, variant), path in artifacts.items():
        assert path.is_file(), (name, variant)
        if variant == "native":
            continue
        done = subprocess.run([str(wasm_tools()), "validate", "--features", "all", str(path)],
                              capture_output=True, text=True)
        assert done.returncode == 0, (name, variant, done.stderr)
        info = read_module(path.read_bytes())
        assert info.imports == [], (name, variant)
        assert info.exports["memory"].kind == "memory"
        assert {k: info.exports[k].type for k in ABI} == ABI
        assert ("_initialize" in info.exports) == (MANIFEST[name].kind == "kernel")

    # The second build finds everything in the cache and rebuilds nothing.
    stamps = {k: p.stat().st_mtime_ns for k, p in artifacts.items()}
    start = time.perf_counter()
    again = build(cache_dir=cache)
    assert time.perf_counter() - start < 0.2
    assert again == artifacts and {k: p.stat().st_mtime_ns for k, p in again.items()} == stamps


@pytest.mark.parametrize("w", KERNELS, ids=lambda w: w.name)
def test_kernels_agree_with_native_and_repeat(w: Workload, artifacts: dict, engine: wasmtime.Engine) -> None:
    size = w.sizes["quick"]
    done = run_native(artifacts[(w.name, "native")], str(size), "0.001", "1", "2")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["reps"] >= 1 and len(result["samples_s"]) == 2 and result["first_call_s"] > 0
    assert result["timer"]["clock"] == "clock_gettime(CLOCK_MONOTONIC)"
    assert result["timer"]["resolution_s"] > 0
    native = result["check"]
    assert native > 0
    for variant in w.variants:
        once, thrice = run_wasm(engine, artifacts[(w.name, variant)], size, reps=(1, 3))
        assert once == thrice, f"{w.name} {variant}: bench_run(3) changed the answer"
        assert math.isclose(once, native, rel_tol=w.tolerance, abs_tol=0.0), (variant, once, native)


@pytest.mark.parametrize("w", MICROS, ids=lambda w: w.name)
def test_micros_give_their_expected_answer(w: Workload, artifacts: dict, engine: wasmtime.Engine) -> None:
    assert w.expect is not None
    checks = run_wasm(engine, artifacts[(w.name, "scalar")], w.sizes["quick"], reps=(1, 3))
    assert checks == [w.expect["quick"]] * 2


def lcg(state: int, count: int) -> list[int]:
    out = []
    for _ in range(count):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        out.append(state)
    return out


def fnv(words: list[int]) -> int:
    h = 2166136261
    for word in words:
        for byte in word.to_bytes(4, "little"):
            h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    return h


def test_integer_kernels_match_independent_references(artifacts: dict, engine: wasmtime.Engine) -> None:
    n = MANIFEST["sha256"].sizes["quick"]
    digest = hashlib.sha256(bytes(v >> 24 for v in lcg(6, n))).digest()
    assert run_wasm(engine, artifacts[("sha256", "scalar")], n) == [int.from_bytes(digest[:6], "big")]

    n = MANIFEST["sort"].sizes["quick"]
    values = lcg(5, 2 * n)
    keys = [a ^ (b >> 16) for a, b in zip(values[::2], values[1::2], strict=True)]
    assert run_wasm(engine, artifacts[("sort", "scalar")], n) == [fnv(sorted(keys))]

    assert run_wasm(engine, artifacts[("nqueens", "scalar")], 8) == [92]


def test_a_compile_error_names_the_file_and_line(tmp_path: Path) -> None:
    source = tmp_path / "broken.c"
    lines = (BENCH_DIR / "kernels" / "nqueens.c").read_text().splitlines()
    lines.insert(9, "int oops = ;")  # becomes line 10
    source.write_text("\n".join(lines))
    broken = Workload(name="broken", kind="kernel", source=source, description="", variants=("scalar",),
                      sizes={"quick": 1, "default": 1, "long": 1}, tolerance=0.0, expect=None, fresh=False,
                      max_reps=None)
    with pytest.raises(BuildError, match=r"broken\.c:10:\d+: error"):
        build([broken], cache_dir=tmp_path / "cache")

    wat = tmp_path / "broken.wat"
    wat.write_text('(module\n  (memory (export "memory") 1)\n  (func (param i32) oops))\n')
    micro = Workload(name="broken", kind="micro", source=wat, description="", variants=("scalar",),
                     sizes=broken.sizes, tolerance=0.0, expect=dict.fromkeys(broken.sizes, 0.0), fresh=False,
                     max_reps=None)
    with pytest.raises(BuildError, match=r"broken\.wat:3:\d+: "):
        build([micro], cache_dir=tmp_path / "cache")

    wat.write_text('(module (import "env" "f" (func)) (memory (export "memory") 1))')
    with pytest.raises(BuildError, match=r"broken\.wat \(scalar\): imports env\.f"):
        build([micro], cache_dir=tmp_path / "cache")


def test_manifest_errors_name_the_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = tmp_path / "bench.toml"
    (tmp_path / "k.c").write_text("")
    good = 'kind = "kernel"\nsource = "k.c"\ndescription = ""\nvariants = ["scalar"]\ntolerance = 0\n'
    sizes = "sizes = { quick = 1, default = 2, long = 3 }\n"
    for body, key in [(good, "sizes"), (good + sizes + "color = 1\n", "color"),
                      (good.replace('"scalar"', '"fast"') + sizes, "variants"),
                      (good + sizes.replace("3", "-3"), "sizes")]:
        manifest.write_text("[k]\n" + body)
        with pytest.raises(BuildError, match=rf"bench\.toml: \[k\] {key}: "):
            load_manifest(manifest)
    manifest.write_text("[k]\n" + good + sizes)
    assert load_manifest(manifest)["k"].sizes == {"quick": 1, "default": 2, "long": 3}

    monkeypatch.setenv("CLANG", str(tmp_path / "no-such-clang"))
    with pytest.raises(BuildError, match="not found: run make setup"):
        toolchain()


def test_the_native_driver_rejects_bad_arguments(artifacts: dict) -> None:
    native = artifacts[("nqueens", "native")]
    for args in [(), ("8", "0.001", "1"), ("x", "0.001", "1", "2"), ("8", "-1", "1", "2"),
                 ("8", "0.001", "1", "0"), ("8", "0.001", "1", "2", "0")]:
        done = run_native(native, *args)
        assert done.returncode == 2 and "usage:" in done.stderr, args
