"""Integer-only wrapper modules, emitted directly as wasm binary.

JS numbers lose NaN payloads, JS cannot see v128 or GC references, and wasmtime-py
aborts on v128. A wrapper imports the target's exports as module "target" and
re-exports each under the same name with a signature made only of i32, i64,
externref and funcref (see ARCHITECTURE.md, "Exact values: wrapper modules").

The wrapper's type section is the target's copied verbatim, so the imported
functions keep their exact (possibly concrete, recursive) type indices; the
wrapper's own function types are appended after it.
"""

from __future__ import annotations

from harness.wast.binary import (
    HEAP_BYTE,
    Export,
    FuncType,
    GlobalType,
    HeapType,
    ModuleInfo,
    RefType,
    ValType,
    hierarchy,
    read_uleb,
)

# Value types the workers can pass and receive without a wrapper.
DIRECT: frozenset[ValType] = frozenset({"i32", "i64", RefType(True, "extern"), RefType(True, "func")})
# ...except as results: wasmtime-py reads an externref that is not one of its own host
# values (an externalized i31, say) as null (wasmtime-py issue 303), so extern-hierarchy
# results and globals always come back through a wrapper with a null/non-null code.
DIRECT_RESULTS: frozenset[ValType] = frozenset({"i32", "i64", RefType(True, "func")})

# Lowered (wire) value kinds per param slot and per result slot.
SLOT_WIRE: dict[str, tuple[str, ...]] = {
    "i32": ("i32",),
    "i64": ("i64",),
    "f32": ("i32",),
    "f64": ("i64",),
    "v128": ("i64", "i64"),
    "extern": ("externref",),
    "func": ("funcref",),
    "any": ("externref",),
    "null": ("i32",),
}
RESULT_WIRE: dict[str, tuple[str, ...]] = {
    "i32": ("i32",),
    "i64": ("i64",),
    "f32": ("i32",),
    "f64": ("i64",),
    "v128": ("i64", "i64"),
    "extern": ("externref",),  # only for direct calls; wrappers return "externcode"
    "externcode": ("i32", "externref"),
    "func": ("funcref",),
    "any": ("i32", "externref"),
    "code": ("i32",),
}

# Reference codes returned for exn / cont results (0 is null); see ARCHITECTURE.md.
_NONNULL_CODE = {"exn": 6, "cont": 7, "extern": 8}

_NUM_BYTE = {"i32": 0x7F, "i64": 0x7E, "f32": 0x7D, "f64": 0x7C, "v128": 0x7B}
_WIRE_BYTE = {"i32": 0x7F, "i64": 0x7E, "externref": 0x6F, "funcref": 0x70}
# Local types that hold a result while it is lifted: the top of its hierarchy, so no
# concrete or non-nullable type is ever needed for a local.
_TOP_BYTE = {"extern": 0x6F, "func": 0x70, "any": 0x6E, "exn": 0x69, "cont": 0x68}

# Opcodes.
_END = 0x0B
_IF = 0x04
_ELSE = 0x05
_CALL = 0x10
_SELECT = 0x1B
_LOCAL_GET = 0x20
_LOCAL_SET = 0x21
_GLOBAL_GET = 0x23
_I32_CONST = 0x41
_I32_REINTERPRET_F32 = 0xBC
_I64_REINTERPRET_F64 = 0xBD
_F32_REINTERPRET_I32 = 0xBE
_F64_REINTERPRET_I64 = 0xBF
_REF_NULL = 0xD0
_REF_IS_NULL = 0xD1
_REF_AS_NON_NULL = 0xD4
_GC = 0xFB
_GC_REF_TEST = 0x14
_GC_REF_CAST = 0x16
_GC_REF_CAST_NULL = 0x17
_GC_ANY_CONVERT_EXTERN = 0x1A
_GC_EXTERN_CONVERT_ANY = 0x1B
_SIMD = 0xFD
_SIMD_V128_CONST = 0x0C
_SIMD_I64X2_EXTRACT_LANE = 0x1D
_SIMD_I64X2_REPLACE_LANE = 0x1E


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _sleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def _name(s: str) -> bytes:
    raw = s.encode("utf-8")
    return _uleb(len(raw)) + raw


def _vec(items: list[bytes]) -> bytes:
    return _uleb(len(items)) + b"".join(items)


def _section(sid: int, payload: bytes) -> bytes:
    return bytes((sid,)) + _uleb(len(payload)) + payload


def _heap(ht: HeapType) -> bytes:
    # Abstract types are single negative s33 bytes; concrete indices are non-negative s33.
    if isinstance(ht, int):
        return _sleb(ht)
    return bytes((HEAP_BYTE[ht],))


def _valtype(vt: ValType) -> bytes:
    if isinstance(vt, RefType):
        if vt.nullable and isinstance(vt.heap, str):
            return bytes((HEAP_BYTE[vt.heap],))  # shorthand, e.g. funcref
        return bytes((0x63 if vt.nullable else 0x64,)) + _heap(vt.heap)
    return bytes((_NUM_BYTE[vt],))


def needs_wrapper(t: FuncType | GlobalType) -> bool:
    """True when some value of t cannot be passed through a worker as is."""
    if isinstance(t, GlobalType):
        return t.valtype not in DIRECT_RESULTS
    return any(vt not in DIRECT for vt in t.params) or any(vt not in DIRECT_RESULTS for vt in t.results)


def param_slot(vt: ValType, info: ModuleInfo) -> str:
    """How a parameter of type vt travels: a key of SLOT_WIRE."""
    if isinstance(vt, str):
        return vt
    top = hierarchy(vt, info)
    return "null" if top in ("exn", "cont") else top


def result_slot(vt: ValType, info: ModuleInfo) -> str:
    """How a result of type vt travels: a key of RESULT_WIRE."""
    if isinstance(vt, str):
        return vt
    top = hierarchy(vt, info)
    return {"exn": "code", "cont": "code", "extern": "externcode"}.get(top, top)


def _lower_param(vt: ValType, info: ModuleInfo, local: int, code: bytearray) -> int:
    """Append code that pushes parameter vt from wire locals starting at local; return the next local."""
    if isinstance(vt, str):
        if vt == "v128":
            # v128.const 0, then fill lanes 0 (low) and 1 (high) from two i64 params.
            code += bytes((_SIMD, _SIMD_V128_CONST)) + bytes(16)
            code += bytes((_LOCAL_GET,)) + _uleb(local) + bytes((_SIMD, _SIMD_I64X2_REPLACE_LANE, 0))
            code += bytes((_LOCAL_GET,)) + _uleb(local + 1) + bytes((_SIMD, _SIMD_I64X2_REPLACE_LANE, 1))
            return local + 2
        code += bytes((_LOCAL_GET,)) + _uleb(local)
        if vt == "f32":
            code.append(_F32_REINTERPRET_I32)
        elif vt == "f64":
            code.append(_F64_REINTERPRET_I64)
        return local + 1

    top = hierarchy(vt, info)
    heap = vt.heap
    bottom = {"extern": "noextern", "func": "nofunc"}.get(top)
    if top in ("exn", "cont") or heap == bottom:
        # The wire value (i32 placeholder, or a null of the bottom type) is not needed:
        # the only value of such a type is null.
        code += bytes((_REF_NULL,)) + _heap(heap)
        if not vt.nullable:
            code.append(_REF_AS_NON_NULL)  # uninhabited: traps, as it must
        return local + 1

    code += bytes((_LOCAL_GET,)) + _uleb(local)
    if top == "any":
        code += bytes((_GC, _GC_ANY_CONVERT_EXTERN))
        if vt != RefType(True, "any"):
            code += bytes((_GC, _GC_REF_CAST_NULL if vt.nullable else _GC_REF_CAST)) + _heap(heap)
    elif heap == top:  # abstract extern / func: only nullability may differ
        if not vt.nullable:
            code.append(_REF_AS_NON_NULL)
    else:  # concrete function type (the extern hierarchy has no other types)
        code += bytes((_GC, _GC_REF_CAST_NULL if vt.nullable else _GC_REF_CAST)) + _heap(heap)
    return local + 1


def _lift_result(vt: ValType, info: ModuleInfo, local: int, code: bytearray) -> None:
    """Append code that pushes the wire values of result vt held in local."""
    get = bytes((_LOCAL_GET,)) + _uleb(local)
    if isinstance(vt, str):
        if vt == "v128":
            code += get + bytes((_SIMD, _SIMD_I64X2_EXTRACT_LANE, 0))
            code += get + bytes((_SIMD, _SIMD_I64X2_EXTRACT_LANE, 1))
            return
        code += get
        if vt == "f32":
            code.append(_I32_REINTERPRET_F32)
        elif vt == "f64":
            code.append(_I64_REINTERPRET_F64)
        return

    top = hierarchy(vt, info)
    if top == "func":
        code += get
    elif top == "extern":
        # Code 0 null / 8 non-null, then the reference itself for host identity.
        code += bytes((_I32_CONST, 0, _I32_CONST, _NONNULL_CODE[top])) + get + bytes((_REF_IS_NULL, _SELECT))
        code += get
    elif top == "any":
        # Code: 0 null, 1 i31, 2 struct, 3 array, 4 anything else (a host value).
        code += get + bytes((_REF_IS_NULL, _IF, 0x7F, _I32_CONST, 0, _ELSE))
        for heap, kind_code in (("i31", 1), ("struct", 2), ("array", 3)):
            code += get + bytes((_GC, _GC_REF_TEST, HEAP_BYTE[heap], _IF, 0x7F, _I32_CONST, kind_code, _ELSE))
        code += bytes((_I32_CONST, 4)) + bytes((_END,)) * 4
        code += get + bytes((_GC, _GC_EXTERN_CONVERT_ANY))
    else:
        # exn / cont: select(0, code, is_null) -> 0 when null, else the kind's code.
        code += bytes((_I32_CONST, 0, _I32_CONST, _NONNULL_CODE[top])) + get + bytes((_REF_IS_NULL, _SELECT))


def _local_byte(vt: ValType, info: ModuleInfo) -> int:
    if isinstance(vt, str):
        return _NUM_BYTE[vt]
    return _TOP_BYTE[hierarchy(vt, info)]


def _body(
    params: tuple[ValType, ...], results: tuple[ValType, ...], access: bytes, info: ModuleInfo
) -> bytes:
    """A wrapper function body: lower params, run access (call/global.get), lift results."""
    code = bytearray()
    local = 0
    for vt in params:
        local = _lower_param(vt, info, local, code)
    code += access
    # Results are stored into fresh locals (popping in reverse) so each can be read
    # as often as lifting needs; the locals follow the wire params.
    first = local
    for k in range(len(results) - 1, -1, -1):
        code += bytes((_LOCAL_SET,)) + _uleb(first + k)
    for k, vt in enumerate(results):
        _lift_result(vt, info, first + k, code)
    code.append(_END)
    decls = [_uleb(1) + bytes((_local_byte(vt, info),)) for vt in results]
    body = _vec(decls) + bytes(code)
    return _uleb(len(body)) + body


def _wire_type(params: tuple[ValType, ...], results: tuple[ValType, ...], info: ModuleInfo) -> bytes:
    wp = [w for vt in params for w in SLOT_WIRE[param_slot(vt, info)]]
    wr = [w for vt in results for w in RESULT_WIRE[result_slot(vt, info)]]
    return (
        bytes((0x60,))
        + _uleb(len(wp))
        + bytes(_WIRE_BYTE[w] for w in wp)
        + _uleb(len(wr))
        + bytes(_WIRE_BYTE[w] for w in wr)
    )


def build_wrapper(info: ModuleInfo, fields: list[str]) -> bytes:
    """One module wrapping the target's exports `fields` (functions and globals).

    Raises ValueError for an unknown field or an export that is neither a function
    nor a global.
    """
    fields = list(dict.fromkeys(fields))  # import/export names must not repeat
    exports: list[Export] = []
    for f in fields:
        ex = info.exports.get(f)
        if ex is None:
            raise ValueError(f"target has no export {f!r}")
        if ex.kind not in ("func", "global") or ex.type is None:
            raise ValueError(f"cannot wrap {ex.kind} export {f!r}")
        exports.append(ex)

    base = len(info.type_kinds)  # flattened index of the first appended type
    new_types: dict[bytes, int] = {}
    imports: list[bytes] = []
    funcs: list[bytes] = []
    bodies: list[bytes] = []
    n_funcs = n_globals = 0
    for ex in exports:
        if isinstance(ex.type, FuncType):
            assert ex.typeidx is not None
            imports.append(_name("target") + _name(ex.name) + bytes((0x00,)) + _uleb(ex.typeidx))
            params, results = ex.type.params, ex.type.results
            access = bytes((_CALL,)) + _uleb(n_funcs)
            n_funcs += 1
        else:
            assert isinstance(ex.type, GlobalType)
            gt = ex.type
            gtype = _valtype(gt.valtype) + bytes((int(gt.mutable),))
            imports.append(_name("target") + _name(ex.name) + bytes((0x03,)) + gtype)
            params, results = (), (gt.valtype,)
            access = bytes((_GLOBAL_GET,)) + _uleb(n_globals)
            n_globals += 1
        wt = _wire_type(params, results, info)
        funcs.append(_uleb(new_types.setdefault(wt, base + len(new_types))))
        bodies.append(_body(params, results, access, info))

    # The type vector counts rec groups, not flattened types: add ours to that count.
    appended = b"".join(new_types)
    if info.type_section:
        count, start = read_uleb(info.type_section, 0)
        types = _uleb(count + len(new_types)) + info.type_section[start:] + appended
    else:
        types = _uleb(len(new_types)) + appended

    wrapper_exports = [_name(ex.name) + bytes((0x00,)) + _uleb(n_funcs + i) for i, ex in enumerate(exports)]
    return b"".join(
        (
            b"\0asm\x01\0\0\0",
            _section(1, types),
            _section(2, _vec(imports)),
            _section(3, _vec(funcs)),
            _section(7, _vec(wrapper_exports)),
            _section(10, _vec(bodies)),
        )
    )
