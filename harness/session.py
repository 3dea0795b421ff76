"""A session: one run in the results store, shared by every suite that an invocation runs.

It owns the store, the run id and its metadata (engines with versions and
flags), the progress display, and a finish that runs whatever happens:
finished, interrupted (Ctrl-C) or failed (any other exception) is written to
the run before the store closes, and rows already handed over are kept.

`work` says which units it runs (harness/work.py): a shard, minus the units
a resumed run finished before.

Each suite records one `suite` row when it ends: its wall time, and in the
message the parameters its report needs (engines in order, profile, bad
input), so `wasm-harness report` can render the run from the store alone.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engines.base import Engine
from harness import runinfo
from harness.rows import rows_for
from harness.store import ResultsStore
from harness.work import Work

# The phase of a suite's own row (wall time and report parameters).
SUITE_PHASE = "suite"


class Session:
    def __init__(self, db: Path | str, run_id: str | None = None, progress: bool = True,
                 command: str | None = None, engines: list[Engine] | None = None,
                 work: Work | None = None) -> None:
        self.store = ResultsStore(db)
        # The units this session runs: a shard of them, minus what a resumed run finished (harness/work.py).
        self.work = work or Work()
        self.db = Path(db)
        self.console = Console(stderr=True)
        self.show_progress = progress
        self.started = runinfo.now()
        self.engines: dict[str, dict] = {}
        with self.store.holding():  # one open of the file for all of the start
            self._start(run_id, command)
            if engines:
                self.add_engines(engines)
        self.status = "running"

    def _start(self, run_id: str | None, command: str | None) -> None:
        existing = self.store.run(run_id) if run_id else None
        self.joined = existing is not None
        if existing is not None:
            # Joining a run (several commands of one nightly): its start stays, its engines grow.
            self.run_id = run_id
            self.started = existing["started"]
            self.engines = json.loads(existing["engines"] or "{}")
            # This process now runs it: `runs` (and `nightly --resume`) judge a run by its process.
            self.store.set_status(self.run_id, "running", pid=os.getpid(), host=socket.gethostname())
        else:
            self.run_id = run_id or runinfo.new_run_id(self.started)
            meta = runinfo.run_metadata(self.run_id, self.started,
                                        command or shlex.join(["wasm-harness", *sys.argv[1:]]))
            self.store.start_run(meta)

    # --- engines and rows -----------------------------------------------------------------
    def add_engines(self, engines: list[Engine]) -> None:
        """Record the configurations this run uses, with their versions, flags and the adapter's
        metadata (a remote browser's endpoint)."""
        for engine in engines:
            if engine.name not in self.engines:
                self.engines[engine.name] = {"version": engine.version(), "flags": engine.flags,
                                             **engine.metadata()}
        self.store.set_engines(self.run_id, self.engines)

    def version(self, engine: Engine | str) -> str:
        name = engine if isinstance(engine, str) else engine.name
        return self.engines.get(name, {}).get("version", "")

    def rows(self, suite: str, engine: Engine | None = None, phase: str = "run") -> Callable[..., dict]:
        if engine is None:
            return rows_for(self.run_id, suite, phase=phase)
        return rows_for(self.run_id, suite, engine.name, self.version(engine), engine.flags, phase)

    def add_rows(self, rows: list[dict]) -> None:
        self.store.add_rows(rows)

    def record_suite(self, suite: str, seconds: float, parameters: dict) -> None:
        """The suite's own row: its wall time, and what its report needs beyond the rows."""
        make = rows_for(self.run_id, suite, phase=SUITE_PHASE)
        self.store.add_rows([make(case=suite, kind="suite", metric="wall_time", value=seconds, unit="s",
                                  message=json.dumps(parameters))])

    # --- progress -------------------------------------------------------------------------
    @contextmanager
    def progress(self, description: str, total: int, enabled: bool = True) -> Iterator[Callable[[str], None]]:
        """A progress bar on stderr (when it is a terminal); yields `advance(description)`."""
        bar = Progress(TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), console=self.console, transient=True,
                       disable=not (enabled and self.show_progress and self.console.is_terminal))
        with bar:
            task = bar.add_task(description, total=total)
            yield lambda text: bar.update(task, advance=1, description=text)

    # --- the end --------------------------------------------------------------------------
    def __enter__(self) -> Session:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            self.finish("finished")
        elif issubclass(kind, KeyboardInterrupt):
            self.finish("interrupted")
        else:
            self.finish("failed")

    def finish(self, status: str) -> None:
        """Write the run's status and every pending row; safe to call more than once."""
        if self.status != "running":
            return
        self.status = status
        self.store.finish_run(self.run_id, status, runinfo.now(), self.engines)

    def close(self) -> None:
        self.finish("finished" if self.status == "running" else self.status)
        self.store.close()


@contextmanager
def timed() -> Iterator[Callable[[], float]]:
    """`with timed() as elapsed: ...; elapsed()` seconds since the block began."""
    start = time.perf_counter()
    yield lambda: time.perf_counter() - start
