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

The guest's `fd_read` is the worker's own (`StdinReader`), not Wasmer's. Wasmer reads fd 0
through Rust's process-wide buffered stdin (8 KiB) and fills an fd_read's iovecs one `read` each,
adding up the counts even after a short one: with 8092 bytes left in the buffer, a read into
[20000 bytes, 1024 bytes] fills 8092 of the first, 1024 of the second and says 9116, so musl's
fread (its readv: the caller's buffer, then the FILE's) took bytes 8092..9116 of the first from
memory no read wrote; the digits CNN at batch 64 (16 KiB of input after the weights) got 4 of 64
images wrong. Its buffer also outlived the guest: one guest's unread bytes were the next's. The
worker's reader reads the fd itself, stops at the first short read, as readv does, and buffers
nothing. The runner opens no directories, so fd 0 is the only fd a guest can read; another is
EBADF. Guest writes reach the fds unbuffered (a line without its newline is in the file when
`_start` returns).

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
from contextlib import contextmanager, suppress

from wasmer import Function, FunctionType, Instance, Memory, Module, Store, Type, wasi

from engines import wasi_reply
from engines.pyworker import Reported

clock = wasi_reply.clock
_EXIT = re.compile(r"WASI exited with code: (\d+)")
# wasi_snapshot_preview1's errno values
_EBADF, _EFAULT, _EIO = 8, 21, 29
_WASI = "wasi_snapshot_preview1"


class WasiRunner:
    """Runs WASI commands in one store; `compile` turns bytes into a Module (or raises Reported)."""

    def __init__(self, store: Store, compile: Callable[[bytes], Module]) -> None:
        self.store = store
        self.compile = compile

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
        imports = wasi.StateBuilder(name).arguments(args).finalize().generate_imports(self.store, version)
        stdin = StdinReader()
        if _WASI in imports:  # the older "wasi_unstable" has no guest of ours; Wasmer's own there
            imports[_WASI]["fd_read"] = Function(self.store, stdin.fd_read,
                                                 FunctionType([Type.I32] * 4, [Type.I32]))
        with tempfile.TemporaryDirectory(prefix="wasi-") as tmp:
            out, err = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
            with redirected(cmd.get("stdin") or os.devnull, out, err):
                t0 = clock()
                exit_code = _exit_code(lambda: _start(module, imports, stdin))
                run_s = clock() - t0
            stdout, stderr = wasi_reply.captured(out), wasi_reply.captured(err)
        return {"exit_code": exit_code, "stdout": stdout, "stderr": stderr, "read_s": read_s,
                "compile_s": compile_s, "run_s": run_s}

    def ml_result(self, cmd: dict) -> dict:
        return wasi_reply.ml_result(cmd, self.run, f"wasmer ({self.store.compiler_name})")


class StdinReader:
    """`fd_read` on the worker's fd 0 into the guest's memory, as readv: iovecs in order, each
    filled by one read, the count ending at the first short one (the bytes are where it says)."""

    def __init__(self) -> None:
        self.memory: Memory | None = None  # the guest's, once it is instantiated

    def fd_read(self, fd: int, iovs: int, count: int, nread: int) -> int:
        if fd != 0:
            return _EBADF
        if self.memory is None:  # a start function reading stdin before exports exist
            raise RuntimeError("fd_read without the module's exported memory (none, or a start function)")
        mem = memoryview(self.memory.buffer)
        if count < 0 or iovs < 0 or iovs + 8 * count > len(mem) or not 0 <= nread <= len(mem) - 4:
            return _EFAULT
        total = 0
        for k in range(count):
            ptr = int.from_bytes(mem[iovs + 8 * k:iovs + 8 * k + 4], "little")
            size = int.from_bytes(mem[iovs + 8 * k + 4:iovs + 8 * k + 8], "little")
            if ptr + size > len(mem):
                return _EFAULT
            try:
                data = os.read(0, size) if size else b""
            except OSError:
                return _EIO
            mem[ptr:ptr + len(data)] = data
            total += len(data)
            if len(data) < size:
                break
        mem[nread:nread + 4] = total.to_bytes(4, "little")
        return 0


def _start(module: Module, imports: dict, stdin: StdinReader) -> None:
    instance = _instantiate(module, imports)
    with suppress(LookupError):  # WASI's calls need it; fd_read without it is the guest's error
        stdin.memory = instance.exports.memory
    instance.exports._start()


def _instantiate(module: Module, imports: dict) -> Instance:
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
