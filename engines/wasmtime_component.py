"""The Wasmtime worker's `component` command: the feature matrix's componentModel probe.

The component (the binary at `file`, which the harness converted from the probe's text) is
compiled by the configuration's own engine, so its Config (a Pulley target, the compiler) is the
one that answers, instantiated with no imports, and each of `calls` is made through wasmtime-py's
component API: arguments and results are JSON values as wasmtime-py maps component values
(u32 and the other integers to int, string to str, list to list). A result that is not its
`expect` is an error; a component Wasmtime rejects is a `compile` or `link` error, as a core
module's would be.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import wasmtime

from engines.pyworker import Reported

# How the worker tags a failing compile or link step (wasmtime_worker._stage).
Stage = Callable[..., Any]


def run(engine: wasmtime.Engine, cmd: dict, ticks: int, stage: Stage, version: str) -> dict:
    """{supported, detail} once every call gave its `expect`; raises Reported otherwise."""
    try:
        from wasmtime import component
    except ImportError as e:  # wasmtime-py before 35 had no component API
        raise Reported("unsupported", f"wasmtime-py {version} has no component API ({e})") from None
    with open(cmd["file"], "rb") as f:
        binary = f.read()
    built = stage("compile", component.Component, engine, binary)
    store = wasmtime.Store(engine)
    store.set_epoch_deadline(ticks)  # the worker's engine interrupts by epoch: a loop cannot hang it
    instance = stage("link", component.Linker(engine).instantiate, store, built)
    done = []
    for call in cmd["calls"]:
        name, args = call["func"], call.get("args", [])
        func = instance.get_func(store, name)
        if func is None:
            raise Reported("link", f"the component exports no function {name!r}")
        got = func(store, *args)
        func.post_return(store)  # the canonical ABI's cleanup; a second call needs it done
        shown = f"{name}({', '.join(map(repr, args))})"
        if got != call["expect"]:
            raise Reported("internal", f"componentModel probe: {shown} gave {got!r}, not {call['expect']!r}")
        done.append(f"{shown} = {got!r}")
    return {"supported": True, "detail": f"wasmtime-py {version} component API: {'; '.join(done)}"}
