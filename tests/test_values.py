"""Bit-exact matching of spec values, independent of any engine."""

from __future__ import annotations

import pytest

from harness.wast.values import Actual, lift_results, lower_arg, matches, v128_bits


def f32(bits: int) -> Actual:
    return Actual("f32", bits)


def f64(bits: int) -> Actual:
    return Actual("f64", bits)


@pytest.mark.parametrize(("expected", "bits", "ok"), [
    ("nan:canonical", 0x7FC0_0000, True),
    ("nan:canonical", 0xFFC0_0000, True),        # sign is free
    ("nan:canonical", 0x7FC0_0001, False),       # payload must be canonical
    ("nan:canonical", 0x7FA0_0000, False),       # signalling
    ("nan:arithmetic", 0x7FC0_0001, True),
    ("nan:arithmetic", 0xFFE0_0000, True),
    ("nan:arithmetic", 0x7FA0_0000, False),      # quiet bit clear
    ("nan:arithmetic", 0x7F80_0000, False),      # infinity
    (str(0x7FA0_0001), 0x7FA0_0001, True),       # exact payload
    (str(0x7FA0_0001), 0x7FE0_0001, False),      # quietened payload is a different value
    ("0", 0x8000_0000, False),                   # +0 is not -0
    (str(0x8000_0000), 0x8000_0000, True),
])
def test_f32_bits(expected: str, bits: int, ok: bool) -> None:
    assert matches({"type": "f32", "value": expected}, f32(bits)) is ok


def test_f64_canonical_and_signed_zero() -> None:
    assert matches({"type": "f64", "value": "nan:canonical"}, f64(0x7FF8_0000_0000_0000))
    assert not matches({"type": "f64", "value": "nan:canonical"}, f64(0x7FF8_0000_0000_0001))
    assert not matches({"type": "f64", "value": "0"}, f64(1 << 63))


def test_integers_wrap_to_width() -> None:
    assert matches({"type": "i32", "value": "-1"}, Actual("i32", 0xFFFF_FFFF))
    assert matches({"type": "i64", "value": "18446744073709551615"}, Actual("i64", (1 << 64) - 1))
    assert not matches({"type": "i32", "value": "1"}, Actual("i64", 1))


def test_v128_lanes_checked_one_by_one() -> None:
    lanes = [str(n) for n in range(16)]
    bits = v128_bits("i8", lanes)
    assert matches({"type": "v128", "lane_type": "i8", "value": lanes}, Actual("v128", bits))
    wrong = lanes[:15] + ["-1"]
    assert not matches({"type": "v128", "lane_type": "i8", "value": wrong}, Actual("v128", bits))
    # f32x4 with a canonical NaN lane and a -0 lane
    value = 0x7FC0_0000 | (0x8000_0000 << 32) | (0x3F80_0000 << 64) | (0xFFC0_0000 << 96)
    expected = {"type": "v128", "lane_type": "f32",
                "value": ["nan:canonical", str(0x8000_0000), str(0x3F80_0000), "nan:arithmetic"]}
    assert matches(expected, Actual("v128", value))
    assert not matches(dict(expected, value=["nan:canonical", "0", str(0x3F80_0000), "nan:arithmetic"]),
                       Actual("v128", value))


def test_references() -> None:
    assert matches({"type": "externref", "value": "1"}, Actual("ref", ref="extern", host=1))
    assert not matches({"type": "externref", "value": "1"}, Actual("ref", ref="extern", host=2))
    assert matches({"type": "externref"}, Actual("ref", ref="extern", host=None))
    assert not matches({"type": "externref"}, Actual("ref", ref="null"))
    assert matches({"type": "refnull"}, Actual("ref", ref="null"))
    assert matches({"type": "funcref", "value": "null"}, Actual("ref", ref="null"))
    assert matches({"type": "funcref"}, Actual("ref", ref="func"))
    assert matches({"type": "eqref"}, Actual("ref", ref="i31"))
    assert not matches({"type": "structref"}, Actual("ref", ref="array"))
    assert matches({"type": "anyref", "value": "3"}, Actual("ref", ref="host", host=3))
    assert not matches({"type": "i32", "value": "0"}, Actual("ref", ref="null"))


def test_either_takes_any_alternative() -> None:
    expected = {"type": "either", "values": [{"type": "i32", "value": "1"}, {"type": "i32", "value": "2"}]}
    assert matches(expected, Actual("i32", 2))
    assert not matches(expected, Actual("i32", 3))


def test_lowering_and_lifting_round_trip() -> None:
    arg = {"type": "v128", "lane_type": "i64", "value": ["1", "-1"]}
    wire = lower_arg(arg, "v128")
    assert wire == [["i64", "1"], ["i64", str((1 << 64) - 1)]]
    assert lower_arg({"type": "f32", "value": str(0x7FA0_0001)}, "f32") == [["i32", str(0x7FA0_0001)]]
    assert lower_arg({"type": "externref", "value": "null"}, "extern") == [["externref", None]]
    got = lift_results(["v128", "any", "code"], [*wire, ["i32", "4"], ["externref", 9], ["i32", "6"]])
    assert got[0] == Actual("v128", 1 | (((1 << 64) - 1) << 64))
    assert got[1] == Actual("ref", ref="host", host=9)
    assert got[2] == Actual("ref", ref="exn")
