"""The Wasmer worker's `wasi` and `ml-wasi` commands, through wasmer-python 1.1's own WASI.

The commands and their replies are engines/wasi_reply.py's, as on Wasmtime. `wasmer.wasi` builds
an environment (`StateBuilder(name).arguments(...).finalize()`) and its import object for the
module's WASI version, and that is all it offers: no environment of files for stdin, stdout or
stderr. The guest's stdio are the worker process's own fds 0, 1 and 2, and fd 1 carries the
protocol's JSON lines. So around the guest's run (instantiation and `_start`) the worker points
them elsewhere with dup2 and restores them after, whatever happened:

  0  the command's `stdin` file, or /dev/null (the guest must never read the protocol's requests)
  1  a temporary file, read back as the outcome's stdout
  2  another, its stderr

Wasmer reads fd 0 through Rust's process-wide buffered stdin, so bytes the guest's last read
buffered but did not take would be the next guest's first. After each run the worker drains that
buffer (a tiny module reads until end of input, fd 0 on /dev/null). Guest writes reach the fds
unbuffered (a line without its newline is in the file when `_start` returns).

`proc_exit(n)` arrives as a RuntimeError "WASI exited with code: n" and becomes exit_code n; any
other error (a trap) is the command's error, classified by the worker.

Standard library and wasmer only, valid Python 3.10 (engines/wasmer_worker.py).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from wasmer import Instance, Module, Store, wasi

from engines import wasi_reply
from engines.pyworker import Reported

clock = wasi_reply.clock
_EXIT = re.compile(r"WASI exited with code: (\d+)")
# Reads stdin into a 64 KiB buffer until fd_read fails or reads nothing.
_DRAIN = """(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 65536))
    (block $done (loop $more
      (br_if $done (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br_if $more (i32.load (i32.const 8)))))))"""


class WasiRunner:
    """Runs WASI commands in one store; `compile` turns bytes into a Module (or raises Reported)."""

    def __init__(self, store: Store, compile: Callable[[bytes], Module]) -> None:
        self.store = store
        self.compile = compile
        self._drain: Module | None = None

    def run(self, cmd: dict) -> dict:
        binary, read_s = wasi_reply.read_module(cmd["file"])
        t0 = clock()
        module = self.compile(binary)
        compile_s = clock() - t0
        version = wasi.get_version(module, strict=False)
        if version is None:
            raise Reported("link", f"{os.path.basename(cmd['file'])} imports nothing from WASI: "
                                   "not a WASI command module")
        name, *args = wasi_reply.argv(cmd)
        environment = wasi.StateBuilder(name).arguments(args).finalize()
        imports = environment.generate_import_object(self.store, version)
        with tempfile.TemporaryDirectory(prefix="wasi-") as tmp:
            out, err = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
            with redirected(cmd.get("stdin") or os.devnull, out, err):
                try:
                    t0 = clock()
                    exit_code = _exit_code(lambda: _instantiate(module, imports).exports._start())
                    run_s = clock() - t0
                finally:
                    self.drain_stdin()
            stdout, stderr = wasi_reply.captured(out), wasi_reply.captured(err)
        return {"exit_code": exit_code, "stdout": stdout, "stderr": stderr, "read_s": read_s,
                "compile_s": compile_s, "run_s": run_s}

    def ml_result(self, cmd: dict) -> dict:
        return wasi_reply.ml_result(cmd, self.run, f"wasmer ({self.store.compiler_name})")

    def drain_stdin(self) -> None:
        """Empty Rust's stdin buffer of what the guest left unread (fds still redirected)."""
        if self._drain is None:
            self._drain = Module(self.store, _DRAIN)
        fd = os.open(os.devnull, os.O_RDONLY)
        try:
            os.dup2(fd, 0)
        finally:
            os.close(fd)
        imports = wasi.StateBuilder("drain").finalize().generate_import_object(
            self.store, wasi.get_version(self._drain, strict=True))
        Instance(self._drain, imports).exports._start()


def _instantiate(module: Module, imports: object) -> Instance:
    try:
        return Instance(module, imports)
    except RuntimeError as e:  # a missing import is a link error; a start function's trap stays one
        if "Error while importing" not in str(e):
            raise
        raise Reported("link", str(e).strip()) from e


def _exit_code(start: Callable[[], object]) -> int:
    try:
        start()
    except RuntimeError as e:
        match = _EXIT.search(str(e))
        if match is None:
            raise  # a trap: the command's error
        return int(match.group(1))
    return 0


@contextmanager
def redirected(stdin: str, stdout: str, stderr: str) -> Iterator[None]:
    """Fds 0, 1, 2 on these files for the block; the worker's own restored after, always."""
    # Whatever Python buffered for the protocol goes out before fd 1 moves.
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(fd) for fd in (0, 1, 2)]
    try:
        targets: list[int] = []
        try:
            for path, flags in ((stdin, os.O_RDONLY), (stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                (stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
                targets.append(os.open(path, flags, 0o600))
            for fd, target in enumerate(targets):
                os.dup2(target, fd)
        finally:
            for target in targets:
                os.close(target)
        yield
    finally:
        sys.stdout.flush()  # anything Python printed meanwhile belongs to the files, not the protocol
        sys.stderr.flush()
        for fd, copy in enumerate(saved):
            os.dup2(copy, fd)
            os.close(copy)
