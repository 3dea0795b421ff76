"""Every engine configuration the harness knows, by name."""

from __future__ import annotations

from collections.abc import Callable

from engines.base import Engine
from engines.node_engine import NodeEngine
from engines.wasmtime_engine import WasmtimeEngine

ENGINES: dict[str, Callable[[], Engine]] = {
    "wasmtime": lambda: WasmtimeEngine("wasmtime", {"strategy": "cranelift"}),
    "node": lambda: NodeEngine("node"),
}


class UnknownEngineError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown engine {name!r}; known engines: {', '.join(ENGINES)} (or 'all')")
        self.name = name


def resolve(names: list[str] | None) -> list[Engine]:
    """Engines by name; `all` (or nothing) means every known configuration."""
    wanted: list[str] = []
    for entry in names or ["all"]:
        for name in (n.strip() for n in entry.split(",")):
            if name == "all":
                wanted.extend(n for n in ENGINES if n not in wanted)
            elif name not in ENGINES:
                raise UnknownEngineError(name)
            elif name not in wanted:
                wanted.append(name)
    return [ENGINES[n]() for n in wanted]
