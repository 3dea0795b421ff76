"""Builds of suites/ml/kernels/kernels.c: wasm (scalar, SIMD128, relaxed SIMD) and native.

The `kernels` runtime's six artifacts, cached by content (sources, flags, clang's version) under
`cache_root()/ml-kernels/<hash>/`, written whole or not at all, as the bench suite's workloads are
(harness/workloads.py, whose toolchain lookup and error reporting this reuses):

  kernels.<variant>.wasm     clang-19 --target=wasm32-wasi, a reactor importing nothing
  kernels.<variant>.so       the same C for this CPU, loaded by the native worker with ctypes

Variants (the runtime's backends): `scalar`, `simd` (wasm: -msimd128; native: SSE, x86-64's
baseline) and `relaxed-simd` (wasm: -mrelaxed-simd, relaxed madd and max; native: SSE with FMA).

    python -m harness.kernels_build      # build what the cache lacks, print the artifacts
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from engines.protocol import PROJECT_ROOT, cache_root
from harness.workloads import BuildError, _run, _version, toolchain

# The builds: the `kernels` runtime's backends (harness/ml_kernels.py says the same).
VARIANTS = ("scalar", "simd", "relaxed-simd")

SOURCE_DIR = PROJECT_ROOT / "suites" / "ml" / "kernels"
SOURCES = (SOURCE_DIR / "kernels.c", SOURCE_DIR / "kn_simd.h")
CACHE_FORMAT = 1

COMMON_FLAGS = ("-O3", "-ffp-contract=off", "-std=c11", "-Wall", "-Werror")
WASM_FLAGS = {"scalar": (), "simd": ("-msimd128",), "relaxed-simd": ("-msimd128", "-mrelaxed-simd")}
# Native scalar keeps clang's auto-vectorizer off, as the wasm scalar build has no vectors to use.
NATIVE_FLAGS = {"scalar": ("-fno-vectorize", "-fno-slp-vectorize"), "simd": ("-DKN_NATIVE_SIMD",),
                "relaxed-simd": ("-DKN_NATIVE_SIMD", "-mfma")}
EXPORTS = ("kn_prepare", "kn_weights", "kn_weights_size", "kn_input", "kn_input_size", "kn_output",
           "kn_output_size", "kn_run", "kn_variant")


def _key(clang: Path) -> str:
    digest = hashlib.sha256(f"format {CACHE_FORMAT}\n{COMMON_FLAGS}\n{WASM_FLAGS}\n{NATIVE_FLAGS}\n".encode())
    digest.update(_version(clang).encode())
    for path in SOURCES:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def artifacts(cache_dir: Path | None = None) -> dict[tuple[str, str], Path]:
    """("wasm" | "native", variant) -> the built file; builds only what the cache lacks."""
    clang = toolchain()
    out = (cache_dir or cache_root() / "ml-kernels") / _key(clang)
    found = {(kind, v): out / f"kernels.{v}.{'wasm' if kind == 'wasm' else 'so'}"
             for kind in ("wasm", "native") for v in VARIANTS}
    todo = [(kind, v) for (kind, v), path in found.items() if not path.exists()]
    if todo:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out, prefix=".build-") as tmp:
            for kind, variant in todo:
                built = _build(clang, kind, variant, Path(tmp) / found[(kind, variant)].name)
                os.replace(built, found[(kind, variant)])
    return found


def _build(clang: Path, kind: str, variant: str, out: Path) -> Path:
    what = f"kernels ({kind} {variant})"
    source = str(SOURCES[0])
    if kind == "native":
        _run([str(clang), *COMMON_FLAGS, *NATIVE_FLAGS[variant], "-fPIC", "-shared", source, "-o", str(out)],
             what)
        return out
    flags = ["--target=wasm32-wasi", *WASM_FLAGS[variant]]
    obj = out.with_suffix(".o")
    _run([str(clang), *flags, *COMMON_FLAGS, "-c", source, "-o", str(obj)], what)
    # Linked without -O: with an -O flag clang runs any wasm-opt on PATH over the module, and
    # Debian's binaryen 108 (which emscripten pulls in) rejects relaxed SIMD ("invalid code after
    # SIMD prefix"), besides making the build depend on what else is installed.
    _run([str(clang), *flags, "-mexec-model=reactor", str(obj), "-o", str(out)], what)
    check_module(out.read_bytes(), what)
    return out


def check_module(wasm: bytes, where: str) -> None:
    """Imports nothing, exports its memory and every kn_* function."""
    from harness.wast.binary import WasmParseError, read_module

    try:
        info = read_module(wasm)
    except WasmParseError as e:
        raise BuildError(f"{where}: {e}") from None
    if info.imports:
        raise BuildError(f"{where}: imports {', '.join(info.imports)}; the kernels must import nothing")
    missing = [name for name in ("memory", *EXPORTS) if name not in info.exports]
    if missing:
        raise BuildError(f"{where}: does not export {', '.join(missing)}")


def main() -> int:
    try:
        for (kind, variant), path in artifacts().items():
            print(f"{kind:<7} {variant:<13} {path}")
    except (BuildError, subprocess.SubprocessError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
