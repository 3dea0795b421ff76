"""The ml suite's overhead: its steady-state median against a plain Node script doing the same inference.

The plain script is what a user would write: import onnxruntime-web (the same build, the same
project copy), create a session from the model file, then time `session.run` in a loop with
performance.now(). The harness runs the same model, input and thread count through
`wasm-harness ml` (a worker, the runtime module, common.mjs's timing loop, the store). Both
take the median of `--samples` single inferences after `--warmups` warm-ups. Rounds alternate
(plain, harness, plain, ...) so drift hits both alike; the overhead is the ratio of the medians
of the rounds' medians, minus one. Goal (issue 13): under 5%.

    .venv/bin/python perf/ml_overhead.py [--model minilm-fp32] [--threads 1] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engines.registry import make  # noqa: E402
from harness import ml_files, ml_models  # noqa: E402

# The user's script: argv = ort module, model, inputs JSON, threads, warmups, samples.
PLAIN = r"""
const [ortPath, modelPath, inputsJson, threads, warmups, samples] = process.argv.slice(2);
const fs = await import("node:fs");
const ort = await import(ortPath);
ort.env.wasm.numThreads = Number(threads);
const session = await ort.InferenceSession.create(fs.readFileSync(modelPath),
  { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
const ARRAYS = { float32: Float32Array, int64: BigInt64Array };
const feeds = {};
for (const i of JSON.parse(inputsJson)) {
  const bytes = fs.readFileSync(i.file);
  const A = ARRAYS[i.dtype];
  feeds[i.name] = new ort.Tensor(i.dtype, new A(bytes.buffer.slice(bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength)), i.shape);
}
for (let n = 0; n <= Number(warmups); n++) await session.run(feeds);
const times = [];
for (let n = 0; n < Number(samples); n++) {
  const t0 = performance.now();
  await session.run(feeds);
  times.push((performance.now() - t0) / 1000);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ median_s: times[Math.floor(times.length / 2)] }));
process.exit(0);
"""


def plain(node: str, model: str, threads: int, warmups: int, samples: int,
          flags: tuple[str, ...] = ()) -> float:
    folder = ml_models.model_folder(model)
    meta = ml_models.load_meta(folder)
    inputs = [{**i, "file": str(folder / i["file"])} for i in meta["batches"]["b1"]["inputs"]]
    module = ml_files.runtime_root("ort") / "dist" / "ort.node.min.mjs"
    with tempfile.NamedTemporaryFile("w", suffix=".mjs", delete=False) as f:
        f.write(PLAIN)
    argv = [node, *flags, f.name, str(module), str(folder / meta["model"]), json.dumps(inputs), str(threads),
            str(warmups), str(samples)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    Path(f.name).unlink()
    return float(json.loads(out.stdout.strip().splitlines()[-1])["median_s"])


def harness(engine: str, model: str, threads: int, warmups: int, samples: int, db: Path) -> float:
    # --profile full: no time budget, so both sides take exactly `samples` samples.
    argv = [sys.executable, "-m", "harness.cli", "ml", "--profile", "full", "--engine", engine,
            "--model", model, "--runtime", "ort", "--backend", "wasm", "--threads", str(threads),
            "--samples", str(samples), "--json", "--db", str(db)]
    out = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=True)
    # The plain script runs batch 1 only; the model's other batches are run but not compared.
    (row,) = [r for r in json.loads(out.stdout) if r["engine"] == engine and r["batch"] == 1]
    return float(row["p50_s"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engine", default="node", help="a Node configuration (default: %(default)s)")
    p.add_argument("--model", default="minilm-fp32")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--samples", type=int, default=20)
    args = p.parse_args()
    node = make(args.engine).binary()
    warmups = 3  # the full profile's
    plains, harnesses = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            plains.append(plain(node, args.model, args.threads, warmups, args.samples))
            harnesses.append(harness(args.engine, args.model, args.threads, warmups, args.samples,
                                     Path(tmp) / f"r{n}.duckdb"))
            print(f"round {n + 1}: plain {plains[-1] * 1e3:.2f} ms, harness {harnesses[-1] * 1e3:.2f} ms",
                  flush=True)
    a, b = statistics.median(plains), statistics.median(harnesses)
    print(f"{args.model} on {args.engine}, ORT-web wasm, {args.threads} thread(s): "
          f"plain Node {a * 1e3:.2f} ms, harness {b * 1e3:.2f} ms, overhead {100 * (b / a - 1):+.1f}%")


if __name__ == "__main__":
    main()
