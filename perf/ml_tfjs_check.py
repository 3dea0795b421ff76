"""The TF.js Layers models of harness.ml_models agree with native onnxruntime.

Runs each model's tfjs/model.json in Node with @tensorflow/tfjs (pure JS, CPU backend) on every
batch variant, the input transposed as meta.json's `tfjs.transpose` says, and compares with
run_native: max |tfjs - onnxruntime| must stay within `tfjs.tolerance`. The project does not ship
tfjs yet, so point it at a scratch install:

    mkdir -p /tmp/tfjs-check && (cd /tmp/tfjs-check && npm install @tensorflow/tfjs@4.22.0)
    .venv/bin/python perf/ml_tfjs_check.py --tfjs /tmp/tfjs-check/node_modules/@tensorflow/tfjs
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.ml_models import MODELS, load_meta, model_folder, run_native  # noqa: E402

# Loads the Layers model from memory (tfjs' file:// loader needs tfjs-node), runs one input file
# and writes the output as raw float32.
RUNNER = r"""
const fs = require("fs");
const path = require("path");
const tf = require(process.argv[1]);  // node -e: argv[1] is the first argument
const [folder, inputFile, outFile] = process.argv.slice(2);
const meta = JSON.parse(fs.readFileSync(path.join(folder, "meta.json")));
const model = JSON.parse(fs.readFileSync(path.join(folder, meta.tfjs.model)));
const weights = fs.readFileSync(path.join(folder, meta.tfjs.weights[0]));
(async () => {
  await tf.setBackend("cpu");
  const layers = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: model.modelTopology, weightSpecs: model.weightsManifest[0].weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength)}));
  const spec = JSON.parse(inputFile);
  const raw = fs.readFileSync(path.join(folder, spec.file));
  const x = tf.tensor(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), spec.shape);
  const y = layers.predict(tf.transpose(x, meta.tfjs.transpose));
  fs.writeFileSync(outFile, Buffer.from((await y.data()).buffer));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def check(name: str, tfjs: str) -> float | None:
    folder = model_folder(name)
    meta = load_meta(folder)
    if not meta.get("tfjs"):
        print(f"{name:<12} no TF.js model: {meta.get('tfjs_reason')}")
        return None
    worst = 0.0
    for key, variant in meta["batches"].items():
        (spec,) = variant["inputs"]
        want = run_native(folder, variant["batch"], 1)[meta["outputs"][0]["name"]]
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.bin"
            subprocess.run(["node", "-e", RUNNER, tfjs, str(folder), json.dumps(spec), str(out)],
                           check=True, stdout=subprocess.DEVNULL)  # tfjs greets on stdout
            got = np.fromfile(out, dtype="<f4").reshape(want.shape)
        diff = float(np.abs(got - want).max())
        same_top1 = bool((got.argmax(axis=1) == want.argmax(axis=1)).all())
        print(f"{name:<12} {key:<4} max |tfjs - onnxruntime| = {diff:.2e} "
              f"(|ref| max {np.abs(want).max():.2f}), same top-1: {same_top1}")
        worst = max(worst, diff)
    tolerance = meta["tfjs"]["tolerance"]["atol"]
    print(f"{name:<12} {'ok' if worst <= tolerance else 'FAIL'}: {worst:.2e} vs tolerance {tolerance:g}")
    return worst if worst <= tolerance else -worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tfjs", required=True, help="the @tensorflow/tfjs package folder")
    parser.add_argument("names", nargs="*", help="models (default: all)")
    args = parser.parse_args()
    results = [check(name, str(Path(args.tfjs).resolve())) for name in args.names or MODELS]
    return 1 if any(r is not None and r < 0 for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
