// The body of the `js` command that runs one testharness.js-style file (harness/suites/jsapi.py).
//
// host.args: { harness: source of testharness.js (ours or a real one), scripts: [{path, source}]
// (the file's `// META: script=`s, in order), test: {path, source}, globals: the file's
// `// META: global=` scopes, timeout_ms, title, driver: this very source (a worker runs it too) }.
//
// It runs the file in every scope this host offers among `globals`: `jsshell` on a command-line
// host; `window` (this page) in a browser; `dedicatedworker` (a Worker started here) in a browser
// and in a command-line host that has Web Workers (Deno, Bun). In
// each, testharness.js runs as in a JavaScript shell: it is handed, as `self`, a view of the real
// global that hides the DOM and worker globals (so it picks ShellTestEnvironment, reports to
// completion callbacks, and never writes into the page), while everything else reads and writes
// through to the real global. The harness, the scripts and the test each run as a function body,
// so one file's top-level declarations never collide with the next file's in the same realm.
//
// Returns {scopes: {SCOPE: {status: "OK"|"ERROR"|"TIMEOUT"|"PRECONDITION_FAILED"|"LOAD_ERROR",
// message, tests: [{name, status: "PASS"|"FAIL"|"TIMEOUT"|"NOTRUN"|"PRECONDITION_FAILED",
// message}], ms}}}.
const args = host.args;
const TEST_STATUS = ["PASS", "FAIL", "TIMEOUT", "NOTRUN", "PRECONDITION_FAILED"];
const HARNESS_STATUS = ["OK", "ERROR", "TIMEOUT", "PRECONDITION_FAILED"];
const inBrowser = typeof document !== "undefined";
// A command-line host with Web Workers (Deno, Bun; not Node, whose workers are another API) runs
// `dedicatedworker` files in one too.
const hasWorker = typeof Worker === "function";
const offered = host.inWorker
  ? ["dedicatedworker"]
  : inBrowser
    ? ["window", "dedicatedworker"]
    : ["jsshell", ...(hasWorker ? ["dedicatedworker"] : [])];
const scopes = offered.filter((s) => args.globals.includes(s));

const describe = (err) => {
  if (err && typeof err === "object" && "message" in err) return `${err.name || "Error"}: ${err.message}`;
  return String(err);
};

function shellView(scope) {
  // What testharness.js (and the test) see as `self`: the real global minus what would make
  // testharness.js pick a window or worker environment, plus WPT's GLOBAL.
  const GLOBAL = {
    isWindow: () => scope === "window",
    isWorker: () => scope === "dedicatedworker",
    isShadowRealm: () => false,
  };
  const hidden = new Set(["document", "addEventListener", "DedicatedWorkerGlobalScope", "WorkerGlobalScope",
    "SharedWorkerGlobalScope", "ServiceWorkerGlobalScope"]);
  const own = { GLOBAL, META_TITLE: args.title };
  // The proxy's target is a stand-in, not the global: a window's `document` is non-configurable,
  // and a proxy may not hide a non-configurable property of its target. A non-configurable
  // property it reports is copied onto the stand-in first, as the proxy invariants require.
  const real = globalThis;
  const view = new Proxy(Object.create(null), {
    has: (_, key) => (hidden.has(key) ? false : key in own || key in real),
    get: (_, key) => (hidden.has(key) ? undefined : key in own ? own[key] : Reflect.get(real, key)),
    set: (_, key, value) => Reflect.set(real, key, value),
    deleteProperty: (_, key) => Reflect.deleteProperty(real, key),
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(real, key, descriptor),
    ownKeys: () => Reflect.ownKeys(real).filter((k) => !hidden.has(k)),
    getPrototypeOf: () => Reflect.getPrototypeOf(real),
    getOwnPropertyDescriptor: (standIn, key) => {
      if (hidden.has(key)) return undefined;
      const descriptor = Reflect.getOwnPropertyDescriptor(real, key);
      if (descriptor && !descriptor.configurable) Reflect.defineProperty(standIn, key, descriptor);
      return descriptor;
    },
  });
  return { view, GLOBAL };
}

async function runHere(scope) {
  const started = performance.now();
  const { view, GLOBAL } = shellView(scope);
  const uncaught = [];
  // An error outside every test's steps (testharness.js would hear of it through the global's
  // error events, which the shell view hides from it): the harness ends in ERROR.
  const report = (message) => uncaught.push(message);
  const onError = (event) => {
    report(describe(event.error !== undefined ? event.error : event.message));
    event.preventDefault();
  };
  const onRejection = (event) => {
    report(`Unhandled rejection: ${describe(event.reason)}`);
    event.preventDefault();
  };
  const onProcessError = (err) => report(describe(err));
  const onProcessRejection = (reason) => report(`Unhandled rejection: ${describe(reason)}`);
  // A command-line host would exit on an uncaught error or unhandled rejection: it is the file's.
  // Both kinds of listener where both exist (Deno; Bun's workers hear only the process's).
  const proc = !inBrowser && typeof process !== "undefined" && typeof process.on === "function" ? process : null;
  const events = typeof globalThis.addEventListener === "function";
  if (proc) {
    proc.on("uncaughtException", onProcessError);
    proc.on("unhandledRejection", onProcessRejection);
  }
  if (events) {
    globalThis.addEventListener("error", onError);
    globalThis.addEventListener("unhandledrejection", onRejection);
  }
  const params = ["self", "GLOBAL", "META_TITLE"];
  let timer = null;
  try {
    let completed;
    const completion = new Promise((resolve) => {
      completed = resolve;
    });
    try {
      new Function(...params, `${args.harness}\n//# sourceURL=testharness.js`).call(globalThis, view, GLOBAL, args.title);
    } catch (err) {
      return { status: "LOAD_ERROR", message: `testharness.js: ${describe(err)}`, tests: [], ms: performance.now() - started };
    }
    globalThis.add_completion_callback((tests, status) => completed({ tests, status }));
    // `setup({allow_uncaught_exception: true})` lets a file's uncaught errors be (testharness.js
    // would keep that to itself: it is seen on the way in).
    let allowUncaught = false;
    const realSetup = globalThis.setup;
    globalThis.setup = function (funcOrProperties, maybeProperties) {
      const properties = typeof funcOrProperties === "function" ? maybeProperties : funcOrProperties;
      if (properties && properties.allow_uncaught_exception) allowUncaught = true;
      return realSetup.apply(this, arguments);
    };
    // The scripts and the test share one function body, as they share one global in a page.
    const body = [...args.scripts, args.test].map((s) => `${s.source}\n;`).join("\n");
    try {
      new Function(...params, `${body}\n//# sourceURL=${args.test.path}`).call(globalThis, view, GLOBAL, args.title);
    } catch (err) {
      return { status: "LOAD_ERROR", message: describe(err), tests: [], ms: performance.now() - started };
    }
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve(null), args.timeout_ms);
    });
    let outcome = await Promise.race([completion, timedOut]);
    if (outcome === null) {
      globalThis.timeout(); // testharness.js's own: unfinished tests time out, unstarted ones never ran
      outcome = await Promise.race([completion, new Promise((resolve) => setTimeout(() => resolve(null), 1000))]);
      if (outcome === null) {
        return { status: "TIMEOUT", message: `no completion within ${args.timeout_ms} ms`, tests: [], ms: performance.now() - started };
      }
    }
    let status = HARNESS_STATUS[outcome.status.status] || String(outcome.status.status);
    let message = outcome.status.message || null;
    if (status === "OK" && uncaught.length && !allowUncaught) {
      status = "ERROR";
      message = uncaught[0];
    }
    const tests = outcome.tests.map((t) => ({
      name: String(t.name),
      status: TEST_STATUS[t.status] || String(t.status),
      message: t.message === null || t.message === undefined ? null : String(t.message),
    }));
    return { status, message, tests, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
    if (proc) {
      proc.off("uncaughtException", onProcessError);
      proc.off("unhandledRejection", onProcessRejection);
    }
    if (events) {
      globalThis.removeEventListener("error", onError);
      globalThis.removeEventListener("unhandledrejection", onRejection);
    }
  }
}

function runInWorker() {
  // A dedicated worker of this page runs this same source with host.inWorker.
  const source = `const AsyncFunction = (async () => {}).constructor;
onmessage = async (e) => {
  try {
    const fn = new AsyncFunction("host", e.data.driver);
    postMessage({ ok: true, value: await fn({ name: e.data.name, inWorker: true, args: e.data.args }) });
  } catch (err) {
    postMessage({ ok: false, message: String(err && err.stack || err) });
  }
};`;
  const started = performance.now();
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  return new Promise((resolve) => {
    let worker;
    const finish = (result) => {
      clearTimeout(guard);
      if (worker) worker.terminate();
      URL.revokeObjectURL(url);
      resolve({ ms: performance.now() - started, ...result });
    };
    const guard = setTimeout(() => finish({ status: "TIMEOUT", message: "the worker did not answer", tests: [] }),
      args.timeout_ms + 5000);
    try {
      // Deno has module workers only; a page's classic worker needs no module support.
      worker = new Worker(url, inBrowser ? undefined : { type: "module" });
    } catch (err) {
      finish({ status: "LOAD_ERROR", message: `cannot start a dedicated worker: ${describe(err)}`, tests: [] });
      return;
    }
    worker.onmessage = (e) => {
      if (!e.data.ok) finish({ status: "LOAD_ERROR", message: e.data.message, tests: [] });
      else finish(e.data.value.scopes.dedicatedworker);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      finish({ status: "LOAD_ERROR", message: `worker error: ${e.message}`, tests: [] });
    };
    worker.postMessage({ driver: args.driver, name: host.name, args });
  });
}

const results = {};
for (const scope of scopes) {
  results[scope] = scope === "dedicatedworker" && !host.inWorker ? await runInWorker() : await runHere(scope);
}
return { scopes: results };
