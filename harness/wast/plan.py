"""Lower a converted script into worker commands.

The plan is engine-independent: the same lowered batch goes to every worker.
Whatever a worker cannot carry exactly (floats, v128, GC references) is routed
through a wrapper module generated here, so workers only see integers and
host references.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.wast import binary, values, wrappers
from harness.wast.binary import Export, FuncType, GlobalType, ModuleInfo, WasmParseError, read_module
from harness.wast.convert import Script
from harness.wast.wrappers import RESULT_WIRE, build_wrapper, needs_wrapper, param_slot, result_slot
from harness.worker import EncodedCommands

# Wrappers and plans are cached beside the converted script, named by a hash of the code
# that makes them, so that a change to that code never reuses an old one.
WRAPPER_FORMAT = hashlib.sha256(Path(wrappers.__file__).read_bytes()).hexdigest()[:10]
PLAN_FORMAT = hashlib.sha256(b"".join(Path(m.__file__).read_bytes() for m in (binary, values, wrappers))
                             + Path(__file__).read_bytes()).hexdigest()[:10]

ACTION_ASSERTS = {"assert_return", "assert_trap", "assert_exhaustion", "assert_exception", "action"}
COMPILE_ASSERTS = {"assert_invalid", "assert_malformed"}
INSTANTIATE_ASSERTS = {"assert_unlinkable", "assert_uninstantiable"}


@dataclass(slots=True)
class Step:
    """One script command: what to send a worker, or an outcome known without one."""

    index: int
    line: int
    kind: str
    command: Mapping[str, Any]
    action_field: str | None = None  # the export an action names
    wire: dict | None = None
    result_slots: list[str] = field(default_factory=list)
    # Set when the harness decides the outcome itself (text that does not parse,
    # an unsupported command); a (verdict, message) pair or an error reply.
    local: dict | None = None
    # For an assert_return whose expectations are all exact bit patterns: the reply
    # values that pass, so most replies are judged by one comparison (judge.py).
    exact: list[list] | None = None

    @property
    def case(self) -> str:
        """The row's `case`: the kind, and the export an action names."""
        return self.kind if self.action_field is None else f"{self.kind} {self.action_field}"


class _ScriptCommand(Mapping[str, Any]):
    """A cached step's command, read from the converted script only if asked for: a command
    judged by its `exact` values needs it only to explain a failure."""

    __slots__ = ("index", "script")

    def __init__(self, script: Script, index: int) -> None:
        self.script = script
        self.index = index

    def __getitem__(self, key: str) -> Any:
        return self.script.commands[self.index][key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.script.commands[self.index])

    def __len__(self) -> int:
        return len(self.script.commands[self.index])


@dataclass
class Plan:
    script: Script
    steps: list[Step]
    # command line -> deliberate-failure annotations that apply to it
    xfails: dict[int, list[tuple[str | None, str]]] = field(default_factory=dict)
    # The wire commands as one JSON array. A cached plan has only this, not Step.wire:
    # it goes to every worker as read, never decoded in the harness.
    encoded: bytes | None = None

    def wire_commands(self) -> EncodedCommands:
        if self.encoded is None:
            self.encoded = json.dumps([s.wire for s in self.steps if s.wire is not None]).encode()
        # Every step is either sent (wire) or decided here (local).
        return EncodedCommands([s.index for s in self.steps if s.local is None], self.encoded)


class _Modules:
    """Module binaries by name, read lazily: most scripts never need a type."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.infos: dict[str, ModuleInfo | None] = {}
        self.wrappers: dict[str, Path] = {}
        self.lowerings: dict[tuple[str, str], _Lowering] = {}

    def info(self, filename: str) -> ModuleInfo | None:
        if filename not in self.infos:
            try:
                self.infos[filename] = read_module(self.script.wasm(filename).read_bytes())
            except (OSError, WasmParseError):
                self.infos[filename] = None
        return self.infos[filename]

    def lowering(self, filename: str, export: Export, info: ModuleInfo) -> _Lowering:
        # Scripts call the same few exports thousands of times: lower each once.
        key = (filename, export.name)
        if key not in self.lowerings:
            self.lowerings[key] = _lower_export(export, info, lambda: self.wrapper(filename, info))
        return self.lowerings[key]

    def wrapper(self, filename: str, info: ModuleInfo) -> Path:
        if filename not in self.wrappers:
            path = self.script.wasm(f"{filename}.wrap{WRAPPER_FORMAT}.wasm")
            if not path.exists():
                fields = [e.name for e in info.exports.values()
                          if isinstance(e.type, FuncType | GlobalType) and needs_wrapper(e.type)]
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(build_wrapper(info, fields))
                tmp.replace(path)
            self.wrappers[filename] = path
        return self.wrappers[filename]


def cached_plan(script: Script) -> Plan:
    """plan_script, kept beside the converted script: planning costs more than loading.

    Two files: the steps as the harness judges them, and the wire commands as the
    JSON text workers receive. A step judged by its `exact` values (most of them)
    is saved without its command, which is read from the converted script only to
    explain a failure; the others keep theirs, without the action's arguments
    (only the wire needs them). A warm run reads no module binary, normally no
    commands.json, and never decodes the wire.
    """
    path = script.dir / f"plan-{PLAN_FORMAT}.json"
    wire = script.dir / f"wire-{PLAN_FORMAT}.json"
    try:
        saved = json.loads(path.read_bytes())
        encoded = wire.read_bytes()
        steps = [Step(i, line, kind, _ScriptCommand(script, i) if command is None else command, name,
                      None, slots, local, exact)
                 for i, line, kind, name, slots, local, exact, command in saved]
        return Plan(script=script, steps=steps, xfails=script.annotations.by_command([s.line for s in steps]),
                    encoded=encoded)
    except (OSError, ValueError):
        pass
    plan = plan_script(script)
    saved = [[s.index, s.line, s.kind, s.action_field, s.result_slots, s.local, s.exact,
              None if s.exact is not None else _judged(s.command)] for s in plan.steps]
    # The plan last: its presence says the wire beside it is complete.
    _write(wire, plan.wire_commands().json)
    _write(path, json.dumps(saved).encode())
    return plan


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _judged(command: Mapping[str, Any]) -> Mapping[str, Any]:
    """What judging and reporting read of a command: all but the action's arguments."""
    if "action" not in command:
        return command
    return dict(command, action={k: v for k, v in command["action"].items() if k != "args"})


def plan_script(script: Script) -> Plan:
    modules = _Modules(script)
    current: str | None = None          # filename of the current instance
    named: dict[str, str] = {}          # instance name -> filename
    definitions: dict[str, str] = {}    # definition name -> filename
    steps: list[Step] = []

    for index, cmd in enumerate(script.commands):
        kind = cmd["type"]
        step = Step(index=index, line=cmd.get("line", 0), kind=kind, command=cmd,
                    action_field=cmd["action"].get("field") if "action" in cmd else None)
        steps.append(step)
        if "text_error" in cmd:
            # A text module that does not parse: rejected before any engine sees it.
            step.local = {"ok": False, "error": {"kind": "compile", "message":
                          f"text does not parse: {cmd['text_error']}"}}
            if kind == "module":
                current = None
            continue
        if kind == "module":
            step.wire = {"i": index, "do": "module", "file": str(script.wasm(cmd["filename"])),
                         "name": cmd.get("name")}
            current = cmd["filename"]
            if cmd.get("name"):
                named[cmd["name"]] = cmd["filename"]
        elif kind == "module_definition":
            step.wire = {"i": index, "do": "define", "file": str(script.wasm(cmd["filename"])),
                         "name": cmd.get("name")}
            if cmd.get("name"):
                definitions[cmd["name"]] = cmd["filename"]
        elif kind == "module_instance":
            step.wire = {"i": index, "do": "instance", "module": cmd.get("module"),
                         "name": cmd.get("instance")}
            current = definitions.get(cmd.get("module") or "")
            if cmd.get("instance") and current:
                named[cmd["instance"]] = current
        elif kind == "register":
            step.wire = {"i": index, "do": "register", "instance": cmd.get("name"), "as": cmd["as"]}
        elif kind in ACTION_ASSERTS:
            target = named.get(cmd["action"].get("module") or "") if cmd["action"].get("module") \
                else current
            _plan_action(step, cmd["action"], target, modules)
        elif kind in COMPILE_ASSERTS:
            step.wire = {"i": index, "do": "compile", "file": str(script.wasm(cmd["filename"]))}
        elif kind in INSTANTIATE_ASSERTS or (kind == "assert_trap" and "filename" in cmd):
            step.wire = {"i": index, "do": "instantiate", "file": str(script.wasm(cmd["filename"]))}
        else:
            step.local = {"ok": False, "error": {"kind": "unsupported",
                                                  "message": f"command kind {kind} is not supported"}}
    return Plan(script=script, steps=steps,
                xfails=script.annotations.by_command([s.line for s in steps]))


def _plan_action(step: Step, action: dict, target: str | None, modules: _Modules) -> None:
    op = "call" if action["type"] == "invoke" else "get"
    wire: dict = {"i": step.index, "do": op, "instance": action.get("module"), "field": action["field"]}
    info = modules.info(target) if target else None
    export = info.exports.get(action["field"]) if info else None
    args = action.get("args", [])
    try:
        if export is not None and isinstance(export.type, FuncType | GlobalType):
            lowering = modules.lowering(target, export, info)  # type: ignore[arg-type]
            param_slots, result_slots = lowering.params, lowering.results
            if lowering.wrapper:
                wire["wrapper"] = {"file": lowering.wrapper}
        else:
            # Types unknown: a missing export (the engine will say so) or a module we cannot
            # read. Call directly only when every value can cross exactly without a wrapper.
            types = [a["type"] for a in args] + [e["type"] for e in step.command.get("expected", [])]
            direct = [values.slot_for_script_type(t) for t in types]
            if info is not None or None not in direct:
                param_slots = [s or "i32" for s in direct[: len(args)]]
                result_slots = [s or "i32" for s in direct[len(args):]]
            else:
                inexact = sorted({t for t, d in zip(types, direct, strict=True) if d is None})
                raise values.ScriptValueError(
                    f"cannot read the export types of the module, and {action['field']} needs "
                    f"exact values ({', '.join(inexact)})")
        if len(param_slots) != len(args):
            raise values.ScriptValueError(
                f"{action['field']} takes {len(param_slots)} arguments, the script gives {len(args)}")
        wire["args"] = [w for a, s in zip(args, param_slots, strict=True) for w in values.lower_arg(a, s)]
    except values.ScriptValueError as e:
        step.local = {"ok": False, "error": {"kind": "unsupported", "message": str(e)}}
        return
    if op == "get":
        wire.pop("args")
    wire["results"] = _result_wire(result_slots, wrapped="wrapper" in wire)
    step.result_slots = result_slots
    step.wire = wire
    if step.kind == "assert_return":
        step.exact = _exact_values(step.command.get("expected", []), result_slots)


@dataclass(frozen=True)
class _Lowering:
    """How calls to one export travel: its param and result slots, and its wrapper if any."""

    params: list[str]
    results: list[str]
    wrapper: str | None


def _lower_export(export: Export, info: ModuleInfo, wrapper: Callable[[], Path]) -> _Lowering:
    if isinstance(export.type, GlobalType):
        params, results = [], [result_slot(export.type.valtype, info)]
    else:
        ft = export.type
        assert isinstance(ft, FuncType)
        params = [param_slot(p, info) for p in ft.params]
        results = [result_slot(r, info) for r in ft.results]
    return _Lowering(params, results, str(wrapper()) if needs_wrapper(export.type) else None)


# Result slots whose expected value, when it is a plain bit pattern, has one wire form.
_EXACT_WIRE = {"i32": ("i32", 32), "i64": ("i64", 64), "f32": ("i32", 32), "f64": ("i64", 64)}


def _exact_values(expected: list[dict], slots: list[str]) -> list[list] | None:
    """The reply values that match `expected` exactly, or None when a match can take other
    forms (NaN patterns, references, alternatives) or cannot happen (a type mismatch);
    those replies go through values.matches."""
    if len(expected) != len(slots):
        return None
    out: list[list] = []
    for value, slot in zip(expected, slots, strict=True):
        ty = value["type"]
        if slot in _EXACT_WIRE and ty == slot and not value["value"].startswith("nan:"):
            kind, width = _EXACT_WIRE[slot]
            out.append([kind, str(values.int_bits(value["value"], width))])
        elif slot == "v128" and ty == "v128" and not any(lane.startswith("nan:") for lane in value["value"]):
            number = values.v128_bits(value["lane_type"], value["value"])
            out += [["i64", str(number & values.MASKS["i64"])], ["i64", str(number >> 64)]]
        else:
            return None
    return out


def _result_wire(slots: list[str], wrapped: bool) -> list[str]:
    if not wrapped:
        direct = {"extern": "externref", "func": "funcref"}
        return [direct.get(s, s) for s in slots]
    return [w for s in slots for w in RESULT_WIRE[s]]
