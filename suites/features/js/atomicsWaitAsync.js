// feature: atomicsWaitAsync
// Atomics.waitAsync on a shared WebAssembly.Memory: how a main thread (which may not block)
// waits for a wasm thread, as threaded runtimes' proxies do. A waiter on an i32 of the memory's
// buffer resolves "ok" when notified and "timed-out" when not, and "not-equal" at once when the
// value differs.
if (typeof Atomics.waitAsync !== "function") return { supported: false, detail: "no Atomics.waitAsync" };
let memory;
try {
  memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
} catch (e) {
  return { supported: false, detail: `no shared WebAssembly.Memory: ${e}` };
}
const cell = new Int32Array(memory.buffer);
const notified = Atomics.waitAsync(cell, 0, 0, 10000);
if (!notified.async) return { supported: false, detail: `waitAsync did not wait: ${notified.value}` };
const woken = Atomics.notify(cell, 0, 1);
const first = await notified.value;
const late = Atomics.waitAsync(cell, 1, 0, 20);
const second = late.async ? await late.value : late.value;
const differs = Atomics.waitAsync(cell, 2, 7, 1000);
const third = differs.async ? "waited" : differs.value;
const got = `${first} (notify woke ${woken}), ${second}, ${third}`;
return { supported: first === "ok" && woken === 1 && second === "timed-out" && third === "not-equal", detail: got };
