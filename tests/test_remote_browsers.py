"""Browsers on a Playwright server (`playwright run-server`, reached with `connect`).

The server runs here, on 127.0.0.1 and a free port, as another machine's would: it launches
the browser itself, with the launch options the worker sends. A remote configuration must give
what the local one gives, command by command and probe by probe, and the run's metadata must
say where the browser was. A server that is not there is a clear error that names the engine
and the endpoint, and the other engines' results are kept.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright_server import free_port, start_server, stop_server

from engines import remote_browser
from engines.browser_launch import for_page, launch_options
from engines.browser_server import BrowserServer
from engines.registry import EngineConfigError, configurations, make, resolve
from harness.engine_required import require_engine
from harness.store import ResultsStore

ROOT = Path(__file__).resolve().parent.parent
SPEC_FILES = ["suites/spec/floats.wast", "suites/spec/simd.wast", "suites/spec/xfail.wast"]
# wasm features, and the host capabilities a remote page could lose: isolation (the tunnel keeps the
# page on loopback), threads, and WebGPU (needs the flag engines.toml gives, sent in the header).
FEATURES = ["simd", "gc", "tailCall", "crossOriginIsolated", "sharedArrayBuffer", "threadsAcrossAgents",
            "webgpu"]


# --- no browser --------------------------------------------------------------------------
def test_endpoints_are_checked_and_shown_without_secrets() -> None:
    assert remote_browser.endpoint_problem("ws://127.0.0.1:3000/") is None
    assert remote_browser.endpoint_problem("wss://grid.example/pw?token=x") is None
    for bad in ("http://127.0.0.1:3000/", "127.0.0.1:3000", "ws://:3000/", "ws://h:port/", ""):
        assert remote_browser.endpoint_problem(bad), bad
    assert remote_browser.shown("wss://user:secret@grid.example:443/pw?token=abc&browser=x") == \
        "wss://grid.example:443/pw?token=...&browser=..."
    assert remote_browser.shown("ws://[::1]:3000/") == "ws://[::1]:3000/"


def test_the_environment_makes_a_browser_configuration_remote(monkeypatch) -> None:
    monkeypatch.setenv(remote_browser.ENV, "chromium=ws://127.0.0.1:3000/?token=t, firefox=ws://h:1/")
    chromium = make("chromium")
    assert chromium.name == "chromium" and chromium.options["endpoint"] == "ws://127.0.0.1:3000/?token=t"
    # Where the browser runs is metadata, not a flag: the rows compare with a local run's.
    assert "endpoint" not in chromium.flags and chromium.flags == make_local("chromium").flags
    assert chromium.metadata() == {"remote": "ws://127.0.0.1:3000/?token=..."}
    assert make_local("node").metadata() == {}
    # --engine NAME:endpoint=... wins, and a value may hold colons after another option.
    (engine,) = resolve(["chromium:page_port=8123,endpoint=ws://other:2/"])
    assert engine.options["endpoint"] == "ws://other:2/" and engine.options["page_port"] == 8123


def make_local(name: str):
    env = os.environ.pop(remote_browser.ENV, None)
    try:
        return make(name)
    finally:
        if env is not None:
            os.environ[remote_browser.ENV] = env


@pytest.mark.parametrize(("value", "message"), [
    ("node=ws://h:1/", "'node' is not a browser configuration"),
    ("chromuim=ws://h:1/", "'chromuim' is not a browser configuration"),
    ("chromium=http://h:1/", "is not a ws:// or wss:// URL"),
    ("chromium", "is not NAME=ws://HOST:PORT/"),
])
def test_a_bad_browser_server_setting_is_bad_input(monkeypatch, value: str, message: str) -> None:
    monkeypatch.setenv(remote_browser.ENV, value)
    with pytest.raises(EngineConfigError, match=message):
        make("chromium")
    proc = cli(["engines", "--engine", "chromium"], env={remote_browser.ENV: value})
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_a_remote_page_is_reached_through_the_tunnel_or_made_a_secure_origin() -> None:
    chromium = launch_options({"browser": "chromium", "args": ["--x"], "executable": "/usr/bin/chromium"})
    assert chromium["executablePath"] == "/usr/bin/chromium" and chromium["args"][-1] == "--x"
    # Loopback: nothing to add for Chromium (Playwright proxies loopback through the tunnel itself).
    assert for_page(chromium, "chromium", "http://127.0.0.1:5000", tunnelled=True) == chromium
    direct = for_page(chromium, "chromium", "http://pages.test:5000", tunnelled=False)
    assert direct["args"][-1] == "--unsafely-treat-insecure-origin-as-secure=http://pages.test:5000"
    firefox = launch_options({"browser": "firefox", "prefs": {"a": 1}})
    assert firefox["channel"] == "moz-firefox" and firefox["firefoxUserPrefs"]["a"] == 1
    tunnelled = for_page(firefox, "firefox", "http://127.0.0.1:5000", tunnelled=True)
    assert tunnelled["firefoxUserPrefs"]["network.proxy.allow_hijacking_localhost"] is True
    direct = for_page(firefox, "firefox", "http://pages.test:5000", tunnelled=False)
    assert direct["firefoxUserPrefs"]["dom.securecontext.allowlist"] == "pages.test"


def test_the_page_server_answers_to_the_host_it_was_given(tmp_path: Path) -> None:
    server = BrowserServer([tmp_path], lambda replies: None, bind="127.0.0.1", host="pages.test").start()
    try:
        assert server.url == f"http://pages.test:{server.port}/{server.token}/"
        assert server.origin == f"http://pages.test:{server.port}"
        for host, status in [(f"pages.test:{server.port}", 200), (f"127.0.0.1:{server.port}", 200),
                             (f"other.test:{server.port}", 403), ("pages.test:1", 403)]:
            conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            request = f"GET /{server.token}/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            conn.sendall(request.encode())
            answer = conn.makefile("rb").readline()
            conn.close()
            assert answer.split()[1] == str(status).encode(), (host, answer)
    finally:
        server.close()


# --- a Playwright server on 127.0.0.1 ----------------------------------------------------------
@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A server that takes our launch options (`--unsafe`: executable, flags, preferences)."""
    require_engine("chromium")  # the browsers it launches are this machine's
    require_engine("firefox")
    proc, endpoint = start_server("--unsafe")
    yield endpoint
    stop_server(proc)


def cli(args: list[str], env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path, **(env or {}))
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, env=env)


def engines_file(tmp_path: Path, endpoint: str) -> Path:
    """engines.toml plus remote twins of the browsers: the same options, and the server's endpoint."""
    text = (ROOT / "engines.toml").read_text()
    for name in ("chromium", "firefox"):
        adapter, options = configurations()[name]
        twin = "\n".join(f"{k} = {json.dumps(v)}" for k, v in options.items())  # JSON values are TOML
        text += f'\n[{name}-remote]\nadapter = "{adapter}"\n{twin}\nendpoint = "{endpoint}"\n'
    path = tmp_path / "engines.toml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def remote_run(server: str, tmp_path_factory) -> dict:
    """The spec files and the feature probes on local and remote Chromium and Firefox, as one run."""
    tmp = tmp_path_factory.mktemp("remote")
    env = {"WASM_HARNESS_ENGINES": str(engines_file(tmp, server))}
    db, run_id = tmp / "r.duckdb", "remote-test"
    names = "chromium,chromium-remote,firefox,firefox-remote"
    spec = cli(["spec", "--engine", names, "--db", str(db), "--run", run_id, "--json", "--no-progress",
                *SPEC_FILES], env)
    assert spec.returncode == 0, spec.stderr
    detect = cli(["detect", "--engine", names, "--db", str(db), "--run", run_id, "--json", "--no-progress",
                  "--out", str(tmp / "features"), *[a for f in FEATURES for a in ("--feature", f)]], env)
    assert detect.returncode == 0, detect.stderr
    store = ResultsStore(db)
    try:
        rows = store.query("SELECT engine, suite, file, line, kind, verdict, expected_failure, message "
                           "FROM results WHERE run_id = ? AND phase != 'suite' AND metric IS NULL", [run_id])
        engines = json.loads(store.run(run_id)["engines"])
    finally:
        store.close()
    return {"spec": json.loads(spec.stdout), "matrix": json.loads(detect.stdout), "rows": rows,
            "engines": engines, "endpoint": server}


@pytest.mark.parametrize("browser", ["chromium", "firefox"])
def test_a_remote_browser_gives_what_the_local_one_gives(remote_run: dict, browser: str) -> None:
    remote = f"{browser}-remote"

    def of(engine: str) -> list[tuple]:
        return sorted(r[1:] for r in remote_run["rows"] if r[0] == engine)

    local_rows = of(browser)
    assert len([r for r in local_rows if r[0] == "spec"]) > 100
    assert of(remote) == local_rows  # every command and probe: the same verdict and message
    counts = remote_run["spec"]["engines"][remote]["counts"]
    assert counts == remote_run["spec"]["engines"][browser]["counts"] and counts.get("pass", 0) > 100
    matrix = remote_run["matrix"]
    assert matrix[remote] == matrix[browser]
    # The tunnel kept the page on loopback, so it is isolated; the header carried the flags and prefs.
    assert matrix[remote]["crossOriginIsolated"] == "supported"
    assert matrix[remote]["threadsAcrossAgents"] == "supported"
    if browser == "chromium":
        assert matrix[remote]["webgpu"] == "supported"  # needs --enable-unsafe-webgpu from engines.toml


@pytest.mark.parametrize("browser", ["chromium", "firefox"])
def test_the_run_records_that_the_browser_was_remote(remote_run: dict, browser: str) -> None:
    engines = remote_run["engines"]
    remote, local = engines[f"{browser}-remote"], engines[browser]
    assert remote["remote"] == remote_run["endpoint"]
    assert "remote" not in local
    assert remote["flags"] == local["flags"]
    assert remote["version"] and remote["version"].split(".")[0] == local["version"].split(".")[0]


def test_browser_server_option_and_engines_listing(server: str) -> None:
    for argv in (["--browser-server", f"chromium={server}", "engines", "--engine", "chromium", "--json"],
                 ["engines", "--engine", "chromium", "--json", "--browser-server", f"chromium={server}"]):
        proc = cli(argv)
        assert proc.returncode == 0, proc.stderr
        (row,) = json.loads(proc.stdout)
        assert row["engine"] == "chromium" and row["available"] and row["remote"] == server
        assert row["version"].startswith(make_local("chromium").version().split(".")[0] + ".")


def test_a_dead_endpoint_is_an_error_naming_engine_and_endpoint(tmp_path: Path) -> None:
    dead = f"ws://127.0.0.1:{free_port()}/"  # nothing listens there
    proc = cli(["spec", "--engine", "wasmtime", "--engine", "firefox", "--browser-server", f"firefox={dead}",
                "--db", str(tmp_path / "r.duckdb"), "--json", "--no-progress", SPEC_FILES[0]])
    assert proc.returncode == 2, proc.stderr  # an unavailable engine, as for any other
    assert f"error: firefox: engine unavailable: no Playwright server answers at {dead}" in proc.stderr
    assert "ECONNREFUSED" in proc.stderr
    report = json.loads(proc.stdout)
    assert report["engines"]["wasmtime"]["counts"]["pass"] > 0  # the run went on without it


def test_a_server_that_drops_our_launch_options_says_how_to_start_it() -> None:
    """Without --unsafe, run-server ignores our executable and starts its own download, absent here."""
    proc, endpoint = start_server()
    try:
        state = make(f"chromium:endpoint={endpoint}").availability()
    finally:
        stop_server(proc)
    assert not state.ok
    assert "--unsafe" in state.reason and endpoint in state.reason


# How each browser maps pages.test to 127.0.0.1 for this test (the harness adds nothing for it).
PAGES_TEST = {"chromium": {"args": ["--host-resolver-rules=MAP pages.test 127.0.0.1"]},
              "chromium-full": {"args": ["--host-resolver-rules=MAP pages.test 127.0.0.1"]},
              "firefox": {"prefs": {"network.dns.localDomains": "pages.test"}}}


@pytest.mark.parametrize("name", list(PAGES_TEST))
def test_a_page_host_that_is_not_loopback_stays_cross_origin_isolated(server: str, name: str) -> None:
    """The direct route: the browser fetches the page by a name (pages.test, mapped to 127.0.0.1
    here), which browsers do not trust over plain HTTP; the worker makes that one origin secure."""
    from harness.worker import WorkerProcess

    require_engine(make_local(name))  # the browser the server launches is this machine's
    engine = make(f"{name}:endpoint={server},page_host=pages.test")
    for key, value in PAGES_TEST[name].items():
        engine.options[key] = [*engine.options.get(key, []), *value] if key == "args" else value
    worker = WorkerProcess(engine.worker_spec())
    code = "return [location.host, crossOriginIsolated, isSecureContext, typeof navigator.gpu]"
    try:
        hello = worker.start()
        reply = worker.run_batch([{"i": 0, "do": "js", "code": code}], 60.0)[0]
    finally:
        worker.close()
    assert reply["ok"], reply
    host, isolated, secure, gpu = json.loads(reply["values"][0][1])
    assert host.startswith("pages.test:") and isolated is True and hello["crossOriginIsolated"] is True
    if name == "chromium":
        # The headless shell isolates the page but keeps isSecureContext false, and so has no WebGPU:
        # README says so; the tunnel (the default) has neither problem.
        assert (secure, gpu) == (False, "undefined")
    else:
        assert (secure, gpu) == (True, "object")


def test_a_server_lost_mid_run_makes_the_worker_fail_naming_it() -> None:
    """The connection closes: the worker dies (a crash, for the harness), and the new worker it
    starts cannot connect: its error names the server, which the crash rows then carry."""
    from harness.worker import WorkerError, WorkerProcess

    proc, endpoint = start_server("--unsafe")
    worker = WorkerProcess(require_engine(make(f"chromium:endpoint={endpoint}")).worker_spec())
    try:
        assert worker.run_batch([{"i": 0, "do": "js", "code": "return 1"}], 30.0)[0]["ok"]
        stop_server(proc)
        # Refused: only a new worker's connect can say that, so the old one died and a new one tried.
        with pytest.raises(WorkerError, match=f"no Playwright server answers at {endpoint}"):
            worker.run_batch([{"i": 0, "do": "js", "code": "return 2"}], 30.0)
    finally:
        worker.kill()
        stop_server(proc)
