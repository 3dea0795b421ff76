"""The ml suite's `tvm` runtime: Apache TVM (PyPI apache-tvm 0.27, relax) compiles the model for
wasm32 (`tvm:wasm:1`) and WebGPU (`tvm:webgpu:1`), and the TVM web runtime runs it on JS hosts.

Three steps, each cached by content under cache_root()/tvm/:

1. **compile** (`compile_objects`): the ONNX file through relax's ONNX frontend (weights bound as
   constants), legalised, for a wasm32 host (WebGPU: dlight's default GPU schedules, WGSL
   kernels), then `export_library` with a collecting `fcompile` whose object_format is "o": the
   wasm objects TVM hands the linker, the VM executable among them. Debian's wasm-ld (LLVM 14)
   cannot read TVM's newer LLVM bitcode, hence objects, not .bc.
2. **web runtime** (`web_runtime`): the runtime's bitcode (`wasm_runtime.bc`, `tvmjs_support.bc`,
   `webgpu_runtime.bc`) built by the user's TVM source tree's own web/Makefile, run with Debian's
   emcc in our cache (TVM_ROOT set to the tree; the tree itself is not written). The PyPI wheel
   lacks headers it needs (SOURCE_FILES), so without a tree every unit is `unsupported`, with
   that reason.
3. **link** (`link`): `tvm.support.emcc.create_tvmjs_wasm` with TVM_HOME pointed at our cache, so
   it finds the bitcode there; suites/ml/js/tvm.mjs runs the wasm through npm
   `@mlc-ai/web-runtime` (tvmjs) and a relax VirtualMachine.

The tree: `--tvm-home DIR` or TVM_HOME when given (a TVM checkout), else the one set-up assembles
from PyPI packages (harness/tvm_tree.py: the wheel's own sources, the missing headers from the TVM
that tilelang vendors, two stand-ins). Rows name the tree in their runtime version. All three
steps run in tests/test_ml_tvm.py, on Node (wasm) and Deno (WebGPU).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from engines.base import Engine
from engines.protocol import cache_root
from harness import emcc_build, ml_files, tvm_tree

# ml_runtimes imports this module for its REGISTRY: import harness.ml_runtimes first.
from harness.ml_runtimes import JS_DRIVER, Runtime, UnitUnsupported, Variant

MODELS = ("digits-cnn", "mlp", "minilm-fp32")
WASM_TRIPLE = "wasm32-unknown-unknown-wasm"
# What the web runtime's sources include that the PyPI wheel does not ship (issue 15 §4), and
# the sources themselves: a tree without any of them cannot build it.
SOURCE_FILES = (
    "3rdparty/compiler-rt/builtin_fp16.h",
    "3rdparty/tvm-ffi/include/tvm/ffi/c_api.h",
    "include/tvm/support/io.h",
    "include/tvm/support/serializer.h",
    "include/tvm/support/cuda/nvtx.h",
    "src/support/arena.h",
    "src/support/base64.h",
    "src/support/bytes_io.h",
    "src/support/ring_buffer.h",
    "src/support/utils.h",
    "web/Makefile",
    "web/emcc/wasm_runtime.cc",
    "web/emcc/tvmjs_support.cc",
    "web/emcc/webgpu_runtime.cc",
)
RUNTIME_BITCODE = ("wasm_runtime.bc", "tvmjs_support.bc", "webgpu_runtime.bc")
NO_TREE = ("no TVM source tree: the TVM web runtime (web/emcc/*.cc) needs headers the PyPI "
           "apache-tvm wheel lacks (include/tvm/support/io.h, serializer.h, src/support/*.h, "
           "3rdparty/compiler-rt/builtin_fp16.h); pass --tvm-home DIR, set TVM_HOME, or let set-up "
           "assemble one (python -m harness.tvm_tree)")
# What TVM 0.27's WGSL code generator says of a model that computes with int64 (MiniLM's inputs
# and its embedding lookups): WGSL has no 64-bit integers.
NO_WGSL_I64 = "CodeGenWebGPU: do not support i64"
TVMJS = ml_files.NODE_MODULES / "@mlc-ai" / "web-runtime" / "lib" / "index.js"
# Bump when the cache layout changes.
CACHE_FORMAT = 1


class TvmError(Exception):
    """A TVM compile, runtime build or link that failed: names the model or the tree."""


def tree_problem(home: Path | None) -> str | None:
    """Why `home` cannot build the web runtime, or None when it has every file it needs."""
    if home is None:
        return NO_TREE
    if not home.is_dir():
        return f"TVM source tree {home} is not a directory"
    missing = [f for f in SOURCE_FILES if not (home / f).is_file()]
    if missing:
        return f"TVM source tree {home} lacks {', '.join(missing)}"
    return None


def tvm_problem() -> str | None:
    try:
        import tvm  # noqa: F401
    except ImportError as e:
        return f"python package apache-tvm cannot be imported: {e}"
    return None


class TvmRuntime(Runtime):
    name = "tvm"
    variants = (Variant("tvm", "wasm", 1), Variant("tvm", "webgpu", 1))

    def __init__(self) -> None:
        self.home: Path | None = default_home()

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--tvm-home", metavar="DIR", type=Path,
                       help="a TVM source tree for the tvm runtime's web runtime (default: $TVM_HOME, "
                            "else the tree set-up assembles from PyPI packages; TVM_HOME= (empty) for "
                            "none); without one its units are unsupported, saying why")

    def configure(self, args: argparse.Namespace) -> None:
        from harness.suite import BadInputError

        given = getattr(args, "tvm_home", None)
        if given is not None and not given.is_dir():
            raise BadInputError(f"--tvm-home {given}: not a directory (a TVM source tree)")
        self.home = given or default_home()

    def problem(self, engine: Engine) -> str | None:
        if not engine.runs_wasm:
            return "the native baseline runs no wasm"
        return None if engine.has_javascript else "the TVM web runtime (tvmjs) needs JavaScript"

    def runs_model(self, meta: dict) -> bool:
        return meta.get("name") in MODELS

    def unit_problem(self, variant: Variant, engine: Engine) -> str | None:
        for reason in (tvm_problem(), None if emcc_build.emcc() else emcc_build.MISSING_EMCC,
                       tree_problem(self.home)):
            if reason:
                return f"{reason} ({variant.kind} on {engine.name})"
        return None

    def command(self, args: dict) -> dict:
        if self.home is None:
            raise TvmError(NO_TREE)
        shapes = {i["name"]: list(i["shape"]) for i in args["inputs"]}
        try:
            objects = compile_objects(Path(args["model"]), shapes, args["backend"])
        except TvmError as e:
            if args["backend"] == "webgpu" and NO_WGSL_I64 in str(e):
                raise UnitUnsupported("TVM's WebGPU code generator has no 64-bit integers, which this "
                                      f"model computes with: {NO_WGSL_I64}") from None
            raise
        wasm = link(objects, web_runtime(self.home))
        toolchain = (f"apache-tvm {_tvm_version()}, {emcc_build.emcc_version()}, @mlc-ai/web-runtime, "
                     f"runtime built from {tree_label(self.home)}")
        args = {**args, "module": str(ml_files.ML_JS / "tvm.mjs"), "tvmjs": str(TVMJS), "wasm": str(wasm),
                "toolchain": toolchain}
        files = [args["module"], str(ml_files.ML_JS / "common.mjs"), str(TVMJS), str(wasm),
                 *(i["file"] for i in args["inputs"])]
        return {"i": 0, "do": "js", "code": JS_DRIVER, "args": args, "files": files}


def default_home() -> Path | None:
    """TVM_HOME when set, else the tree set-up assembled (harness/tvm_tree.py) when it is there.
    TVM_HOME set empty means no tree at all."""
    if "TVM_HOME" in os.environ:
        return Path(os.environ["TVM_HOME"]) if os.environ["TVM_HOME"] else None
    assembled = tvm_tree.tree_dir()
    return assembled if (assembled / tvm_tree.MARK).is_file() else None


def tree_label(home: Path) -> str:
    """What a row says built its runtime: the assembled tree's ingredients, or the user's path."""
    mark = home / tvm_tree.MARK
    return f"{home} ({mark.read_text()})" if mark.is_file() else str(home)


def _digest(*parts: bytes | str) -> str:
    digest = hashlib.sha256(f"format {CACHE_FORMAT}\n".encode())
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _tvm_version() -> str:
    from importlib.metadata import version

    return version("apache-tvm")


def compile_objects(model: Path, shapes: dict[str, list[int]], backend: str) -> list[Path]:
    """The wasm objects TVM makes of the model for its inputs' shapes ({name: shape}, in the
    model's order) and a backend (wasm or webgpu)."""
    folder = cache_root() / "tvm" / "objects" / _digest(model.read_bytes(), repr(sorted(shapes.items())),
                                                        backend, _tvm_version(), Path(__file__).read_bytes())
    done, failed = folder / "objects.txt", folder / "error.txt"
    if done.exists():
        return [folder / n for n in done.read_text().split()]
    if failed.exists():  # the same inputs fail the same way: each engine need not wait for it again
        raise TvmError(failed.read_text())
    try:
        with _stdout_to_stderr():
            executable = _compile(model, shapes, backend)
    except Exception as e:  # TVM raises its own error types from C++
        last = (str(e).strip().splitlines() or ["?"])[-1]
        message = f"TVM cannot compile {model} for {backend}: {last}"
        folder.mkdir(parents=True, exist_ok=True)
        failed.write_text(message)
        raise TvmError(message) from None
    folder.mkdir(parents=True, exist_ok=True)
    names: list[str] = []

    def collect(output: str, objects: list[str], options: object = None) -> None:
        for n, obj in enumerate(objects):
            name = f"{n}-{Path(obj).name}"
            shutil.copyfile(obj, folder / name)
            names.append(name)
        Path(output).write_bytes(b"")  # export_library expects its output to exist

    collect.object_format = "o"  # type: ignore[attr-defined]  # objects, not bitcode (module docstring)
    with tempfile.TemporaryDirectory() as tmp:
        executable.export_library(os.path.join(tmp, "model.wasm"), fcompile=collect)
    done.write_text("\n".join(names))
    return [folder / n for n in names]


def _compile(model: Path, shapes: dict[str, list[int]], backend: str):  # -> tvm VMExecutable
    import tvm
    from tvm import relax
    from tvm.relax.frontend.onnx import from_onnx

    mod = from_onnx(_fixed_and_folded(model, shapes), shape_dict=shapes, keep_params_in_input=False)
    mod = relax.transform.LegalizeOps()(relax.transform.DecomposeOpsForInference()(mod))
    host = {"kind": "llvm", "mtriple": WASM_TRIPLE}  # target dicts: strings lose the triple
    if backend == "wasm":
        return tvm.compile(mod, tvm.target.Target(host))
    from tvm.s_tir import dlight

    target = tvm.target.Target({"kind": "webgpu"}, host=host)
    with target:
        mod = dlight.ApplyDefaultSchedule(dlight.gpu.Matmul(), dlight.gpu.GEMV(), dlight.gpu.Reduction(),
                                          dlight.gpu.GeneralReduction(), dlight.gpu.Fallback())(mod)
    return tvm.compile(mod, target)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """TVM's ONNX frontend prints conversion errors to stdout, from Python and C++ alike: send file
    descriptor 1 to stderr meanwhile, so `--json` output stays JSON."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _fixed_and_folded(model: Path, shapes: dict[str, list[int]]):  # -> onnx.ModelProto
    """The model with its inputs' symbolic dims fixed to `shapes` and onnxruntime's basic graph
    optimizations applied (constant folding; standard ONNX ops only). MiniLM computes its attention
    mask's shape from the inputs (Shape, ConstantOfShape, Range), which relax's frontend cannot
    convert; with fixed dims all of that folds to constants."""
    import onnx
    import onnxruntime as ort
    from onnxruntime.tools.onnx_model_utils import fix_output_shapes, make_dim_param_fixed

    proto = onnx.load(str(model))
    fixed: dict[str, int] = {}
    for graph_input in proto.graph.input:
        for n, dim in enumerate(graph_input.type.tensor_type.shape.dim):
            if dim.dim_param and graph_input.name in shapes:
                fixed[dim.dim_param] = int(shapes[graph_input.name][n])
    for name, value in fixed.items():
        make_dim_param_fixed(proto.graph, name, value)
    fix_output_shapes(proto)
    with tempfile.TemporaryDirectory() as tmp:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = os.path.join(tmp, "folded.onnx")
        ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
        return onnx.load(options.optimized_model_filepath)


def _tree_files(home: Path) -> Iterator[Path]:
    """The files of the tree the web runtime's bitcode is built from."""
    for part in ("web/Makefile", "web/emcc", "include", "src/runtime", "src/support",
                 "3rdparty/tvm-ffi/include", "3rdparty/tvm-ffi/src", "3rdparty/compiler-rt"):
        path = home / part
        yield from sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def web_runtime(home: Path) -> Path:
    """A folder laid out as a TVM_HOME for tvm.support.emcc (web/dist/wasm/*.bc), built from the
    user's tree with its own web/Makefile."""
    digest = hashlib.sha256(emcc_build.emcc_version().encode())
    for path in _tree_files(home):
        digest.update(str(path.relative_to(home)).encode() + b"\0" + path.read_bytes())
    folder = cache_root() / "tvm" / f"web-runtime-{digest.hexdigest()[:16]}"
    dist = folder / "web" / "dist" / "wasm"
    if all((dist / n).exists() for n in RUNTIME_BITCODE):
        return folder
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=cache_root() / "tvm"))
    (work / "emcc").symlink_to(home / "web" / "emcc")  # the Makefile's rules read emcc/*.cc
    targets = [f"dist/wasm/{n}" for n in RUNTIME_BITCODE]
    env = {**os.environ, "NODE_PATH": "/usr/share/nodejs"}
    done = subprocess.run(["make", "-C", str(work), "-f", str(home / "web" / "Makefile"), f"TVM_ROOT={home}",
                           *targets], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        output = (done.stderr or done.stdout)[-2000:]
        raise TvmError(f"building the TVM web runtime from {home} failed: {output}")
    dist.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_BITCODE:
        shutil.copyfile(work / "dist" / "wasm" / name, dist / name)
    shutil.rmtree(work, ignore_errors=True)
    return folder


def link(objects: list[Path], runtime_home: Path) -> Path:
    """The model's wasm: its objects linked with the web runtime's bitcode by create_tvmjs_wasm."""
    bitcode = sorted((runtime_home / "web" / "dist" / "wasm").glob("*.bc"))
    digest = _digest(*(p.read_bytes() for p in [*objects, *bitcode]), emcc_build.emcc_version())
    out = cache_root() / "tvm" / "wasm" / f"{digest}.wasm"
    if out.exists():
        return out
    from tvm.support import emcc

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp.wasm")
    before = os.environ.get("TVM_HOME")
    os.environ["TVM_HOME"] = str(runtime_home)  # where find_wasm_lib looks for the bitcode
    try:
        emcc.create_tvmjs_wasm(str(tmp), [str(p) for p in objects])
    except RuntimeError as e:
        raise TvmError(f"linking the TVM model wasm failed: {str(e)[-2000:]}") from None
    finally:
        if before is None:
            os.environ.pop("TVM_HOME", None)
        else:
            os.environ["TVM_HOME"] = before
    tmp.replace(out)
    return out

