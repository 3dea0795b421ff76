"""The pytest plugin as a new user meets it: pytest in a directory of .wast files outside this checkout.

Every run is a separate `python -m pytest` without PYTHONPATH, so the plugin must come from the
installed package's pytest11 entry point (make setup installs it), not from this repo's conftest.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from harness.engine_required import in_ci, require_engine

ROOT = Path(__file__).resolve().parent.parent

# Two modules linked through (register ...): the script needs nothing but itself.
PASSING = """\
(module $M
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
(register "m" $M)
(module
  (import "m" "add" (func $add (param i32 i32) (result i32)))
  (func (export "twice") (param i32) (result i32) (call $add (local.get 0) (local.get 0))))
(assert_return (invoke "twice" (i32.const 21)) (i32.const 42))
"""
FAILING = """\
(module (func (export "one") (result i32) (i32.const 1)))
(assert_return (invoke "one") (i32.const 1))
(assert_return (invoke "one") (i32.const 2))
"""


def pytest_run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    # The outer run's PYTEST_* variables (PYTEST_ADDOPTS, xdist's worker ids, autoload off) would
    # change the inner one; CI stays, so an unavailable engine fails there too.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A directory of two .wast files outside the checkout: one passes, one fails on line 3."""
    installed = entry_points(group="pytest11", name="wasm_harness")
    assert installed, "wasm-harness is installed without its pytest11 entry point: run make setup"
    assert not tmp_path.resolve().is_relative_to(ROOT)
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "good.wast").write_text(PASSING)
    (folder / "bad.wast").write_text(FAILING)
    return folder


def check_outcome(proc: subprocess.CompletedProcess, xml: Path) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "1 failed, 1 passed" in out, out
    cases = {case.get("name"): case for case in ET.parse(xml).getroot().iter("testcase")}
    assert set(cases) == {"good.wast[node]", "bad.wast[node]"}, out
    assert cases["good.wast[node]"].find("failure") is None
    failure = cases["bad.wast[node]"].find("failure")
    assert failure is not None, out
    # The failing command by file (relative to pytest's rootdir, the run's directory) and line.
    message = failure.get("message", "")
    assert message.startswith("suite/bad.wast:3: fail: assert_return"), message


def test_a_directory_outside_the_checkout_runs_with_junit_xml(suite: Path) -> None:
    require_engine("node")
    proc = pytest_run(suite.name, "--engine", "node", "--junitxml=out.xml", cwd=suite.parent)
    assert f"rootdir: {suite.parent}\n" in proc.stdout  # not this checkout: its conftest plays no part
    check_outcome(proc, suite.parent / "out.xml")


def test_xdist_spreads_the_items_over_two_workers(suite: Path) -> None:
    if importlib.util.find_spec("xdist") is None:
        # Set-up installs it (setup/requirements.lock): missing in CI is a set-up bug.
        if in_ci():
            pytest.fail("pytest-xdist is not installed")
        pytest.skip("pytest-xdist is not installed: run make setup")
    require_engine("node")
    proc = pytest_run(suite.name, "--engine", "node", "-n", "2", "--junitxml=out.xml", cwd=suite.parent)
    assert "2 workers [2 items]" in proc.stdout, proc.stdout + proc.stderr
    check_outcome(proc, suite.parent / "out.xml")


def test_one_item_per_file_and_engine_and_a_misspelt_engine_is_a_usage_error(suite: Path) -> None:
    # Collection only: no engine runs.
    proc = pytest_run(str(suite / "good.wast"), "--engine", "node,wasmtime", "--collect-only", "-q",
                      cwd=suite.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "suite/good.wast::good.wast[node]" in proc.stdout
    assert "suite/good.wast::good.wast[wasmtime]" in proc.stdout
    assert "2 tests collected" in proc.stdout
    proc = pytest_run(suite.name, "--engine", "nosuch", cwd=suite.parent)
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--engine: unknown engine 'nosuch'" in proc.stderr


def test_in_this_checkout_suites_spec_runs_and_the_feature_probes_stay_out() -> None:
    # The repo's conftest and the entry point together: a plugin registered twice is an error.
    proc = pytest_run("suites", "--engine", "node", "--collect-only", "-q", cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "suites/spec/xfail.wast::xfail.wast[node]" in proc.stdout
    assert "suites/features" not in proc.stdout
    require_engine("node")
    # xfail.wast's commands marked `;; xfail:` must fail for the item to pass.
    proc = pytest_run("suites/spec/xfail.wast", "--engine", "node", cwd=ROOT)
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr
