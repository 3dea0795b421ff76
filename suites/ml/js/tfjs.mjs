// TensorFlow.js: one Layers model (model.json + weight shards), timed (see common.mjs `measure`).
//
// Backends:
//   "cpu"                plain JS kernels;
//   "wasm-scalar"        tfjs-backend-wasm.wasm (flags WASM_HAS_SIMD_SUPPORT and
//                        WASM_HAS_MULTITHREAD_SUPPORT forced false);
//   "wasm-simd"          tfjs-backend-wasm-simd.wasm (SIMD true, threads false);
//   "wasm-simd-threads"  tfjs-backend-wasm-threaded-simd.wasm (both true; setThreadsCount(threads));
//   "webgl", "webgpu"    the GPU backends, where the host has WebGL / a WebGPU adapter.
// In browsers the packages' UMD builds (dist/*.min.js) load as modules and share the global
// `tf`; in Node, Deno and Bun the packages load through require(), as Node users load them, so
// the backends register with the one @tensorflow/tfjs-core they all resolve to. The wasm backend
// chooses its binary from the flags when it initialises, so each run registers it afresh.
import {
  Memory, fetchedWasm, inBrowser, measure, output, readInputs, requireThreads, timed, unsupported, webgpuAdapter,
} from "./common.mjs";

const WASM = {
  "wasm-scalar": { simd: false, threads: false, binary: "tfjs-backend-wasm.wasm" },
  "wasm-simd": { simd: true, threads: false, binary: "tfjs-backend-wasm-simd.wasm" },
  "wasm-simd-threads": { simd: true, threads: true, binary: "tfjs-backend-wasm-threaded-simd.wasm" },
};
const BACKENDS = ["cpu", ...Object.keys(WASM), "webgl", "webgpu"];

// The packages beside @tensorflow/tfjs (args.runtime_root) in node_modules/@tensorflow.
const sibling = (root, name) => `${root.slice(0, root.lastIndexOf("/"))}/${name}`;

async function load(host, root, backend) {
  const wasmRoot = sibling(root, "tfjs-backend-wasm");
  const webgpuRoot = sibling(root, "tfjs-backend-webgpu");
  if (inBrowser) {
    await host.importModule(`${root}/dist/tf.min.js`);
    if (backend in WASM) await host.importModule(`${wasmRoot}/dist/tf-backend-wasm.min.js`);
    if (backend === "webgpu") await host.importModule(`${webgpuRoot}/dist/tf-backend-webgpu.min.js`);
    return { tf: globalThis.tf, wasm: globalThis.tf.wasm, wasmDist: host.fileUrl(`${wasmRoot}/dist/`) };
  }
  const { createRequire } = await import("node:module");
  const require = createRequire(`${root}/package.json`);
  const tf = require(root);
  const wasm = backend in WASM ? require(wasmRoot) : null;
  if (backend === "webgpu") require(webgpuRoot);
  // Emscripten reads the binary with fs here: a path, not a URL.
  return { tf, wasm, wasmDist: `${wasmRoot}/dist/` };
}

// Why the host cannot run a GPU backend, checked before tfjs tries (and logs its own failures).
async function checkGpu(backend) {
  if (backend === "webgl") {
    if (typeof document === "undefined" && typeof OffscreenCanvas === "undefined") throw unsupported("no WebGL in this host (no canvas)");
    const canvas = typeof OffscreenCanvas !== "undefined" ? new OffscreenCanvas(1, 1) : document.createElement("canvas");
    if (!canvas.getContext("webgl2") && !canvas.getContext("webgl")) throw unsupported("no WebGL context");
    return null;
  }
  return backend === "webgpu" ? (await webgpuAdapter()).info : null;
}

// The model's artifacts from model.json and its weight shards, read through the host (so no
// host needs fetch() of local files).
async function readArtifacts(host, modelPath) {
  const dir = modelPath.slice(0, modelPath.lastIndexOf("/"));
  const json = JSON.parse(new TextDecoder().decode(await host.readFile(modelPath)));
  const weightSpecs = [];
  const shards = [];
  for (const group of json.weightsManifest ?? []) {
    weightSpecs.push(...group.weights);
    for (const path of group.paths) shards.push(await host.readFile(`${dir}/${decodeURIComponent(path)}`));
  }
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  shards.reduce((at, s) => (weightData.set(s, at), at + s.byteLength), 0);
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    trainingConfig: json.trainingConfig,
    userDefinedMetadata: json.userDefinedMetadata,
    weightSpecs,
    weightData: weightData.buffer,
  };
}

export async function run(host, args) {
  const notes = [];
  const backend = args.backend ?? "cpu";
  if (!BACKENDS.includes(backend)) throw new Error(`TensorFlow.js has no backend ${JSON.stringify(backend)} (${BACKENDS.join(", ")})`);
  const variant = WASM[backend];
  const threads = args.threads ?? 1;
  if (threads > 1 && !variant?.threads) throw new Error(`backend ${backend} runs one thread; threads ${threads} needs wasm-simd-threads`);
  if (variant?.threads) {
    requireThreads(threads);
    if (!inBrowser) {
      // Its Emscripten glue takes the Node path in Node, Deno and Bun alike.
      throw unsupported("tfjs-backend-wasm starts its threads from a blob: URL, which worker_threads cannot load");
    }
  }
  const adapter = await checkGpu(backend);

  const { tf, wasm, wasmDist } = await load(host, args.runtime_root, backend);
  const [[artifacts, inputs], readS] = await timed(async () => [await readArtifacts(host, args.model), await readInputs(host, args.inputs)]);
  if (inBrowser) performance.clearResourceTimings();
  const [model, compileS] = await timed(async () => {
    if (variant) {
      tf.env().set("WASM_HAS_SIMD_SUPPORT", variant.simd);
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", variant.threads);
      wasm.setWasmPaths(wasmDist);
      if (variant.threads) wasm.setThreadsCount(threads);
      // A backend initialises once: register it again so that this run's flags choose the binary.
      const factory = tf.findBackendFactory("wasm");
      tf.removeBackend("wasm");
      tf.registerBackend("wasm", factory);
    }
    if (!(await tf.setBackend(variant ? "wasm" : backend))) throw new Error(`tf.setBackend(${backend}) failed`);
    await tf.ready();
    return tf.loadLayersModel({ load: async () => artifacts });
  });
  const tensors = inputs.map((i) => (i.dtype === "int64"
    ? tf.tensor(Int32Array.from(i.data, Number), i.shape, "int32")
    : tf.tensor(i.data, i.shape, i.dtype)));
  try {
    // Inputs and outputs are named by their layers (model.inputNames is empty for a Sequential
    // model); inputs go in by name where all match, else in order.
    const inputNames = model.inputs.map((t) => t.sourceLayer.name);
    const outputNames = model.outputs.map((t) => t.sourceLayer.name);
    const byName = Object.fromEntries(inputs.map((input, n) => [input.name, tensors[n]]));
    const feed = inputNames.every((name) => name in byName) ? inputNames.map((name) => byName[name]) : tensors;
    // Reading the outputs back is part of an inference: GPU backends only finish then.
    const infer = async () => {
      const got = model.predict(feed.length === 1 ? feed[0] : feed);
      const list = Array.isArray(got) ? got : [got];
      const values = await Promise.all(list.map((t) => t.data()));
      const described = list.map((t, n) => ({ dtype: t.dtype, shape: t.shape, data: values[n] }));
      tf.dispose(list);
      return described;
    };
    const memory = new Memory(() => (variant ? tf.backend().wasm.HEAPU8.buffer.byteLength : null));
    const { firstOutputs, firstS, samples, reps } = await measure(infer, args, memory);
    const fetched = fetchedWasm();
    if (inBrowser && variant && fetched.length && !fetched.includes(variant.binary)) notes.push(`the page fetched ${fetched.join(", ")}`);
    return {
      phases: { read_s: readS, compile_s: compileS, first_s: firstS },
      samples_s: samples,
      reps,
      outputs: firstOutputs.map((o, n) => output(outputNames[n], o.dtype, o.shape, o.data)),
      threads_used: variant?.threads ? wasm.getThreadsCount() : 1,
      backend_used: tf.getBackend(),
      binary: variant ? fetched.find((name) => name.startsWith("tfjs-backend-wasm")) ?? variant.binary : null,
      adapter,
      memory: await memory.result(notes),
      versions: { runtime: tf.version.tfjs },
      notes,
    };
  } finally {
    tf.dispose(tensors);
    model.dispose();
  }
}
