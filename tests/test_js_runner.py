"""End-to-end tests of the shared JS runner (engines/js/runner.mjs) through the Node host shim."""

from __future__ import annotations

import contextlib
import json
import queue
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

wasmtime = pytest.importorskip("wasmtime")

NODE = shutil.which("node")
HOST = Path(__file__).resolve().parent.parent / "engines" / "js" / "cli_host.mjs"
REPLY_TIMEOUT = 20.0

pytestmark = [
    pytest.mark.engine("node"),
    pytest.mark.skipif(NODE is None, reason="node not installed"),
]


class NodeWorker:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [NODE, str(HOST)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.next_id = 1

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def send(self, obj: dict) -> None:
        self.proc.stdin.write(json.dumps(obj) + "\n")
        self.proc.stdin.flush()

    def recv(self) -> dict:
        line = self.lines.get(timeout=REPLY_TIMEOUT)
        assert line is not None, f"worker exited: {self.proc.stderr.read()}"
        return json.loads(line)

    def request(self, op: str, **fields) -> int:
        rid = self.next_id
        self.next_id += 1
        self.send({"id": rid, "op": op, **fields})
        return rid

    def run(self, commands: list[dict], spectest: list[str] | None = None, skip: list[int] | None = None):
        """Send one run; return ({i: reply}, ordered list of replies) after checking the done line."""
        # Commands carry their script index; tests that do not care use the list position.
        commands = [{"i": n, **c} for n, c in enumerate(commands)]
        fields = {"spectest": spectest or [], "timeout": 10, "commands": commands}
        if skip is not None:
            fields["skip"] = skip
        rid = self.request("run", **fields)
        replies = []
        while True:
            reply = self.recv()
            assert reply["id"] == rid
            if reply.get("done"):
                assert reply == {"id": rid, "done": True}
                break
            replies.append(reply)
        return {r["i"]: r for r in replies}, replies

    def close(self) -> int:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self.send({"id": 0, "op": "exit"})
        try:
            return self.proc.wait(timeout=REPLY_TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def worker():
    w = NodeWorker()
    yield w
    w.close()


@pytest.fixture
def wat(tmp_path):
    counter = iter(range(1_000_000))

    def build(text: str, name: str | None = None) -> str:
        path = tmp_path / f"{name or 'm'}{next(counter)}.wasm"
        path.write_bytes(wasmtime.wat2wasm(text))
        return str(path)

    return build


def ok(reply: dict, values: list | None = None) -> None:
    assert reply["ok"] is True, reply
    if values is not None:
        assert reply["values"] == values


def err(reply: dict, kind: str) -> None:
    assert reply["ok"] is False, reply
    assert reply["error"]["kind"] == kind, reply
    assert isinstance(reply["error"]["message"], str)


ARITH = """
(module
  (func (export "add32") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "add64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
  (func (export "neg32") (param i32) (result i32) i32.const 0 local.get 0 i32.sub)
  (func (export "is_neg64") (param i64) (result i32) local.get 0 i64.const 0 i64.lt_s)
  (func (export "nop"))
  (global (export "g32") i32 (i32.const -1))
  (global (export "g64") i64 (i64.const -2)))
"""


def call(field, args=(), results=(), instance=None, **extra):
    return {
        "do": "call",
        "instance": instance,
        "field": field,
        "args": list(args),
        "results": list(results),
        **extra,
    }


def get(field, results, instance=None, **extra):
    return {"do": "get", "instance": instance, "field": field, "results": list(results), **extra}


def test_hello(worker):
    rid = worker.request("hello")
    reply = worker.recv()
    assert reply["id"] == rid and reply["ok"] is True
    assert reply["version"].startswith("node v")
    assert "features" not in reply  # the protocol's hello carries the version and nothing unused


def test_integers(worker, wat):
    m = wat(ARITH)
    by_i, replies = worker.run(
        [
            {"do": "module", "file": m},
            call("add32", [["i32", "4294967295"], ["i32", "1"]], ["i32"]),
            call("add32", [["i32", "2147483647"], ["i32", "1"]], ["i32"]),
            call("neg32", [["i32", "1"]], ["i32"]),
            call("add64", [["i64", "18446744073709551615"], ["i64", "0"]], ["i64"]),
            call("add64", [["i64", "18446744073709551615"], ["i64", "1"]], ["i64"]),
            call("add64", [["i64", "9223372036854775807"], ["i64", "1"]], ["i64"]),
            call("is_neg64", [["i64", "9223372036854775808"]], ["i32"]),
            call("nop"),
            get("g32", ["i32"]),
            get("g64", ["i64"]),
        ]
    )
    assert [r["i"] for r in replies] == list(range(11))
    ok(by_i[0], [])
    ok(by_i[1], [["i32", "0"]])
    ok(by_i[2], [["i32", "2147483648"]])
    ok(by_i[3], [["i32", "4294967295"]])
    ok(by_i[4], [["i64", "18446744073709551615"]])
    ok(by_i[5], [["i64", "0"]])
    ok(by_i[6], [["i64", "9223372036854775808"]])
    ok(by_i[7], [["i32", "1"]])
    ok(by_i[8], [])
    ok(by_i[9], [["i32", "4294967295"]])
    ok(by_i[10], [["i64", "18446744073709551614"]])


def test_references(worker, wat):
    m = wat("""
    (module
      (global $keep (mut externref) (ref.null extern))
      (func $f)
      (elem declare func $f)
      (func (export "id") (param externref) (result externref) local.get 0)
      (func (export "is_null") (param externref) (result i32) local.get 0 ref.is_null)
      (func (export "keep") (param externref) local.get 0 global.set $keep)
      (func (export "kept") (result externref) global.get $keep)
      (func (export "fid") (param funcref) (result funcref) local.get 0)
      (func (export "func") (result funcref) ref.func $f)
      (func (export "nullfunc") (result funcref) ref.null func)
      (global (export "gext") (mut externref) (ref.null extern)))
    """)
    by_i, _ = worker.run(
        [
            {"do": "module", "file": m},
            call("id", [["externref", 7]], ["externref"]),
            call("id", [["externref", None]], ["externref"]),
            call("is_null", [["externref", 0]], ["i32"]),
            call("is_null", [["externref", None]], ["i32"]),
            call("keep", [["externref", 42]]),
            call("kept", [], ["externref"]),
            call("fid", [["funcref", None]], ["funcref"]),
            call("func", [], ["funcref"]),
            call("nullfunc", [], ["funcref"]),
            get("gext", ["externref"]),
        ]
    )
    ok(by_i[1], [["externref", 7]])
    ok(by_i[2], [["externref", None]])
    ok(by_i[3], [["i32", "0"]])
    ok(by_i[4], [["i32", "1"]])
    ok(by_i[5], [])
    ok(by_i[6], [["externref", 42]])
    ok(by_i[7], [["funcref", None]])
    ok(by_i[8], [["funcref", "func"]])
    ok(by_i[9], [["funcref", None]])
    ok(by_i[10], [["externref", None]])


def test_multi_value(worker, wat):
    m = wat("""
    (module
      (func (export "three") (param i32 i64) (result i64 i32 externref)
        local.get 1 local.get 0 ref.null extern)
      (func (export "swap") (param i32 i32) (result i32 i32) local.get 1 local.get 0))
    """)
    by_i, _ = worker.run(
        [
            {"do": "module", "file": m},
            call(
                "three", [["i32", "4294967295"], ["i64", "18446744073709551615"]], ["i64", "i32", "externref"]
            ),
            call("swap", [["i32", "1"], ["i32", "2"]], ["i32", "i32"]),
        ]
    )
    ok(by_i[1], [["i64", "18446744073709551615"], ["i32", "4294967295"], ["externref", None]])
    ok(by_i[2], [["i32", "2"], ["i32", "1"]])


def test_register_and_import(worker, wat):
    a = wat("""
    (module
      (func (export "f") (result i32) i32.const 11)
      (global (export "g") i32 (i32.const 5))
      (memory (export "mem") 1))
    """)
    a2 = wat("""(module (func (export "f") (result i32) i32.const 22) (global (export "g") i32 (i32.const 6))
                         (memory (export "mem") 1))""")
    b = wat("""
    (module
      (import "A" "f" (func $f (result i32)))
      (import "A" "g" (global $g i32))
      (import "A" "mem" (memory 1))
      (func (export "sum") (result i32) call $f global.get $g i32.add))
    """)
    by_i, _ = worker.run(
        [
            {"do": "module", "file": a, "name": "$A"},
            {"do": "register", "instance": None, "as": "A"},
            {"do": "module", "file": b, "name": "$B"},
            call("sum", [], ["i32"]),
            {"do": "module", "file": a2},
            {"do": "register", "instance": None, "as": "A"},  # replaces the earlier "A"
            {"do": "module", "file": b},
            call("sum", [], ["i32"]),
            call("sum", [], ["i32"], instance="$B"),  # the earlier named instance still links to the old A
            {"do": "register", "instance": "$A", "as": "A"},
            {"do": "module", "file": b},
            call("sum", [], ["i32"]),
        ]
    )
    for i in (0, 1, 2, 4, 5, 6, 9, 10):
        ok(by_i[i], [])
    ok(by_i[3], [["i32", "16"]])
    ok(by_i[7], [["i32", "28"]])
    ok(by_i[8], [["i32", "16"]])
    ok(by_i[11], [["i32", "16"]])


def test_registry_is_fresh_per_run(worker, wat):
    a = wat("""(module (func (export "f") (result i32) i32.const 1))""")
    b = wat("""(module (import "A" "f" (func (result i32))))""")
    by_i, _ = worker.run(
        [{"do": "module", "file": a}, {"do": "register", "as": "A"}, {"do": "module", "file": b}]
    )
    ok(by_i[2], [])
    by_i, _ = worker.run([{"do": "module", "file": b}, call("f")])
    err(by_i[0], "link")
    err(by_i[1], "internal")  # no current instance


def test_spectest(worker, wat):
    s1 = wat("""
    (module
      (func (export "print_i32") (param i32))
      (global (export "global_i32") i32 (i32.const 666))
      (table (export "table") 10 funcref)
      (memory (export "memory") 1 2))
    """)
    # A later spectest module may import from the earlier ones.
    s2 = wat("""
    (module
      (import "spectest" "global_i32" (global $g i32))
      (global (export "global_i64") i64 (i64.const 667))
      (func (export "twice") (result i32) global.get $g i32.const 2 i32.mul))
    """)
    m = wat("""
    (module
      (import "spectest" "print_i32" (func $print (param i32)))
      (import "spectest" "global_i32" (global $g i32))
      (import "spectest" "global_i64" (global $g64 i64))
      (import "spectest" "twice" (func $twice (result i32)))
      (import "spectest" "memory" (memory 1))
      (import "spectest" "table" (table 10 funcref))
      (func (export "run") (result i32 i64 i32)
        global.get $g call $print global.get $g global.get $g64 call $twice))
    """)
    commands = [
        {"do": "module", "file": m},
        call("run", [], ["i32", "i64", "i32"]),
        {"do": "instantiate", "file": wat("""(module (import "spectest" "nope" (func)))""")},
    ]
    for _ in range(2):  # spectest is rebuilt for every run
        by_i, _ = worker.run(commands, spectest=[s1, s2])
        ok(by_i[0], [])
        ok(by_i[1], [["i32", "666"], ["i64", "667"], ["i32", "1332"]])
        err(by_i[2], "link")


def test_spectest_setup_failure(worker, tmp_path):
    missing = str(tmp_path / "missing.wasm")
    by_i, replies = worker.run(
        [{"do": "compile", "file": missing}, {"do": "compile", "file": missing}], spectest=[missing], skip=[1]
    )
    assert len(replies) == 1
    err(by_i[0], "internal")
    assert "spectest" in by_i[0]["error"]["message"]


def test_define_and_instance(worker, wat):
    d = wat("""
    (module
      (global $n (mut i32) (i32.const 0))
      (func (export "bump") (result i32) global.get $n i32.const 1 i32.add global.set $n global.get $n))
    """)
    by_i, _ = worker.run(
        [
            {"do": "define", "file": d, "name": "$D"},
            {"do": "instance", "module": "$D", "name": "$I1"},
            {"do": "instance", "module": "$D", "name": "$I2"},
            call("bump", [], ["i32"], instance="$I1"),
            call("bump", [], ["i32"], instance="$I1"),
            call("bump", [], ["i32"], instance="$I2"),
            call("bump", [], ["i32"]),  # current = $I2
            {"do": "instance", "module": "$D"},  # anonymous, becomes current
            call("bump", [], ["i32"]),
            {"do": "instance", "module": "$nope"},
        ]
    )
    for i in (0, 1, 2, 7):
        ok(by_i[i], [])
    ok(by_i[3], [["i32", "1"]])
    ok(by_i[4], [["i32", "2"]])
    ok(by_i[5], [["i32", "1"]])
    ok(by_i[6], [["i32", "2"]])
    ok(by_i[8], [["i32", "1"]])
    err(by_i[9], "internal")


def test_compile_errors(worker, wat, tmp_path):
    invalid = wat("""(module (func (result i32)))""")  # well-formed, invalid (empty body)
    malformed = tmp_path / "malformed.wasm"
    malformed.write_bytes(b"\0asm\x01\0\0\0\xff")
    good = wat("(module)")
    by_i, _ = worker.run(
        [
            {"do": "compile", "file": invalid},
            {"do": "compile", "file": str(malformed)},
            {"do": "compile", "file": good},
            {"do": "module", "file": invalid},
            {"do": "instantiate", "file": str(malformed)},
            {"do": "define", "file": invalid, "name": "$X"},
        ]
    )
    err(by_i[0], "compile")
    err(by_i[1], "compile")
    ok(by_i[2], [])
    err(by_i[3], "compile")
    err(by_i[4], "compile")
    err(by_i[5], "compile")


def test_link_errors(worker, wat):
    a = wat("""(module (func (export "f") (param i32)) (global (export "g") i32 (i32.const 0)))""")
    by_i, _ = worker.run(
        [
            {"do": "module", "file": a},
            {"do": "register", "as": "A"},
            {"do": "instantiate", "file": wat("""(module (import "nowhere" "f" (func)))""")},
            {"do": "instantiate", "file": wat("""(module (import "A" "missing" (func)))""")},
            {"do": "instantiate", "file": wat("""(module (import "A" "f" (func (param i64))))""")},
            {"do": "instantiate", "file": wat("""(module (import "A" "g" (global i64)))""")},
            {"do": "instantiate", "file": wat("""(module (import "A" "f" (memory 1)))""")},
            {"do": "module", "file": wat("""(module (import "toString" "f" (func)))""")},
            {"do": "instantiate", "file": wat("""(module (import "A" "f" (func (param i32))))""")},
        ]
    )
    for i in range(2, 8):
        err(by_i[i], "link")
    ok(by_i[8], [])


def test_traps(worker, wat):
    m = wat("""
    (module
      (memory 1)
      (func (export "unreachable") unreachable)
      (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
      (func (export "oob") (result i32) i32.const 65536 i32.load))
    """)
    start_trap = wat("""(module (func $s unreachable) (start $s))""")
    by_i, _ = worker.run(
        [
            {"do": "module", "file": m},
            call("unreachable"),
            call("div", [["i32", "1"], ["i32", "0"]], ["i32"]),
            call("div", [["i32", "2147483648"], ["i32", "4294967295"]], ["i32"]),
            call("oob", [], ["i32"]),
            {"do": "instantiate", "file": start_trap},
            {"do": "module", "file": start_trap},
            call("div", [["i32", "7"], ["i32", "2"]], ["i32"]),  # current instance unchanged by the failure
        ]
    )
    for i in range(1, 7):
        err(by_i[i], "trap")
    ok(by_i[7], [["i32", "3"]])


def test_exhaustion(worker, wat):
    m = wat("""
    (module
      (func $loop (export "loop") (param i32) (result i32) local.get 0 call $loop)
      (func (export "ok") (result i32) i32.const 1))
    """)
    by_i, _ = worker.run(
        [{"do": "module", "file": m}, call("loop", [["i32", "0"]], ["i32"]), call("ok", [], ["i32"])]
    )
    err(by_i[1], "exhaustion")
    ok(by_i[2], [["i32", "1"]])


def test_exception(worker, wat):
    m = wat("""
    (module
      (tag $e (param i32))
      (tag $other)
      (func (export "throw") (param i32)
        try
          local.get 0
          throw $e
        catch $other
        end)
      (func (export "caught") (result i32)
        try (result i32)
          i32.const 5
          throw $e
        catch $e
        end))
    """)
    by_i, _ = worker.run(
        [
            {"do": "module", "file": m},
            call("throw", [["i32", "3"]]),
            call("caught", [], ["i32"]),
        ]
    )
    err(by_i[1], "exception")
    ok(by_i[2], [["i32", "5"]])


def test_skip(worker, wat):
    m = wat(ARITH)
    trap = wat("""(module (func (export "unreachable") unreachable))""")
    by_i, replies = worker.run(
        [
            {"do": "module", "file": m},
            {"do": "module", "file": trap},  # skipped: current stays the ARITH instance
            call("unreachable"),  # skipped
            call("add32", [["i32", "1"], ["i32", "2"]], ["i32"]),
        ],
        skip=[1, 2],
    )
    assert [r["i"] for r in replies] == [0, 3]
    ok(by_i[3], [["i32", "3"]])


def test_wrapper(worker, wat):
    target = wat("""
    (module
      (global $base (mut f32) (f32.const 0))
      (func (export "init") (param f32) local.get 0 global.set $base)
      (func (export "fadd") (param f32 f32) (result f32)
        local.get 0 local.get 1 f32.add global.get $base f32.add)
      (global (export "gf") f64 (f64.const -1.5)))
    """)
    # Integer-only wrapper as harness/wast/wrappers.py would generate, plus a call counter to observe caching.
    wrapper = wat("""
    (module
      (import "target" "fadd" (func $fadd (param f32 f32) (result f32)))
      (import "target" "gf" (global $gf f64))
      (global $calls (mut i32) (i32.const 0))
      (func (export "fadd") (param i32 i32) (result i32 i32)
        global.get $calls i32.const 1 i32.add global.set $calls
        local.get 0 f32.reinterpret_i32 local.get 1 f32.reinterpret_i32 call $fadd i32.reinterpret_f32
        global.get $calls)
      (func (export "gf") (result i64) global.get $gf i64.reinterpret_f64))
    """)
    w = {"file": wrapper}
    one, two, nan = "1065353216", "1073741824", "2143289345"  # 1.0f, 2.0f, NaN with payload 1
    by_i, _ = worker.run(
        [
            {"do": "module", "file": target, "name": "$T1"},
            call("fadd", [["i32", one], ["i32", one]], ["i32", "i32"], wrapper=w),
            call("fadd", [["i32", one], ["i32", one]], ["i32", "i32"], wrapper=w),  # same wrapper instance
            get("gf", ["i64"], wrapper=w),
            {"do": "module", "file": target, "name": "$T2"},
            call("init", [["i32", "1"]], instance="$T2"),  # JS Number 1 -> f32 1.0: $T2.fadd adds 1
            call(
                "fadd", [["i32", one], ["i32", one]], ["i32", "i32"], instance="$T2", wrapper=w
            ),  # new wrapper
            call("fadd", [["i32", one], ["i32", one]], ["i32", "i32"], instance="$T1", wrapper=w),
            call("fadd", [["i32", nan], ["i32", "0"]], ["i32", "i32"], instance="$T1", wrapper=w),
        ]
    )
    ok(by_i[1], [["i32", two], ["i32", "1"]])
    ok(by_i[2], [["i32", two], ["i32", "2"]])
    ok(by_i[3], [["i64", str(0xBFF8000000000000)]])
    ok(by_i[5], [])
    ok(by_i[6], [["i32", "1077936128"], ["i32", "1"]])  # 3.0f from $T2, through a fresh wrapper instance
    ok(by_i[7], [["i32", two], ["i32", "3"]])
    assert by_i[8]["ok"] is True
    assert by_i[8]["values"][1] == ["i32", "4"]
    # NaN propagates through the integer-only signature (JS could not carry its payload as a Number)
    bits = int(by_i[8]["values"][0][1])
    assert bits & 0x7F800000 == 0x7F800000 and bits & 0x007FFFFF


def test_internal_and_unsupported(worker, wat):
    m = wat(ARITH)
    by_i, _ = worker.run(
        [
            {"do": "module", "file": m},
            call("missing"),
            call("add32", [["i32", "1"], ["i32", "2"]], ["i32"], instance="$nope"),
            get("add32", ["i32"]),
            call("g32", [], ["i32"]),
            {"do": "register", "instance": "$nope", "as": "X"},
            {"do": "frobnicate"},
            call("add32", [["f32", "0"], ["i32", "2"]], ["i32"]),
            {"do": "module", "file": m + ".missing"},
        ]
    )
    for i in (1, 2, 3, 4, 5, 8):
        err(by_i[i], "internal")
    err(by_i[6], "unsupported")
    err(by_i[7], "unsupported")


def test_requests_in_order_and_exit(wat):
    w = NodeWorker()
    m = wat(ARITH)
    # Pipeline several requests without waiting: replies must come back strictly in order.
    for k in range(3):
        w.send(
            {
                "id": 10 + k,
                "op": "run",
                "spectest": [],
                "commands": [
                    {"i": 0, "do": "module", "file": m},
                    {"i": 1, **call("add32", [["i32", str(k)], ["i32", "1"]], ["i32"])},
                ],
            }
        )
    w.send({"id": 20, "op": "hello"})
    w.send({"id": 21, "op": "exit"})
    w.send({"id": 22, "op": "hello"})  # never answered
    got = [w.recv() for _ in range(10)]
    assert [(r["id"], r.get("i"), r.get("done")) for r in got] == [
        (10, 0, None),
        (10, 1, None),
        (10, None, True),
        (11, 0, None),
        (11, 1, None),
        (11, None, True),
        (12, 0, None),
        (12, 1, None),
        (12, None, True),
        (20, None, None),
    ]
    assert got[7]["values"] == [["i32", "3"]]
    assert w.proc.wait(timeout=REPLY_TIMEOUT) == 0
    assert w.lines.get(timeout=REPLY_TIMEOUT) is None


def test_stdin_eof_exits(worker):
    worker.proc.stdin.close()
    assert worker.proc.wait(timeout=REPLY_TIMEOUT) == 0


def test_bad_json_line(worker):
    worker.proc.stdin.write("not json\n")
    worker.proc.stdin.flush()
    reply = worker.recv()
    assert reply["id"] is None and reply["ok"] is False
    assert reply["error"]["kind"] == "internal"
    rid = worker.request("hello")
    assert worker.recv()["id"] == rid
