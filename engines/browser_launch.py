"""How a browser configuration is launched: one set of launch options, whoever launches it.

The worker launches a local browser with these options (engines/browser_worker.py), and a
remote Playwright server gets the same ones in its connect header (engines/remote_browser.py),
so a configuration's flags and preferences mean the same wherever the browser runs. The keys are
Playwright's own (camelCase), as the server reads them; `python_kwargs` renames them for
`browser_type.launch`.
"""

from __future__ import annotations

import ipaddress
import shlex

# Chromium flags that keep a test browser quiet and offline. --enable-crash-reporter: without
# Crashpad the headless shell's renderer dies on the first out-of-bounds wasm access instead
# of trapping (V8's trap handler is chained behind Crashpad's signal handler); dumps would go
# to the worker's private TMPDIR, and nothing is uploaded.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--enable-crash-reporter"]
# WebGPU (the `webgpu` feature probe): a fallback adapter, since there is no GPU here.
FIREFOX_PREFS = {"dom.webgpu.enabled": True, "gfx.webgpu.ignore-blocklist": True}
START_SECONDS = 60.0  # launch + page load
_PYTHON_NAMES = {"executablePath": "executable_path", "firefoxUserPrefs": "firefox_user_prefs"}


def as_list(value: object) -> list[str]:
    """A list option: a TOML list, or one string split like a shell."""
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    return [str(v) for v in value]  # type: ignore[union-attr]


def launch_options(options: dict) -> dict:
    """Playwright's launch options for a browser configuration (the adapter's options)."""
    kind = options.get("browser", "chromium")
    launch: dict = {"headless": bool(options.get("headless", True)), "timeout": START_SECONDS * 1000}
    if options.get("executable"):
        launch["executablePath"] = str(options["executable"])
    args = as_list(options.get("args"))
    if kind == "firefox":
        # moz-firefox: Firefox through WebDriver BiDi, which a stock Firefox speaks (Playwright's
        # own protocol needs its patched build).
        launch.update(channel="moz-firefox", args=args,
                      firefoxUserPrefs=dict(FIREFOX_PREFS, **(options.get("prefs") or {})))
    else:
        launch["args"] = [*CHROMIUM_FLAGS, *args]
    return launch


def for_page(launch: dict, kind: str, origin: str, tunnelled: bool) -> dict:
    """The launch options, plus what the browser needs to use our page at `origin` as we do.

    `tunnelled`: a remote browser that reaches our loopback through Playwright's SOCKS proxy
    (`expose_network`). Chromium sends loopback requests through it by itself (Playwright adds
    `<-loopback>` to the bypass list); Firefox must be told not to bypass the proxy for localhost.

    A page host that is not loopback is plain HTTP on an untrustworthy origin: no secure context,
    so no cross-origin isolation, SharedArrayBuffer or fine timers. Each browser is told to treat
    exactly that origin as secure.
    """
    launch = dict(launch)
    host = origin.split("//", 1)[1].rsplit(":", 1)[0].strip("[]")
    if kind == "firefox":
        prefs = dict(launch.get("firefoxUserPrefs") or {})
        if tunnelled:
            prefs["network.proxy.allow_hijacking_localhost"] = True
        if not is_loopback(host):
            prefs["dom.securecontext.allowlist"] = host
        launch["firefoxUserPrefs"] = prefs
    elif not is_loopback(host):
        launch["args"] = [*launch.get("args", []), f"--unsafely-treat-insecure-origin-as-secure={origin}"]
    return launch


def python_kwargs(launch: dict) -> dict:
    """The options as keyword arguments of Playwright for Python's `launch`."""
    return {_PYTHON_NAMES.get(k, k): v for k, v in launch.items()}


def is_loopback(host: str) -> bool:
    """Whether browsers treat `host` as this machine's loopback (a potentially trustworthy origin)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
