// feature: stringref
// v8-flag: --experimental-wasm-stringref
// Reference-typed strings: `stringref` parameters take JS strings as they are, and string
// instructions work on them: string.measure_wtf16 counts UTF-16 code units ("héllo😀" is 7),
// string.concat gives a string JS sees, string.eq compares contents. Probed from JS because
// the strings are the host's. The module, encoded by hand (no tool here knows the proposal):
//   (func (export "len") (param stringref) (result i32) local.get 0 string.measure_wtf16)
//   (func (export "cat") (param stringref stringref) (result stringref) ... string.concat)
//   (func (export "eq") (param stringref stringref) (result i32) ... string.eq)
const STRINGREF = 0x67; // the value type's code in V8's encoding of the proposal
const section = (id, bytes) => [id, bytes.length, ...bytes];
const name = (s) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const body = (code) => [code.length + 2, 0, ...code, 0x0b];
const bytes = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0,
  ...section(1, [3, 0x60, 1, STRINGREF, 1, 0x7f, 0x60, 2, STRINGREF, STRINGREF, 1, STRINGREF,
    0x60, 2, STRINGREF, STRINGREF, 1, 0x7f]),
  ...section(3, [3, 0, 1, 2]),
  ...section(7, [3, ...name("len"), 0, 0, ...name("cat"), 0, 1, ...name("eq"), 0, 2]),
  ...section(10, [3, ...body([0x20, 0, 0xfb, 0x85, 0x01]), ...body([0x20, 0, 0x20, 1, 0xfb, 0x88, 0x01]),
    ...body([0x20, 0, 0x20, 1, 0xfb, 0x89, 0x01])]),
]);
let instance;
try {
  ({ instance } = await WebAssembly.instantiate(bytes));
} catch (e) {
  return { supported: false, detail: String(e) };
}
const { len, cat, eq } = instance.exports;
const got = [len("h\u00e9llo\u{1F600}"), cat("wasm", "-\u00e9"), eq("x", "x"), eq("x", "y")];
const ok = JSON.stringify(got) === JSON.stringify([7, "wasm-\u00e9", 1, 0]);
return { supported: ok, detail: ok ? "" : `got ${JSON.stringify(got)}` };
