"""Browsers (Chromium, Firefox) through Playwright: the page's server, the corpus, hangs, reuse.

Real browsers, real pages: the Debian binaries that set-up installs. An
unavailable browser is a skip that says why, except in CI, where it fails.
"""

from __future__ import annotations

import http.client
import json
import re
from pathlib import Path

import pytest
from test_corpus import CORPUS, problems

from engines.browser_server import BrowserServer
from harness.runinfo import new_run_id, now
from harness.spec_runner import SpecRunner
from harness.worker import WorkerProcess
from tests.engine_required import require_engine

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ["chromium", "firefox"]
ISOLATION = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}


# --- the server, without a browser --------------------------------------------------
@pytest.fixture
def server(tmp_path: Path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "m.wasm").write_bytes(b"\0asm\1\0\0\0")
    (tmp_path / "secret.wasm").write_bytes(b"secret")
    (root / "escape.wasm").symlink_to(tmp_path / "secret.wasm")
    (root / "inside.wasm").symlink_to(root / "m.wasm")
    replies: list[dict] = []
    srv = BrowserServer([root], replies.extend).start()
    srv.replies = replies  # type: ignore[attr-defined]
    srv.root = root  # type: ignore[attr-defined]
    yield srv
    srv.close()


def fetch(srv: BrowserServer, path: str, method: str = "GET", body: bytes | None = None,
          host: str | None = None) -> tuple[int, dict, bytes]:
    """A raw request: the path goes out exactly as given, `..` and all."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.putrequest(method, path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{srv.port}")
    if body is not None:
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    res = conn.getresponse()
    out = res.status, dict(res.getheaders()), res.read()
    conn.close()
    return out


def test_server_serves_module_files_under_its_roots_with_isolation_headers(server) -> None:
    status, headers, body = fetch(server, f"/files{server.root}/m.wasm")
    assert (status, body) == (200, b"\0asm\1\0\0\0")
    assert headers["Content-Type"] == "application/wasm"
    for key, value in ISOLATION.items():
        assert headers[key] == value
    assert fetch(server, f"/files{server.root}/inside.wasm")[0] == 200  # a symlink that stays inside


@pytest.mark.parametrize("path", [
    "/files/etc/passwd",
    "/files{root}/../secret.wasm",
    "/files{root}/%2e%2e/secret.wasm",
    "/files{root}/escape.wasm",          # a symlink out of the root
    "/files{root}/missing.wasm",
    "/files{root}",                      # a directory
    "/files" + "relative/m.wasm",
    "/js/../harness/cli.py",
    "/js/%2e%2e/harness/cli.py",
    "/js/..%2fbrowser_server.py",
    "/js/",
    "/engines/js/runner.mjs",
])
def test_server_refuses_everything_else(server, path: str) -> None:
    status, headers, _ = fetch(server, path.format(root=server.root))
    assert status == 404
    assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"


def test_server_serves_the_page_and_its_scripts(server) -> None:
    status, headers, body = fetch(server, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"/js/page_host.mjs" in body
    for key, value in ISOLATION.items():
        assert headers[key] == value
    for name in ("page_host.mjs", "runner.mjs"):
        status, headers, body = fetch(server, f"/js/{name}")
        assert status == 200 and headers["Content-Type"].startswith("text/javascript")
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_server_answers_only_its_own_origin(server) -> None:
    assert fetch(server, "/", host="attacker.example:80")[0] == 403
    assert fetch(server, "/", host=f"localhost:{server.port}")[0] == 200


def test_server_carries_requests_and_replies(server, tmp_path: Path) -> None:
    module = tmp_path / "m.wasm"
    module.write_bytes(b"\0asm\1\0\0\0")
    server.allow_files([str(module)])
    request = {"id": 7, "op": "run", "commands": [{"i": 0, "do": "module", "file": str(module)}]}
    server.bundle(request, [str(module)])
    server.submit(request)
    status, _, body = fetch(server, "/next")
    # The request's JSON behind its 4-byte length, then the bytes of the modules it names.
    length = int.from_bytes(body[:4], "big")
    sent = json.loads(body[4:4 + length])
    assert status == 200 and sent["id"] == 7
    start, size = sent["bundle"]["index"][str(module)]
    assert body[4 + length + start:4 + length + start + size] == module.read_bytes()
    batch = [{"id": 7, "i": 0, "ok": True, "values": []}, {"id": 7, "done": True}]
    assert fetch(server, "/reply", "POST", json.dumps(batch).encode())[0] == 204
    assert server.replies == batch
    assert fetch(server, "/reply", "POST", b'{"not": "a list"}')[0] == 400


def test_server_serves_files_the_harness_named(server, tmp_path: Path) -> None:
    outside = tmp_path / "secret.wasm"
    assert fetch(server, f"/files{outside}")[0] == 404
    server.allow_files([str(outside)])
    assert fetch(server, f"/files{outside}")[0] == 200
    assert fetch(server, f"/files{tmp_path}/other.wasm")[0] == 404


# --- real browsers -------------------------------------------------------------------
@pytest.mark.parametrize("name", BROWSERS)
def test_page_is_cross_origin_isolated(name: str) -> None:
    worker = WorkerProcess(require_engine(name).worker_spec())
    try:
        hello = worker.start()
    finally:
        worker.close()
    assert hello["ok"] and re.match(r"\d+\.\d+", hello["version"])
    assert hello["crossOriginIsolated"] is True


@pytest.fixture(scope="module", params=BROWSERS)
def corpus_run(request) -> tuple[str, list[dict], dict]:
    """The whole corpus on one browser, one file after another on one worker."""
    engine = require_engine(request.param)
    runner = SpecRunner([engine], new_run_id(now()), root=ROOT / "suites" / "spec")
    worker = runner.worker(engine)
    try:
        worker.ensure_started()
        pid = worker.pid
        rows = [row for path in CORPUS for row in runner.run_file(path, engine).rows]
        same = worker.pid == pid
        launches = {"restarts": worker.restarts, "same_process": same}
    finally:
        runner.close()
    return request.param, rows, launches


def test_corpus_deliberate_failures_fail_and_the_rest_passes(corpus_run) -> None:
    engine, rows, _ = corpus_run
    assert problems(engine, rows) == []
    assert len([r for r in rows if r.get("expected_failure")]) >= 25
    for row in rows:
        if row.get("verdict") == "skip":
            assert row["message"], row  # a skip says why


def test_failures_say_what_differs(corpus_run) -> None:
    _, rows, _ = corpus_run
    messages = {(r["file"], r["line"]): r["message"] for r in rows if r.get("expected_failure")}
    assert "0x7fa00001" in messages[("xfail.wast", 34)]        # the exact f32 payload returned
    assert "9007199254740993" in messages[("xfail.wast", 33)]   # i64 beyond 2^53, exactly


def test_one_browser_launch_serves_every_script(corpus_run) -> None:
    _, rows, launches = corpus_run
    assert len({r["file"] for r in rows}) == len(CORPUS)
    assert launches == {"restarts": 0, "same_process": True}


