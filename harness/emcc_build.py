"""C built with Debian's emcc (Emscripten 3.1.6), cached by content: the `emscripten` runtime's builds.

Two forms of one program (suites/ml/emscripten/):

* `glue`: an ES module of Emscripten's JS glue (MODULARIZE, EXPORT_ES6) beside its .wasm, built for
  the web (ENVIRONMENT=web,worker). 3.1.6's Node branch uses `__dirname` and `require`, which an ES
  module lacks, so Node, Deno and Bun run the web build too; the runtime module hands the glue the
  compiled wasm through its `instantiateWasm` hook, so no host needs the glue's own file loading.
* `standalone`: `-sSTANDALONE_WASM`, a WASI command (imports wasi_snapshot_preview1 only) that
  Wasmtime runs as it is.
* `node`: the classic output, `node hello.js`: CommonJS glue for Node with the wasm inside it
  (-sSINGLE_FILE: 3.1.6's glue otherwise loads its .wasm with the global `fetch`, which Node 20
  has and which fails on a file path, "Failed to parse URL").

Variants: `scalar` (-O3) and `simd` (-O3 -msimd128; the sources' __wasm_simd128__ paths).
Artifacts live in cache_root()/emscripten/<hash>/ (hash: the sources, flags, emcc's version and
CACHE_FORMAT), written whole or not at all.

    python -m harness.emcc_build      # build everything the cache lacks, print each folder
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from engines.protocol import PROJECT_ROOT, cache_root

SOURCES = PROJECT_ROOT / "suites" / "ml" / "emscripten"
FORMS = ("glue", "standalone", "node")
VARIANTS = ("scalar", "simd")
# Bump when the cache layout changes.
CACHE_FORMAT = 1

MISSING_EMCC = "emcc not found: Debian's emscripten (3.1.6) is installed by make setup"

_FORM_FLAGS = {
    "glue": ("-sMODULARIZE", "-sEXPORT_ES6", "-sENVIRONMENT=web,worker", "-sALLOW_MEMORY_GROWTH"),
    "standalone": ("-sSTANDALONE_WASM",),
    "node": ("-sENVIRONMENT=node", "-sSINGLE_FILE"),
}
_VARIANT_FLAGS = {"scalar": (), "simd": ("-msimd128",)}
_COMMON_FLAGS = ("-O3", "-Wall", "-Werror")


@dataclass(frozen=True)
class Program:
    """A C program of suites/ml/emscripten and what its glue exports."""

    name: str
    sources: tuple[str, ...]
    exports: tuple[str, ...] = ()        # C functions the glue form exports (besides main)


PROGRAMS = {p.name: p for p in (
    Program("hello", ("hello.c",)),
    # The glue form is the kernel alone, driven from JS (suites/ml/js/emscripten.mjs); the
    # standalone form adds the main that reads stdin and times itself.
    Program("digits_cnn", ("digits_cnn.c",),
            exports=("cnn_load", "cnn_infer", "cnn_build", "malloc", "free")),
)}
_STANDALONE_EXTRA = {"digits_cnn": ("standalone_main.c",)}


class EmccError(Exception):
    """emcc is missing, or a build failed: names the program and form."""


@dataclass(frozen=True)
class Build:
    folder: Path
    main: Path              # what a host loads: the .mjs (glue), .wasm (standalone), .js (node)
    wasm: Path | None       # the .wasm beside the glue, or the standalone program itself


def emcc() -> str | None:
    return shutil.which("emcc")


@lru_cache(maxsize=1)
def emcc_version() -> str:
    """emcc's version line, e.g. "emcc 3.1.6"."""
    found = emcc()
    if found is None:
        raise EmccError(MISSING_EMCC)
    out = subprocess.run([found, "--version"], capture_output=True, text=True, check=False).stdout
    first = (out.splitlines() or ["emcc ?"])[0]
    # "emcc (Emscripten gcc/clang-like replacement + linker emulating GNU ld) 3.1.6 ()"
    number = first.replace("()", "").split()[-1] if first.split() else "?"
    return f"emcc {number}"


def _sources(program: Program, form: str) -> list[Path]:
    names = [*program.sources, *(_STANDALONE_EXTRA.get(program.name, ()) if form == "standalone" else ())]
    return [SOURCES / n for n in names]


def _flags(program: Program, form: str, variant: str) -> list[str]:
    flags = [*_COMMON_FLAGS, *_VARIANT_FLAGS[variant], *_FORM_FLAGS[form]]
    if form == "glue":
        name = "create" + "".join(part.title() for part in program.name.split("_"))
        flags.append(f"-sEXPORT_NAME={name}")
        if program.exports:
            flags.append("-sEXPORTED_FUNCTIONS=" + ",".join(f"_{e}" for e in program.exports))
            flags.append("-sEXPORTED_RUNTIME_METHODS=UTF8ToString")
    return flags


def _digest(program: Program, form: str, variant: str) -> str:
    digest = hashlib.sha256(f"format {CACHE_FORMAT}\n{emcc_version()}\n{program.name} {form} {variant}\n"
                            f"{' '.join(_flags(program, form, variant))}\n".encode())
    for path in sorted(SOURCES.glob("*.[ch]")):  # headers too: any change rebuilds
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def build(name: str, form: str, variant: str) -> Build:
    """The program built in this form and variant, from the cache or made now."""
    if form not in FORMS or variant not in VARIANTS or name not in PROGRAMS:
        raise ValueError(f"no emscripten build {name}/{form}/{variant}")
    if emcc() is None:
        raise EmccError(MISSING_EMCC)
    program = PROGRAMS[name]
    folder = cache_root() / "emscripten" / f"{name}-{form}-{variant}-{_digest(program, form, variant)}"
    result = _artifacts(folder, name, form)
    if result.main.exists():
        return result
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".build-") as tmp:
        out = Path(tmp) / result.main.name
        command = [emcc() or "emcc", *_flags(program, form, variant), *map(str, _sources(program, form)),
                   "-o", str(out)]
        # Optimised JS builds run Debian's acorn from /usr/share/nodejs.
        env = {**os.environ, "NODE_PATH": os.pathsep.join(filter(None, ["/usr/share/nodejs",
                                                                       os.environ.get("NODE_PATH")]))}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise EmccError(f"emcc failed building {name} ({form}, {variant}): "
                            f"{(done.stderr or done.stdout).strip()[-2000:]}")
        try:
            os.replace(tmp, folder)  # whole or not at all; another process may have won the race
        except OSError:
            if not result.main.exists():
                raise
        else:
            Path(tmp).mkdir()  # for TemporaryDirectory's clean-up
    return result


def _artifacts(folder: Path, name: str, form: str) -> Build:
    suffix = {"glue": ".mjs", "standalone": ".wasm", "node": ".js"}[form]
    return Build(folder, folder / f"{name}{suffix}", None if form == "node" else folder / f"{name}.wasm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    for name in PROGRAMS:
        for form in FORMS:
            for variant in VARIANTS:
                print(build(name, form, variant).folder)


if __name__ == "__main__":
    main()
