// Command-line JS host shim for runner.mjs: JSON lines on stdin -> replies on stdout.
// Node runs it directly; Deno and Bun run it through their Node compatibility.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { createRunner } from "./runner.mjs";

const version = globalThis.Deno
  ? `deno ${Deno.version.deno} (V8 ${Deno.version.v8})`
  : globalThis.Bun
    ? `bun ${Bun.version}`
    : `node ${process.version}`;
// Stdout carries protocol lines only: stray console output (a `js` command's code) goes to stderr.
for (const method of ["log", "info", "debug", "dir", "table"]) console[method] = console.error.bind(console);

// Host services for `js` commands (see runner.mjs); the name comes from the runtime itself.
const host = {
  name: globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node",
  importModule: (path) => import(pathToFileURL(path).href),
  readFile: (path) => new Uint8Array(readFileSync(path)),
  // Where libraries that load files themselves (onnxruntime-web's wasm) find one: as in a browser page.
  fileUrl: (path) => pathToFileURL(path).href,
};
const runner = createRunner({ loadBytes: (path) => readFileSync(path), version, host });
// Each reply is written at once (pipe writes are synchronous in Node on Linux), so a
// worker that dies has already handed over everything it finished.
const emit = (obj) => {
  process.stdout.write(JSON.stringify(obj) + "\n");
};

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  let request;
  try {
    request = JSON.parse(line);
  } catch (err) {
    emit({ id: null, ok: false, error: { kind: "internal", message: `bad request: ${err}` } });
    continue;
  }
  if (request.op === "exit") process.exit(0);
  await runner.handle(request, emit);
}
process.exit(0);
