"""A rendered dashboard opened in the project's Chromium (Debian's, driven by Playwright), as a
reader would open it: from file://, with every network request refused and recorded.

The browser test uses `opened`; run as a script it saves the README's screenshots of any
rendered dashboard:

    .venv/bin/python tests/dashboard_browser.py results/dashboard/index.html docs/dashboard
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engines.browser_launch import CHROMIUM_FLAGS  # noqa: E402
from engines.registry import make  # noqa: E402

LOAD_MS = 60_000
# (file name, what it shows: a CSS selector, or None for the whole page)
SHOTS = (("dashboard.png", None), ("regressions.png", "#regressions"), ("features.png", "#features"),
         ("bench.png", "#bench"), ("trends.png", "#trends"))


@dataclass
class Events:
    """What the page did besides drawing: each list must stay empty."""

    requests: list[str] = field(default_factory=list)      # anything but file:// (refused)
    dialogs: list[str] = field(default_factory=list)       # alert(), confirm(), ...
    errors: list[str] = field(default_factory=list)        # uncaught exceptions, console errors (CSP)


@contextlib.contextmanager
def opened(index: Path, width: int = 1400) -> Iterator[tuple[object, Events]]:
    """(Playwright page, events) with the dashboard loaded and its charts drawn (or failed)."""
    from playwright.sync_api import sync_playwright

    chromium = make("chromium")
    events = Events()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium.executable()), args=CHROMIUM_FLAGS,
                                     timeout=LOAD_MS)
        try:
            context = browser.new_context(viewport={"width": width, "height": 900}, offline=True)
            context.route("**/*", lambda route: _file_only(route, events))
            page = context.new_page()
            page.on("dialog", lambda d: (events.dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: events.errors.append(str(e)))
            page.on("console", lambda m: m.type == "error" and events.errors.append(m.text))
            page.goto(index.resolve().as_uri(), timeout=LOAD_MS)
            page.wait_for_selector("html[data-charts]", timeout=LOAD_MS)
            yield page, events
        finally:
            browser.close()


def _file_only(route, events: Events) -> None:
    url = route.request.url
    if url.startswith("file:"):
        route.continue_()
    else:
        events.requests.append(url)
        route.abort()


def screenshots(page, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, selector in SHOTS:
        path = out / name
        if selector is None:
            page.evaluate("window.scrollTo(0, 0)")  # the top of the page, whatever was shot before
            page.screenshot(path=str(path), full_page=False)
        elif page.locator(selector).count():
            page.locator(selector).screenshot(path=str(path))
        else:
            continue
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    index, out = Path(argv[0]), Path(argv[1])
    if not index.is_file():
        print(f"error: {index}: no such dashboard page (wasm-harness dashboard --out DIR writes one)",
              file=sys.stderr)
        return 2
    with opened(index) as (page, events):
        written = screenshots(page, out)
    for path in written:
        print(f"wrote {path}")
    problems = events.requests + events.dialogs + events.errors
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
