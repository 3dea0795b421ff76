"""The `tvm` runtime's figures that this machine can take without a TVM source tree: PyPI apache-tvm
compiling the digits CNN (batch 1 and 64) for wasm32 and WebGPU with an empty cache, the object
sizes, and Debian emcc linking the objects alone (the web runtime's symbols left undefined).

    .venv/bin/python perf/ml_tvm.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = r"""
import json, subprocess, tempfile, time
from pathlib import Path
t = time.perf_counter()
from harness import emcc_build, ml_models, ml_runtimes
from harness.ml_tvm import compile_objects
import tvm
out = {"import_s": time.perf_counter() - t, "apache_tvm": tvm.__version__}
model = ml_models.model_folder("digits-cnn") / "model.onnx"
for batch in (1, 64):
    for backend in ("wasm", "webgpu"):
        t = time.perf_counter()
        objects = compile_objects(model, "input", [batch, 1, 8, 8], backend)
        row = {"compile_s": time.perf_counter() - t, "object_bytes": sum(o.stat().st_size for o in objects)}
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            subprocess.run([emcc_build.emcc(), "-O3", "--no-entry", "-sSTANDALONE_WASM", "-sWASM_BIGINT=1",
                            "-sERROR_ON_UNDEFINED_SYMBOLS=0", *map(str, objects), "-o", f"{tmp}/m.wasm"],
                           check=True, capture_output=True)
            row["emcc_link_s"] = time.perf_counter() - t
        out[f"b{batch} {backend}"] = row
print(json.dumps(out))
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        # The models come from the usual cache (a link), the TVM objects go to the empty one.
        home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wasm-harness" / "ml"
        (Path(cache) / "wasm-harness").mkdir()
        (Path(cache) / "wasm-harness" / "ml").symlink_to(home)
        done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, cwd=ROOT,
                              env=dict(os.environ, XDG_CACHE_HOME=cache, PYTHONPATH=str(ROOT)))
    if done.returncode != 0:
        sys.exit(done.stderr[-2000:])
    print(json.dumps(json.loads(done.stdout.strip().splitlines()[-1]), indent=1))


if __name__ == "__main__":
    main()
