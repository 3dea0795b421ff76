// Our own kernels (suites/ml/kernels/kernels.c, built by harness/kernels_build.py) through the
// host's WebAssembly API: the JS side of the `kernels` runtime, whose Python side for Wasmtime,
// Wasmer and native is engines/kernels_driver.py. The steps are the same: read the module, the
// weight blob and the input; compile and instantiate the module, kn_prepare(net, batch), write
// the weights and the input into its memory; time the first inference and then `measure`.
//
// args: backend ("scalar" | "simd" | "relaxed-simd"), wasm (the build), weights, inputs (one),
// net, batch, model_name, output_name, and the sampling of `measure`. A host that cannot compile
// a SIMD build answers `unsupported:` with the reason.
import { Memory, measure, output, timed, unsupported } from "./common.mjs";

const VARIANT_CODES = { scalar: 0, simd: 1, "relaxed-simd": 2 };
const PREPARE_ERRORS = { "-1": "unknown net", "-2": "batch out of range", "-3": "out of memory" };

export async function run(host, args) {
  if (args.build_error) throw new Error(args.build_error);
  const notes = [];
  const variant = args.backend;
  const [[binary, weights, input], readS] = await timed(() => Promise.all(
    [host.readFile(args.wasm), host.readFile(args.weights), host.readFile(args.inputs[0].file)]));

  const [exports, compileS] = await timed(async () => {
    let module;
    try {
      module = await WebAssembly.compile(binary);
    } catch (err) {
      if (variant !== "scalar" && err instanceof WebAssembly.CompileError) {
        throw unsupported(`this host cannot compile the ${variant} build: ${err.message}`);
      }
      throw err;
    }
    const { exports } = await WebAssembly.instantiate(module, {});
    if (exports._initialize) exports._initialize();
    const status = exports.kn_prepare(args.net, args.batch);
    if (status !== 0) throw new Error(`kn_prepare(${args.net}, ${args.batch}): ${PREPARE_ERRORS[status] ?? status}`);
    for (const [what, bytes, size, where] of [["weights", weights, "kn_weights_size", "kn_weights"],
                                               ["input", input, "kn_input_size", "kn_input"]]) {
      const want = exports[size]();
      if (bytes.byteLength !== want) {
        throw new Error(`model ${args.model_name}: the ${what} are ${bytes.byteLength} bytes, the kernels' net ${args.net} at batch ${args.batch} takes ${want}`);
      }
      new Uint8Array(exports.memory.buffer, exports[where](), want).set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
    if (exports.kn_variant() !== VARIANT_CODES[variant]) throw new Error(`${args.wasm} is build ${exports.kn_variant()}, not ${variant}`);
    return exports;
  });

  const memory = new Memory(() => exports.memory.buffer.byteLength);
  // An inference returns its logits' copy only when asked: measure keeps the first one's.
  let copy = true;
  const infer = () => {
    exports.kn_run(1);
    if (!copy) return null;
    copy = false;
    return new Float32Array(exports.memory.buffer, exports.kn_output(), exports.kn_output_size() / 4).slice();
  };
  const { firstOutputs, firstS, samples, reps } = await measure(infer, args, memory);
  return {
    phases: { read_s: readS, compile_s: compileS, first_s: firstS },
    samples_s: samples,
    reps,
    outputs: [output(args.output_name, "float32", [args.batch, firstOutputs.length / args.batch], firstOutputs)],
    threads_used: 1,
    backend_used: variant,
    binary: args.wasm.split("/").pop(),
    adapter: null,
    memory: await memory.result(notes),
    versions: { runtime: "kernels.c" },
    notes: [...notes, `linear memory ${exports.memory.buffer.byteLength} bytes`],
  };
}
