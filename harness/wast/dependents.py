"""Commands that depend on a module that did not instantiate are skips, not engine failures.

When a `module` command fails (an engine rejects it, or its worker crashes on
it), every later command that uses that instance would fail too, each with a
message like "no current instance": that is one failure, not fifty. The
reference interpreter stops there; we keep going, and mark each dependent
command `skip`, naming the module's line.
"""

from __future__ import annotations

from harness.wast.plan import ACTION_ASSERTS, Step

FAILED = ("fail", "crash", "timeout", "skip")


class _Broken:
    def __init__(self, line: int, row: dict) -> None:
        self.reason = (f"depends on the module at line {line}, which did not instantiate "
                       f"({row['verdict']}: {(row.get('message') or '')[:120]})")


MODULE_KINDS = ("module", "module_definition", "module_instance")


def skip_dependents(steps: list[Step], rows: dict[int, dict]) -> None:
    """Rewrite, in place, the rows (by step index) of commands whose instance never came to be."""
    # Nearly always every module instantiates: then nothing is read (a cached plan's commands
    # come from the converted script only when asked for).
    if not any(s.kind in MODULE_KINDS and rows.get(s.index, {}).get("verdict") in FAILED for s in steps):
        return
    current: _Broken | None = None
    named: dict[str, _Broken | None] = {}
    definitions: dict[str, _Broken | None] = {}
    for step in steps:
        row = rows.get(step.index)
        if row is None:
            continue
        cmd = step.command
        failed = _Broken(step.line, row) if row["verdict"] in FAILED else None
        if step.kind == "module":
            current = failed
            if cmd.get("name"):
                named[cmd["name"]] = failed
        elif step.kind == "module_definition":
            if cmd.get("name"):
                definitions[cmd["name"]] = failed
        elif step.kind == "module_instance":
            current = definitions.get(cmd.get("module") or "") or failed
            if cmd.get("instance"):
                named[cmd["instance"]] = current
        elif step.kind == "register" or step.kind in ACTION_ASSERTS:
            target = cmd.get("name") if step.kind == "register" else cmd.get("action", {}).get("module")
            broken = named.get(target) if target else current
            if broken is not None:
                row.update(verdict="skip", message=broken.reason, expected_failure=False)
