"""The dashboard's JavaScript and CSS: npm packages pinned in package.json, copied into the folder.

The page must work with no network (a CI artifact, a file on a laptop), so
nothing is loaded from a CDN: set-up installs the packages into node_modules
(`npm ci`, package-lock.json) and every render copies the built files, with
their licences, into `DIR/vendor/`. The page's own script and style sheet sit
beside this module.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
# reports/dashboard/assets.py -> the checkout (reports/ may not import engines.protocol's PROJECT_ROOT).
NODE_MODULES = HERE.parents[1] / "node_modules"
VENDOR = "vendor"


class MissingAssetError(RuntimeError):
    """A pinned npm file is not in node_modules: set-up has not run (exit 2, naming the file)."""


@dataclass(frozen=True)
class Asset:
    package: str
    path: str         # inside the package
    name: str         # in DIR/vendor/

    def source(self, root: Path) -> Path:
        return root / self.package / self.path


# In load order: vega-lite and vega-embed find vega (and vega-lite) as globals.
SCRIPTS = (
    Asset("vega", "build/vega.min.js", "vega.min.js"),
    Asset("vega-lite", "build/vega-lite.min.js", "vega-lite.min.js"),
    Asset("vega-embed", "build/vega-embed.min.js", "vega-embed.min.js"),
    # Click a header to sort (sortable-tablesort: 2 KB, no dependencies, sorts by data-sort when given).
    Asset("sortable-tablesort", "dist/sortable.min.js", "sortable.min.js"),
    Asset("sortable-tablesort", "dist/sortable.a11y.min.js", "sortable.a11y.min.js"),
)
STYLES = (Asset("sortable-tablesort", "dist/sortable-base.min.css", "sortable-base.min.css"),)
PACKAGES = ("vega", "vega-lite", "vega-embed", "sortable-tablesort")
# The page's own files, next to this module.
OWN = ("dashboard.js", "dashboard.css")


def versions(root: Path | None = None) -> dict[str, str]:
    """{package: installed version}, for the page's footer."""
    root = root or NODE_MODULES
    found = {}
    for package in PACKAGES:
        meta = root / package / "package.json"
        if meta.is_file():
            found[package] = str(json.loads(meta.read_text()).get("version", ""))
    return found


def check(root: Path | None = None) -> None:
    root = root or NODE_MODULES
    missing = [a.source(root) for a in (*SCRIPTS, *STYLES) if not a.source(root).is_file()]
    if missing:
        raise MissingAssetError(f"{missing[0]}: not found; the dashboard's JavaScript comes from npm "
                                "packages pinned in package.json (make setup installs them)")


def copy(out: Path, root: Path | None = None) -> list[Path]:
    """The vendored files and their licences into out/vendor/, the page's own into out/."""
    root = root or NODE_MODULES
    check(root)
    vendor = out / VENDOR
    vendor.mkdir(parents=True, exist_ok=True)
    written = []
    for asset in (*SCRIPTS, *STYLES):
        written.append(_copy(asset.source(root), vendor / asset.name))
    for package in PACKAGES:
        licence = root / package / "LICENSE"
        if licence.is_file():
            written.append(_copy(licence, vendor / f"{package}.LICENSE.txt"))
    for name in OWN:
        written.append(_copy(HERE / name, out / name))
    return written


def _copy(source: Path, target: Path) -> Path:
    # Unchanged files are left alone: a nightly re-rendering into the same folder copies nothing.
    if not (target.is_file() and target.stat().st_size == source.stat().st_size
            and target.read_bytes() == source.read_bytes()):
        shutil.copyfile(source, target)
    return target
