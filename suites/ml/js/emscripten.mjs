// The digits CNN in C (suites/ml/emscripten/digits_cnn.c), built by Debian's emcc 3.1.6 with its JS
// glue (harness/emcc_build.py, form `glue`), timed by common.mjs's `measure` on any JS host.
//
// args (besides common.mjs's): `glue` (the ES module emcc wrote), `wasm` (its .wasm), `weights`
// (the ONNX file's initializers as raw float32, harness/ml_emscripten.py), `inputs` (one float32
// input [batch, 1, 8, 8]), `toolchain` (emcc's version line).
//
// The glue gets the wasm already compiled through its `instantiateWasm` hook: compile_s is
// WebAssembly.compile plus the glue's start-up, and no host depends on how 3.1.6's glue finds and
// fetches its .wasm (Node 20's global fetch cannot read a file path).
import { Memory, fetchedWasm, inBrowser, measure, output, readInputs, timed } from "./common.mjs";

const LOGITS = 10;

export async function run(host, args) {
  const notes = [];
  if (inBrowser) performance.clearResourceTimings();
  const [[create, wasmBytes, weightBytes, inputs], readS] = await timed(async () => [
    (await host.importModule(args.glue)).default,
    await host.readFile(args.wasm),
    await host.readFile(args.weights),
    await readInputs(host, args.inputs),
  ]);
  const input = inputs[0];
  const batch = input.shape[0];
  const printed = [];
  const [mod, compileS] = await timed(async () => {
    const compiled = await WebAssembly.compile(wasmBytes);
    return create({
      print: (text) => printed.push(text),
      printErr: (text) => printed.push(text),
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(compiled, imports).then((instance) => receive(instance, compiled));
        return {};
      },
    });
  });

  // The weights, the input and the logits live in the program's memory; HEAPU8 is re-read after
  // every allocation, since a grown memory replaces the glue's views.
  const copyIn = (bytes) => {
    const at = mod._malloc(bytes.byteLength);
    mod.HEAPU8.set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), at);
    return at;
  };
  const weightsAt = copyIn(weightBytes);
  if (mod._cnn_load(weightsAt, weightBytes.byteLength / 4) !== 0) {
    throw new Error(`${args.weights}: ${weightBytes.byteLength / 4} float32 values are not the digits CNN's weights`);
  }
  mod._free(weightsAt);
  const inputAt = copyIn(input.data);
  const logitsAt = mod._malloc(batch * LOGITS * 4);
  const infer = () => {
    mod._cnn_infer(inputAt, batch, logitsAt);
    return new Float32Array(mod.HEAPU8.buffer, logitsAt, batch * LOGITS).slice();
  };

  const memory = new Memory(() => mod.HEAPU8.byteLength);
  const { firstOutputs, firstS, samples, reps } = await measure(infer, args, memory);
  notes.push(`kernels: ${mod.UTF8ToString(mod._cnn_build())}`);
  if (printed.length) notes.push(`printed: ${printed.join(" | ").slice(0, 500)}`);
  const fetched = fetchedWasm();
  return {
    phases: { read_s: readS, compile_s: compileS, first_s: firstS },
    samples_s: samples,
    reps,
    outputs: [output("logits", "float32", [batch, LOGITS], firstOutputs)],
    threads_used: 1,
    backend_used: args.backend,
    binary: fetched[0] ?? args.wasm.split("/").pop(),
    adapter: null,
    memory: await memory.result(notes),
    versions: { runtime: args.toolchain },
    notes,
  };
}
