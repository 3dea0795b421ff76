"""Browsers on a Playwright server (`playwright run-server`), reached with `connect` instead of `launch`.

A browser configuration with an `endpoint` (engines.toml, `--engine NAME:endpoint=ws://HOST:PORT/`,
`--browser-server NAME=ws://HOST:PORT/` or the environment variable below) does not start a
browser here: its worker connects to the server, which launches the browser on its own machine,
with the launch options we send in the `x-playwright-launch-options` header (executable, flags,
Firefox preferences, headless). Playwright's server accepts the executable, the flags and the
preferences only when it was started with `--unsafe`; without it, it drops them silently and
starts a browser of its own choosing, which fails on a machine without Playwright's downloaded
browsers (the error says so).

    .venv/bin/python -m playwright run-server --port 3000 --host 0.0.0.0 --unsafe   # on the browser machine

How the remote browser reaches our page (engines/browser_server.py):

* by default the page stays on 127.0.0.1 here, and Playwright carries the browser's requests for
  loopback addresses back through the same WebSocket (`connect(expose_network="<loopback>")`):
  nothing on this machine has to be reachable from the browser's, and the page is still a
  secure context (loopback), so it is cross-origin isolated;
* with `page_host` (the name or address the browser uses for this machine; `page_bind` and
  `page_port` say where the server listens) the browser fetches the page directly. That origin
  is plain HTTP on a non-loopback name, which browsers do not treat as secure; the worker tells
  the browser to treat exactly that origin as secure, so the page keeps its isolation.

This module also answers, for an adapter, whether a server is there and which browser version it
runs: `probe()` connects once in a child process (a Playwright session needs its own event loop
and driver; the harness keeps neither).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

# NAME=URL pairs (separated by commas or spaces) that make configuration NAME a remote browser.
ENV = "WASM_HARNESS_BROWSER_SERVER"
CONNECT_SECONDS = 60.0  # connect, and the server's launch of the browser
# What `expose_network` hands back through the WebSocket: the worker's loopback, where the page is.
EXPOSE_LOOPBACK = "<loopback>"
HINT_UNSAFE = ("(a Playwright server uses our executable, flags and preferences only when started with "
               "--unsafe: `python -m playwright run-server --port PORT --unsafe`)")


def endpoint_problem(url: object) -> str | None:
    """Why `url` cannot be a Playwright server's endpoint, or None."""
    if not isinstance(url, str) or not url:
        return f"endpoint {url!r} is not a ws:// or wss:// URL"
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        return f"endpoint {url!r} is not a ws:// or wss:// URL (e.g. ws://127.0.0.1:3000/)"
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return f"endpoint {url!r} has a bad port"
    return None


def shown(url: str) -> str:
    """The endpoint as rows, metadata and messages show it: no user, password or query values.

    Hosted Playwright services put access tokens in the URL; a report is no place for them.
    """
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port is not None:
        netloc += f":{parts.port}"
    query = "&".join(f"{kv.partition('=')[0]}=..." for kv in parts.query.split("&") if kv)
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def parse_servers(text: str, where: str) -> dict[str, str]:
    """`chromium=ws://h:3000/ firefox=ws://h:3001/` -> {name: url}; a malformed pair is a ValueError."""
    servers: dict[str, str] = {}
    for item in text.replace(",", " ").split():
        name, eq, url = item.partition("=")
        if not eq or not name:
            raise ValueError(f"{where}: {item!r} is not NAME=ws://HOST:PORT/")
        problem = endpoint_problem(url)
        if problem:
            raise ValueError(f"{where}: {name}: {problem}")
        servers[name] = url
    return servers


def env_servers() -> dict[str, str]:
    """The remote browsers the environment names (see ENV); a malformed value is a ValueError."""
    return parse_servers(os.environ.get(ENV, ""), ENV)


@dataclass(frozen=True)
class ProbeResult:
    version: str = ""
    error: str = ""


_probes: dict[tuple, ProbeResult] = {}
_probes_lock = threading.Lock()


def probe(browser: str, endpoint: str, launch: dict) -> ProbeResult:
    """Connect once to the server (in a child process): the browser's version, or why not.

    Once per process for each server and browser binary: a configuration with another flag
    (the feature suite's V8-flag retries) runs the same browser.
    """
    key = (browser, endpoint, launch.get("executablePath"), launch.get("channel"))
    with _probes_lock:
        if key not in _probes:
            _probes[key] = _probe(browser, endpoint, launch)
        return _probes[key]


def _probe(browser: str, endpoint: str, launch: dict) -> ProbeResult:
    request = json.dumps({"browser": browser, "endpoint": endpoint, "launch": launch})
    try:
        out = subprocess.run([sys.executable, "-m", "engines.remote_browser", request], capture_output=True,
                             text=True, timeout=CONNECT_SECONDS + 30, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return ProbeResult(error=f"the Playwright server at {shown(endpoint)} did not answer within "
                                 f"{CONNECT_SECONDS + 30:g} s")
    lines = out.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else {}
    except ValueError:
        answer = {}
    if answer.get("version"):
        return ProbeResult(version=str(answer["version"]))
    if answer.get("error"):
        return ProbeResult(error=str(answer["error"]))
    why = " | ".join(out.stderr.strip().splitlines()[-3:]) or f"exit {out.returncode}"
    return ProbeResult(error=f"the Playwright server at {shown(endpoint)}: the probe failed: {why}")


def connect(pw, browser: str, endpoint: str, launch: dict, expose_loopback: bool):
    """A Browser of `pw` (a sync Playwright) from the server, launched with `launch` (Playwright's
    launch options, camelCase, as the server reads them)."""
    browser_type = getattr(pw, browser)
    return browser_type.connect(endpoint, timeout=CONNECT_SECONDS * 1000,
                                headers={"x-playwright-launch-options": json.dumps(launch)},
                                expose_network=EXPOSE_LOOPBACK if expose_loopback else None)


def explain(error: BaseException | str, endpoint: str) -> str:
    """Playwright's error as one line that names the server, with the --unsafe hint where it helps."""
    text = str(error)
    # Playwright's messages come with call logs under ===== rules and advice in ╔═╗ boxes.
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and ln.strip()[0] not in "=╔║╚"]
    message = " | ".join(lines[:3]) or type(error).__name__
    where = shown(endpoint)
    if any(code in text for code in ("ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT")):
        return f"no Playwright server answers at {where} ({message})"
    if "Executable doesn't exist" in text:
        return f"the Playwright server at {where} could not start the browser: {message} {HINT_UNSAFE}"
    return f"the Playwright server at {where}: {message}"


def main() -> None:
    request = json.loads(sys.argv[1])
    endpoint = request["endpoint"]
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = connect(pw, request["browser"], endpoint, request.get("launch") or {},
                              expose_loopback=False)
            version = browser.version
            browser.close()
        print(json.dumps({"version": version}))
    except Exception as e:  # noqa: BLE001 - every failure is the answer: why there is no browser
        print(json.dumps({"error": explain(e, endpoint)}))


if __name__ == "__main__":
    main()
