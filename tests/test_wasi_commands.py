"""The `wasi` command (engines/wasi_reply.py) on Wasmtime and on Wasmer, on real workers.

Small hand-written WASI guests: output on both streams, proc_exit codes, a trap, stdin from a
file. Wasmer's guest shares the worker's fds (engines/wasmer_wasi.py), so a guest printing a lot,
lines that look like the worker's replies among it, must leave the protocol whole, and one guest's
unread stdin must not reach the next, and a large stdin read as musl's fread reads it (two
iovecs: the caller's buffer, then the FILE's) must arrive whole.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import wasmtime

from harness.engine_required import require_engine
from harness.worker import WorkerProcess

ENGINES = ["wasmtime", "wasmer-cranelift", "wasmer-singlepass"]
# A line a worker could have written: if the guest's stdout reached the protocol, the harness
# would take it for the reply to command 0.
FAKE_REPLY = '{"i": 0, "ok": true, "values": [["json", "{}"]], "id": 1}\n'


def _guest(tmp: Path, name: str, body: str, data: str = "") -> str:
    """A WASI command whose `_start` is `body`; $write(fd, ptr, len) writes memory to an fd."""
    escaped = "".join(f"\\{b:02x}" for b in data.encode())
    wat = f"""(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (data (i32.const 1024) "{escaped}")
      (func $write (param $fd i32) (param $ptr i32) (param $len i32)
        (i32.store (i32.const 0) (local.get $ptr))
        (i32.store (i32.const 4) (local.get $len))
        (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
      (func $read (param $len i32) (result i32)  ;; reads up to len bytes to 4096, returns how many
        (i32.store (i32.const 0) (i32.const 4096))
        (i32.store (i32.const 4) (local.get $len))
        (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.load (i32.const 8)))
      (func (export "_start") (local $n i32) {body}))"""
    path = tmp / f"{name}.wasm"
    path.write_bytes(wasmtime.wat2wasm(wat))
    return str(path)


def _run(engine: str, commands: list[dict]) -> dict[int, dict]:
    worker = WorkerProcess(require_engine(engine).worker_spec())
    try:
        return worker.run_batch(commands, 120.0)
    finally:
        worker.close()


def _outcome(reply: dict) -> dict:
    assert reply["ok"], reply
    return json.loads(reply["values"][0][1])


@pytest.mark.parametrize("engine", ENGINES)
def test_output_exit_codes_and_a_trap(engine: str, tmp_path: Path) -> None:
    text = "hello, wasi\n"
    hello = _guest(tmp_path, "hello", f"(call $write (i32.const 1) (i32.const 1024) (i32.const {len(text)}))"
                                      "(call $write (i32.const 2) (i32.const 1024) (i32.const 5))", text)
    # Output, then proc_exit(3): the output is kept, the code is the outcome's.
    exits = _guest(tmp_path, "exits", "(call $write (i32.const 1) (i32.const 1024) (i32.const 4))"
                                      "(call $exit (i32.const 3)) unreachable", "bye\n")
    zero = _guest(tmp_path, "zero", "(call $exit (i32.const 0))")
    traps = _guest(tmp_path, "traps",
                   "(call $write (i32.const 1) (i32.const 1024) (i32.const 4)) unreachable", "oops")
    replies = _run(engine, [{"i": 0, "do": "wasi", "file": hello}, {"i": 1, "do": "wasi", "file": exits},
                            {"i": 2, "do": "wasi", "file": zero}, {"i": 3, "do": "wasi", "file": traps},
                            {"i": 4, "do": "wasi", "file": hello}])
    first = _outcome(replies[0])
    assert (first["exit_code"], first["stdout"], first["stderr"]) == (0, text, "hello")
    assert first["compile_s"] > 0 and first["run_s"] > 0 and first["read_s"] > 0
    assert [_outcome(replies[i])[k] for i, k in ((1, "exit_code"), (1, "stdout"), (2, "exit_code"))] == \
        [3, "bye\n", 0]
    assert not replies[3]["ok"]
    assert replies[3]["error"]["kind"] == "trap" and "unreachable" in replies[3]["error"]["message"]
    # The worker goes on after the trap, its stdio its own again.
    assert _outcome(replies[4])["stdout"] == text


@pytest.mark.parametrize("engine", ENGINES)
def test_a_flood_of_output_like_replies_leaves_the_protocol_whole(engine: str, tmp_path: Path) -> None:
    times = 20_000  # about 1.2 MB on each stream, far beyond any pipe's buffer
    flood = _guest(tmp_path, "flood", f"""
        (local.set $n (i32.const {times}))
        (loop $again
          (call $write (i32.const 1) (i32.const 1024) (i32.const {len(FAKE_REPLY)}))
          (call $write (i32.const 2) (i32.const 1024) (i32.const {len(FAKE_REPLY)}))
          (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (call $write (i32.const 1) (i32.const 1024) (i32.const 10))""", FAKE_REPLY)  # no newline last
    hello = _guest(tmp_path, "hello", "(call $write (i32.const 1) (i32.const 1024) (i32.const 3))", "hi\n")
    replies = _run(engine, [{"i": 0, "do": "wasi", "file": flood}, {"i": 1, "do": "wasi", "file": hello}])
    assert sorted(replies) == [0, 1]
    outcome = _outcome(replies[0])
    assert outcome["stdout"] == FAKE_REPLY * times + FAKE_REPLY[:10]
    assert outcome["stderr"] == FAKE_REPLY * times
    assert _outcome(replies[1])["stdout"] == "hi\n"


@pytest.mark.parametrize("engine", ENGINES)
def test_stdin_from_a_file_and_no_leftovers_for_the_next_guest(engine: str, tmp_path: Path) -> None:
    # Reads 3 bytes of stdin and echoes them: the rest of the file stays unread.
    echo = _guest(tmp_path, "echo", "(call $write (i32.const 1) (i32.const 4096) (call $read (i32.const 3)))")
    data = tmp_path / "in.txt"
    data.write_text("ABCDEFGH\n")
    replies = _run(engine, [{"i": 0, "do": "wasi", "file": echo, "stdin": str(data)},
                            {"i": 1, "do": "wasi", "file": echo},
                            {"i": 2, "do": "wasi", "file": echo, "stdin": str(data)}])
    # Without a stdin the guest reads end of input: never the protocol, never "DEF".
    assert [_outcome(replies[i])["stdout"] for i in range(3)] == ["ABC", "", "ABC"]


def _fnv1a(data: bytes) -> str:
    h = 0x811C9DC5
    for b in data:
        h = (h ^ b) * 0x01000193 & 0xFFFFFFFF
    return f"{h:08x}"


# Reads stdin to its end as musl's fread does, readv into [3000 bytes at 4096, 5000 at 8192],
# hashes the bytes the counts say arrived (FNV-1a 32, in order) and prints the hash as 8 hex
# digits. Wasmer's own fd_read once filled the first iovec short (the rest of Rust's 8 KiB stdin
# buffer) and the second from a new read, yet counted both whole: stale bytes in the hash.
_HASH_STDIN = """
  (local $h i32) (local $i i32) (local $a i32)
  (local.set $h (i32.const 0x811c9dc5))
  (i32.store (i32.const 16) (i32.const 4096)) (i32.store (i32.const 20) (i32.const 3000))
  (i32.store (i32.const 24) (i32.const 8192)) (i32.store (i32.const 28) (i32.const 5000))
  (loop $more
    (drop (call $fd_read (i32.const 0) (i32.const 16) (i32.const 2) (i32.const 8)))
    (local.set $n (i32.load (i32.const 8)))
    (local.set $i (i32.const 0))
    (block $hashed (loop $byte
      (br_if $hashed (i32.ge_u (local.get $i) (local.get $n)))
      ;; byte i of this read: in the first iovec below 3000, else in the second
      (local.set $a (select (i32.add (i32.const 4096) (local.get $i))
                            (i32.add (i32.const 5192) (local.get $i))
                            (i32.lt_u (local.get $i) (i32.const 3000))))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $a))) (i32.const 0x01000193)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $byte)))
    (br_if $more (local.get $n)))
  (local.set $i (i32.const 0))
  (loop $digit  ;; 8 hex digits at 16384, most significant first, from the table at 1024
    (i32.store8 (i32.add (i32.const 16384) (local.get $i))
      (i32.load8_u (i32.add (i32.const 1024) (i32.and (i32.shr_u (local.get $h)
        (i32.sub (i32.const 28) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 15)))))
    (br_if $digit (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 8))))
  (call $write (i32.const 1) (i32.const 16384) (i32.const 8))"""


@pytest.mark.parametrize("engine", [*ENGINES, "wasmer-llvm"])
def test_a_large_stdin_arrives_whole_through_two_iovecs(engine: str, tmp_path: Path) -> None:
    hasher = _guest(tmp_path, "hash", _HASH_STDIN, "0123456789abcdef")
    rng = random.Random(64)
    inputs = [rng.randbytes(65536), rng.randbytes(16384 + 4 * 6)]  # a second guest in the same worker
    for k, data in enumerate(inputs):
        (tmp_path / f"in{k}.bin").write_bytes(data)
    replies = _run(engine, [{"i": k, "do": "wasi", "file": hasher, "stdin": str(tmp_path / f"in{k}.bin")}
                            for k in range(len(inputs))])
    assert [_outcome(replies[k])["stdout"] for k in range(len(inputs))] == [_fnv1a(d) for d in inputs]


@pytest.mark.parametrize("engine", ["wasmtime", "wasmer-cranelift"])
def test_arguments_reach_the_guest(engine: str, tmp_path: Path) -> None:
    # args_sizes_get: argc and the bytes of argv; exit code = argc * 10 + bytes (Wasmtime allows
    # codes below 126 only)
    wat = """(module
      (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (drop (call $sizes (i32.const 0) (i32.const 4)))
        (call $exit (i32.add (i32.mul (i32.load (i32.const 0)) (i32.const 10)) (i32.load (i32.const 4))))))"""
    path = tmp_path / "args.wasm"
    path.write_bytes(wasmtime.wat2wasm(wat))
    replies = _run(engine, [{"i": 0, "do": "wasi", "file": str(path), "argv": ["ab", 7]}])
    # "args.wasm\0ab\07\0": three arguments, 15 bytes
    assert _outcome(replies[0])["exit_code"] == 45
