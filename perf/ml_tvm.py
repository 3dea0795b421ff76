"""The `tvm` runtime's costs and figures, from an empty TVM cache: assembling the TVM tree from PyPI
packages, building the web runtime's bitcode with Debian emcc, compiling each model with apache-tvm
for wasm32 and WebGPU, linking, and then `wasm-harness ml --runtime tvm` on the given engines
(per-inference p50, answers checked like every runtime's).

    .venv/bin/python perf/ml_tvm.py [--engine node,chromium,deno] [--model digits-cnn,mlp,minilm-fp32]

The cache is a temporary XDG_CACHE_HOME whose ml models are links to the real ones (so only TVM's
steps start cold). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in the temporary cache: each step timed alone, in the order the runtime takes them.
STEPS = r"""
import json, sys, time
t = time.perf_counter()
from harness import ml_models, ml_runtimes, tvm_tree
from harness import ml_tvm
import tvm
out = {"import_s": time.perf_counter() - t, "apache_tvm": tvm.__version__}
t = time.perf_counter(); tree = tvm_tree.assemble(); out["assemble_tree_s"] = time.perf_counter() - t
t = time.perf_counter(); runtime = ml_tvm.web_runtime(tree); out["web_runtime_s"] = time.perf_counter() - t
for name in sys.argv[1].split(","):
    folder = ml_models.model_folder(name)
    meta = ml_models.load_meta(folder)
    batch = meta["batches"]["b1"]
    shapes = {i["name"]: i["shape"] for i in batch["inputs"]}
    for backend in ("wasm", "webgpu"):
        row = {}
        t = time.perf_counter()
        try:
            objects = ml_tvm.compile_objects(folder / meta["model"], shapes, backend)
        except ml_tvm.TvmError as e:
            row.update(compile_error=str(e)[-300:], compile_s=time.perf_counter() - t)
            out[f"{name} b1 {backend}"] = row
            continue
        row["compile_s"] = time.perf_counter() - t
        row["object_bytes"] = sum(o.stat().st_size for o in objects)
        t = time.perf_counter(); wasm = ml_tvm.link(objects, runtime); row["link_s"] = time.perf_counter() - t
        row["wasm_bytes"] = wasm.stat().st_size
        out[f"{name} b1 {backend}"] = row
print(json.dumps(out))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", default="node,chromium,deno")
    parser.add_argument("--model", default="digits-cnn,mlp,minilm-fp32")
    args = parser.parse_args()
    real_ml = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wasm-harness" / "ml"
    with tempfile.TemporaryDirectory() as cache:
        (Path(cache) / "wasm-harness").mkdir()
        (Path(cache) / "wasm-harness" / "ml").symlink_to(real_ml)
        env = {**os.environ, "XDG_CACHE_HOME": cache, "PYTHONPATH": str(ROOT)}
        env.pop("TVM_HOME", None)
        steps = subprocess.run([sys.executable, "-c", STEPS, args.model], capture_output=True, text=True,
                               env=env, cwd=ROOT, check=True)
        out = json.loads(steps.stdout.strip().splitlines()[-1])
        t = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "harness.cli", "ml", "--runtime", "tvm", "--engine",
                              args.engine, "--model", args.model, "--no-progress", "--json",
                              "--db", str(Path(cache) / "r.duckdb")], capture_output=True, text=True, env=env,
                             cwd=ROOT, check=False)
        out["ml_run_s"] = time.perf_counter() - t
        out["ml_exit"] = run.returncode
        rows = [r for r in json.loads(run.stdout or "[]") if r["runtime"] == "tvm"]
        out["rows"] = [{k: r.get(k) for k in ("model", "batch", "engine", "backend", "verdict", "p50_s",
                                                "ci_low_s", "ci_high_s", "max_abs_diff", "cosine",
                                                "compile_s", "reason", "message")} for r in rows]
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
