// feature: threadsAcrossAgents
// Threads that really share memory: a second agent (a Worker) and this one each add 1 to the
// same i32 of one shared WebAssembly.Memory a million times with i32.atomic.rmw.add, at the
// same time; the total must be exactly two million. (The wasm `threads` probe runs in one
// agent only.) Browsers use a Web Worker; Node, Deno and Bun node:worker_threads.
// (module
//   (import "m" "mem" (memory 1 1 shared))
//   (func (export "bump") (param i32) (local i32)
//     (loop $l
//       (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
//       (local.set 1 (i32.add (local.get 1) (i32.const 1)))
//       (br_if $l (i32.lt_u (local.get 1) (local.get 0))))))
const bytes = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 1, 127, 0, 2, 11, 1, 1, 109, 3, 109, 101, 109, 2, 3, 1, 1, 3, 2,
  1, 0, 7, 8, 1, 4, 98, 117, 109, 112, 0, 0, 10, 32, 1, 30, 1, 1, 127, 3, 64, 65, 0, 65, 1, 254, 30, 2, 0, 26,
  32, 1, 65, 1, 106, 33, 1, 32, 1, 32, 0, 73, 13, 0, 11, 11,
]);
const N = 1000000;
let memory;
try {
  memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
} catch (e) {
  return { supported: false, detail: `no shared WebAssembly.Memory: ${e}` };
}
const module = await WebAssembly.compile(bytes);
// The worker instantiates the same module on the same memory, bumps, and says how it went.
const body = `
  const run = ({ module, memory, n }) => {
    const instance = new WebAssembly.Instance(module, { m: { mem: memory } });
    instance.exports.bump(n);
    return "done";
  };`;
let finished;
if (host.name === "chromium" || host.name === "firefox") {
  const source = `${body}
    onmessage = (e) => { try { postMessage(run(e.data)); } catch (err) { postMessage(String(err)); } };`;
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
  finished = new Promise((resolve) => { worker.onmessage = (e) => { worker.terminate(); resolve(e.data); }; });
  worker.postMessage({ module, memory, n: N });
} else {
  const { Worker } = await import("node:worker_threads");
  const source = `${body}
    const { parentPort, workerData } = require("node:worker_threads");
    try { parentPort.postMessage(run(workerData)); } catch (err) { parentPort.postMessage(String(err)); }`;
  const worker = new Worker(source, { eval: true, workerData: { module, memory, n: N } });
  finished = new Promise((resolve) => {
    worker.once("message", (m) => { worker.terminate(); resolve(m); });
    worker.once("error", (e) => resolve(String(e)));
  });
}
const instance = new WebAssembly.Instance(module, { m: { mem: memory } });
instance.exports.bump(N);
const outcome = await finished;
const total = Atomics.load(new Int32Array(memory.buffer), 0);
if (outcome !== "done") return { supported: false, detail: `the second agent failed: ${outcome}` };
return { supported: total === 2 * N, detail: `two agents added ${total} (expected ${2 * N})` };
