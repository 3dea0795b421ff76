"""A small reader of core wasm binaries: just enough to know each export's type.

The planner uses it to decide whether an export can be called directly or needs a
wrapper module (see ARCHITECTURE.md, "Exact values: wrapper modules"). It decodes the
type, import, function, global and export sections and skips everything else by size.
Anything it does not understand raises WasmParseError so callers can fall back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The reader indexes a memoryview of the module so slicing never copies.
Buf = bytes | memoryview

# Abstract heap types by name, or a concrete (flattened) type index.
HeapType = str | int


@dataclass(frozen=True)
class RefType:
    nullable: bool
    heap: HeapType


# 'i32', 'i64', 'f32', 'f64', 'v128' or a RefType.
ValType = str | RefType


@dataclass(frozen=True)
class FuncType:
    params: tuple[ValType, ...]
    results: tuple[ValType, ...]


@dataclass(frozen=True)
class GlobalType:
    valtype: ValType
    mutable: bool


@dataclass(frozen=True)
class Export:
    name: str
    kind: str  # 'func', 'table', 'memory', 'global', 'tag'
    type: FuncType | GlobalType | None
    typeidx: int | None  # funcs only: the index into the flattened type space


@dataclass
class ModuleInfo:
    # Raw payload of the type section (vector count included); wrappers copy it verbatim.
    type_section: bytes | None = None
    # Per flattened type index: 'func', 'struct', 'array' or 'cont'.
    type_kinds: list[str] = field(default_factory=list)
    func_types: dict[int, FuncType] = field(default_factory=dict)
    exports: dict[str, Export] = field(default_factory=dict)
    imports: list[str] = field(default_factory=list)  # "module.name" of each import


class WasmParseError(ValueError):
    """The bytes are not a core module this reader understands."""


NUM_TYPES: dict[int, str] = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}

# Abstract heap type bytes (as they appear in ref.null, 0x63/0x64 and as shorthands).
ABSTRACT_HEAP: dict[int, str] = {
    0x70: "func",
    0x6F: "extern",
    0x6E: "any",
    0x6D: "eq",
    0x6C: "i31",
    0x6B: "struct",
    0x6A: "array",
    0x71: "none",
    0x72: "noextern",
    0x73: "nofunc",
    0x69: "exn",
    0x74: "noexn",
    0x68: "cont",
    0x75: "nocont",
}
HEAP_BYTE: dict[str, int] = {name: byte for byte, name in ABSTRACT_HEAP.items()}

# Shorthand byte -> nullable abstract RefType; interned so comparisons stay cheap.
_SHORTHAND: dict[int, RefType] = {byte: RefType(True, name) for byte, name in ABSTRACT_HEAP.items()}

_HIERARCHY: dict[str, str] = {
    "func": "func",
    "nofunc": "func",
    "extern": "extern",
    "noextern": "extern",
    "any": "any",
    "eq": "any",
    "i31": "any",
    "struct": "any",
    "array": "any",
    "none": "any",
    "exn": "exn",
    "noexn": "exn",
    "cont": "cont",
    "nocont": "cont",
}
_KIND_HIERARCHY: dict[str, str] = {"func": "func", "struct": "any", "array": "any", "cont": "cont"}

_EXPORT_KINDS = ("func", "table", "memory", "global", "tag")

# Const-expression opcodes without immediates: extended-const arithmetic.
_CONST_PLAIN = frozenset((0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E))
# Const-expression opcodes with one LEB immediate: i32/i64.const, global.get, ref.func.
_CONST_ONE_LEB = frozenset((0x41, 0x42, 0x23, 0xD2))
# GC (0xfb) const ops -> number of LEB immediates: struct.new(_default), array.new(_default),
# array.new_fixed, any.convert_extern, extern.convert_any, ref.i31.
_GC_CONST_IMMS: dict[int, int] = {0: 1, 1: 1, 6: 1, 7: 1, 8: 2, 0x1A: 0, 0x1B: 0, 0x1C: 0}


def _uleb(data: Buf, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise WasmParseError(f"LEB128 too long at offset {pos}")


read_uleb = _uleb  # for the wrapper generator, which edits a type section's count


def _u32(data: Buf, pos: int) -> tuple[int, int]:
    # Fast path: most counts and indices fit in one byte.
    b = data[pos]
    if b < 0x80:
        return b, pos + 1
    return _uleb(data, pos)


def _skip_leb(data: Buf, pos: int) -> int:
    while data[pos] & 0x80:
        pos += 1
    return pos + 1


def _heap_type(data: Buf, pos: int) -> tuple[HeapType, int]:
    # s33: a single byte 0x40..0x7f is negative (an abstract type), anything else an index.
    b = data[pos]
    if b < 0x40:
        return b, pos + 1
    if b < 0x80:
        name = ABSTRACT_HEAP.get(b)
        if name is None:
            raise WasmParseError(f"unknown heap type 0x{b:02x} at offset {pos}")
        return name, pos + 1
    result = 0
    shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            break
        if shift > 35:
            raise WasmParseError(f"heap type LEB too long at offset {pos}")
    if b & 0x40:
        raise WasmParseError(f"negative multi-byte heap type at offset {pos}")
    return result, pos


def _val_type(data: Buf, pos: int) -> tuple[ValType, int]:
    b = data[pos]
    num = NUM_TYPES.get(b)
    if num is not None:
        return num, pos + 1
    ref = _SHORTHAND.get(b)
    if ref is not None:
        return ref, pos + 1
    if b == 0x64 or b == 0x63:
        heap, pos = _heap_type(data, pos + 1)
        return RefType(b == 0x63, heap), pos
    raise WasmParseError(f"unknown value type 0x{b:02x} at offset {pos}")


def _val_types(data: Buf, pos: int) -> tuple[tuple[ValType, ...], int]:
    n, pos = _u32(data, pos)
    out: list[ValType] = []
    for _ in range(n):
        vt, pos = _val_type(data, pos)
        out.append(vt)
    return tuple(out), pos


def _skip_field_type(data: Buf, pos: int) -> int:
    b = data[pos]
    if b == 0x78 or b == 0x77:  # packed i8 / i16
        pos += 1
    else:
        _, pos = _val_type(data, pos)
    if data[pos] > 1:
        raise WasmParseError(f"bad field mutability at offset {pos}")
    return pos + 1


def _comp_type(data: Buf, pos: int, info: ModuleInfo) -> int:
    b = data[pos]
    pos += 1
    idx = len(info.type_kinds)
    if b == 0x60:
        params, pos = _val_types(data, pos)
        results, pos = _val_types(data, pos)
        info.func_types[idx] = FuncType(params, results)
        info.type_kinds.append("func")
    elif b == 0x5F:
        n, pos = _u32(data, pos)
        for _ in range(n):
            pos = _skip_field_type(data, pos)
        info.type_kinds.append("struct")
    elif b == 0x5E:
        pos = _skip_field_type(data, pos)
        info.type_kinds.append("array")
    elif b == 0x5D:
        pos = _skip_leb(data, pos)
        info.type_kinds.append("cont")
    else:
        raise WasmParseError(f"unknown composite type 0x{b:02x} at offset {pos - 1}")
    return pos


def _sub_type(data: Buf, pos: int, info: ModuleInfo) -> int:
    b = data[pos]
    if b == 0x50 or b == 0x4F:
        n, pos = _u32(data, pos + 1)
        for _ in range(n):
            pos = _skip_leb(data, pos)
    return _comp_type(data, pos, info)


def _type_section(data: Buf, pos: int, end: int, info: ModuleInfo) -> int:
    info.type_section = bytes(data[pos:end])
    info.type_kinds.clear()
    info.func_types.clear()
    n, pos = _u32(data, pos)
    for _ in range(n):
        if data[pos] == 0x4E:
            m, pos = _u32(data, pos + 1)
            for _ in range(m):
                pos = _sub_type(data, pos, info)
        else:
            pos = _sub_type(data, pos, info)
    return pos


def _name(data: Buf, pos: int) -> tuple[str, int]:
    n, pos = _u32(data, pos)
    end = pos + n
    if end > len(data):
        raise WasmParseError(f"name runs past the end at offset {pos}")
    return bytes(data[pos:end]).decode("utf-8"), end


def _skip_limits(data: Buf, pos: int) -> int:
    flags = data[pos]
    if flags > 0x0F:
        raise WasmParseError(f"unknown limits flags 0x{flags:02x} at offset {pos}")
    pos = _skip_leb(data, pos + 1)
    if flags & 0x01:
        pos = _skip_leb(data, pos)
    if flags & 0x08:  # custom page size (log2)
        pos = _skip_leb(data, pos)
    return pos


def _global_type(data: Buf, pos: int) -> tuple[GlobalType, int]:
    vt, pos = _val_type(data, pos)
    mut = data[pos]
    if mut > 1:
        raise WasmParseError(f"bad global mutability 0x{mut:02x} at offset {pos}")
    return GlobalType(vt, mut == 1), pos + 1


def _import_desc(data: Buf, pos: int, funcs: list[int], globals_: list[GlobalType]) -> int:
    """Decode one import's external type, extending the function/global index spaces."""
    kind = data[pos]
    pos += 1
    if kind == 0x00:
        idx, pos = _u32(data, pos)
        funcs.append(idx)
    elif kind == 0x01:
        rt, pos = _val_type(data, pos)
        if not isinstance(rt, RefType):
            raise WasmParseError(f"table import with non-reference type {rt}")
        pos = _skip_limits(data, pos)
    elif kind == 0x02:
        pos = _skip_limits(data, pos)
    elif kind == 0x03:
        gt, pos = _global_type(data, pos)
        globals_.append(gt)
    elif kind == 0x04:
        if data[pos] != 0x00:
            raise WasmParseError(f"unknown tag attribute at offset {pos}")
        pos = _skip_leb(data, pos + 1)
    else:
        raise WasmParseError(f"unknown import kind 0x{kind:02x} at offset {pos - 1}")
    return pos


def _skip_const_expr(data: Buf, pos: int) -> int:
    while True:
        op = data[pos]
        pos += 1
        if op == 0x0B:
            return pos
        if op in _CONST_ONE_LEB:
            pos = _skip_leb(data, pos)
        elif op in _CONST_PLAIN:
            pass
        elif op == 0x43:
            pos += 4
        elif op == 0x44:
            pos += 8
        elif op == 0xD0:  # ref.null ht
            _, pos = _heap_type(data, pos)
        elif op == 0xFD:
            sub, pos = _u32(data, pos)
            if sub != 12:  # only v128.const is constant
                raise WasmParseError(f"non-constant SIMD op {sub} in init expr at offset {pos}")
            pos += 16
        elif op == 0xFB:
            sub, pos = _u32(data, pos)
            imms = _GC_CONST_IMMS.get(sub)
            if imms is None:
                raise WasmParseError(f"non-constant GC op {sub} in init expr at offset {pos}")
            for _ in range(imms):
                pos = _skip_leb(data, pos)
        else:
            raise WasmParseError(f"unexpected opcode 0x{op:02x} in init expr at offset {pos - 1}")


def read_module(data: bytes | bytearray | memoryview) -> ModuleInfo:
    """Decode what the harness needs from a core module binary."""
    mv = memoryview(data)
    if len(mv) < 8 or bytes(mv[:4]) != b"\0asm":
        raise WasmParseError("not a wasm binary (bad magic)")
    if bytes(mv[4:8]) != b"\x01\0\0\0":
        # Components (layer 1) and other versions are not core modules.
        raise WasmParseError(f"unsupported wasm version/layer {bytes(mv[4:8]).hex()}")
    try:
        return _read_sections(mv)
    except IndexError:
        raise WasmParseError("unexpected end of module") from None
    except UnicodeDecodeError as e:
        raise WasmParseError(f"invalid UTF-8 in a name: {e}") from None


def _read_sections(data: memoryview) -> ModuleInfo:
    info = ModuleInfo()
    funcs: list[int] = []  # function index space -> type index, imports first
    globals_: list[GlobalType] = []
    raw_exports: list[tuple[str, int, int]] = []
    size = len(data)
    pos = 8
    while pos < size:
        sid = data[pos]
        length, pos = _u32(data, pos + 1)
        end = pos + length
        if end > size:
            raise WasmParseError(f"section {sid} runs past the end of the module")
        if sid == 1:
            pos = _type_section(data, pos, end, info)
        elif sid == 2:
            n, pos = _u32(data, pos)
            for _ in range(n):
                module, pos = _name(data, pos)
                if data[pos] == 0 and data[pos + 1] in (0x7F, 0x7E):
                    # Compact imports: an empty name, then a group sharing the module name.
                    form = data[pos + 1]
                    pos += 2
                    if form == 0x7F:  # vec(name externtype)
                        m, pos = _u32(data, pos)
                        for _ in range(m):
                            item, pos = _name(data, pos)
                            info.imports.append(f"{module}.{item}")
                            pos = _import_desc(data, pos, funcs, globals_)
                    else:  # externtype vec(name): every name has the same type
                        start = pos
                        pos = _import_desc(data, pos, [], [])
                        m, pos = _u32(data, pos)
                        for _ in range(m):
                            item, pos = _name(data, pos)
                            info.imports.append(f"{module}.{item}")
                            _import_desc(data, start, funcs, globals_)
                else:
                    item, pos = _name(data, pos)
                    info.imports.append(f"{module}.{item}")
                    pos = _import_desc(data, pos, funcs, globals_)
        elif sid == 3:
            n, pos = _u32(data, pos)
            for _ in range(n):
                idx, pos = _u32(data, pos)
                funcs.append(idx)
        elif sid == 6:
            n, pos = _u32(data, pos)
            for _ in range(n):
                gt, pos = _global_type(data, pos)
                globals_.append(gt)
                pos = _skip_const_expr(data, pos)
        elif sid == 7:
            n, pos = _u32(data, pos)
            for _ in range(n):
                name, pos = _name(data, pos)
                kind = data[pos]
                idx, pos = _u32(data, pos + 1)
                if kind > 4:
                    raise WasmParseError(f"unknown export kind 0x{kind:02x} for {name!r}")
                raw_exports.append((name, kind, idx))
        else:
            # Custom sections and everything the harness does not need.
            pos = end
        if pos != end:
            raise WasmParseError(f"section {sid} size mismatch (ended at {pos}, expected {end})")

    for name, kind, idx in raw_exports:
        etype: FuncType | GlobalType | None = None
        typeidx: int | None = None
        if kind == 0:
            if idx >= len(funcs):
                raise WasmParseError(f"export {name!r}: function index {idx} out of range")
            typeidx = funcs[idx]
            etype = info.func_types.get(typeidx)
            if etype is None:
                raise WasmParseError(f"export {name!r}: type {typeidx} is not a function type")
        elif kind == 3:
            if idx >= len(globals_):
                raise WasmParseError(f"export {name!r}: global index {idx} out of range")
            etype = globals_[idx]
        info.exports[name] = Export(name, _EXPORT_KINDS[kind], etype, typeidx)
        _check_indices(name, etype, len(info.type_kinds))
    return info


def _check_indices(name: str, t: FuncType | GlobalType | None, ntypes: int) -> None:
    # Invalid modules may name missing types; reject them here so hierarchy() and the
    # wrapper builder can rely on every export type being resolvable.
    if t is None:
        return
    vts = (t.valtype,) if isinstance(t, GlobalType) else t.params + t.results
    for vt in vts:
        if isinstance(vt, RefType) and isinstance(vt.heap, int) and vt.heap >= ntypes:
            raise WasmParseError(f"export {name!r}: type index {vt.heap} out of range")


def hierarchy(rt: RefType, info: ModuleInfo) -> str:
    """The top of rt's type hierarchy: 'func', 'extern', 'any', 'exn' or 'cont'."""
    heap = rt.heap
    if isinstance(heap, int):
        if heap >= len(info.type_kinds):
            raise WasmParseError(f"type index {heap} out of range")
        return _KIND_HIERARCHY[info.type_kinds[heap]]
    top = _HIERARCHY.get(heap)
    if top is None:
        raise WasmParseError(f"unknown heap type {heap!r}")
    return top
