// feature: streamingCompilation
// WebAssembly.compileStreaming and instantiateStreaming compile a Response built from bytes
// with Content-Type: application/wasm (a Response, and a promise of one). The detail says
// whether a Response of another type is rejected, as the Web API requires.
// (module (func (export "answer") (result i32) i32.const 42))
if (typeof WebAssembly.compileStreaming !== "function" || typeof WebAssembly.instantiateStreaming !== "function") {
  return {
    supported: false,
    detail: `compileStreaming: ${typeof WebAssembly.compileStreaming}, instantiateStreaming: ${typeof WebAssembly.instantiateStreaming}`,
  };
}
if (typeof Response !== "function") return { supported: false, detail: "no Response" };
const bytes = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 7, 10, 1, 6, 97, 110, 115, 119, 101, 114, 0,
  0, 10, 6, 1, 4, 0, 65, 42, 11,
]);
const response = (type = "application/wasm") => new Response(bytes, { headers: { "Content-Type": type } });
try {
  const module = await WebAssembly.compileStreaming(response());
  if (!(module instanceof WebAssembly.Module)) return { supported: false, detail: "compileStreaming gave no Module" };
  const instance = await WebAssembly.instantiate(module);
  if (instance.exports.answer() !== 42) return { supported: false, detail: "the compiled module answered wrongly" };
  const result = await WebAssembly.instantiateStreaming(Promise.resolve(response()));
  if (result.instance.exports.answer() !== 42) return { supported: false, detail: "instantiateStreaming answered wrongly" };
} catch (e) {
  return { supported: false, detail: `${e}` };
}
let mime;
try {
  await WebAssembly.compileStreaming(response("text/plain"));
  mime = "a text/plain Response compiles too";
} catch (e) {
  mime = `a text/plain Response is rejected (${e.name})`;
}
return { supported: true, detail: mime };
