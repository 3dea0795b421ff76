// A model compiled by Apache TVM (harness/ml_tvm.py) run by the TVM web runtime: npm
// @mlc-ai/web-runtime (tvmjs) instantiates the linked wasm, and a relax VirtualMachine calls the
// model's `main` (weights bound as constants). Timed by common.mjs's `measure`.
//
// args (besides common.mjs's): `tvmjs` (the package's lib/index.js, UMD), `wasm` (the linked
// model), `inputs` (the model's, any dtype), `backend` ("wasm" or "webgpu"), `toolchain` (versions).
import { Memory, measure, output, readInputs, timed, unsupported, webgpuAdapter } from "./common.mjs";

export async function run(host, args) {
  const notes = [];
  const gpu = args.backend === "webgpu" ? await webgpuAdapter() : null;
  const [[tvmjs, wasmBytes, inputs], readS] = await timed(async () => {
    const loaded = await host.importModule(args.tvmjs);
    // UMD: Node hands back module.exports as `default`; a browser page's import leaves globalThis.tvmjs.
    const api = loaded.instantiate ? loaded : loaded.default?.instantiate ? loaded.default : globalThis.tvmjs;
    return [api, await host.readFile(args.wasm), await readInputs(host, args.inputs)];
  });
  if (!tvmjs?.instantiate) throw new Error(`${args.tvmjs} did not load tvmjs (no instantiate)`);
  const [tvm, compileS] = await timed(async () => {
    const instance = await tvmjs.instantiate(wasmBytes.slice().buffer, tvmjs.createPolyfillWASI(), (m) => notes.push(m));
    if (gpu) {
      const detected = await tvmjs.detectGPUDevice();
      if (!detected) throw unsupported("tvmjs.detectGPUDevice() found no WebGPU device");
      instance.initWebGPU(detected.device);
    }
    return instance;
  });
  const device = gpu ? tvm.webgpu() : tvm.cpu();
  tvm.beginScope();
  const vm = tvm.detachFromCurrentScope(tvm.createVirtualMachine(device));
  const main = tvm.detachFromCurrentScope(vm.getFunction("main"));
  // Every input as a tensor of its own dtype, from its raw bytes (tvmjs's copyFrom knows no int64).
  const xs = inputs.map((input) => {
    const bytes = new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength);
    return tvm.detachFromCurrentScope(tvm.empty(input.shape, input.dtype, device).copyFromRawBytes(bytes));
  });
  tvm.endScope();

  const infer = async () => {
    tvm.beginScope();
    try {
      const y = main(...xs);
      const host_ = tvm.empty(y.shape, "float32", tvm.cpu()).copyFrom(y);
      if (gpu) await device.sync();
      return { shape: Array.from(y.shape), data: Float32Array.from(host_.toArray()) };
    } finally {
      tvm.endScope();
    }
  };
  const memory = new Memory(() => tvm.memory?.memory?.buffer?.byteLength ?? null);
  const { firstOutputs, firstS, samples, reps } = await measure(infer, args, memory);
  return {
    phases: { read_s: readS, compile_s: compileS, first_s: firstS },
    samples_s: samples,
    reps,
    // One output; the suite matches it to the model's by position (harness/ml_units.py judge).
    outputs: [output("output", "float32", firstOutputs.shape, firstOutputs.data)],
    threads_used: 1,
    backend_used: args.backend,
    binary: args.wasm.split("/").pop(),
    adapter: gpu ? gpu.info : null,
    memory: await memory.result(notes),
    versions: { runtime: args.toolchain },
    notes,
  };
}
