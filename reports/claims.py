"""Published support claims (webassembly.org's feature table) against what we measured.

A claim is read for the version we ran: a version string means "supported
since", `flag` means behind a flag, true/false are plain, null means the
table makes no claim, and a [claim, note] pair is the claim with its note.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # reports.matrix imports this module
    from reports.matrix import Matrix


DATA = Path(__file__).resolve().parent / "data" / "webassembly-org-features.json"

# Engine configuration name prefix -> the table's engine name.
TABLE_NAMES = [("chromium", "Chrome"), ("firefox", "Firefox"), ("node", "Node.js"), ("deno", "Deno"),
               ("wasmtime", "Wasmtime"), ("wasmer", "Wasmer")]


@dataclass(frozen=True)
class Claim:
    answer: str   # supported, unsupported, flag, or none (no claim)
    raw: str      # the table's value, as published
    note: str = ""


@dataclass(frozen=True)
class Disagreement:
    engine: str
    version: str
    feature: str
    claim: Claim
    measured: str
    detail: str


@cache
def table() -> dict:
    return json.loads(DATA.read_text())


def table_name(engine: str) -> str | None:
    for prefix, name in TABLE_NAMES:
        if engine.startswith(prefix):
            return name
    return None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text)[:3])


def claim(engine: str, version: str, feature: str) -> Claim:
    name = table_name(engine)
    if name is None or feature not in table()["engines"].get(name, {}):
        return Claim("none", "")
    value = table()["engines"][name][feature]
    note = ""
    if isinstance(value, list):
        value, note = value[0], str(value[1]) if len(value) > 1 else ""
    raw = json.dumps(value)
    if value is None:
        return Claim("none", raw, note)
    if value is True or value is False:
        return Claim("supported" if value else "unsupported", raw, note)
    if value == "flag":
        return Claim("flag", raw, note)
    if isinstance(value, str) and _version(value):
        supported = _version(version) >= _version(value)
        return Claim("supported" if supported else "unsupported", raw, note)
    return Claim("none", raw, note)


def disagreements(matrix: Matrix) -> list[Disagreement]:
    """Every cell where the published claim for the version we ran differs from our answer."""
    found = []
    for engine in matrix.engines:
        version = matrix.versions.get(engine, "")
        for feature in matrix.features:
            said = claim(engine, version, feature)
            got = matrix.get(engine, feature)
            if said.answer == "none" or got.answer in ("n/a", "error"):
                continue
            if said.answer != got.answer:
                found.append(Disagreement(engine, version, feature, said, got.answer, got.detail))
    return found


def source() -> str:
    data = table()
    return f"{data['source']}, commit {data['commit']}, {data['date']}"
