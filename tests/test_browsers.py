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

from engines.browser_server import BrowserServer, _Handler
from harness.engine_required import require_engine
from harness.runinfo import new_run_id, now
from harness.spec_runner import SpecRunner
from harness.worker import WorkerProcess

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ["chromium", "firefox"]
ISOLATION = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
}
OWN = object()  # fetch(): the server's own token, or its own origin


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
          host: str | None = None, token: object = OWN, origin: object = OWN,
          ctype: str = "application/json") -> tuple[int, dict, bytes]:
    """A raw request: the path goes out exactly as given, `..` and all, below `/<token>` (None: none).

    A POST carries the server's own Origin unless `origin` says otherwise (None: no Origin).
    """
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    token = srv.token if token is OWN else token
    conn.putrequest(method, f"/{token}{path}" if token is not None else path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{srv.port}")
    origin = srv.origin if origin is OWN else origin
    if method == "POST" and origin is not None:
        conn.putheader("Origin", origin)
    if body is not None:
        conn.putheader("Content-Type", ctype)
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
    assert b'src="js/page_host.mjs"' in body  # relative: below the token, like the page
    for key, value in ISOLATION.items():
        assert headers[key] == value
    for name in ("page_host.mjs", "runner.mjs"):
        status, headers, body = fetch(server, f"/js/{name}")
        assert status == 200 and headers["Content-Type"].startswith("text/javascript")
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_server_answers_only_its_own_origin(server) -> None:
    assert fetch(server, "/", host="attacker.example:80")[0] == 403
    assert fetch(server, "/", host=f"localhost:{server.port}")[0] == 200


@pytest.mark.parametrize("path", ["/", "/next", "/js/page_host.mjs", "/files{root}/m.wasm"])
def test_server_refuses_requests_without_its_token(server, path: str) -> None:
    path = path.format(root=server.root)
    seen = server.last_seen
    for token in (None, "", "x" * len(server.token), server.token[:-1], server.token + "x",
                  server.token.swapcase()):
        assert fetch(server, path, token=token)[0] == 403, token
    assert server.last_seen == seen and not server.polled.is_set()  # a refused request changes nothing
    # "/<token>next" is a wrong token; "/<token>" alone is ours but names nothing (the page is at
    # "/<token>/", where its relative URLs keep the token).
    assert fetch(server, path[1:], token=server.token)[0] == (404 if path == "/" else 403)
    assert server.url == f"{server.origin}/{server.token}/"


def test_forged_requests_without_the_token_leave_the_run_alone(server) -> None:
    request = {"id": 3, "op": "run", "commands": []}
    server.submit(request)
    forged = [{"id": 3, "i": 0, "ok": True, "values": []}, {"id": 3, "done": True}]
    # Another process on the machine: it can reach the port, but does not know the token.
    assert fetch(server, "/next", token=None)[0] == 403
    assert fetch(server, "/next", token="guess")[0] == 403
    assert fetch(server, "/reply", "POST", json.dumps(forged).encode(), token=None)[0] == 403
    assert fetch(server, "/reply", "POST", json.dumps(forged).encode(), token="guess")[0] == 403
    assert server.replies == [] and not server.polled.is_set()
    status, _, body = fetch(server, "/next")  # the page still gets its request
    length = int.from_bytes(body[:4], "big")
    assert status == 200 and json.loads(body[4:4 + length])["id"] == 3


@pytest.mark.parametrize("origin", [None, "null", "http://attacker.example", "http://127.0.0.1:1",
                                    "http://localhost:{port}", "https://127.0.0.1:{port}"])
def test_server_refuses_posts_from_other_origins(server, origin: str | None) -> None:
    # What a page of another origin can send without a CORS preflight: a text/plain POST.
    batch = json.dumps([{"id": 1, "done": True}]).encode()
    origin = origin.format(port=server.port) if origin else origin
    assert fetch(server, "/reply", "POST", batch, origin=origin, ctype="text/plain")[0] == 403
    assert fetch(server, "/reply", "POST", batch, origin=origin)[0] == 403
    assert server.replies == []
    assert fetch(server, "/reply", "POST", batch)[0] == 204  # from its own origin, it goes through
    assert server.replies == [{"id": 1, "done": True}]


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


@pytest.mark.parametrize("name", BROWSERS)
def test_a_page_of_another_origin_cannot_post_replies(name: str, tmp_path: Path, monkeypatch) -> None:
    """A real browser's cross-origin POST, even with the token, is refused by the Origin check.

    The other origin is a browser worker's own page (127.0.0.1, another port); it sends what any
    page may send without a CORS preflight: a no-cors text/plain POST.
    """
    posts: list[str | None] = []
    post = _Handler.do_POST

    def counted(handler: _Handler) -> None:
        posts.append(handler.headers.get("Origin"))
        post(handler)

    monkeypatch.setattr(_Handler, "do_POST", counted)
    replies: list[dict] = []
    target = BrowserServer([tmp_path], replies.extend).start()
    worker = WorkerProcess(require_engine(name).worker_spec())
    code = ("await fetch(host.args.url, {method: 'POST', mode: 'no-cors', body: host.args.body,"
            " headers: {'Content-Type': 'text/plain'}}).catch(() => null); return true")
    try:
        reply = worker.run_batch([{"i": 0, "do": "js", "code": code, "args": {
            "url": target.url + "reply", "body": json.dumps([{"id": 1, "done": True}])}}], 60.0)[0]
    finally:
        worker.close()
        target.close()
    assert reply["ok"], reply
    assert len(posts) == 1 and posts[0] not in (None, target.origin), posts  # it did arrive
    assert replies == []


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




@pytest.mark.parametrize("name", BROWSERS)
def test_fresh_gives_a_new_page_in_the_same_browser(name: str) -> None:
    """`fresh` (the ml suite's clean slate per unit): the page's globals, its cached fetches and its
    storage are gone, the browser process is the same, and the new page is still isolated."""
    worker = WorkerProcess(require_engine(name).worker_spec())
    mark = ("globalThis.__mark = 41; sessionStorage.setItem('k', 'v'); "
            "return [globalThis.crossOriginIsolated, performance.getEntriesByType('resource').length]")
    look = ("return [globalThis.__mark ?? null, sessionStorage.getItem('k'), globalThis.crossOriginIsolated, "
            "performance.timeOrigin]")
    try:
        hello = worker.start()
        pid = worker.pid
        assert hello["fresh"] is True
        first = worker.run_batch([{"i": 0, "do": "js", "code": mark},
                                  {"i": 1, "do": "js", "code": look}], 60.0)
        worker.fresh()
        second = worker.run_batch([{"i": 0, "do": "js", "code": look}], 60.0)
        assert worker.pid == pid and worker.restarts == 0  # no new worker, no new browser
    finally:
        worker.close()
    before = json.loads(first[1]["values"][0][1])
    after = json.loads(second[0]["values"][0][1])
    assert before[:3] == [41, "v", True]
    assert after[:3] == [None, None, True]
    assert after[3] > before[3]  # a new document
