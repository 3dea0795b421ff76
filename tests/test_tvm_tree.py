"""The TVM source tree set-up assembles from PyPI packages (harness/tvm_tree.py): it has every file
the web runtime needs, says what it is made of, is rebuilt only when its inputs change, names a
wheel that lacks the vendored TVM, and its fp16 stand-in converts exactly as numpy does."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from harness import ml_runtimes, tvm_tree  # noqa: F401  (ml_tvm needs ml_runtimes imported first)
from harness.ml_tvm import SOURCE_FILES, tree_problem


def test_the_assembled_tree_has_every_file_the_web_runtime_needs(tmp_path: Path) -> None:
    tree = tvm_tree.assemble(tmp_path / "tree")
    assert tree_problem(tree) is None
    assert all((tree / f).is_file() for f in SOURCE_FILES)
    label = (tree / tvm_tree.MARK).read_text()
    assert "apache-tvm 0.27" in label and tvm_tree.TILELANG in label
    # The vendored TVM only fills gaps: the wheel's own runtime sources are kept as they are.
    import tvm

    wheel = Path(tvm.__file__).resolve().parent
    assert (tree / "src/runtime/vm/vm.cc").read_bytes() == (wheel / "src/runtime/vm/vm.cc").read_bytes()
    assert (tree / "3rdparty/tvm-ffi/include/tvm/ffi/c_api.h").is_file()


def test_assembling_again_with_nothing_changed_keeps_the_tree(tmp_path: Path) -> None:
    tree = tvm_tree.assemble(tmp_path / "tree")
    marker = tree / "include/tvm/support/io.h"
    before = marker.stat().st_mtime_ns
    assert tvm_tree.assemble(tmp_path / "tree") == tree and marker.stat().st_mtime_ns == before
    # A changed stand-in is an input that changed: the tree is made again.
    (tree / tvm_tree.PLACED["nvtx.h"]).write_text("// edited\n")
    tvm_tree.assemble(tmp_path / "tree")
    assert (tree / tvm_tree.PLACED["nvtx.h"]).read_bytes() == (tvm_tree.STAND_INS / "nvtx.h").read_bytes()


def test_a_wheel_without_the_vendored_tvm_is_named(tmp_path: Path) -> None:
    wheel = tmp_path / "empty.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("tilelang/__init__.py", "")
    with pytest.raises(tvm_tree.TreeError, match="empty.whl: no tilelang/3rdparty/tvm/"):
        tvm_tree.assemble(tmp_path / "tree", wheel=wheel)
    assert not (tmp_path / "tree").exists()  # nothing half-made is left behind


PROGRAM = r"""
#include "builtin_fp16.h"
#include <cstdio>
int main() {
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = __extendXfYf2__<uint16_t, uint16_t, 10, float, uint32_t, 23>(uint16_t(h));
    uint32_t bits; std::memcpy(&bits, &f, 4); std::printf("%u\n", bits);
  }
  uint32_t x;
  while (std::scanf("%u", &x) == 1) {
    float f; std::memcpy(&f, &x, 4);
    std::printf("%u\n", unsigned(__truncXfYf2__<float, uint32_t, 23, uint16_t, uint16_t, 10>(f)));
  }
}
"""


def test_the_fp16_stand_in_converts_as_numpy_does(tmp_path: Path) -> None:
    # sort.cc sorts half tensors through these: every half to float, and floats to half rounding to
    # nearest even (edge cases plus a spread of random bit patterns), bit for bit; NaN stays NaN.
    compiler = shutil.which("clang++-19")
    assert compiler, "clang++-19 (Debian clang-19, setup/apt-packages.txt)"
    source = tmp_path / "fp16.cc"
    source.write_text(PROGRAM)
    binary = tmp_path / "fp16"
    subprocess.run([compiler, "-O2", "-I", str(tvm_tree.STAND_INS), str(source), "-o", str(binary)],
                   check=True)
    rng = np.random.default_rng(15)
    edges = np.array([0.0, -0.0, 65504.0, 65520.0, 65519.99, 2.0**-24, 2.0**-25, 2.0**-25 * 1.0001, 2.0**-14,
                      1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11, np.inf, -np.inf, np.nan], dtype=np.float32)
    floats = np.concatenate([edges, rng.integers(0, 2**32, 200_000, dtype=np.uint64).astype(np.uint32)
                             .view(np.float32)])
    done = subprocess.run([str(binary)], input="\n".join(map(str, floats.view(np.uint32))),
                          capture_output=True, text=True, check=True)
    out = np.array(done.stdout.split(), dtype=np.uint64)
    halves = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16)
    extended = out[:65536].astype(np.uint32).view(np.float32)
    nan = np.isnan(halves)
    assert np.isnan(extended[nan]).all()
    assert (extended[~nan].view(np.uint32) == halves[~nan].astype(np.float32).view(np.uint32)).all()
    truncated = out[65536:].astype(np.uint16)
    with np.errstate(over="ignore"):
        expected = floats.astype(np.float16)
    nan = np.isnan(floats)
    assert np.isnan(truncated[nan].view(np.float16)).all()
    assert (truncated[~nan] == expected[~nan].view(np.uint16)).all()
