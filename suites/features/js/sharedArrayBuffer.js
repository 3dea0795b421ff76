// feature: sharedArrayBuffer
// SharedArrayBuffer exists and a shared WebAssembly.Memory can be made (its buffer is a
// SharedArrayBuffer that Atomics work on). Browsers give it only to cross-origin isolated pages.
if (typeof SharedArrayBuffer !== "function") return { supported: false, detail: "no SharedArrayBuffer" };
let mem;
try {
  mem = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
} catch (e) {
  return { supported: false, detail: `shared WebAssembly.Memory: ${e}` };
}
if (!(mem.buffer instanceof SharedArrayBuffer)) return { supported: false, detail: "the shared memory's buffer is not a SharedArrayBuffer" };
const cells = new Int32Array(mem.buffer);
Atomics.add(cells, 0, 2);
if (Atomics.load(cells, 0) !== 2) return { supported: false, detail: "Atomics on the shared memory failed" };
return true;
