"""Comments in a .wast that the harness reads.

* `;; features: gc exnref` in the leading comment block: proposals the file
  needs beyond WebAssembly 2.0 (and the 2.0 ones it uses that some engine
  lacks, e.g. multiValue). An engine lacking one skips the file, saying why.
* `;; unvalidated: reason` in the leading comment block: the file's binary
  modules use encodings that wasm-tools (the harness's validator) does not
  know yet, so a module an engine rejects is that engine's answer, never
  taken for broken input (feature probes of proposals ahead of wasm-tools).
* a command whose first line ends in `;; xfail: reason` (or
  `;; xfail(node): reason` for engines whose name starts with `node`) is a
  deliberate failure: it must fail, and passing is itself an error.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

_FEATURES = re.compile(r"^\s*;;\s*features:\s*(?P<names>.*)$")
_UNVALIDATED = re.compile(r"^\s*;;\s*unvalidated:\s*(?P<reason>.*)$")
_XFAIL = re.compile(r";;\s*xfail(?:\((?P<engine>[\w.@+-]+)\))?:\s*(?P<reason>.*?)\s*$")


@dataclass
class Annotations:
    features: list[str] = field(default_factory=list)
    unvalidated: str | None = None  # why wasm-tools cannot judge the file's modules
    # line -> [(engine prefix or None for all engines, reason)]
    xfails: dict[int, list[tuple[str | None, str]]] = field(default_factory=dict)

    def by_command(self, command_lines: list[int]) -> dict[int, list[tuple[str | None, str]]]:
        """Attach each xfail to the first command at or after its line.

        The converter reports some commands at an inner line (assert_invalid at
        its module), so the comment on the command's first line may precede it.
        """
        ordered = sorted(set(command_lines))
        attached: dict[int, list[tuple[str | None, str]]] = {}
        for line, entries in self.xfails.items():
            at = command_at_or_after(ordered, line)
            if at is not None:
                attached.setdefault(at, []).extend(entries)
        return attached


def command_at_or_after(ordered: list[int], line: int) -> int | None:
    """The first of the sorted command lines at or after `line`, None past the last one.

    Tools name different lines of a multi-line command: the converter reports
    some commands at an inner line (assert_invalid at its module).
    """
    index = bisect.bisect_left(ordered, line)
    return ordered[index] if index < len(ordered) else None


def xfail_reason(entries: list[tuple[str | None, str]], engine: str) -> str | None:
    for prefix, reason in entries:
        if prefix is None or engine.startswith(prefix):
            return reason
    return None


def read_annotations(text: str) -> Annotations:
    notes = Annotations()
    in_header = True
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if in_header:
            if stripped.startswith(";;") or not stripped:
                match = _FEATURES.match(line)
                if match:
                    notes.features.extend(match["names"].split())
                unvalidated = _UNVALIDATED.match(line)
                if unvalidated:
                    notes.unvalidated = unvalidated["reason"].strip() or "unvalidated"
            else:
                in_header = False
        match = _XFAIL.search(line)
        if match and not stripped.startswith(";;"):
            notes.xfails.setdefault(number, []).append((match["engine"], match["reason"]))
    return notes
