"""What every engine adapter provides: a name, availability, version, a worker, and its capabilities.

An adapter holds only what differs between engines: how to find and start the
host, how to read its version, its options, and what it can do. Suites ask
these questions of an adapter and never look at its class; everything else
(protocol, timeouts, crash recovery, judging) lives in harness/.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from engines.protocol import WorkerSpec


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str = ""


@dataclass
class Engine(ABC):
    """One engine configuration: an engine plus the options it runs with."""

    name: str
    options: dict = field(default_factory=dict)

    # --- capabilities: what suites may ask of a configuration ------------------------
    # Runs JavaScript: answers the protocol's `js` command (JS API and host probes).
    has_javascript: ClassVar[bool] = False
    # Runs a whole .wast with its own tools and reports failures by line (no worker).
    runs_whole_scripts: ClassVar[bool] = False
    # Executes WebAssembly at all; the native baseline does not (it runs the same C natively).
    runs_wasm: ClassVar[bool] = True
    # Runs a WASI (preview 1) command module as `wasmtime run` does: the `wasi` and `ml-wasi`
    # commands (engines/wasi_reply.py; Wasmtime's engines/wasi_command.py, Wasmer's wasmer_wasi.py).
    runs_wasi_commands: ClassVar[bool] = False
    # Host APIs beyond core wasm and WASI whose worker command the configuration answers: "wasi-nn"
    # (Wasmtime: its worker runs the Wasmtime CLI with -S nn, engines/wasi_nn.py) and
    # "component-model" (Wasmtime: the `component` command, engines/wasmtime_component.py).
    host_apis: ClassVar[frozenset[str]] = frozenset()
    # Options the adapter understands, with what each does (`--engine NAME:key=value` is checked
    # against them, so a typo is an error rather than a silently ignored option).
    OPTIONS: ClassVar[dict[str, str]] = {}

    @classmethod
    def options_problem(cls, options: dict) -> str | None:
        """Why these option values cannot work (the names are checked against OPTIONS), or None."""
        return None

    def metadata(self) -> dict:
        """What the run's engine metadata records besides version and flags (e.g. a remote browser's
        endpoint)."""
        return {}

    def with_v8_flag(self, flag: str) -> Engine | None:
        """The same configuration with a V8 flag added, or None when the engine is not V8."""
        return None

    def without_features(self, switches: list[str]) -> Engine | None:
        """The same configuration with these feature switches turned off, or None if it has none."""
        return None

    @property
    def flags(self) -> str:
        """The options as recorded in every result row."""
        return " ".join(f"{k}={v}" for k, v in sorted(self.options.items()))

    @abstractmethod
    def availability(self) -> Availability: ...

    @abstractmethod
    def version(self) -> str: ...

    @abstractmethod
    def worker_spec(self) -> WorkerSpec: ...

    def run_script(self, source: Path, workdir: Path, timeout: float) -> ScriptOutcome:
        """Run and judge a whole .wast (only where `runs_whole_scripts`)."""
        raise NotImplementedError(f"{self.name} runs commands through a worker, not whole scripts")


@dataclass
class ScriptOutcome:
    """What an engine that runs whole scripts itself reports."""

    skipped: str = ""                                   # why the script was not run at all
    failures: dict[int, str] = field(default_factory=dict)  # .wast line -> what failed there
    timed_out: bool = False


class ScriptEngine(Engine):
    """An engine that runs a whole .wast with its own tools (a reference interpreter).

    It judges the script itself; the harness maps the failures it reports to
    the script's commands by line.
    """

    runs_whole_scripts = True

    def worker_spec(self) -> WorkerSpec:
        raise NotImplementedError(f"{self.name} runs whole scripts; it has no worker")

    @abstractmethod
    def run_script(self, source: Path, workdir: Path, timeout: float) -> ScriptOutcome: ...
