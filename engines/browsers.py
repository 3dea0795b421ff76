"""Browsers (Chromium, Firefox) through Playwright for Python, in engines/browser_worker.py.

The browsers are the system's (Debian `chromium`, `chromium-headless-shell`,
`firefox-esr`): Playwright drives them but never downloads its own.

Options:
  executable  the browser binary (absolute, or relative to the project)
  args        extra command-line flags (a list, or one string split like a shell)
  headless    default true
  prefs       Firefox only: about:config preferences (a table)
  roots       more directories the page may load modules from (besides the harness cache)
  endpoint    a Playwright server (ws://HOST:PORT/) that launches the browser on its machine
              (engines/remote_browser.py); `executable` is then a path on that machine
  page_host, page_bind, page_port
              where the page server listens and the name the browser uses for it (default
              127.0.0.1, any free port; a remote browser reaches that through Playwright's tunnel)

Where the browser runs (endpoint, page_*) is not part of the flags every row records: the
run's engine metadata says `remote` with the endpoint, and the version is the one the remote
browser reports.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import ClassVar

from engines import remote_browser
from engines.base import Availability, Engine
from engines.browser_launch import launch_options
from engines.protocol import PROJECT_ROOT, WorkerSpec

# Options that say where the browser and the page live, not how the browser runs.
PLACEMENT = ("endpoint", "page_host", "page_bind", "page_port")


@cache
def _version_output(executable: str) -> str:
    out = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    return out.stdout.strip()


@cache
def _playwright_problem() -> str:
    """Why Playwright cannot drive a browser here, or ""."""
    try:
        from playwright._impl._driver import compute_driver_executable
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError as e:
        return f"python package playwright cannot be imported: {e} (make setup installs it)"
    node, cli = compute_driver_executable()
    missing = [p for p in (node, cli) if not Path(p).exists()]
    return f"playwright's driver is missing: {missing[0]}" if missing else ""


class BrowserEngine(Engine):
    has_javascript = True
    OPTIONS: ClassVar[dict[str, str]] = {
        "executable": "the browser binary (absolute, or relative to the project)",
        "args": "extra command-line flags (a list, or one string split like a shell)",
        "headless": "run without a window (default true)",
        "roots": "more directories the page may load modules from",
        "endpoint": "a Playwright server, ws://HOST:PORT/, that launches the browser on its machine "
                    "(`playwright run-server --unsafe`); executable is then a path there",
        "page_host": "the name or address the browser uses for this machine's page server (default "
                     "127.0.0.1; a remote browser reaches that through Playwright's tunnel)",
        "page_bind": "the address the page server listens on (default 127.0.0.1)",
        "page_port": "the page server's port (default: any free one)",
    }
    browser = "chromium"
    default_executable = "/usr/lib/chromium/chromium-headless-shell"
    package = "chromium-headless-shell"

    @classmethod
    def options_problem(cls, options: dict) -> str | None:
        if "endpoint" in options:
            return remote_browser.endpoint_problem(options["endpoint"])
        return None

    @property
    def endpoint(self) -> str | None:
        """The Playwright server that runs this browser, or None when it runs here."""
        return self.options.get("endpoint") or None

    @property
    def flags(self) -> str:
        return " ".join(f"{k}={v}" for k, v in sorted(self.options.items()) if k not in PLACEMENT)

    def metadata(self) -> dict:
        return {"remote": remote_browser.shown(self.endpoint)} if self.endpoint else {}

    def executable(self) -> Path:
        path = Path(str(self.options.get("executable", self.default_executable))).expanduser()
        if self.endpoint:  # a path on the server's machine: nothing to look for here
            return path
        return path if path.is_absolute() else PROJECT_ROOT / path

    def _remote(self) -> remote_browser.ProbeResult:
        options = dict(self.options, browser=self.browser, executable=str(self.executable()))
        return remote_browser.probe(self.browser, str(self.endpoint), launch_options(options))

    def availability(self) -> Availability:
        if self.endpoint:
            problem = _playwright_problem() or self._remote().error
            return Availability(not problem, problem)
        exe = self.executable()
        if not exe.is_file():
            return Availability(False, f"{exe} not found (make setup installs the Debian package "
                                       f"{self.package})")
        try:
            if not self.version():
                return Availability(False, f"{exe} --version printed no version")
        except (OSError, subprocess.SubprocessError) as e:
            return Availability(False, f"{exe} does not run: {e}")
        problem = _playwright_problem()
        return Availability(not problem, problem)

    def version(self) -> str:
        if self.endpoint:  # as the remote browser reports it
            return self._remote().version
        exe = self.executable()
        if not exe.is_file():
            return ""
        # "Chromium 156.0.8078.79", "Mozilla Firefox 153.7.0esr"
        match = re.search(r"\b(\d+(?:\.\d+)+[a-z]*)", _version_output(str(exe)))
        return match[1] if match else ""

    def worker_spec(self) -> WorkerSpec:
        options = dict(self.options, browser=self.browser, executable=str(self.executable()))
        return WorkerSpec(argv=[sys.executable, "-m", "engines.browser_worker", json.dumps(options)],
                          cwd=str(PROJECT_ROOT), label=self.name, buffers_replies=True,
                          # The page is up before a script is sent (hello waits for it), and wasm in a
                          # browser cannot interrupt itself: a short grace, so a hang costs about one
                          # --timeout, not a timeout plus the 5 s that starting processes need.
                          exit_grace=0.0, reply_grace=2.0)


class ChromiumEngine(BrowserEngine):
    browser = "chromium"
    default_executable = "/usr/lib/chromium/chromium-headless-shell"
    package = "chromium-headless-shell (or chromium)"

    def with_v8_flag(self, flag: str) -> Engine | None:
        # Chromium's V8 spells its wasm flags --wasm-X and ignores --experimental-wasm-X.
        v8_flag = flag.replace("--experimental-wasm-", "--wasm-")
        args = self.options.get("args", [])
        args = args.split() if isinstance(args, str) else list(args)
        return type(self)(f"{self.name}+{flag}", {**self.options, "args": [*args, f"--js-flags={v8_flag}"]})


class FirefoxEngine(BrowserEngine):
    OPTIONS: ClassVar[dict[str, str]] = {
        **BrowserEngine.OPTIONS, "prefs": "about:config preferences (a table)"}
    browser = "firefox"
    default_executable = "/usr/lib/firefox-esr/firefox-esr"
    package = "firefox-esr"
