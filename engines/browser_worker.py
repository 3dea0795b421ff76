"""Worker process for browsers (Chromium, Firefox) through Playwright (JSON lines on stdin/stdout).

Run as `python -m engines.browser_worker '{"browser": "chromium", "executable": "..."}'`.
It speaks the protocol of ARCHITECTURE.md like the other workers, but the
commands run in a browser page: the shared js/runner.mjs under js/page_host.mjs,
which talks to this process over a loopback HTTP server (browser_server.py).

    harness ─stdin─▶ this worker ─/next─▶ page (runner.mjs) ─POST /reply─▶ this worker ─stdout─▶ harness

`hello` launches the browser (once per worker: Firefox takes seconds to start), or
connects to a remote Playwright server that launches it (an `endpoint`: see
remote_browser.py), starts the server and opens the page; `run` requests go straight to the page,
and every reply the page posts is written at once. When the page or the
browser dies, this process exits non-zero, so the harness records a crash,
starts a new worker (a new browser) and replays the script. A hang is the
harness's to handle: it kills this process group, and the browser, which
Playwright starts in a session of its own, dies with it through
PR_SET_PDEATHSIG (see `_launcher`).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shlex
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from engines import remote_browser
from engines.browser_launch import (
    START_SECONDS,
    as_list,
    for_page,
    is_loopback,
    launch_options,
    python_kwargs,
)
from engines.browser_server import POLL_SECONDS, BrowserServer
from engines.protocol import cache_root

TICK_MS = 100                   # how often the main thread lets Playwright deliver events
STALE_SECONDS = 3 * POLL_SECONDS  # an idle page that has not polled for this long is dead


class _Dead(Exception):
    """The browser or the page is gone; the message says how."""


class BrowserWorker:
    def __init__(self, options: dict) -> None:
        self.options = options
        self.kind = options.get("browser", "chromium")
        self.out = sys.stdout.buffer
        self.out_lock = threading.Lock()
        self.control: queue.Queue[dict] = queue.Queue()
        self.started = threading.Event()
        self.inflight: set = set()
        self.dead: str | None = None
        self.closing = False
        self.hello: dict | None = None
        self.server: BrowserServer | None = None
        self.pw = self.browser = self.page = None
        self.tmp: Path | None = None

    # --- output ------------------------------------------------------------------
    def emit(self, objs: list[dict]) -> None:
        data = b"".join(json.dumps(o).encode() + b"\n" for o in objs)
        with self.out_lock:
            self.out.write(data)
            self.out.flush()

    def on_replies(self, replies: list[dict]) -> None:
        """Replies the page posted: to the harness at once, in order."""
        self.emit(replies)
        for reply in replies:
            if reply.get("done") or "i" not in reply:
                self.inflight.discard(reply.get("id"))

    # --- input -------------------------------------------------------------------
    def read_stdin(self) -> None:
        for line in sys.stdin.buffer:
            if not line.strip():
                continue
            try:
                request = json.loads(line)
            except ValueError as e:
                self.emit([{"id": None, "ok": False, "error": {"kind": "internal",
                                                             "message": f"bad request: {e}"}}])
                continue
            if request.get("op") == "run":
                self.started.wait()
                assert self.server is not None
                self.server.allow_files(_files_of(request))
                self.server.bundle(request, _files_of(request))
                self.inflight.add(request.get("id"))
                self.server.submit(request)
            else:
                self.control.put(request)
        self.control.put({"op": "exit"})

    # --- main thread: everything Playwright ----------------------------------------
    def serve(self) -> None:
        threading.Thread(target=self.read_stdin, name="stdin", daemon=True).start()
        try:
            while True:
                if self.page is None:
                    request = self.control.get()
                else:
                    try:
                        request = self.control.get_nowait()
                    except queue.Empty:
                        self.tick()
                        continue
                op, rid = request.get("op"), request.get("id")
                if op == "exit":
                    while self.inflight and self.page is not None:  # as a worker reading in order would
                        self.tick()
                    break
                if op == "hello":
                    if self.hello is None:
                        self.launch()
                    self.emit([dict(self.hello or {}, id=rid)])
                elif op == "fresh" and self.hello is not None:
                    self.open_page()
                    self.emit([{"id": rid, "ok": True}])
                else:
                    self.emit([{"id": rid, "ok": False,
                                "error": {"kind": "internal", "message": f"unknown op {op!r}"}}])
        except _Dead as e:
            self.die(str(e))
        except Exception as e:  # noqa: BLE001 - Playwright raises its own errors when the browser goes
            self.die(f"{type(e).__name__}: {e}")
        self.close()

    def tick(self) -> None:
        """Let Playwright deliver events (crash, close) for a moment, then check the page is alive."""
        assert self.page is not None and self.server is not None
        self.page.wait_for_timeout(TICK_MS)
        if self.dead:
            raise _Dead(self.dead)
        server = self.server
        if not self.inflight and not server.polling and time.monotonic() - server.last_seen > STALE_SECONDS:
            raise _Dead(f"the page stopped polling (nothing for {STALE_SECONDS:g} s)")

    def _event(self, what: str, page: object = None):
        """A handler that marks the worker dead; for a page's events, only while it is the page
        (a page replaced by `fresh` may report its close late)."""
        def handler(*_args: object) -> None:
            if not self.closing and self.dead is None and (page is None or page is self.page):
                self.dead = what
        return handler

    def launch(self) -> None:
        from playwright.sync_api import sync_playwright

        self.tmp = _private_tmp()
        os.environ["TMPDIR"] = str(self.tmp)  # Playwright's profile dirs: removed even after a kill
        roots = [cache_root(), *as_list(self.options.get("roots"))]
        options = self.options
        self.server = BrowserServer(roots, self.on_replies, bind=str(options.get("page_bind", "127.0.0.1")),
                                    port=int(options.get("page_port", 0)),
                                    host=options.get("page_host")).start()
        endpoint = self.options.get("endpoint")
        # A remote browser reaches a loopback page through Playwright's tunnel (remote_browser.py).
        tunnelled = bool(endpoint) and is_loopback(self.server.host)
        launch = for_page(launch_options(self.options), self.kind, self.server.origin, tunnelled)
        self.pw = sync_playwright().start()
        if endpoint:
            try:
                self.browser = remote_browser.connect(self.pw, self.kind, endpoint, launch, tunnelled)
            except Exception as e:  # noqa: BLE001 - Playwright's errors: one line naming the server
                raise _Dead(remote_browser.explain(e, endpoint)) from e
            lost = f"the connection to the Playwright server at {remote_browser.shown(endpoint)} closed"
        else:
            # The local browser starts through a launcher that makes it die with us (see _launcher).
            launch["executablePath"] = _launcher(self.tmp, str(self.options.get("executable", "")))
            self.browser = getattr(self.pw, self.kind).launch(**python_kwargs(launch))
            lost = "the browser exited"
        self.browser.on("disconnected", self._event(lost))
        isolated = self.open_page()
        # Whether the page got threads and fine timers (COOP/COEP): tests check it at start.
        # `fresh`: this worker makes a new page on request (see open_page).
        self.hello = {"ok": True, "version": self.browser.version, "crossOriginIsolated": isolated,
                      "fresh": True}
        self.started.set()

    def open_page(self) -> bool:
        """Open the runner's page in a new browser context, closing the one before (the `fresh`
        op): a new context has its own HTTP and compiled-code caches, a new page its own
        module graph, workers and memory, so the next command starts as cold as in a new
        browser, without the seconds a browser takes to start. Returns crossOriginIsolated."""
        assert self.browser is not None and self.server is not None
        old, self.page = self.page, None
        if old is not None:
            self.closing = True  # its close event is ours, not a death
            try:
                old.close()
            finally:
                self.closing = False
            self.server.polled.clear()
        page = self.browser.new_page()  # a page of its own context: closing it closes the context
        page.on("crash", self._event("the page crashed", page))
        page.on("close", self._event("the page was closed", page))
        page.goto(self.server.url, timeout=START_SECONDS * 1000)
        deadline = time.monotonic() + START_SECONDS
        while not self.server.polled.is_set():
            if time.monotonic() > deadline:
                raise _Dead(f"the page did not start polling within {START_SECONDS:g} s")
            page.wait_for_timeout(10)
        isolated = bool(page.evaluate("globalThis.crossOriginIsolated === true"))
        self.page = page
        return isolated

    def close(self) -> None:
        self.closing = True
        with contextlib.suppress(Exception):
            if self.browser is not None:
                self.browser.close()
        with contextlib.suppress(Exception):
            if self.pw is not None:
                self.pw.stop()
        if self.server is not None:
            self.server.close()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def die(self, message: str) -> None:
        """The page or browser is gone: say so and exit non-zero (the harness restarts us)."""
        if self.server is not None:  # Playwright's errors quote the page's URL; the rows need no token
            message = message.replace(self.server.token, "<token>")
        lines = [ln.strip() for ln in message.splitlines() if ln.strip() and not ln.startswith("=")]
        sys.stderr.write(f"{self.kind} worker: {' | '.join(lines[:4])}\n")
        sys.stderr.flush()
        with self.out_lock:
            self.out.flush()
        os._exit(3)


def _files_of(request: dict) -> list[str]:
    """Every file a run request names: the page may fetch (or import) exactly these.

    Module files of commands and wrappers, and the `files` of `js` commands (modules
    and data their code imports or reads through `host`).
    """
    files = list(request.get("spectest") or [])
    for cmd in request.get("commands") or []:
        if cmd.get("file"):
            files.append(cmd["file"])
        if isinstance(cmd.get("wrapper"), dict) and cmd["wrapper"].get("file"):
            files.append(cmd["wrapper"]["file"])
        if isinstance(cmd.get("files"), list):
            files.extend(cmd["files"])
    return [f for f in files if isinstance(f, str)]


def _private_tmp() -> Path:
    """A temporary directory for this worker; those of workers that were killed are removed."""
    base = Path(tempfile.gettempdir()) / f"wasm-harness-browsers-{os.getuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    for old in base.iterdir():
        pid = old.name.split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=base))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _launcher(tmp: Path, executable: str) -> str:
    """A script that starts the browser so that it dies with Playwright's driver.

    Playwright starts the browser in a new session, outside this worker's
    process group, so killing the group would leave it running (Firefox does
    not notice that its driver is gone). PR_SET_PDEATHSIG = SIGKILL makes the
    kernel kill it when its parent, the driver (a child of this worker, in the
    group), dies.
    """
    code = ("import ctypes,os,signal,sys;"
            "ctypes.CDLL(None,use_errno=True).prctl(1,signal.SIGKILL,0,0,0);"
            "os.getppid()==1 and os._exit(1);"
            "os.execv(sys.argv[1],sys.argv[1:])")
    script = tmp / "browser"
    script.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -I -S -c {shlex.quote(code)} "
                      f"{shlex.quote(executable)} \"$@\"\n")
    script.chmod(0o700)
    return str(script)


def main() -> None:
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    worker = BrowserWorker(options)
    worker.serve()
    with worker.out_lock:
        worker.out.flush()
    # Not a normal interpreter exit: the stdin thread is blocked in a read, holding the
    # stream's lock, and Python aborts when it finalizes such a stream.
    os._exit(0)


if __name__ == "__main__":
    main()
