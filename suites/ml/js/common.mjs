// What the ML runtime modules (ort.mjs, tfjs.mjs, transformers.mjs) share: reading inputs, the
// timing loop, memory, encoding outputs, and the `unsupported:` errors the suite turns into rows.
// Every host runs this: Node, Deno, Bun (cli_host.mjs) and browser pages (page_host.mjs).

export const inBrowser = typeof window !== "undefined" && typeof document !== "undefined";
const seconds = () => performance.now() / 1000;

// The host lacks what a backend needs: the suite records an `unsupported` row with this reason.
export const unsupported = (reason) => new Error(`unsupported: ${reason}`);

// The outcome of `fn` with the seconds it took.
export async function timed(fn) {
  const start = seconds();
  const value = await fn();
  return [value, seconds() - start];
}

const ARRAYS = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array };

// Raw little-endian bytes as a typed array (every host here is little-endian, as typed arrays'
// own byte order then is). The copy gives an aligned buffer of its own: Node's readFileSync may
// hand back a view into a shared pool at any offset.
export function typedArray(bytes, dtype, what) {
  const Array_ = ARRAYS[dtype];
  if (!Array_) throw new Error(`${what}: dtype ${dtype} (expected one of ${Object.keys(ARRAYS).join(", ")})`);
  if (bytes.byteLength % Array_.BYTES_PER_ELEMENT) throw new Error(`${what}: ${bytes.byteLength} bytes is not a whole number of ${dtype}`);
  return new Array_(bytes.slice().buffer, 0, bytes.byteLength / Array_.BYTES_PER_ELEMENT);
}

// args.inputs [{name, dtype, shape, file, layout?}] -> the same with `data`, a typed array.
export async function readInputs(host, inputs) {
  return Promise.all((inputs || []).map(async (input) => {
    const data = typedArray(await host.readFile(input.file), input.dtype, `input ${input.name}`);
    const count = input.shape.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new Error(`input ${input.name}: ${data.length} values, shape ${JSON.stringify(input.shape)} needs ${count}`);
    return { ...input, data };
  }));
}

// One result output: {name, dtype, shape, data_b64} with the values' raw little-endian bytes.
export function output(name, dtype, shape, data) {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let text = "";
  for (let at = 0; at < bytes.length; at += 0x8000) text += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return { name, dtype, shape: Array.from(shape, Number), data_b64: btoa(text) };
}

// Peak memory. Command-line hosts: the process's resident set, sampled after every untimed
// inference and every sample (not inside the timed loop), the maximum kept. Browsers:
// measureUserAgentSpecificMemory() once at the end (cross-origin isolated pages only, Chromium
// only; it may wait for a garbage collection, hence the time limit), else what `fallback` gives
// (the runtime's wasm memory), else null. `busyWorkers` names why not to ask at all: a page whose
// workers sleep in Atomics.wait (onnxruntime-web's pthread pool) never answers, so asking only
// costs the time limit (30 s a unit in chromium-full, measured).
export class Memory {
  constructor(fallback = null, busyWorkers = null) {
    this.fallback = fallback;
    this.busyWorkers = busyWorkers;
    this.rss = null;
    this.hasRss = typeof process !== "undefined" && typeof process.memoryUsage === "function" && !inBrowser;
  }

  sample() {
    if (this.hasRss) this.rss = Math.max(this.rss ?? 0, process.memoryUsage().rss);
  }

  async result(notes) {
    if (this.hasRss) return { kind: "rss", bytes: this.rss };
    const measurable = typeof performance.measureUserAgentSpecificMemory === "function" && globalThis.crossOriginIsolated;
    if (measurable && this.busyWorkers) notes.push(`measureUserAgentSpecificMemory() not asked: ${this.busyWorkers}`);
    if (measurable && !this.busyWorkers) {
      const LIMIT_S = 30;
      let timer;
      const late = new Promise((resolve) => { timer = setTimeout(() => resolve(null), LIMIT_S * 1000); });
      try {
        const measured = await Promise.race([performance.measureUserAgentSpecificMemory(), late]);
        if (measured) return { kind: "measureUserAgentSpecificMemory", bytes: measured.bytes };
        notes.push(`measureUserAgentSpecificMemory() gave nothing within ${LIMIT_S} s`);
      } catch (err) {
        notes.push(`measureUserAgentSpecificMemory(): ${err}`);
      } finally {
        clearTimeout(timer);
      }
    }
    const pages = this.fallback ? this.fallback() : null;
    return pages == null ? { kind: null, bytes: null } : { kind: "wasm-pages", bytes: pages };
  }
}

// The timing protocol shared by every runtime: one first inference (timed alone), `warmups`
// untimed ones, then `samples` samples. A sample runs the inference `reps` times and records
// the mean: `reps` is 1 unless one inference (the fastest of the first and the warm-ups) is
// shorter than `min_sample_s`, and then enough to last that long. `budget_s` (if given) caps the
// time after the first inference: warm-ups stop at it, and samples stop at it once there are
// MIN_SAMPLES, so a slow backend (a software GPU) gives fewer samples instead of holding the run.
// `min_warmup_s` (if given) keeps warming up until that long has passed since the first inference
// (within the budget): a JIT compiles hot wasm functions again in background threads, and with
// every core busy running the model's own threads that takes seconds (perf/ml_node_threads.py).
// engines/native_ml.py follows the same protocol. `infer` returns its outputs.
export const MIN_SAMPLES = 3;

export async function measure(infer, args, memory) {
  const [firstOutputs, firstS] = await timed(infer);
  memory.sample();
  const deadline = seconds() + (args.budget_s ?? Infinity);
  let fastest = firstS;
  const warmedUp = seconds() + (args.min_warmup_s ?? 0);
  for (let n = 0; (n < (args.warmups ?? 0) || seconds() < warmedUp) && seconds() < deadline; n++) {
    const [, took] = await timed(infer);
    memory.sample();
    fastest = Math.min(fastest, took);
  }
  const minSample = args.min_sample_s ?? 0;
  const MAX_REPS = 1e6;
  const reps = fastest >= minSample ? 1 : Math.min(MAX_REPS, Math.ceil(minSample / Math.max(fastest, 1e-7)));
  const samples = [];
  const wanted = args.samples ?? 1;
  while (samples.length < wanted && (samples.length < Math.min(wanted, MIN_SAMPLES) || seconds() < deadline)) {
    const start = seconds();
    for (let r = 0; r < reps; r++) await infer();
    samples.push((seconds() - start) / reps);
    memory.sample();
  }
  return { firstOutputs, firstS, samples, reps };
}

// A WebGPU adapter and its info, or an `unsupported:` error naming what is missing.
export async function webgpuAdapter() {
  if (typeof navigator === "undefined" || !navigator.gpu) throw unsupported("no WebGPU (navigator.gpu) in this host");
  const LIMIT_S = 20;
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(unsupported(`requestAdapter() did not answer within ${LIMIT_S} s`)), LIMIT_S * 1000);
  });
  let adapter;
  try {
    adapter = await Promise.race([navigator.gpu.requestAdapter(), late]);
  } finally {
    clearTimeout(timer);
  }
  if (!adapter) throw unsupported("navigator.gpu gave no WebGPU adapter");
  const info = adapter.info ?? (typeof adapter.requestAdapterInfo === "function" ? await adapter.requestAdapterInfo() : {});
  const described = {};
  for (const key of ["vendor", "architecture", "device", "description"]) described[key] = info?.[key] ?? "";
  described.isFallbackAdapter = Boolean(adapter.isFallbackAdapter ?? info?.isFallbackAdapter);
  return { adapter, info: described };
}

// Threads need SharedArrayBuffer (in browsers: a cross-origin isolated page).
export function requireThreads(threads) {
  if (threads <= 1) return;
  if (typeof SharedArrayBuffer === "undefined") throw unsupported("threads need SharedArrayBuffer, which this host lacks");
  if (inBrowser && !globalThis.crossOriginIsolated) throw unsupported("threads need a cross-origin isolated page");
}

// The wasm binaries a browser page fetched so far (resource timing): which file actually loaded.
export function fetchedWasm() {
  if (typeof performance.getEntriesByType !== "function") return [];
  return performance.getEntriesByType("resource")
    .map((entry) => decodeURIComponent(new URL(entry.name).pathname.split("/").pop()))
    .filter((name) => name.endsWith(".wasm"));
}
