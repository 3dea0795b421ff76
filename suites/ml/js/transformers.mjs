// transformers.js: the feature-extraction pipeline (mean pooling, normalised) over `texts`, from
// a local model folder only, on its own onnxruntime-web (the copy in its node_modules).
//
// Backends: "wasm" and "webgpu" (transformers.js's `device`). Where each build runs:
//   browsers: dist/transformers.js, the web build with onnxruntime-web bundled, which
//     loads ort-wasm-simd-threaded.asyncify.{mjs,wasm} by URL (host.fileUrl: the page server's
//     URLs) and the model's files through env.fetch. Its
//     "local" models are paths, never http(s) URLs (those count as remote), so localModelPath is
//     the folder's parent path and env.fetch reads files below it with host.readFile;
//   Node and Bun: dist/transformers.node.mjs, which reads files with fs; it would run
//     onnxruntime-node, so the onnxruntime-web build for Node (ort.node.min.mjs, with
//     ort-wasm-simd-threaded.wasm) is handed to it under Symbol.for("onnxruntime"), the hook it
//     checks for a caller's runtime. It still loads onnxruntime-node's addon when imported.
//   Deno: neither build runs (see DENO).
// The first run in a worker fixes the build and the thread count (onnxruntime-web initialises
// once per realm), so a run that asks for another thread count is an error: use a fresh worker.
import {
  Memory, fetchedWasm, inBrowser, measure, output, requireThreads, timed, unsupported, webgpuAdapter,
} from "./common.mjs";

const BACKENDS = ["wasm", "webgpu"];

// transformers.js's env.fetch for the web build: files below `root` through the host, else 404.
async function readResponse(host, root, path) {
  if (!path.startsWith(root)) return new Response(null, { status: 404 });
  try {
    const bytes = await host.readFile(path);
    return new Response(bytes, { status: 200, headers: { "content-length": String(bytes.byteLength) } });
  } catch {
    return new Response(null, { status: 404 });
  }
}
let initialised = null; // {threads} of the first run in this worker

const DENO = "transformers.js cannot run in the harness's Deno: its web build (which Deno takes, " +
  "as a runtime with Cache Storage) imports onnxruntime-web's glue from a blob: URL, which Deno's " +
  "module loader refuses, and its Node build loads native addons (onnxruntime-node, sharp), which " +
  "need --allow-ffi";

export async function run(host, args) {
  const notes = [];
  const backend = args.backend ?? "wasm";
  if (!BACKENDS.includes(backend)) throw new Error(`transformers.js has no backend ${JSON.stringify(backend)} (${BACKENDS.join(", ")})`);
  const threads = args.threads ?? 1;
  requireThreads(threads);
  if (initialised && initialised.threads !== threads) {
    throw new Error(`transformers.js's onnxruntime-web is already initialised in this worker with ${initialised.threads} thread(s); ${threads} needs a fresh worker`);
  }
  if (host.name === "deno") throw unsupported(DENO);
  const webBuild = inBrowser;
  const gpu = backend === "webgpu" ? await webgpuAdapter() : null;
  if (gpu && !webBuild) throw unsupported(`transformers.js's Node build runs WebGPU only through onnxruntime-node`);

  const modelId = args.model_id;
  const folder = args.model.replace(/\/+$/, "");
  if (!modelId || !folder.endsWith(`/${modelId}`)) throw new Error(`model ${folder} must be a folder named by model_id ${modelId}`);
  const parent = folder.slice(0, folder.length - modelId.length);
  const ortDist = `${args.runtime_root}/node_modules/onnxruntime-web/dist`;

  let T;
  let binary;
  if (webBuild) {
    T = await host.importModule(`${args.runtime_root}/dist/transformers.js`);
    T.env.localModelPath = parent;
    T.env.fetch = (url) => readResponse(host, parent, String(url));
    T.env.backends.onnx.wasm.wasmPaths = {
      mjs: host.fileUrl(`${ortDist}/ort-wasm-simd-threaded.asyncify.mjs`),
      wasm: host.fileUrl(`${ortDist}/ort-wasm-simd-threaded.asyncify.wasm`),
    };
    binary = "ort-wasm-simd-threaded.asyncify.wasm";
  } else {
    const ortSymbol = Symbol.for("onnxruntime");
    globalThis[ortSymbol] ??= await host.importModule(`${ortDist}/ort.node.min.mjs`);
    T = await host.importModule(`${args.runtime_root}/dist/transformers.node.mjs`);
    T.env.localModelPath = parent;
    // Else it points onnxruntime-web at a CDN.
    T.env.backends.onnx.wasm.wasmPaths = host.fileUrl(`${ortDist}/`);
    binary = "ort-wasm-simd-threaded.wasm";
  }
  const ortEnv = T.env.backends.onnx;
  T.env.allowRemoteModels = false;
  T.env.allowLocalModels = true;
  // Every run loads what it is given: no copies kept in Cache Storage or on disk between runs.
  T.env.useBrowserCache = false;
  T.env.useFSCache = false;
  T.env.useWasmCache = false;
  ortEnv.wasm.numThreads = threads;
  if (gpu) ortEnv.webgpu.adapter = gpu.adapter;
  if (inBrowser) performance.clearResourceTimings();

  const options = { dtype: args.quantized ? "q8" : "fp32" };
  if (webBuild) {
    options.device = backend;
  } else {
    // The Node build knows no devices of an onnxruntime handed to it: "auto" leaves the
    // execution providers to session_options.
    options.device = "auto";
    options.session_options = { executionProviders: [backend] };
  }
  const [extractor, compileS] = await timed(() => T.pipeline("feature-extraction", modelId, options));
  initialised = { threads };
  if (args.seq_len) {
    // The pipeline tokenizes with {padding: true} (to the longest text). Padding to seq_len
    // instead gives the model the same inputs as the suite's onnxruntime runs; mean pooling
    // skips padding, so the embeddings do not change.
    const tokenize = extractor.tokenizer;
    extractor.tokenizer = (texts, options_) => tokenize(texts, {
      ...options_, padding: "max_length", truncation: true, max_length: args.seq_len,
    });
    notes.push(`texts padded to ${args.seq_len} tokens, as in the onnxruntime rows`);
  }
  try {
    const texts = args.texts ?? [];
    const memory = new Memory(null, threads > 1 ? "onnxruntime-web's pthread workers sleep in Atomics.wait, and it gave nothing in 30 s" : null);
    const { firstOutputs, firstS, samples, reps } = await measure(
      () => extractor(texts, { pooling: "mean", normalize: true }), args, memory);
    const fetched = fetchedWasm();
    if (inBrowser && fetched.length && !fetched.includes(binary)) notes.push(`the page fetched ${fetched.join(", ")}`);
    notes.push("transformers.js reads the model's files while it builds the pipeline: read_s is null, compile_s holds both");
    return {
      phases: { read_s: null, compile_s: compileS, first_s: firstS },
      samples_s: samples,
      reps,
      outputs: [output("embeddings", firstOutputs.type, firstOutputs.dims, firstOutputs.data)],
      threads_used: ortEnv.wasm.numThreads,
      backend_used: backend,
      binary: fetched.find((name) => name.startsWith("ort-wasm")) ?? binary,
      adapter: gpu ? gpu.info : null,
      memory: await memory.result(notes),
      versions: { runtime: T.env.version, onnxruntime_web: ortEnv.versions?.web ?? null },
      notes,
    };
  } finally {
    await extractor.dispose();
  }
}
