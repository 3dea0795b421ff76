"""What every engine adapter provides: a name, availability, version, and a worker.

An adapter holds only what differs between engines: how to find and start the
host, how to read its version, and its options. Everything else (protocol,
timeouts, crash recovery, judging) lives in harness/.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from harness.worker import WorkerSpec


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str = ""


@dataclass
class Engine(ABC):
    """One engine configuration: an engine plus the options it runs with."""

    name: str
    options: dict = field(default_factory=dict)

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

    def worker_spec(self) -> WorkerSpec:
        raise NotImplementedError(f"{self.name} runs whole scripts; it has no worker")

    @abstractmethod
    def run_script(self, source: Path, workdir: Path, timeout: float) -> ScriptOutcome: ...
