"""The jsapi suite's files: testharness.js-style `.any.js` tests, their META lines and scripts.

A suite directory is laid out as WPT's `wasm/jsapi` or the spec repository's
`test/js-api`: `.any.js` files in folders, helper scripts beside them. A file's
header may say

    // META: global=window,dedicatedworker,jsshell   (where it runs; default window,dedicatedworker)
    // META: script=/wasm/jsapi/assertions.js        (scripts run before it, in order)
    // META: timeout=long                             (60 s instead of 10 s)

Script paths are WPT's: absolute ones (`/wasm/jsapi/x.js`) resolve against the
suite directory, which stands for WPT's `wasm/jsapi` (the spec repository's
`test/js-api` mirrors it); other absolute ones (`/common/x.js`) against the WPT
root two levels up, or the spec repository's `test/` one level up; relative ones
against the test file's folder. A script that resolves nowhere is that file's
load error, not the run's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from engines.protocol import PROJECT_ROOT

OUR_SUITE = PROJECT_ROOT / "suites" / "jsapi"
OUR_HARNESS = OUR_SUITE / "resources" / "testharness.js"
RUN_FILE = OUR_SUITE / "resources" / "run_file.js"

WPT_PREFIX = "/wasm/jsapi/"
DEFAULT_GLOBALS = ("window", "dedicatedworker")   # WPT's default for .any.js
KNOWN_GLOBALS = ("window", "dedicatedworker", "jsshell")
TIMEOUTS_S = {"normal": 10.0, "long": 60.0}

_META = re.compile(r"^\s*//\s*META:\s*(?P<key>[\w-]+)\s*=\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True)
class Script:
    reference: str          # as the META line wrote it
    path: Path | None       # None: it resolves to no file


@dataclass(frozen=True)
class TestFile:
    path: Path
    name: str               # relative to the suite directory, with '/' (the rows' `file`)
    globals: tuple[str, ...]
    scripts: tuple[Script, ...] = ()
    timeout_s: float = TIMEOUTS_S["normal"]
    title: str = ""
    ignored_globals: tuple[str, ...] = field(default=())   # scopes we do not run (shadowrealm, ...)

    @property
    def missing_scripts(self) -> list[str]:
        return [s.reference for s in self.scripts if s.path is None]


def parse_meta(text: str) -> list[tuple[str, str]]:
    """The META lines of a file's header (they stop at the first line that is code)."""
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        match = _META.match(line)
        if match:
            found.append((match["key"], match["value"]))
        elif not stripped.startswith("//"):
            break
    return found


def script_roots(suite_dir: Path) -> list[Path]:
    """Where a non-`/wasm/jsapi/` absolute script path may live: WPT's root (suite = wasm/jsapi),
    the spec repository's test/ (suite = test/js-api)."""
    return [suite_dir.parent.parent, suite_dir.parent]


def resolve_script(reference: str, test_path: Path, suite_dir: Path) -> Path | None:
    if reference.startswith(WPT_PREFIX):
        candidates = [suite_dir / reference[len(WPT_PREFIX):]]
    elif reference.startswith("/"):
        candidates = [root / reference.lstrip("/") for root in script_roots(suite_dir)]
    else:
        candidates = [test_path.parent / reference]
    return next((c.resolve() for c in candidates if c.is_file()), None)


def load_file(path: Path, suite_dir: Path, normal_timeout: float | None = None) -> TestFile:
    text = path.read_text(encoding="utf-8", errors="replace")
    globals_: list[str] | None = None
    scripts: list[Script] = []
    timeouts = TIMEOUTS_S if normal_timeout is None else {
        "normal": normal_timeout, "long": normal_timeout * TIMEOUTS_S["long"] / TIMEOUTS_S["normal"]}
    timeout = timeouts["normal"]
    title = ""
    for key, value in parse_meta(text):
        if key == "global":
            globals_ = [g.strip() for g in value.split(",") if g.strip()]
        elif key == "script":
            scripts.append(Script(value, resolve_script(value, path, suite_dir)))
        elif key == "timeout":
            timeout = timeouts.get(value, timeout)
        elif key == "title":
            title = value
    named = globals_ if globals_ is not None else list(DEFAULT_GLOBALS)
    # WPT: `worker` means dedicated, shared and service workers; a dedicated one is what we run.
    expanded = ["dedicatedworker" if g in ("worker", "dedicatedworker-module") else g for g in named]
    runs = tuple(dict.fromkeys(g for g in expanded if g in KNOWN_GLOBALS))
    ignored = tuple(g for g in expanded if g not in KNOWN_GLOBALS)
    return TestFile(path=path, name=path.relative_to(suite_dir).as_posix(), globals=runs,
                    scripts=tuple(scripts), timeout_s=timeout,
                    title=title or path.name.split(".")[0], ignored_globals=ignored)


def discover(suite_dir: Path, patterns: list[str] | None = None,
             normal_timeout: float | None = None) -> list[TestFile]:
    """Every `.any.js` file under `suite_dir` (sorted), or those whose name matches a pattern;
    `normal_timeout` replaces the 10 s limit (and scales the long one)."""
    import fnmatch

    paths = sorted(p for p in suite_dir.rglob("*.any.js") if p.is_file())
    files = [load_file(p, suite_dir, normal_timeout) for p in paths]
    if patterns:
        files = [f for f in files if any(fnmatch.fnmatch(f.name, p) or p in f.name for p in patterns)]
    return files


def find_harness(folder: Path) -> Path | None:
    """testharness.js in a `--harness` folder (the spec repository's test/harness/, WPT's resources/)."""
    for candidate in (folder / "testharness.js", folder / "resources" / "testharness.js"):
        if candidate.is_file():
            return candidate
    return None
