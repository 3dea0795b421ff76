// feature: jspi
// v8-flag: --experimental-wasm-jspi
// JS Promise Integration: WebAssembly.Suspending wraps an async import, WebAssembly.promising an
// export; calling the export returns a promise at once while the import's promise is pending
// (wasm suspended), and the export then finishes with the import's value (wasm resumed).
// (module
//   (import "m" "next" (func $next (result i32)))
//   (func (export "run") (result i32) call $next i32.const 1 i32.add))
const have = `WebAssembly.Suspending: ${typeof WebAssembly.Suspending}, WebAssembly.promising: ${typeof WebAssembly.promising}`;
if (typeof WebAssembly.Suspending !== "function" || typeof WebAssembly.promising !== "function") {
  return { supported: false, detail: have };
}
const bytes = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 2, 10, 1, 1, 109, 4, 110, 101, 120, 116, 0, 0, 3, 2, 1,
  0, 7, 7, 1, 3, 114, 117, 110, 0, 1, 10, 9, 1, 7, 0, 16, 0, 65, 1, 106, 11,
]);
let settled = false;
const next = new WebAssembly.Suspending(async () => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  settled = true;
  return 41;
});
const { instance } = await WebAssembly.instantiate(bytes, { m: { next } });
const run = WebAssembly.promising(instance.exports.run);
let pending;
try {
  pending = run();
} catch (e) {
  return { supported: false, detail: `calling the promising export: ${e}` };
}
if (!(pending instanceof Promise)) return { supported: false, detail: "the promising export did not return a promise" };
if (settled) return { supported: false, detail: "the export ran to the end without suspending" };
let got;
try {
  got = await pending;
} catch (e) {
  return { supported: false, detail: `the suspended call failed: ${e}` };
}
if (!settled || got !== 42) return { supported: false, detail: `resumed with ${got}, not 42` };
return true;
