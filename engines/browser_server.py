"""The loopback HTTP server between a browser worker and its page.

One per browser worker, bound to 127.0.0.1 on a random port (a browser on another machine either
reaches it through Playwright's tunnel, or directly when the worker is given a bind address, a
port and the host name the browser uses: see engines/remote_browser.py). The page
(js/page.html + js/page_host.mjs) long-polls `next` for the next request and
POSTs its replies to `reply`; module files come from `files/<absolute path>`,
but only from under the allowed roots (the harness cache) or files the harness
itself named in a request. Every response is cross-origin isolated (COOP +
COEP), so the page gets SharedArrayBuffer and fine timers, and is never cached.

Every route lies under a random per-server token, `/<token>/`: the page's URL
(`BrowserServer.url`) carries it, and the page reaches everything else by
relative URLs, so its script, its polls, its replies, and modules it imports
(and their own relative imports) carry it without any code having to add it.
Other processes on the machine do not know it: a request without it, or with a
wrong one, is refused (403) before it can take a request or hand over replies.
A POST must also come from the page's own origin, so that another page in some
browser that learned the token still cannot post replies.

Routes (below /<token>):
  GET  /              the page
  GET  /js/<name>     a file of engines/js (no subdirectories)
  GET  /files/<path>  a module file under an allowed root
  GET  /next          the next request as JSON; 204 after POLL_SECONDS without one
  POST /reply         a JSON array of reply objects, handed to `on_replies` in order
"""

from __future__ import annotations

import collections
import hmac
import json
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

JS_DIR = Path(__file__).resolve().parent / "js"
PAGE = "page.html"
POLL_SECONDS = 10.0          # a /next without a request answers 204 after this long
MAX_REPLY_BYTES = 256 << 20  # one POST /reply body

HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
    # The page's URL holds the token: never send it as a Referer to anyone else.
    "Referrer-Policy": "same-origin",
}
MIME = {
    ".html": "text/html; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".wat": "text/plain; charset=utf-8",
    ".wast": "text/plain; charset=utf-8",
}
_JS_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class BrowserServer:
    """Serves the page and its files and carries requests to it and replies back."""

    def __init__(self, roots: Iterable[str | os.PathLike], on_replies: Callable[[list[dict]], None],
                 bind: str = "127.0.0.1", port: int = 0, host: str | None = None) -> None:
        """`bind` and `port` (0: any free one): where to listen; `host`: the name or address the
        browser uses for this machine (default: the bind address, or 127.0.0.1 for a wildcard)."""
        self.roots = [Path(os.path.realpath(r)) for r in roots]
        self.on_replies = on_replies
        self._files: set[str] = set()          # exact files the harness named (realpaths)
        self._bundles: dict[str, bytes] = {}   # request id -> its module files, concatenated
        self._requests: collections.deque[dict] = collections.deque()
        self._cond = threading.Condition()
        self._reply_lock = threading.Lock()
        self.polled = threading.Event()          # the page has asked for a request at least once
        self.polling = 0                         # /next requests waiting now
        self.last_seen = time.monotonic()        # when the page last sent or got anything
        self._httpd = (_HTTPServer6 if ":" in bind else ThreadingHTTPServer)((bind, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self  # type: ignore[attr-defined]
        self.port = self._httpd.server_address[1]
        self.host = host or (bind if bind not in ("0.0.0.0", "::") else "127.0.0.1")
        # The Host header every request must carry, and the page's origin (what its POSTs send).
        self.authority = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        self.origin = f"http://{self.authority}"
        # A capability: whoever has the page's URL may drive the page's side of the protocol.
        self.token = secrets.token_urlsafe(32)
        self.url = f"{self.origin}/{self.token}/"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        name="browser-server", daemon=True)

    def start(self) -> BrowserServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- requests to the page -------------------------------------------------
    def submit(self, request: dict) -> None:
        with self._cond:
            self._requests.append(request)
            self._cond.notify()

    def _take(self, timeout: float) -> dict | None:
        with self._cond:
            if not self._requests:
                self._cond.wait(timeout)
            return self._requests.popleft() if self._requests else None

    def _polls(self, delta: int) -> None:
        with self._cond:
            self.polling += delta
            self.last_seen = time.monotonic()

    def _give_back(self, request: dict) -> None:
        with self._cond:
            self._requests.appendleft(request)
            self._cond.notify()

    # --- files ------------------------------------------------------------------
    def bundle(self, request: dict, paths: Iterable[str]) -> None:
        """Put every file a request names into one download, and tell the page where each lies.

        A script may hold hundreds of modules; one HTTP round trip each costs more than
        compiling them. Only files we would serve anyway go in.
        """
        chunks, index, offset = [], {}, 0
        for path in dict.fromkeys(paths):
            real = self.resolve(path)
            if real is None:
                continue
            data = real.read_bytes()
            index[path] = [offset, len(data)]
            chunks.append(data)
            offset += len(data)
        with self._cond:
            self._bundles[str(request.get("id"))] = b"".join(chunks)
        request["bundle"] = {"index": index}

    def _bundle(self, request: dict) -> bytes:
        with self._cond:
            return self._bundles.pop(str(request.get("id")), b"")

    def allow_files(self, paths: Iterable[str]) -> None:
        """Serve exactly these files too (the harness named them), wherever they are."""
        self._files.update(os.path.realpath(p) for p in paths)

    def resolve(self, path: str) -> Path | None:
        """The file behind /files<path>, or None when it is not one we serve."""
        if not path.startswith("/") or "\0" in path:
            return None
        real = os.path.realpath(path)  # removes `..` and follows every symlink
        if real not in self._files and not any(Path(real).is_relative_to(r) for r in self.roots):
            return None
        return Path(real) if os.path.isfile(real) else None


class _HTTPServer6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _js_file(name: str) -> Path | None:
    """A file directly in engines/js (not a symlink out of it), or None."""
    if not _JS_NAME.fullmatch(name):
        return None
    path = Path(os.path.realpath(JS_DIR / name))
    return path if path.parent == Path(os.path.realpath(JS_DIR)) and path.is_file() else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the page reuses its connections
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart
    server_version = "wasm-harness"
    owner: BrowserServer

    def setup(self) -> None:
        super().setup()
        self.owner = self.server.owner  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def end_headers(self) -> None:
        for key, value in HEADERS.items():
            self.send_header(key, value)
        super().end_headers()

    def _send(self, status: int, body: bytes = b"", ctype: str | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _not_found(self) -> None:
        self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")

    def _host_ok(self) -> bool:
        # Only our own origin: a page elsewhere that rebinds a name to 127.0.0.1 is refused.
        host = self.headers.get("Host", "")
        return host in (f"127.0.0.1:{self.owner.port}", f"localhost:{self.owner.port}", self.owner.authority)

    def _forbidden(self) -> None:
        # The body of a refused POST is never read, so this connection cannot serve another request.
        self.close_connection = True
        self._send(HTTPStatus.FORBIDDEN, b"forbidden\n", "text/plain; charset=utf-8")

    def _route(self) -> str | None:
        """The request's path below `/<token>`; None, after a 403, when the request may not come in.

        Nothing about the server changes before this check passes, not even `last_seen`,
        which tells the worker whether the page is alive.
        """
        raw = urlsplit(self.path).path
        token, slash, rest = raw.removeprefix("/").partition("/")
        # compare_digest: the time taken says nothing about how much of a guess was right.
        if not (self._host_ok() and raw.startswith("/")
                and hmac.compare_digest(token.encode(), self.owner.token.encode())):
            self._forbidden()
            return None
        self.owner.last_seen = time.monotonic()
        return "/" + rest if slash else ""  # `/<token>` alone: the page's relative URLs would not work

    def _file(self, path: Path | None) -> None:
        if path is None:
            self._not_found()
            return
        try:
            body = path.read_bytes()
        except OSError:
            self._not_found()
            return
        self._send(HTTPStatus.OK, body, MIME.get(path.suffix, "application/octet-stream"))

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        raw = self._route()
        if raw is None:
            return
        if raw == "/":
            self._file(JS_DIR / PAGE)
        elif raw == "/next":
            self._next()
        elif raw.startswith("/js/"):
            self._file(_js_file(unquote(raw[len("/js/"):])))
        elif raw.startswith("/files/"):
            self._file(self.owner.resolve(unquote(raw[len("/files"):])))
        else:
            self._not_found()

    def _next(self) -> None:
        owner = self.owner
        owner.polled.set()
        owner._polls(+1)
        try:
            request = owner._take(POLL_SECONDS)
        finally:
            owner._polls(-1)
        if request is None:
            self._send(HTTPStatus.NO_CONTENT)
            return
        # One response carries the request and its modules: a 4-byte big-endian length,
        # the request's JSON, then the bundle's bytes (see page_host.mjs).
        bundle = owner._bundle(request)
        text = json.dumps(request).encode()
        try:
            self._send(HTTPStatus.OK, len(text).to_bytes(4, "big") + text + bundle,
                       "application/octet-stream")
        except OSError:
            owner._give_back(request)  # the page went away mid-poll; the next poll gets it
            if bundle:
                with owner._cond:
                    owner._bundles[str(request.get("id"))] = bundle
            raise

    def do_POST(self) -> None:
        path = self._route()
        if path is None:
            return
        # Browsers send Origin with every POST; a page of any other origin (a text/plain form
        # post needs no CORS preflight) is refused, and so is a POST without one.
        if self.headers.get("Origin") != self.owner.origin:
            self._forbidden()
            return
        if path != "/reply":
            self._not_found()
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._send(HTTPStatus.LENGTH_REQUIRED)
            return
        if not 0 <= length <= MAX_REPLY_BYTES:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return
        try:
            replies = json.loads(self.rfile.read(length))
        except ValueError:
            replies = None
        if not isinstance(replies, list) or not all(isinstance(r, dict) for r in replies):
            self._send(HTTPStatus.BAD_REQUEST, b"expected a JSON array of objects\n", "text/plain")
            return
        # One POST at a time: the page sends them in order, and so they reach the harness.
        with self.owner._reply_lock:
            self.owner.on_replies(replies)
        self._send(HTTPStatus.NO_CONTENT)
