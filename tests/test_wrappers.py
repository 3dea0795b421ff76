"""Tests of the binary reader and of the integer-only wrapper modules.

Targets are built from WAT with `wasm-tools parse` and run in wasmtime-py. Exports with
v128, anyref or exnref values are only ever called through their wrapper: wasmtime-py
aborts the process on v128 and cannot hold GC references itself.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import wasmtime

from harness.wast.binary import (
    Export,
    FuncType,
    GlobalType,
    ModuleInfo,
    RefType,
    WasmParseError,
    hierarchy,
    read_module,
)
from harness.wast.wrappers import (
    DIRECT,
    RESULT_WIRE,
    SLOT_WIRE,
    build_wrapper,
    needs_wrapper,
    param_slot,
    result_slot,
)

WASM_TOOLS = str(Path(sys.executable).parent / "wasm-tools")
if not Path(WASM_TOOLS).exists():
    WASM_TOOLS = shutil.which("wasm-tools") or "wasm-tools"


def wat(text: str) -> bytes:
    proc = subprocess.run(
        [WASM_TOOLS, "parse", "-", "-o", "/dev/stdout"], input=text.encode(), capture_output=True, check=False
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def validate(binary: bytes, features: str) -> subprocess.CompletedProcess[bytes]:
    cmd = [WASM_TOOLS, "validate", f"--features={features}", "-"]
    return subprocess.run(cmd, input=binary, capture_output=True, check=False)


def u32(x: int) -> int:
    return x & 0xFFFFFFFF


def u64(x: int) -> int:
    return x & 0xFFFFFFFFFFFFFFFF


def s32(x: int) -> int:
    return x - (1 << 32) if x & 0x80000000 else x


def s64(x: int) -> int:
    return x - (1 << 64) if x & (1 << 63) else x


@pytest.fixture(scope="module")
def engine() -> wasmtime.Engine:
    cfg = wasmtime.Config()
    cfg.wasm_reference_types = True
    cfg.wasm_function_references = True
    cfg.wasm_gc = True
    cfg.wasm_exceptions = True
    cfg.wasm_simd = True
    return wasmtime.Engine(cfg)


class Wrapped:
    """A target instance and its wrapper instance in one store."""

    def __init__(self, engine: wasmtime.Engine, target: bytes, fields: list[str] | None = None,
                 imports: list[Any] | None = None, store: wasmtime.Store | None = None) -> None:
        self.store = store or wasmtime.Store(engine)
        self.info = read_module(target)
        if fields is None:
            fields = [n for n, e in self.info.exports.items() if e.kind in ("func", "global")]
        self.binary = build_wrapper(self.info, fields)
        self.target = wasmtime.Instance(self.store, wasmtime.Module(engine, target), imports or [])
        texports = self.target.exports(self.store)
        wmod = wasmtime.Module(engine, self.binary)
        names = [imp.name for imp in wmod.imports if imp.module == "target" and imp.name is not None]
        assert len(names) == len(wmod.imports)
        self.wrapper = wasmtime.Instance(self.store, wmod, [texports[n] for n in names])
        self.exports = self.wrapper.exports(self.store)

    def __call__(self, field: str, *args: Any) -> Any:
        func = self.exports[field]
        assert isinstance(func, wasmtime.Func)
        return func(self.store, *args)


# --- floats -----------------------------------------------------------------------------------

FLOATS = """
(module
  (func (export "f32") (param f32) (result f32) local.get 0)
  (func (export "f64") (param f64) (result f64) local.get 0)
  (func (export "snan32") (result f32) f32.const nan:0x200001)
  (func (export "snan64") (result f64) f64.const nan:0x4000000000001)
  (func (export "mixed") (param f32 i32 f64 i64) (result i64 f64 i32 f32)
    local.get 3 local.get 2 local.get 1 local.get 0)
  (global (export "g64") f64 (f64.const nan:0x4000000000001))
  (global (export "g32mut") (mut f32) (f32.const -0.0))
)
"""


def test_f32_bits_round_trip(engine: wasmtime.Engine) -> None:
    w = Wrapped(engine, wat(FLOATS))
    for bits in (0x7FA00001, 0x80000000, 0x3F800000, 0xFFC00000, 0x7F800000):
        assert u32(w("f32", s32(bits))) == bits
    assert u32(w("snan32")) == 0x7FA00001


def test_f64_bits_round_trip(engine: wasmtime.Engine) -> None:
    w = Wrapped(engine, wat(FLOATS))
    for bits in (0x7FF4000000000001, 0x8000000000000000, 0x3FF0000000000000, 0xFFF8000000000000):
        assert u64(w("f64", s64(bits))) == bits
    assert u64(w("snan64")) == 0x7FF4000000000001


def test_mixed_params_and_results_keep_order(engine: wasmtime.Engine) -> None:
    w = Wrapped(engine, wat(FLOATS))
    out = w("mixed", s32(0x7FA00001), 7, s64(0x7FF4000000000001), -5)
    assert [out[0], u64(out[1]), out[2], u32(out[3])] == [-5, 0x7FF4000000000001, 7, 0x7FA00001]


def test_float_globals_get_getters(engine: wasmtime.Engine) -> None:
    w = Wrapped(engine, wat(FLOATS))
    assert u64(w("g64")) == 0x7FF4000000000001
    assert u32(w("g32mut")) == 0x80000000
    ex = w.info.exports["g32mut"]
    assert ex.type == GlobalType("f32", True)


def test_float_wrapper_needs_no_gc_or_simd(engine: wasmtime.Engine) -> None:
    info = read_module(wat(FLOATS))
    binary = build_wrapper(info, ["f32", "f64", "snan32", "mixed", "g64", "g32mut"])
    proc = validate(binary, "wasm2,-simd")
    assert proc.returncode == 0, proc.stderr.decode()
    assert validate(binary, "wasm2,-simd,-multi-value").returncode != 0  # sanity: mixed needs it


# --- v128 -------------------------------------------------------------------------------------

SIMD = """
(module
  (func (export "id") (param v128) (result v128) local.get 0)
  (func (export "lanes") (result v128) v128.const i32x4 1 2 3 4)
  (func (export "swap") (param v128 f32 v128) (result v128 f32 v128)
    local.get 2 local.get 1 local.get 0)
  (global (export "gv") (mut v128) (v128.const i64x2 0x1122334455667788 0x99aabbccddeeff00))
)
"""


def test_v128_identity_with_distinct_lanes(engine: wasmtime.Engine) -> None:
    w = Wrapped(engine, wat(SIMD))
    lo, hi = 0x0123456789ABCDEF, 0xFEDCBA9876543210
    assert [u64(x) for x in w("id", s64(lo), s64(hi))] == [lo, hi]


def test_v128_lane_order(engine: wasmtime.Engine) -> None:
    w = Wrapped(engine, wat(SIMD))
    assert [u64(x) for x in w("lanes")] == [0x0000000200000001, 0x0000000400000003]
    assert [u64(x) for x in w("gv")] == [0x1122334455667788, 0x99AABBCCDDEEFF00]


def test_v128_several_values(engine: wasmtime.Engine) -> None:
    w = Wrapped(engine, wat(SIMD))
    out = w("swap", 1, 2, s32(0x7FA00001), 3, s64(0xFFFFFFFFFFFFFFFF))
    assert [u64(x) for x in out] == [3, 0xFFFFFFFFFFFFFFFF, 0x7FA00001, 1, 2]


def test_simd_wrapper_needs_no_gc() -> None:
    binary = build_wrapper(read_module(wat(SIMD)), ["id", "lanes", "swap", "gv"])
    proc = validate(binary, "wasm2")
    assert proc.returncode == 0, proc.stderr.decode()


# --- GC references ----------------------------------------------------------------------------

GC = """
(module
  (type $s (struct (field i32)))
  (type $a (array i8))
  (func (export "s") (result (ref null $s)) (struct.new $s (i32.const 7)))
  (func (export "snull") (result (ref null $s)) (ref.null $s))
  (func (export "i31") (result (ref i31)) (ref.i31 (i32.const 5)))
  (func (export "arr") (result (ref $a)) (array.new_default $a (i32.const 3)))
  (func (export "anyid") (param anyref) (result anyref) local.get 0)
  (func (export "eqid") (param (ref null eq)) (result (ref null eq)) local.get 0)
  (func (export "sfield") (param (ref $s)) (result i32) (struct.get $s 0 (local.get 0)))
  (func (export "nonnull") (param (ref any)) (result i32) (i32.const 1))
  (func (export "none") (result nullref) (ref.null none))
  (global (export "gs") (ref null $s) (struct.new $s (i32.const 9)))
)
"""


def test_any_result_codes(engine: wasmtime.Engine) -> None:
    # wasmtime-py shows an externalized GC object as None (it only knows its own host
    # values), so only the codes are checked here.
    w = Wrapped(engine, wat(GC))
    assert w("s")[0] == 2
    assert w("snull") == [0, None]
    assert w("i31")[0] == 1
    assert w("arr")[0] == 3
    assert w("none") == [0, None]
    assert w("gs")[0] == 2


def test_anyref_param_host_value_round_trips(engine: wasmtime.Engine) -> None:
    w = Wrapped(engine, wat(GC))
    host = {"wasm-harness-host": 42}
    code, back = w("anyid", host)
    assert code == 4
    assert back is host
    assert w("anyid", None) == [0, None]
    assert w("eqid", None) == [0, None]


def test_casts_trap_on_wrong_values(engine: wasmtime.Engine) -> None:
    w = Wrapped(engine, wat(GC))
    with pytest.raises(wasmtime.Trap):
        w("sfield", None)  # null is not a (ref $s)
    with pytest.raises(wasmtime.Trap):
        w("sfield", object())  # nor is a host value
    with pytest.raises(wasmtime.Trap):
        w("eqid", object())  # a host value is not an eqref
    with pytest.raises(wasmtime.Trap):
        w("nonnull", None)
    assert w("nonnull", object()) == 1


REC = """
(module
  (rec
    (type $t (struct (field (ref null $u))))
    (type $u (struct (field (ref null $t)))))
  (type $f (func (result (ref $t))))
  (func $mk (export "mk") (type $f) (struct.new $t (ref.null $u)))
  (func (export "take") (param (ref $t)) (result i32) (ref.is_null (struct.get $t 0 (local.get 0))))
  (func (export "fref") (result (ref $f)) (ref.func $mk))
  (func (export "callf") (param (ref null $f)) (result i32)
    (ref.is_null (call_ref $f (local.get 0))))
  (func (export "f32") (param f32) (result f32) local.get 0)
)
"""


def test_rec_group_and_concrete_ref_result(engine: wasmtime.Engine) -> None:
    target = wat(REC)
    info = read_module(target)
    assert info.type_kinds == ["struct", "struct", "func", "func", "func", "func", "func"]
    assert info.type_section is not None and info.type_section[:3] == b"\x06\x4e\x02"  # 6 groups
    assert info.exports["mk"].type == FuncType((), (RefType(False, 0),))
    w = Wrapped(engine, target)
    # The wrapper keeps every target type index and appends its own (deduplicated) types.
    winfo = read_module(w.binary)
    assert winfo.type_kinds[:7] == info.type_kinds
    assert {k: winfo.func_types[k] for k in info.func_types} == info.func_types
    assert winfo.exports["mk"].type == FuncType((), ("i32", RefType(True, "extern")))
    assert winfo.exports["fref"].type == FuncType((), (RefType(True, "func"),))
    assert w("mk")[0] == 2
    with pytest.raises(wasmtime.Trap):
        w("take", object())  # ref.cast (ref $t) of a host value
    assert w("f32", s32(0x7FA00001)) == 0x7FA00001


def test_concrete_func_ref_param_is_cast(engine: wasmtime.Engine) -> None:
    w = Wrapped(engine, wat(REC))
    f = w("fref")
    assert isinstance(f, wasmtime.Func)
    assert w("callf", f) == 0
    with pytest.raises(wasmtime.Trap):
        w("callf", w.target.exports(w.store)["take"])  # wrong function type: cast fails


@pytest.mark.parametrize("n", [125, 129])
def test_type_count_is_a_multibyte_leb(engine: wasmtime.Engine, n: int) -> None:
    # n + 2 rec groups (one of two types): with n = 125 the count prefix grows from one
    # LEB byte (127) to two (128) in the wrapper; with 129 it is two bytes from the start.
    types = "\n".join(f"(type (func (param {'i32 ' * (i % 5)}) (result {'i64 ' * (i % 3)})))"
                      for i in range(n))
    target = wat(f"(module {types} (rec (type $x (struct)) (type $y (struct)))"
                 "(func (export \"f\") (param f64) (result f64) local.get 0))")
    info = read_module(target)
    assert len(info.type_kinds) == n + 3
    assert info.type_section is not None and info.type_section[0] == (127 if n == 125 else 0x83)
    w = Wrapped(engine, target)
    assert read_module(w.binary).exports["f"].typeidx == n + 3
    assert u64(w("f", s64(0xFFF4000000000001))) == 0xFFF4000000000001


# --- exceptions -------------------------------------------------------------------------------

EXN = """
(module
  (tag $t)
  (func (export "eid") (param exnref) (result exnref) local.get 0)
  (func (export "mk") (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $t))
      unreachable))
  (func (export "isnull") (param exnref i32) (result i32 i32) (ref.is_null (local.get 0)) (local.get 1))
  (global (export "gx") exnref (ref.null exn))
)
"""


def test_exnref_placeholder_and_codes(engine: wasmtime.Engine) -> None:
    w = Wrapped(engine, wat(EXN))
    assert w("eid", 12345) == 0  # the placeholder is ignored; null goes in, code 0 comes out
    assert w("mk") == 6
    assert w("isnull", 99, 5) == [1, 5]
    assert w("gx") == 0


# --- re-exports -------------------------------------------------------------------------------

def test_reexported_import(engine: wasmtime.Engine) -> None:
    store = wasmtime.Store(engine)
    base = wasmtime.Instance(store, wasmtime.Module(engine, wat(FLOATS)), [])
    reexport = wat("""
    (module
      (import "m" "f32" (func $f (param f32) (result f32)))
      (import "m" "g64" (global $g f64))
      (func (export "own") (result f64) (global.get $g))
      (export "f" (func $f))
      (export "g" (global $g)))
    """)
    info = read_module(reexport)
    assert info.exports["f"].type == FuncType(("f32",), ("f32",))
    assert info.exports["own"].type == FuncType((), ("f64",))
    assert info.exports["g"].type == GlobalType("f64", False)
    bexp = base.exports(store)
    w = Wrapped(engine, reexport, imports=[bexp["f32"], bexp["g64"]], store=store)
    assert u32(w("f", s32(0x7FA00001))) == 0x7FA00001
    assert u64(w("own")) == 0x7FF4000000000001
    assert u64(w("g")) == 0x7FF4000000000001


# --- wrapper API ------------------------------------------------------------------------------

def test_needs_wrapper_and_slots() -> None:
    info = read_module(wat(GC))
    assert RefType(True, "extern") in DIRECT and "f32" not in DIRECT
    assert not needs_wrapper(FuncType(("i32", RefType(True, "extern")), ("i64", RefType(True, "func"))))
    assert needs_wrapper(FuncType(("f32",), ()))
    assert needs_wrapper(FuncType((), (RefType(False, "func"),)))
    assert not needs_wrapper(GlobalType("i64", True))
    assert needs_wrapper(GlobalType(RefType(True, "any"), False))
    assert param_slot(RefType(False, 0), info) == "any"
    assert param_slot(RefType(True, "noextern"), info) == "extern"
    assert param_slot(RefType(True, "exn"), info) == "null"
    assert result_slot(RefType(True, "nocont"), info) == "code"
    assert result_slot("v128", info) == "v128"
    assert SLOT_WIRE["v128"] == ("i64", "i64") and RESULT_WIRE["any"] == ("i32", "externref")


def test_build_wrapper_rejects_bad_fields() -> None:
    info = read_module(wat('(module (memory (export "mem") 1) (func (export "f") (param f32)))'))
    with pytest.raises(ValueError, match="no export"):
        build_wrapper(info, ["nope"])
    with pytest.raises(ValueError, match="memory"):
        build_wrapper(info, ["mem"])


def test_extern_and_func_hierarchy_params(engine: wasmtime.Engine) -> None:
    target = wat("""
    (module
      (func (export "ne") (param (ref extern) f32) (result (ref extern)) local.get 0)
      (func (export "nx") (param nullexternref) (result externref) local.get 0)
      (func (export "nf") (param (ref func)) (result funcref) local.get 0)
      (func (export "nof") (param nullfuncref) (result i32) (ref.is_null (local.get 0))))
    """)
    w = Wrapped(engine, target)
    host = object()
    # Extern-hierarchy results come back as (code, reference): 8 non-null, 0 null.
    code, ref = w("ne", host, 0)
    assert code == 8 and ref is host
    with pytest.raises(wasmtime.Trap):
        w("ne", None, 0)
    assert w("nx", None) == [0, None]
    f = w.target.exports(w.store)["nof"]
    assert isinstance(w("nf", f), wasmtime.Func)
    assert w("nof", None) == 1


def test_nullability_casts_need_no_gc() -> None:
    target = wat("""
    (module
      (func (export "ne") (param (ref extern) f32) (result (ref extern)) local.get 0)
      (func (export "nf") (param (ref func)) (result (ref func)) local.get 0))
    """)
    binary = build_wrapper(read_module(target), ["ne", "nf"])
    proc = validate(binary, "wasm2,function-references")
    assert proc.returncode == 0, proc.stderr.decode()


def test_cont_types_validate() -> None:
    # wasmtime-py cannot run stack switching here, so only check reading and validation.
    target = wat("""
    (module
      (type $f (func (param i32)))
      (type $c (cont $f))
      (func (export "mk") (param (ref null $c) f32) (result (ref null $c) contref) local.get 0 local.get 0))
    """)
    info = read_module(target)
    assert info.type_kinds == ["func", "cont", "func"]
    assert hierarchy(RefType(True, 1), info) == "cont"
    assert param_slot(RefType(True, 1), info) == "null"
    binary = build_wrapper(info, ["mk"])
    proc = validate(binary, "all")
    assert proc.returncode == 0, proc.stderr.decode()
    assert read_module(binary).exports["mk"].type == FuncType(("i32", "i32"), ("i32", "i32"))


# --- binary reader ----------------------------------------------------------------------------

def test_read_module_index_spaces_and_types() -> None:
    data = wat("""
    (module
      (type $v (func))
      (type $p (func (param i32 f32) (result v128)))
      (import "m" "t" (table 1 funcref))
      (import "m" "f" (func (type $p)))
      (import "m" "mem" (memory i64 1 2))
      (import "m" "g" (global (mut (ref null $v))))
      (import "m" "tag" (tag (param i32)))
      (import "m" "h" (func (param f64)))
      (func $own (type $v))
      (global $mine i64 (i64.const 0))
      (export "f" (func 0))
      (export "h" (func 1))
      (export "own" (func $own))
      (export "g" (global 0))
      (export "mine" (global $mine))
      (export "t" (table 0))
      (export "mem" (memory 0))
      (export "tag" (tag 0)))
    """)
    info = read_module(data)
    ex = info.exports
    assert ex["f"] == Export("f", "func", FuncType(("i32", "f32"), ("v128",)), 1)
    assert ex["h"].type == FuncType(("f64",), ())
    assert ex["own"].type == FuncType((), ()) and ex["own"].typeidx == 0
    assert ex["g"].type == GlobalType(RefType(True, 0), True)
    assert ex["mine"].type == GlobalType("i64", False)
    assert (ex["t"].kind, ex["mem"].kind, ex["tag"].kind) == ("table", "memory", "tag")
    assert ex["t"].type is None and ex["tag"].typeidx is None
    assert info.type_section is not None and info.type_section[0] == len(info.type_kinds)


def test_read_module_skips_const_exprs() -> None:
    data = wat("""
    (module
      (type $s (struct (field i8) (field (mut i16)) (field (ref null $s)) (field f64)))
      (type $a (array (mut i32)))
      (type $sub (sub $s (struct (field i8) (field (mut i16)) (field (ref null $s)) (field f64))))
      (type $fin (sub final $sub (struct (field i8) (field (mut i16)) (field (ref null $s)) (field f64))))
      (import "m" "base" (global $base i32))
      (func $f)
      (elem declare func $f)
      (global i32 (i32.add (global.get $base) (i32.mul (i32.const -1) (i32.const 100000))))
      (global i64 (i64.sub (i64.const 0x7fffffffffffffff) (i64.const -129)))
      (global f32 (f32.const nan:0x1))
      (global f64 (f64.const -0.0))
      (global v128 (v128.const i64x2 1 2))
      (global funcref (ref.func $f))
      (global (ref null $s) (ref.null $s))
      (global (ref $s) (struct.new $s (i32.const 1) (i32.const 2) (ref.null none) (f64.const 1)))
      (global (ref $sub) (struct.new_default $sub))
      (global (ref $a) (array.new $a (i32.const 1) (i32.const 300)))
      (global (ref $a) (array.new_default $a (i32.const 2)))
      (global (ref $a) (array.new_fixed $a 3 (i32.const 1) (i32.const 2) (i32.const 3)))
      (global i31ref (ref.i31 (i32.const 200)))
      (global anyref (any.convert_extern (ref.null extern)))
      (global externref (extern.convert_any (ref.i31 (i32.const 1))))
      (global $last (mut f64) (f64.const 1))
      (export "last" (global $last))
      (export "fin" (func $f)))
    """)
    info = read_module(data)
    assert info.type_kinds == ["struct", "array", "struct", "struct", "func"]
    assert info.exports["last"].type == GlobalType("f64", True)
    assert info.exports["fin"].typeidx == 4
    assert hierarchy(RefType(False, 1), info) == "any"
    assert hierarchy(RefType(True, "noexn"), info) == "exn"
    assert hierarchy(RefType(True, "nofunc"), info) == "func"
    assert hierarchy(RefType(True, "i31"), info) == "any"


def test_read_module_empty_and_garbage() -> None:
    info = read_module(b"\0asm\x01\0\0\0")
    assert info == ModuleInfo(None, [], {}, {})
    good = wat('(module (func (export "f") (param f32)))')
    for bad in (
        b"",
        b"garbage bytes here",
        b"\0asm\x0d\0\x01\0",  # a component
        good[:-3],  # truncated
        good[:8] + b"\x01\x05\x01\x60\x00\x00",  # type section shorter than its size
        good[:8] + b"\x01\x04\x01\x60\x00\x00\x07\x05\x01\x01f\x00\x05",  # export of a missing function
        good[:8] + b"\x01\x04\x01\x55\x00\x00",  # unknown composite type
    ):
        with pytest.raises(WasmParseError):
            read_module(bad)


def test_read_module_is_fast() -> None:
    # The planner reads thousands of modules; a few hundred types and exports are cheap.
    funcs = "\n".join(f'(func (export "f{i}") (param i32 f64 v128) (result f32) f32.const 0)'
                      for i in range(500))
    data = wat(f"(module {funcs})")
    start = time.perf_counter()
    for _ in range(20):
        read_module(data)
    assert (time.perf_counter() - start) / 20 < 0.05


def _section(sid: int, payload: bytes) -> bytes:
    return bytes((sid, len(payload))) + payload


def test_read_module_compact_imports() -> None:
    # Hand-encoded (the text format has no syntax for it): both compact import forms.
    types = _section(1, b"\x01\x60\x00\x00")
    imports = _section(2, b"\x02"
                       b"\x01m\x00\x7f\x02" b"\x01a\x00\x00" b"\x01g\x03\x7d\x00"  # vec(name type)
                       b"\x01n\x00\x7e\x00\x00\x02" b"\x01b" b"\x01c")  # type vec(name)
    exports = _section(7, b"\x03" b"\x01a\x00\x00" b"\x01c\x00\x02" b"\x01g\x03\x00")
    info = read_module(b"\0asm\x01\0\0\0" + types + imports + exports)
    assert info.exports["c"] == Export("c", "func", FuncType((), ()), 0)
    assert info.exports["g"].type == GlobalType("f32", False)
    bad_exports = _section(7, b"\x01\x01d\x00\x03")  # only three functions exist
    with pytest.raises(WasmParseError, match="out of range"):
        read_module(b"\0asm\x01\0\0\0" + types + imports + bad_exports)
