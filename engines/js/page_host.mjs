// Browser page host shim for runner.mjs (see engines/browser_worker.py).
//
// Only carries messages: long-polls `next` for the next request, hands it to the
// shared runner, and POSTs the runner's replies to `reply` as JSON arrays. Replies
// go in batches at most FLUSH_MS apart, and the last one of a request (`done`)
// flushes; a `careful` request posts every reply and waits for the POST before
// the runner goes on, so a page that dies has handed over everything it finished.
import { createRunner } from "./runner.mjs";

const FLUSH_MS = 50;

// Every URL of the server lies under /<token>/, the page's own directory (see browser_server.py):
// resolved against it, each request carries the token, and so does every relative import inside a
// module imported from `files/`.
const BASE = new URL("../", import.meta.url);
const url = (relative) => new URL(relative, BASE).href;
const fileUrl = (path) => url("files" + path.split("/").map(encodeURIComponent).join("/"));

// The module files of the current request, which arrive with it (see BrowserServer.bundle).
let bundle = { bytes: null, index: {} };

async function loadBytes(path) {
  const at = bundle.index[path];
  if (bundle.bytes && at) return bundle.bytes.subarray(at[0], at[0] + at[1]);
  const res = await fetch(fileUrl(path), { cache: "no-store" });
  if (!res.ok) {
    const why = res.status === 404 ? " (missing, or outside the directories the browser worker serves)" : "";
    throw new Error(`cannot load ${path}: HTTP ${res.status}${why}`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

// Host services for `js` commands (see runner.mjs). A module or file must be one the
// request named (a `js` command's `files`), or the server answers 404.
const host = {
  name: /\bFirefox\//.test(navigator.userAgent) ? "firefox" : /Chrom(e|ium)\//.test(navigator.userAgent) ? "chromium" : "browser",
  importModule: async (path) => {
    try {
      return await import(fileUrl(path));
    } catch (err) {
      throw new Error(`cannot import ${path}: ${err} (a page may import only files its request names in \`files\`)`);
    }
  },
  readFile: async (path) => (await loadBytes(path)).slice(),
  // The URL of a file a request names, for libraries that fetch or import files themselves
  // (onnxruntime-web's wasm and worker scripts, transformers.js's model files).
  fileUrl,
};
const runner = createRunner({ loadBytes, version: navigator.userAgent, host });

// Batches are posted one after another, so they reach the worker in order.
let pending = [];
let posting = Promise.resolve();
let lastFlush = performance.now();
let timer = null;

async function post(batch) {
  const res = await fetch(url("reply"), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(batch),
  });
  if (!res.ok) throw new Error(`POST reply: HTTP ${res.status}`);
}

function flush() {
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  lastFlush = performance.now();
  if (pending.length > 0) {
    const batch = pending;
    pending = [];
    // A failed POST means the worker is gone; it will not read anything else either.
    posting = posting.then(() => post(batch)).catch((err) => console.error(err));
  }
  return posting;
}

function emitter(careful) {
  return async (reply) => {
    pending.push(reply);
    if (careful || reply.done || !("i" in reply)) {
      await flush();
    } else if (performance.now() - lastFlush >= FLUSH_MS) {
      // Awaited (a round trip every FLUSH_MS at most): then every reply older than FLUSH_MS has
      // reached the worker before the next command starts, so after a hang the harness knows that
      // all but the culprit among the commands it has no reply for were quick (harness/worker.py).
      await flush();
    } else if (timer === null) {
      timer = setTimeout(flush, FLUSH_MS);
    }
  };
}

async function nextRequest() {
  for (;;) {
    try {
      const res = await fetch(url("next"), { cache: "no-store" });
      if (res.status === 200) {
        // A 4-byte big-endian length, the request's JSON, then its modules' bytes.
        const body = new Uint8Array(await res.arrayBuffer());
        const length = new DataView(body.buffer).getUint32(0);
        const request = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + length)));
        bundle = { bytes: body.subarray(4 + length), index: request.bundle ? request.bundle.index : {} };
        return request;
      }
      if (res.status !== 204) throw new Error(`GET next: HTTP ${res.status}`);
    } catch (err) {
      console.error(err);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function main() {
  for (;;) {
    const request = await nextRequest();
    await runner.handle(request, emitter(request.careful !== false));
    await flush();
  }
}

main();
