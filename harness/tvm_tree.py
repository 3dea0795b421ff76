"""A TVM source tree for the `tvm` runtime's web runtime, assembled from PyPI packages.

The apache-tvm 0.27 wheel ships the web runtime's sources (web/Makefile, web/emcc/*.cc and the
src/runtime/*.cc they include) but not ten headers they include (harness/ml_tvm.py
SOURCE_FILES). Set-up fills the gaps so the runtime builds on a machine with no TVM checkout:

- `include/`, `src/` and `web/`: copied from the installed apache-tvm package, unchanged;
- `3rdparty/tvm-ffi`: a link to the installed apache-tvm-ffi package, which ships its include/ and
  src/ (what TVM's own checkout has as a git submodule);
- `include/tvm/support/` and `src/support/*.h`: from the TVM that PyPI tilelang 0.1.15 vendors
  (its wheel's tilelang/3rdparty/tvm; version 0.25.dev0), only the files the wheel lacks;
- two stand-ins of ours (harness/tvm_stand_ins/): `include/tvm/support/cuda/nvtx.h`, a no-op NVTX
  range (the web runtime has no CUDA), and `3rdparty/compiler-rt/builtin_fp16.h`, the half<->float
  conversions sort.cc includes (tests/test_tvm_tree.py checks them against numpy for every half).

A user's own checkout (`--tvm-home DIR` or TVM_HOME) always wins over this tree. The rows say
which tree built the runtime (ml_tvm.tree_label).

Run as `python -m harness.tvm_tree` (set-up does): fetches the pinned tilelang wheel once with
pip, checks its hash, and prints the tree's path. Later runs reuse both by content.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from engines.protocol import cache_root

TILELANG = "tilelang==0.1.15"
TILELANG_WHEEL = "tilelang-0.1.15-cp39-abi3-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"
TILELANG_SHA256 = "ca021a3450ad84b8fe7deb1b659c8d3d2e4b0855fdb59e2992a5349acf019881"
VENDORED = "tilelang/3rdparty/tvm/"
# The folders whose headers the apache-tvm wheel lacks, taken from the vendored TVM.
TAKEN = ("include/tvm/support/", "src/support/")
STAND_INS = Path(__file__).with_name("tvm_stand_ins")
PLACED = {"nvtx.h": "include/tvm/support/cuda/nvtx.h",
          "builtin_fp16.h": "3rdparty/compiler-rt/builtin_fp16.h"}
MARK = ".assembled-from"


class TreeError(Exception):
    """The tree cannot be assembled: names the package or file that is missing."""


def wheels_dir() -> Path:
    return cache_root() / "tvm" / "wheels"


def tree_dir() -> Path:
    """Where set-up puts the assembled tree (the tvm runtime's default when no tree is given)."""
    return cache_root() / "tvm" / "tree"


def fetch_wheel() -> Path:
    """The pinned tilelang wheel, downloaded once by pip (no dependencies, nothing installed)."""
    wheel = wheels_dir() / TILELANG_WHEEL
    if not wheel.exists() or _sha256(wheel) != TILELANG_SHA256:
        wheels_dir().mkdir(parents=True, exist_ok=True)
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                               "--quiet", "-d", str(wheels_dir()), TILELANG], capture_output=True, text=True,
                              check=False)
        if done.returncode != 0 or not wheel.exists():
            raise TreeError(f"pip download {TILELANG} failed: {(done.stderr or done.stdout).strip()[-800:]}")
    if _sha256(wheel) != TILELANG_SHA256:
        raise TreeError(f"{wheel}: sha256 {_sha256(wheel)}, expected {TILELANG_SHA256}")
    return wheel


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _package_dir(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise TreeError(f"python package {name} is not installed (see setup/requirements.lock)")
    return Path(next(iter(spec.submodule_search_locations)))


def _label() -> str:
    from importlib.metadata import version

    return f"apache-tvm {version('apache-tvm')} + headers from {TILELANG}'s vendored TVM + 2 stand-ins"


def assemble(dest: Path | None = None, wheel: Path | None = None) -> Path:
    """The assembled tree at `dest` (default tree_dir()), rebuilt only when its inputs changed."""
    dest = dest or tree_dir()
    tvm, ffi = _package_dir("tvm"), _package_dir("tvm_ffi")
    wheel = wheel or fetch_wheel()
    label = _label()
    if (dest / MARK).is_file() and (dest / MARK).read_text() == label and _stand_ins_current(dest):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".tree-", dir=dest.parent))
    try:
        for part in ("include", "src", "web"):
            shutil.copytree(tvm / part, work / part, ignore=shutil.ignore_patterns("__pycache__"))
        (work / "3rdparty").mkdir()
        (work / "3rdparty" / "tvm-ffi").symlink_to(ffi)
        taken = _take_vendored(wheel, work)
        if not taken:
            raise TreeError(f"{wheel}: no {VENDORED}{{{','.join(TAKEN)}}} files in it")
        for name, place in PLACED.items():
            (work / place).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(STAND_INS / name, work / place)
        (work / MARK).write_text(label)
        if dest.exists():
            shutil.rmtree(dest)
        work.rename(dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest


def _take_vendored(wheel: Path, work: Path) -> list[str]:
    """Copies the vendored TVM's headers under TAKEN that the apache-tvm copy lacks."""
    taken = []
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            relative = name[len(VENDORED):] if name.startswith(VENDORED) else ""
            if not relative.startswith(TAKEN) or not relative.endswith(".h") or (work / relative).exists():
                continue
            (work / relative).parent.mkdir(parents=True, exist_ok=True)
            (work / relative).write_bytes(archive.read(name))
            taken.append(relative)
    return taken


def _stand_ins_current(dest: Path) -> bool:
    return all((dest / place).is_file() and (dest / place).read_bytes() == (STAND_INS / name).read_bytes()
               for name, place in PLACED.items())


def main() -> int:
    try:
        print(assemble())
    except TreeError as e:
        print(f"wasm-harness: tvm tree: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
