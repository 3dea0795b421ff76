"""WASI-NN's figures for BENCHMARKS.md: load, first and per-inference time and the largest difference
from native onnxruntime, through `wasm-harness ml --runtime wasi-nn` (the C guest in `wasmtime run -S nn`
with OpenVINO), beside native onnxruntime and, where the branch has it, the `kernels` runtime.

Models: the digits CNN (batches 1 and 64) and an MLP 784-512-512-10 with seeded weights, written here
as an ONNX file (`mlp-784-512-512-10`, run as a user model at batch 1 with seeded inputs); `--more`
adds mobilenet and minilm-fp32.

    .venv/bin/python perf/wasi_nn.py [--samples 20] [--more] [--json]

Load = the guest's `compile` phase (wasi-nn load: OpenVINO reads and compiles the IR, plus
init_execution_context); per inference = set_input + compute + get_output, median with its 95%
interval. Times on a shared 2-core machine are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.ml_runtimes import CHOOSABLE  # noqa: E402

MLP_LAYERS = (784, 512, 512, 10)


def write_mlp(path: Path, seed: int = 0) -> Path:
    """x [N, 784] -> (MatMul, Add, Relu) x 2 -> MatMul, Add -> logits [N, 10], He-scaled seeded weights."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes, weights, current = [], [], "x"
    for n, (fan_in, fan_out) in enumerate(zip(MLP_LAYERS, MLP_LAYERS[1:], strict=False)):
        w = (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)).astype(np.float32)
        b = (rng.standard_normal(fan_out) * 0.01).astype(np.float32)
        weights += [numpy_helper.from_array(w, f"w{n}"), numpy_helper.from_array(b, f"b{n}")]
        last = n == len(MLP_LAYERS) - 2
        nodes += [helper.make_node("MatMul", [current, f"w{n}"], [f"m{n}"]),
                  helper.make_node("Add", [f"m{n}", f"b{n}"], ["logits" if last else f"a{n}"])]
        if not last:
            nodes.append(helper.make_node("Relu", [f"a{n}"], [f"h{n}"]))
            current = f"h{n}"
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 784])
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])
    graph = helper.make_graph(nodes, "mlp", [x], [logits], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def run_ml(args: list[str], where: Path) -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "ml", *args, "--json", "--no-progress",
                           "--db", str(where / "r.duckdb")], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"wasm-harness ml failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


def ms(value: float | None) -> str:
    return "" if value is None else f"{value * 1e3:.3g}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--more", action="store_true", help="also mobilenet and minilm-fp32")
    parser.add_argument("--json", action="store_true", help="the ml suite's rows instead of the table")
    args = parser.parse_args()
    runtimes = ["wasi-nn", *(r for r in ("kernels",) if r in CHOOSABLE)]
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        mlp = write_mlp(where / "mlp-784-512-512-10.onnx")
        common = ["--runtime", ",".join(runtimes), "--threads", "1", "--engine", "wasmtime",
                  "--samples", str(args.samples)]
        models = "digits-cnn" + (",mobilenet,minilm-fp32" if args.more else "")
        rows = run_ml(["--model", models, *common], where)
        rows += run_ml(["--model", str(mlp), "--shape", "x=1x784", *common], where)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    native = {(r["model"], r["batch"]): r for r in rows if r["engine"] == "native" and r["threads"] == 1}
    print("| model | batch | runtime | verdict | load ms | first ms | per inference ms (95% CI) "
          "| native ms | x native | max diff | peak RSS MB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        if r["engine"] == "native":
            continue
        base = native.get((r["model"], r["batch"]), {})
        interval = f" ({ms(r.get('ci_low_s'))}-{ms(r.get('ci_high_s'))})" if r.get("ci_low_s") else ""
        ratio = f"{r['ratio_to_native']:.2f}" if r.get("ratio_to_native") is not None else ""
        diff = f"{r['max_abs_diff']:.1e}" if r.get("max_abs_diff") is not None else ""
        rss = f"{r['peak_memory_bytes'] / 2**20:.0f}" if r.get("peak_memory_bytes") else ""
        print(f"| {r['model']} | {r['batch']} | {r['runtime']}:{r['backend']} | {r['verdict']} "
              f"| {ms(r.get('compile_s'))} | {ms(r.get('first_inference_s'))} "
              f"| {ms(r.get('p50_s'))}{interval} "
              f"| {ms(base.get('p50_s'))} | {ratio} | {diff} | {rss} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
