// feature: jsStringBuiltins
// JS String Builtins: compiled with {builtins: ["js-string"]}, a module's import of
// "wasm:js-string" "length" is provided by the engine itself (the import object has nothing for
// it) and really called from wasm: the length of a JS string, and a trap for a non-string.
// (module
//   (import "wasm:js-string" "length" (func $length (param externref) (result i32)))
//   (func (export "len") (param externref) (result i32) local.get 0 call $length))
const bytes = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 111, 1, 127, 2, 25, 1, 14, 119, 97, 115, 109, 58, 106, 115, 45,
  115, 116, 114, 105, 110, 103, 6, 108, 101, 110, 103, 116, 104, 0, 0, 3, 2, 1, 0, 7, 7, 1, 3, 108, 101, 110,
  0, 1, 10, 8, 1, 6, 0, 32, 0, 16, 0, 11,
]);
let module;
try {
  module = await WebAssembly.compile(bytes, { builtins: ["js-string"] });
} catch (e) {
  return { supported: false, detail: `compile with builtins: ${e}` };
}
let instance;
try {
  instance = await WebAssembly.instantiate(module, {});
} catch (e) {
  // Without builtins, "wasm:js-string" is an ordinary import module that nothing provides.
  return { supported: false, detail: `the engine did not provide wasm:js-string: ${e}` };
}
const got = instance.exports.len("hello, wasm");
if (got !== 11) return { supported: false, detail: `length("hello, wasm") gave ${got}` };
try {
  instance.exports.len(42);
  return { supported: false, detail: "length of a non-string did not trap" };
} catch (e) {
  if (!(e instanceof WebAssembly.RuntimeError)) return { supported: false, detail: `length(42) threw ${e}, not a trap` };
}
return true;
