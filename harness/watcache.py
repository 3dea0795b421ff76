"""Small WAT sources the harness ships (spectest, probes), compiled once into the cache."""

from __future__ import annotations

import hashlib
from pathlib import Path


def wat_binary(cache_dir: Path, name: str, wat: str) -> Path:
    """The binary of `wat`, content-addressed so that every worker and job can share it."""
    path = cache_dir / f"{name}-{hashlib.sha256(wat.encode()).hexdigest()[:16]}.wasm"
    if not path.exists():
        import wasmtime  # only to fill the cache: spec runs start faster without it

        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{id(path)}.tmp")
        tmp.write_bytes(wasmtime.wat2wasm(wat))
        tmp.replace(path)
    return path


def spectest_files(cache_dir: Path) -> list[Path]:
    """The modules whose exports make up `spectest`: the one every engine compiles, then
    `table64`, which workers leave out where the engine lacks memory64."""
    engines = Path(__file__).resolve().parent.parent / "engines"
    return [wat_binary(cache_dir, name, (engines / f"{name}.wat").read_text())
            for name in ("spectest", "spectest_table64")]
