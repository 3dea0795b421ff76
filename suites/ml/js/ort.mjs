// onnxruntime-web: one ONNX model, timed (see common.mjs `measure`), its outputs read back.
//
// Backends: "wasm" (the CPU execution provider with ort-wasm-simd-threaded.wasm: in browsers
// dist/ort.wasm.min.mjs, in Node, Deno and Bun dist/ort.node.min.mjs, the build the package's
// `node` export condition gives, which reads files and starts worker_threads) and "webgpu" (the
// WebGPU execution provider, dist/ort.webgpu.min.mjs with ort-wasm-simd-threaded.asyncify.wasm).
// `threads` sets env.wasm.numThreads.
//
// onnxruntime-web initialises its wasm once per JS realm (page or process) and then ignores
// changes to env.wasm, so a worker keeps the thread count of its first run of each build: a
// later run that asks for another count is an error, and the suite uses a fresh worker per
// thread count.
import {
  Memory, fetchedWasm, inBrowser, measure, output, readInputs, requireThreads, timed, unsupported, webgpuAdapter,
} from "./common.mjs";

const BUILDS = {
  wasm: { module: inBrowser ? "ort.wasm.min.mjs" : "ort.node.min.mjs", binary: "ort-wasm-simd-threaded.wasm" },
  webgpu: { module: "ort.webgpu.min.mjs", binary: "ort-wasm-simd-threaded.asyncify.wasm" },
};

// Per build module: the thread count it was initialised with.
const initialised = new Map();

export async function run(host, args) {
  const notes = [];
  const backend = args.backend ?? "wasm";
  const build = BUILDS[backend];
  if (!build) throw new Error(`onnxruntime-web has no backend ${JSON.stringify(backend)} (${Object.keys(BUILDS).join(", ")})`);
  const threads = args.threads ?? 1;
  requireThreads(threads);
  const gpu = backend === "webgpu" ? await webgpuAdapter() : null;

  const dist = `${args.runtime_root}/dist`;
  const modulePath = `${dist}/${build.module}`;
  const ort = await host.importModule(modulePath);
  const before = initialised.get(modulePath);
  if (before !== undefined && before !== threads) {
    throw new Error(`onnxruntime-web (${build.module}) is already initialised in this worker with ${before} thread(s); ${threads} needs a fresh worker`);
  }
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = host.fileUrl(`${dist}/`);
  if (gpu) ort.env.webgpu.adapter = gpu.adapter;
  if (inBrowser) performance.clearResourceTimings();

  const [[model, inputs], readS] = await timed(async () => [await host.readFile(args.model), await readInputs(host, args.inputs)]);
  const [session, compileS] = await timed(() => ort.InferenceSession.create(model, {
    executionProviders: [backend],
    graphOptimizationLevel: "all",
  }));
  initialised.set(modulePath, threads);
  try {
    const feeds = Object.fromEntries(inputs.map((i) => [i.name, new ort.Tensor(i.dtype, i.data, i.shape)]));
    const memory = new Memory(null, threads > 1 ? "onnxruntime-web's pthread workers sleep in Atomics.wait, and it gave nothing in 30 s" : null);
    const { firstOutputs, firstS, samples, reps } = await measure(() => session.run(feeds), args, memory);
    const outputs = session.outputNames.map((name) => {
      const tensor = firstOutputs[name];
      return output(name, tensor.type, tensor.dims, tensor.data);
    });
    const fetched = fetchedWasm();
    if (inBrowser && fetched.length && !fetched.includes(build.binary)) notes.push(`the page fetched ${fetched.join(", ")}`);
    return {
      phases: { read_s: readS, compile_s: compileS, first_s: firstS },
      samples_s: samples,
      reps,
      outputs,
      // What onnxruntime-web settled on: it lowers numThreads to 1 where threads cannot work.
      threads_used: ort.env.wasm.numThreads,
      backend_used: backend,
      binary: fetched.find((name) => name.startsWith("ort-wasm")) ?? build.binary,
      adapter: gpu ? gpu.info : null,
      memory: await memory.result(notes),
      versions: { runtime: ort.env.versions.web ?? ort.env.versions.common },
      notes,
    };
  } finally {
    await session.release();
  }
}
