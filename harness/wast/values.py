"""Spec-script values, bit for bit.

Arguments are lowered to the worker's integer wire format; results come back
as integers and references and are lifted to `Actual` values, which are
compared with the script's expectations here, the same way for every engine.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

MASKS = {"i8": 0xFF, "i16": 0xFFFF, "i32": 0xFFFF_FFFF, "f32": 0xFFFF_FFFF,
         "i64": (1 << 64) - 1, "f64": (1 << 64) - 1}
LANE_BITS = {"i8": 8, "i16": 16, "i32": 32, "f32": 32, "i64": 64, "f64": 64}
_CANONICAL = {"f32": 0x7FC0_0000, "f64": 0x7FF8_0000_0000_0000}
_ABS = {"f32": 0x7FFF_FFFF, "f64": (1 << 63) - 1}

# Codes a wrapper uses for references (see ARCHITECTURE.md).
REF_CODES = {0: "null", 1: "i31", 2: "struct", 3: "array", 4: "host", 5: "func", 6: "exn", 7: "cont",
             8: "extern"}

# Script reference types and which reference kinds satisfy a non-null expectation.
_NONNULL_KINDS = {
    "externref": {"extern"},
    "funcref": {"func"},
    "anyref": {"i31", "struct", "array", "host"},
    "eqref": {"i31", "struct", "array"},
    "i31ref": {"i31"},
    "structref": {"struct"},
    "arrayref": {"array"},
    "exnref": {"exn"},
    "contref": {"cont"},
}
_NULL_TYPES = {"refnull", "nullref", "nullexternref", "nullfuncref", "nullexnref", "nullcontref"}


class ScriptValueError(ValueError):
    """A script value the harness cannot encode."""


@dataclass(frozen=True)
class Actual:
    """A value an engine returned: numbers as bit patterns, references by kind."""

    type: str  # i32 i64 f32 f64 v128 ref
    bits: int = 0
    ref: str = ""  # for refs: null i31 struct array host func extern exn cont
    host: int | None = None

    def __str__(self) -> str:
        if self.type == "ref":
            return f"ref.{self.ref}" + (f" {self.host}" if self.host is not None else "")
        if self.type == "v128":
            return "v128:0x" + format(self.bits, "032x")
        return f"{self.type}:{describe_bits(self.type, self.bits)}"


def describe_bits(ty: str, bits: int) -> str:
    if ty in ("f32", "f64"):
        width = 8 if ty == "f32" else 16
        return f"0x{bits:0{width}x} ({_float_text(ty, bits)})"
    return f"{bits} (0x{bits:x})"


def _float_text(ty: str, bits: int) -> str:
    exp_mask, frac_bits = (0x7F80_0000, 23) if ty == "f32" else (0x7FF0_0000_0000_0000, 52)
    sign = "-" if bits >> (31 if ty == "f32" else 63) else ""
    if bits & exp_mask == exp_mask and bits & ((1 << frac_bits) - 1):
        return f"{sign}nan:0x{bits & ((1 << frac_bits) - 1):x}"
    fmt, size = ("<f", "<I") if ty == "f32" else ("<d", "<Q")
    value = struct.unpack(fmt, struct.pack(size, bits))[0]
    return repr(value) if not math.isinf(value) else f"{sign}inf"


def int_bits(text: str, bits: int) -> int:
    return int(text, 0) & ((1 << bits) - 1)


def v128_bits(lane_type: str, lanes: list[str]) -> int:
    width = LANE_BITS[lane_type]
    value = 0
    for n, lane in enumerate(lanes):
        value |= int_bits(lane, width) << (n * width)
    return value


# --- arguments -------------------------------------------------------------

def lower_arg(arg: dict, slot: str) -> list[list]:
    """Encode one script argument for a parameter lowered as `slot`."""
    ty = arg["type"]
    value = arg.get("value")
    if slot in ("i32", "f32"):
        return [["i32", str(int_bits(value, 32))]]
    if slot in ("i64", "f64"):
        return [["i64", str(int_bits(value, 64))]]
    if slot == "v128":
        if ty != "v128":
            raise ScriptValueError(f"v128 parameter given {ty}")
        bits = v128_bits(arg["lane_type"], value)
        return [["i64", str(bits & MASKS["i64"])], ["i64", str(bits >> 64)]]
    if slot in ("extern", "any"):
        return [["externref", None if value in (None, "null") else int(value)]]
    if slot == "func":
        if value not in (None, "null"):
            raise ScriptValueError("a function reference argument cannot be written in a script")
        return [["funcref", None]]
    if slot == "null":
        return [["i32", "0"]]
    raise ScriptValueError(f"unknown parameter slot {slot}")


def slot_for_script_type(ty: str) -> str | None:
    """The slot a script argument would use when the callee's type is unknown."""
    return {"i32": "i32", "i64": "i64", "externref": "extern", "funcref": "func"}.get(ty)


# --- results ----------------------------------------------------------------

def lift_results(slots: list[str], wire: list[list]) -> list[Actual]:
    """Decode the worker's wire values for results lowered as `slots`."""
    out: list[Actual] = []
    values = iter(wire)

    def number() -> int:
        return int(next(values)[1])

    for slot in slots:
        if slot in ("i32", "i64", "f32", "f64"):
            out.append(Actual(slot, number()))
        elif slot == "v128":
            low = number()
            out.append(Actual("v128", low | (number() << 64)))
        elif slot == "extern":
            host = next(values)[1]
            out.append(_extern(host))
        elif slot == "externcode":
            code = number()
            host = next(values)[1]
            out.append(Actual("ref", ref="null") if code == 0 else
                       Actual("ref", ref="extern", host=host if isinstance(host, int) else None))
        elif slot == "func":
            out.append(Actual("ref", ref="null" if next(values)[1] is None else "func"))
        elif slot == "any":
            code = number()
            host = next(values)[1]
            kind = REF_CODES.get(code, f"code{code}")
            out.append(Actual("ref", ref=kind, host=host if kind == "host" and isinstance(host, int)
                              else None))
        elif slot == "code":
            out.append(Actual("ref", ref=REF_CODES.get(number(), "unknown")))
        else:
            raise ScriptValueError(f"unknown result slot {slot}")
    return out


def _extern(host: object) -> Actual:
    if host is None:
        return Actual("ref", ref="null")
    return Actual("ref", ref="extern", host=host if isinstance(host, int) else None)


# --- matching ---------------------------------------------------------------

def matches(expected: dict, actual: Actual) -> bool:
    ty = expected["type"]
    if ty == "either":
        return any(matches(alt, actual) for alt in expected["values"])
    if ty in ("i32", "i64"):
        return actual.type == ty and actual.bits == int_bits(expected["value"], LANE_BITS[ty])
    if ty in ("f32", "f64"):
        return actual.type == ty and _float_matches(ty, expected["value"], actual.bits)
    if ty == "v128":
        return actual.type == "v128" and _v128_matches(expected, actual.bits)
    return actual.type == "ref" and _ref_matches(ty, expected.get("value"), actual)


def _float_matches(ty: str, expected: str, bits: int) -> bool:
    if expected == "nan:canonical":
        return bits & _ABS[ty] == _CANONICAL[ty]
    if expected == "nan:arithmetic":
        return bits & _CANONICAL[ty] == _CANONICAL[ty]
    return bits == int_bits(expected, LANE_BITS[ty])


def _v128_matches(expected: dict, bits: int) -> bool:
    lane_type = expected["lane_type"]
    width = LANE_BITS[lane_type]
    for n, lane in enumerate(expected["value"]):
        got = (bits >> (n * width)) & ((1 << width) - 1)
        if lane_type in ("f32", "f64"):
            if not _float_matches(lane_type, lane, got):
                return False
        elif got != int_bits(lane, width):
            return False
    return True


def _ref_matches(ty: str, value: str | None, actual: Actual) -> bool:
    if ty in _NULL_TYPES or value == "null":
        return actual.ref == "null"
    if value is not None:
        # (ref.extern N) / (ref.host N): a host value, compared by identity.
        if ty == "externref":
            return actual.ref == "extern" and actual.host == int(value)
        return actual.ref == "host" and actual.host == int(value)
    return actual.ref in _NONNULL_KINDS.get(ty, set())


def describe_actual(actual: Actual, expected: dict) -> str:
    """An actual value in the expectation's terms: a v128 in the expected lane shape."""
    if actual.type == "v128" and expected.get("type") == "v128":
        lane_type = expected["lane_type"]
        width = LANE_BITS[lane_type]
        lanes = [(actual.bits >> (n * width)) & ((1 << width) - 1) for n in range(128 // width)]
        if lane_type in ("f32", "f64"):
            shown = [_float_text(lane_type, lane) for lane in lanes]
        else:
            shown = [str(lane - (1 << width) if lane >> (width - 1) else lane) for lane in lanes]
        return f"v128 {lane_type}x{len(lanes)} " + " ".join(shown)
    return str(actual)


def describe_expected(expected: dict) -> str:
    ty = expected["type"]
    if ty == "either":
        return "either(" + " | ".join(describe_expected(v) for v in expected["values"]) + ")"
    if ty == "v128":
        lane_type = expected["lane_type"]
        lanes = [lane if lane.startswith("nan") or lane_type not in ("f32", "f64")
                 else _float_text(lane_type, int_bits(lane, LANE_BITS[lane_type]))
                 for lane in expected["value"]]
        return f"v128 {lane_type}x{len(lanes)} " + " ".join(lanes)
    if ty in ("i32", "i64", "f32", "f64"):
        value = expected["value"]
        if value.startswith("nan:"):
            return f"{ty}:{value}"
        return f"{ty}:{describe_bits(ty, int_bits(value, LANE_BITS[ty]))}"
    value = expected.get("value")
    if ty in _NULL_TYPES or value == "null":
        return f"ref.null {ty}"
    return f"{ty} {value}" if value is not None else f"non-null {ty}"
