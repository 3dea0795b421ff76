// feature: wasi
// WASI preview 1 from JS: the host's `node:wasi` (Node; Deno's and Bun's Node compatibility)
// runs a tiny command module whose _start writes "hi" to stdout with fd_write; stdout goes to
// a temporary file, which must then hold exactly "hi". Bun's node:wasi ignores Node's
// `stdout: fd` option (it would write to the worker's own stdout, the protocol stream), so its
// own `sendStdout` option is given too and captures what it writes. Browsers have no WASI.
if (host.name === "chromium" || host.name === "firefox") return { supported: false, detail: "no WASI in browsers" };
let WASI;
try {
  ({ WASI } = await import("node:wasi"));
} catch (e) {
  return { supported: false, detail: `no node:wasi: ${e}` };
}
if (typeof WASI !== "function") return { supported: false, detail: "node:wasi has no WASI class" };
const fs = await import("node:fs");
const os = await import("node:os");
const path = await import("node:path");
// (module
//   (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
//   (memory (export "memory") 1)
//   (data (i32.const 16) "hi")
//   (func (export "_start")
//     (i32.store (i32.const 0) (i32.const 16))   ;; iovec: buf = 16
//     (i32.store (i32.const 4) (i32.const 2))    ;;        len = 2
//     (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (then unreachable))))
const bytes = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 12, 2, 96, 4, 127, 127, 127, 127, 1, 127, 96, 0, 0, 2, 35, 1, 22, 119, 97,
  115, 105, 95, 115, 110, 97, 112, 115, 104, 111, 116, 95, 112, 114, 101, 118, 105, 101, 119, 49, 8, 102, 100,
  95, 119, 114, 105, 116, 101, 0, 0, 3, 2, 1, 1, 5, 3, 1, 0, 1, 7, 19, 2, 6, 109, 101, 109, 111, 114, 121, 2,
  0, 6, 95, 115, 116, 97, 114, 116, 0, 1, 10, 32, 1, 30, 0, 65, 0, 65, 16, 54, 2, 0, 65, 4, 65, 2, 54, 2, 0,
  65, 1, 65, 0, 65, 1, 65, 8, 16, 0, 4, 64, 0, 11, 11, 11, 8, 1, 0, 65, 16, 11, 2, 104, 105,
]);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasm-harness-wasi-"));
const file = path.join(dir, "stdout");
const fd = fs.openSync(file, "w+");
try {
  const sent = [];
  const sendStdout = (data) => sent.push(...data);
  let wasi;
  try {
    wasi = new WASI({ version: "preview1", args: ["probe"], env: {}, stdout: fd, sendStdout });
  } catch (e) {
    return { supported: false, detail: `new WASI(): ${e}` };
  }
  const imports = typeof wasi.getImportObject === "function"
    ? wasi.getImportObject()
    : { wasi_snapshot_preview1: wasi.wasiImport };
  try {
    const { instance } = await WebAssembly.instantiate(bytes, imports);
    wasi.start(instance);
  } catch (e) {
    return { supported: false, detail: `running the module: ${e}` };
  }
  const written = fs.readFileSync(file, "utf8");
  const viaHook = new TextDecoder().decode(new Uint8Array(sent));
  if (written === "hi" && viaHook === "") return { supported: true, detail: `node:wasi (${host.name})` };
  if (written === "" && viaHook === "hi") {
    return { supported: true, detail: `node:wasi (${host.name}): stdout through its sendStdout option; it ignores stdout: fd` };
  }
  return { supported: false, detail: `stdout got ${JSON.stringify(written)} (fd) + ${JSON.stringify(viaHook)} (sendStdout), not "hi"` };
} finally {
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
}
