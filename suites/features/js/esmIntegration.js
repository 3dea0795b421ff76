// feature: esmIntegration
// ESM integration: a wasm module imported as an ES module gives its exports (import of a
// data:application/wasm URL; command-line hosts also try a .wasm file in a temporary directory,
// through host.importModule). The detail says how, and whether the source phase
// (`import.source(...)`, giving a WebAssembly.Module) works too.
// (module (func (export "answer") (result i32) i32.const 42))
const bytes = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 7, 10, 1, 6, 97, 110, 115, 119, 101, 114, 0,
  0, 10, 6, 1, 4, 0, 65, 42, 11,
]);
const url = "data:application/wasm;base64," + btoa(String.fromCharCode(...bytes));
const works = (ns) => ns && typeof ns.answer === "function" && ns.answer() === 42;
const tried = [];
let how = null;
try {
  const ns = await import(url);
  if (works(ns)) how = "a data:application/wasm import";
  else tried.push(`a data: URL import gave exports ${JSON.stringify(Object.keys(ns))}`);
} catch (e) {
  tried.push(`a data: URL import: ${e}`);
}
if (how === null && !["chromium", "firefox"].includes(host.name)) {
  const fs = await import("node:fs");
  const os = await import("node:os");
  const path = await import("node:path");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasm-harness-esm-"));
  try {
    const file = path.join(dir, "answer.wasm");
    fs.writeFileSync(file, bytes);
    const ns = await host.importModule(file);
    if (works(ns)) how = "an import of a .wasm file";
    else tried.push(`a .wasm file import gave exports ${JSON.stringify(Object.keys(ns))}`);
  } catch (e) {
    tried.push(`a .wasm file import: ${e}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
if (how === null) return { supported: false, detail: tried.join("; ") };
// The source phase is syntax: an engine without it cannot even parse it, so it is compiled apart.
let source;
try {
  const importSource = new (Object.getPrototypeOf(async () => {}).constructor)("u", "return import.source(u)");
  source = (await importSource(url)) instanceof WebAssembly.Module ? "works" : "gives no WebAssembly.Module";
} catch (e) {
  source = `fails (${e.name})`;
}
return { supported: true, detail: `${how}; source phase ${source}` };
