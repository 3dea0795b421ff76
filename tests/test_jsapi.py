"""The jsapi suite: META lines and script paths, our suite on every JS host, a WPT-layout fixture
(tests/jsapi_fixture) on a command-line host and a browser, our testharness.js shim against WPT's
own testharness.js (npm wpt-runner), and the wpt.fyi-style report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import jsapi_files
from harness.engine_required import require_engine
from harness.rows import rows_for
from harness.store import ResultsStore
from reports import jsapi as report

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "jsapi_fixture" / "wasm" / "jsapi"
REAL_HARNESS = ROOT / "node_modules" / "wpt-runner" / "testharness"
JS_HOSTS = ["node", "node22", "node24", "deno", "bun", "chromium", "firefox"]


def jsapi(*args: str, db: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "harness.cli", "jsapi", "--no-progress", "--db", str(db), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))


def verdicts(report_json: dict) -> dict[tuple[str, str, str], str]:
    return {(r["file"], r["subtest"], column): v["verdict"]
            for r in report_json["results"] for column, v in r["results"].items()}


# --- files, META lines, scripts ------------------------------------------------------------------

def test_meta_lines_stop_at_the_first_line_of_code() -> None:
    text = ("// META: global=jsshell\n// a comment\n\n// META: timeout=long\ntest(() => {});\n"
            "// META: script=x.js\n")
    assert jsapi_files.parse_meta(text) == [("global", "jsshell"), ("timeout", "long")]


def test_script_paths_resolve_as_wpt_does() -> None:
    basics = jsapi_files.load_file(FIXTURE / "constructor" / "basics.any.js", FIXTURE)
    assert [s.path for s in basics.scripts] == [
        (FIXTURE / "assertions.js").resolve(),                        # /wasm/jsapi/... -> the suite directory
        (FIXTURE.parent.parent / "common" / "helper.js").resolve(),   # /common/... -> the WPT root
        (FIXTURE / "resources" / "local.js").resolve(),               # relative to the test file
    ]
    assert basics.globals == ("window", "dedicatedworker", "jsshell")
    assert basics.name == "constructor/basics.any.js"
    missing = jsapi_files.load_file(FIXTURE / "missing-script.any.js", FIXTURE)
    assert missing.missing_scripts == ["/wasm/jsapi/nope.js"]


def test_globals_default_and_unknown_scopes_and_timeouts(tmp_path: Path) -> None:
    default = jsapi_files.load_file(FIXTURE / "window-only.any.js", FIXTURE)
    assert default.globals == ("window", "dedicatedworker")
    shadow = jsapi_files.load_file(FIXTURE / "shadowrealm-only.any.js", FIXTURE)
    assert shadow.globals == () and shadow.ignored_globals == ("shadowrealm",)
    (tmp_path / "long.any.js").write_text("// META: global=worker,jsshell\n// META: timeout=long\n")
    long = jsapi_files.load_file(tmp_path / "long.any.js", tmp_path)
    assert long.globals == ("dedicatedworker", "jsshell") and long.timeout_s == 60.0
    assert jsapi_files.load_file(tmp_path / "long.any.js", tmp_path, normal_timeout=2.0).timeout_s == 12.0


def test_discover_filters_by_pattern() -> None:
    names = [f.name for f in jsapi_files.discover(FIXTURE, ["constructor/*", "slow"])]
    assert names == ["constructor/basics.any.js", "slow.any.js"]


def test_bad_input_exits_2(tmp_path: Path) -> None:
    done = jsapi("--suite", str(tmp_path / "nope"), db=tmp_path / "r.duckdb")
    assert done.returncode == 2 and "--suite is not a directory" in done.stderr
    done = jsapi("--suite", str(tmp_path), db=tmp_path / "r.duckdb")
    assert done.returncode == 2 and "no .any.js files" in done.stderr
    done = jsapi("--harness", str(tmp_path), db=tmp_path / "r.duckdb")
    assert done.returncode == 2 and "holds no testharness.js" in done.stderr


def test_help_has_examples() -> None:
    done = subprocess.run([sys.executable, "-m", "harness.cli", "jsapi", "--help"], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0
    assert "wasm-harness jsapi --suite ~/wpt/wasm/jsapi" in done.stdout and "--harness DIR" in done.stdout


# --- the fixture: every verdict, on a command-line host and in a browser page and worker -----------

EXPECTED = {
    ("constructor/basics.any.js",
     "scripts from /wasm/jsapi/, /common/ and a relative path are loaded"): "pass",
    ("constructor/basics.any.js", "a failing assertion"): "fail",
    ("constructor/basics.any.js", "a promise test"): "pass",
    ("constructor/basics.any.js", "an async test"): "pass",
    ("constructor/basics.any.js", "GLOBAL matches the scope"): "pass",
    ("throws-at-load.any.js", "(file)"): "error",
    ("syntax-error.any.js", "(file)"): "error",
    ("missing-script.any.js", "(file)"): "error",
    ("slow.any.js", "quick"): "pass",
    ("slow.any.js", "never settles"): "timeout",
    ("slow.any.js", "queued behind it"): "notrun",
    ("slow.any.js", "(harness)"): "timeout",
    ("uncaught.any.js", "passes"): "pass",
    ("uncaught.any.js", "finishes after the error"): "pass",
    ("uncaught.any.js", "(harness)"): "error",
    ("precondition.any.js", "needs an optional feature"): "skip",
    ("uncaught-allowed.any.js", "an uncaught error it allowed"): "pass",
}


@pytest.fixture(scope="module")
def fixture_runs(tmp_path_factory) -> dict[str, dict]:
    """The fixture on node, deno (which has Web Workers) and chromium, with our shim and with WPT's
    testharness.js."""
    for engine in ("node", "deno", "chromium"):
        require_engine(engine)
    where = tmp_path_factory.mktemp("jsapi")
    runs = {}
    for label, extra in (("shim", []), ("wpt", ["--harness", str(REAL_HARNESS)])):
        done = jsapi("--suite", str(FIXTURE), "--timeout", "1", "--engine", "node,deno,chromium", "--json",
                     *extra, db=where / f"{label}.duckdb")
        assert done.returncode == 1, done.stderr   # files that do not load: exit 1
        assert "scopes not run: shadowrealm" in done.stderr
        runs[label] = json.loads(done.stdout)
    return runs


def test_fixture_verdicts_per_scope(fixture_runs) -> None:
    got = verdicts(fixture_runs["shim"])
    for column in ("node", "deno", "deno (worker)", "chromium", "chromium (worker)"):
        for (file, case), verdict in EXPECTED.items():
            if file == "missing-script.any.js" and column.endswith("(worker)"):
                continue  # found before anything runs: one row per engine
            assert got.get((file, case, column)) == verdict, (file, case, column)
    # Scopes: jsshell files on the command-line host only, window/worker files in the browser only.
    assert got[("jsshell-only.any.js", "runs in a JavaScript shell", "node")] == "pass"
    assert not any(k[0] == "jsshell-only.any.js" and k[2].startswith("chromium") for k in got)
    assert got[("window-only.any.js", "runs in a page and in a worker", "chromium")] == "pass"
    assert got[("window-only.any.js", "runs in a page and in a worker", "chromium (worker)")] == "pass"
    assert not any(k[0] == "window-only.any.js" and k[2] in ("node", "deno") for k in got)
    # A command-line host with Web Workers runs worker files in one; Node has none.
    assert got[("window-only.any.js", "runs in a page and in a worker", "deno (worker)")] == "pass"
    assert not any(k[2] == "node (worker)" for k in got)
    assert not any(k[0] == "shadowrealm-only.any.js" for k in got)
    assert not any(k[:2] == ("uncaught-allowed.any.js", "(harness)") for k in got)


def test_load_errors_carry_their_message_and_the_run_goes_on(fixture_runs) -> None:
    errors = {(e["file"], e["engine"]): e["message"] for e in fixture_runs["shim"]["load_errors"]}
    assert errors[("throws-at-load.any.js", "node")] == "Error: broken at load"
    assert errors[("syntax-error.any.js", "chromium")].startswith("SyntaxError")
    assert "cannot resolve META script /wasm/jsapi/nope.js" in errors[("missing-script.any.js", "node")]
    results = {(r["file"], r["subtest"]): r["results"] for r in fixture_runs["shim"]["results"]}
    assert results[("uncaught.any.js", "(harness)")]["node"]["message"] == "harness ERROR: Error: late error"
    assert results[("slow.any.js", "never settles")]["chromium"]["message"] == "Test timed out"


def test_our_shim_and_wpts_testharness_agree_on_the_fixture(fixture_runs) -> None:
    shim, wpt = fixture_runs["shim"], fixture_runs["wpt"]
    assert verdicts(shim) == verdicts(wpt)

    def messages(run: dict) -> dict:
        return {(r["file"], r["subtest"], c): v["message"]
                for r in run["results"] for c, v in r["results"].items()}

    assert messages(shim) == messages(wpt)


# --- our suite on every JS host ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def our_suite(tmp_path_factory) -> dict:
    for engine in JS_HOSTS:
        require_engine(engine)
    where = tmp_path_factory.mktemp("jsapi-ours")
    done = jsapi("--engine", ",".join(JS_HOSTS), "--json", "--out", str(where / "out"), db=where / "r.duckdb")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_our_suite_loads_everywhere_and_mostly_passes(our_suite) -> None:
    assert our_suite["load_errors"] == [] and our_suite["run_id"] and our_suite["wall_seconds"] > 0
    columns = set(our_suite["columns"])
    assert columns >= {*JS_HOSTS, "deno (worker)", "bun (worker)", "chromium (worker)", "firefox (worker)"}
    for column in columns:
        counts = our_suite["counts"][column]
        assert sum(counts.values()) >= 110, column
        assert our_suite["pass_rate"][column] >= 0.9, (column, counts)
        assert set(counts) <= {"pass", "fail"}, (column, counts)


def test_our_suite_finds_known_differences(our_suite) -> None:
    got = verdicts(our_suite)
    # Core behaviour every host shares.
    for column in our_suite["columns"]:
        assert got[("bigint-multivalue.any.js", "i64: a BigInt in, a BigInt out", column)] == "pass"
        streaming = "instantiateStreaming: resolves to {module, instance}"
        assert got[("streaming.any.js", streaming, column)] == "pass"
    # V8 takes no DataView where WebIDL's BufferSource allows one (JSAPI.md); SpiderMonkey and JSC do.
    dataview = "WebAssembly.validate: a DataView"
    assert got[("namespace.any.js", dataview, "chromium")] == "fail"
    assert got[("namespace.any.js", dataview, "firefox")] == "pass"
    # memory64 subtests exist only where an i64 memory validates: not on Node 20.
    assert not any(k[0] == "memory.any.js" and k[1].startswith("memory64") and k[2] == "node" for k in got)
    assert got[("memory.any.js", "memory64: an exported i64 memory", "node24")] == "pass"


def test_our_suite_matches_wpts_testharness_on_a_host(tmp_path: Path) -> None:
    require_engine("node")
    ours = jsapi("--engine", "node", "--json", db=tmp_path / "a.duckdb")
    theirs = jsapi("--engine", "node", "--json", "--harness", str(REAL_HARNESS), db=tmp_path / "b.duckdb")
    assert ours.returncode == theirs.returncode == 0, ours.stderr + theirs.stderr
    assert verdicts(json.loads(ours.stdout)) == verdicts(json.loads(theirs.stdout))


# --- the report ------------------------------------------------------------------------------------------

def test_report_counts_disagreements_and_interop(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path / "r.duckdb")
    rows = []
    for engine, scope, case, verdict in [
        ("node", "jsshell", "a", "pass"), ("node", "jsshell", "b", "fail"),
        ("chromium", "window", "a", "pass"), ("chromium", "window", "b", "pass"),
        ("chromium", "window", "c", "pass"),
        ("chromium", "dedicatedworker", "a", "pass"), ("chromium", "dedicatedworker", "b", "pass"),
        ("chromium", "dedicatedworker", "c", "timeout"),
    ]:
        make = rows_for("r1", "jsapi", engine, "1", "")
        rows.append(make(file="f.any.js", case=case, kind=scope, verdict=verdict, message=f"{verdict}!"))
    store.add_rows(rows)
    results = report.load(store, "r1", ["node", "chromium"])
    assert results.columns == ["node", "chromium", "chromium (worker)"]
    assert results.counts("node") == {"pass": 1, "fail": 1}
    assert results.pass_rate("chromium (worker)") == pytest.approx(2 / 3)
    assert [key for key, _ in results.disagreements()] == [("f.any.js", "b"), ("f.any.js", "c")]
    assert results.interop() == pytest.approx(1 / 3)          # only `a` passes everywhere
    assert results.interop(results.browser_columns()) == pytest.approx(2 / 3)
    assert results.by_file() == {"f.any.js": {"node": (1, 2), "chromium": (3, 3),
                                              "chromium (worker)": (2, 3)}}
    text = report.markdown(results)
    assert "| f.any.js | b | fail | pass | pass |" in text and "`f.any.js` / b / node: fail!" in text
    files = report.write_all(results, tmp_path / "out")
    assert json.loads(files[1].read_text())["interop"] == pytest.approx(1 / 3)
    store.close()


# --- resuming ----------------------------------------------------------------------------------------------

def test_a_resumed_run_skips_the_files_it_finished(tmp_path: Path) -> None:
    import argparse

    from harness.session import Session
    from harness.suite import add_common_arguments, run_command
    from harness.suites.jsapi import JsapiSuite
    from harness.work import Work

    require_engine("node")
    db = tmp_path / "r.duckdb"
    first = jsapi("--engine", "node", "--file", "namespace", "--file", "module", "--run", "r1", db=db)
    assert first.returncode == 0, first.stderr
    suite = JsapiSuite()
    store = ResultsStore(db)
    assert suite.finished_units(store, "r1") == {("node", "namespace.any.js"), ("node", "module.any.js")}
    count = 'SELECT file, count(*) FROM results WHERE run_id = ? AND suite = ? AND phase = ? GROUP BY file'
    before = dict(store.query(count, ["r1", "jsapi", "run"]))
    store.close()

    parser = argparse.ArgumentParser()
    suite.add_arguments(parser)
    add_common_arguments(suite, parser)
    args = parser.parse_args(["--engine", "node", "--file", "namespace", "--file", "module", "--db", str(db),
                              "--run", "r1", "--no-progress"])
    # As `nightly --resume` does: the finished units are skipped, the others run again.
    session = Session(db, run_id="r1", progress=False,
                      work=Work(finished={"jsapi": {("node", "namespace.any.js")}}))
    try:
        assert run_command(suite, args, session) == 0
    finally:
        session.close()
    store = ResultsStore(db)
    after = dict(store.query(count, ["r1", "jsapi", "run"]))
    store.close()
    assert after["namespace.any.js"] == before["namespace.any.js"]
    assert after["module.any.js"] == 2 * before["module.any.js"]


def test_a_file_that_hangs_is_its_own_timeout_and_the_run_goes_on(tmp_path: Path) -> None:
    require_engine("node")
    (tmp_path / "a-hang.any.js").write_text('// META: global=jsshell\ntest(() => {}, "before");\n'
                                            "while (true) {}\n")
    (tmp_path / "b-fine.any.js").write_text('// META: global=jsshell\ntest(() => {}, "after the hang");\n')
    done = jsapi("--suite", str(tmp_path), "--timeout", "1", "--engine", "node", "--json",
                 db=tmp_path / "r.duckdb")
    assert done.returncode == 1, done.stderr
    got = json.loads(done.stdout)
    assert verdicts(got) == {("a-hang.any.js", "(file)", "node"): "timeout",
                             ("b-fine.any.js", "after the hang", "node"): "pass"}
    assert "worker killed" in got["load_errors"][0]["message"]
