// Shared JavaScript worker runner for wasm-harness.
//
// Host-independent: uses only plain JS and the standard WebAssembly JS API, so
// the same file runs in Node, Deno, Bun and browser pages. A host shim reads
// requests, calls `handle(request, emit)` one request at a time, and writes
// each object passed to `emit` as one reply line. See ARCHITECTURE.md,
// "Worker protocol" and "Lowered commands".

const HOST_KEY = "wasm-harness-host";

class HarnessError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = "HarnessError";
    this.kind = kind;
  }
}

const internal = (message) => new HarnessError("internal", message);
const unsupported = (message) => new HarnessError("unsupported", message);

function isRecursionError(err) {
  // V8 / JSC: RangeError "Maximum call stack size exceeded";
  // SpiderMonkey: InternalError "too much recursion".
  const name = err && err.name;
  if (name !== "RangeError" && name !== "InternalError") return false;
  return /call stack|recursion/i.test(String(err.message));
}

export function classifyError(err) {
  if (err instanceof HarnessError) return { kind: err.kind, message: err.message };
  let message;
  try {
    message = String(err);
  } catch {
    message = Object.prototype.toString.call(err);
  }
  let kind = "internal";
  if (typeof WebAssembly.Exception === "function" && err instanceof WebAssembly.Exception) kind = "exception";
  else if (err instanceof WebAssembly.CompileError) kind = "compile";
  else if (err instanceof WebAssembly.LinkError) kind = "link";
  else if (err instanceof WebAssembly.RuntimeError) kind = "trap";
  else if (isRecursionError(err)) kind = "exhaustion";
  return { kind, message };
}

// The constructor of async functions: a `js` command's code is the body of one.
const AsyncFunction = (async () => {}).constructor;

// Runs a `js` command: `code` is the body of an async function of one argument, `host`
// (the shim's host services plus the command's `args` and `files`); its result goes back
// as JSON. Host services (from the shim): name ("node", "deno", "bun", "chromium",
// "firefox"), importModule(absPath), readFile(absPath) -> Uint8Array, fileUrl(absPath) -> the URL
// where the host's own loaders (import(), fetch) find that file.
async function runJs(cmd, host) {
  if (typeof cmd.code !== "string") throw internal("js command without code");
  const fn = new AsyncFunction("host", cmd.code);
  const args = cmd.args && typeof cmd.args === "object" ? cmd.args : {};
  const files = Array.isArray(cmd.files) ? cmd.files : [];
  const result = await fn(Object.freeze({ ...host, args, files }));
  const text = JSON.stringify(result === undefined ? null : result);
  return [["json", text === undefined ? "null" : text]];
}

// --- benchmarks ---------------------------------------------------------------
// The `bench` command: the same steps as engines/pyworker.py `bench_loop` and
// suites/bench/native_main.c (ARCHITECTURE.md, "Benchmarks"), timed with
// performance.now() in the engine's own process.
const nowSeconds = () => performance.now() / 1000;

function timerResolution(tries = 1000) {
  let best = Infinity;
  for (let n = 0; n < tries; n++) {
    const t0 = nowSeconds();
    let t1 = nowSeconds();
    while (t1 === t0) t1 = nowSeconds();
    best = Math.min(best, t1 - t0);
  }
  return best;
}

async function runBench(cmd, loadBytes) {
  const resolution = timerResolution();
  const bytes = await loadBytes(cmd.file);
  let t0 = nowSeconds();
  const mod = await WebAssembly.compile(bytes);
  const compile_s = nowSeconds() - t0;
  let ex;
  const instantiate = async () => {
    const inst = await WebAssembly.instantiate(mod, {});
    ex = inst.exports;
    if (typeof ex._initialize === "function") ex._initialize();
  };
  t0 = nowSeconds();
  await instantiate();
  const instantiate_s = nowSeconds() - t0;
  const size = Number(cmd.size);
  ex.bench_init(size);
  t0 = nowSeconds();
  ex.bench_run(1);
  const first_call_s = nowSeconds() - t0;
  const target = Math.max(Number(cmd.min_sample_s ?? 0.01), 100 * resolution);
  const maxReps = Number(cmd.max_reps || 2 ** 24);
  const freshInstance = async () => {
    if (!cmd.fresh) return;
    // A workload that changes its instance (memory.grow) gets a new one per sample.
    await instantiate();
    ex.bench_init(size);
  };
  let reps = 1;
  for (;;) {
    await freshInstance();
    t0 = nowSeconds();
    ex.bench_run(reps);
    const elapsed = nowSeconds() - t0;
    if (elapsed >= target || reps >= maxReps) break;
    const factor = Math.min(10, Math.max(2, Math.ceil((1.2 * target) / Math.max(elapsed, resolution))));
    reps = Math.min(maxReps, reps * factor);
  }
  const warmups = Number(cmd.warmups ?? 1);
  const total = warmups + Number(cmd.samples ?? 5);
  const samples_s = [];
  for (let n = 0; n < total; n++) {
    await freshInstance();
    t0 = nowSeconds();
    ex.bench_run(reps);
    const elapsed = nowSeconds() - t0;
    if (n >= warmups) samples_s.push(elapsed);
  }
  const result = {
    compile_s, instantiate_s, first_call_s, reps, samples_s, check: ex.bench_check(),
    timer: { clock: "performance.now", resolution_s: resolution, isolated: globalThis.crossOriginIsolated ?? null },
  };
  return [["json", JSON.stringify(result)]];
}

export function createRunner({ loadBytes, version, host = {} }) {
  // Host values for (ref.extern N): one object per N for the runner's lifetime.
  const hostById = new Map();
  const idByHost = new WeakMap();
  function hostObject(n) {
    let obj = hostById.get(n);
    if (obj === undefined) {
      obj = Object.freeze({ [HOST_KEY]: n });
      hostById.set(n, obj);
      idByHost.set(obj, n);
    }
    return obj;
  }

  // Compiled spectest and wrapper modules are reused across runs (by path);
  // they are instantiated afresh in every run / for every target instance.
  const moduleCache = new Map();
  async function compileCached(path) {
    let mod = moduleCache.get(path);
    if (mod === undefined) {
      mod = await WebAssembly.compile(await loadBytes(path));
      moduleCache.set(path, mod);
    }
    return mod;
  }

  function encodeArg(arg) {
    if (!Array.isArray(arg) || arg.length !== 2) throw internal(`malformed argument ${JSON.stringify(arg)}`);
    const [kind, v] = arg;
    switch (kind) {
      case "i32":
        return Number(BigInt.asIntN(32, BigInt(v)));
      case "i64":
        return BigInt.asIntN(64, BigInt(v));
      case "externref":
        return v === null || v === undefined ? null : hostObject(Number(v));
      case "funcref":
        if (v !== null && v !== undefined) throw unsupported("non-null funcref argument");
        return null;
      default:
        throw unsupported(`argument kind ${kind}`);
    }
  }

  function decodeResult(kind, v) {
    switch (kind) {
      case "i32":
        if (typeof v !== "number") throw internal(`i32 result is ${typeof v}`);
        return [kind, String(v >>> 0)];
      case "i64":
        if (typeof v !== "bigint") throw internal(`i64 result is ${typeof v}`);
        return [kind, BigInt.asUintN(64, v).toString()];
      case "externref":
        if (v === null) return [kind, null];
        if ((typeof v === "object" || typeof v === "function") && idByHost.has(v)) return [kind, idByHost.get(v)];
        return [kind, "other"];
      case "funcref":
        return [kind, v === null ? null : "func"];
      default:
        throw unsupported(`result kind ${kind}`);
    }
  }

  function decodeResults(kinds, ret) {
    if (!Array.isArray(kinds)) throw internal("missing results");
    if (kinds.length === 0) return [];
    if (kinds.length === 1) return [decodeResult(kinds[0], ret)];
    if (ret === null || typeof ret !== "object" || typeof ret[Symbol.iterator] !== "function") {
      throw internal(`expected ${kinds.length} results, got ${typeof ret}`);
    }
    const vals = Array.from(ret);
    if (vals.length !== kinds.length) throw internal(`expected ${kinds.length} results, got ${vals.length}`);
    return kinds.map((k, j) => decodeResult(k, vals[j]));
  }

  // Check imports against the import object up front: the JS API throws a
  // TypeError (not a LinkError) when an import's module is missing.
  function checkImports(mod, importObject) {
    for (const imp of WebAssembly.Module.imports(mod)) {
      const ns = importObject[imp.module];
      if (ns === undefined || ns === null) {
        throw new WebAssembly.LinkError(`unknown import module "${imp.module}" (import "${imp.name}")`);
      }
      if (!(imp.name in ns)) {
        throw new WebAssembly.LinkError(`unknown import "${imp.module}" "${imp.name}"`);
      }
    }
  }

  async function instantiate(mod, importObject) {
    checkImports(mod, importObject);
    return await WebAssembly.instantiate(mod, importObject);
  }

  async function setupSpectest(paths) {
    const spectest = Object.create(null);
    for (const path of paths || []) {
      let mod;
      try {
        mod = await compileCached(path);
      } catch (err) {
        // A part of spectest this engine cannot compile (table64 needs memory64) is left out.
        if (err instanceof WebAssembly.CompileError) continue;
        throw err;
      }
      const inst = await instantiate(mod, { spectest: Object.assign(Object.create(null), spectest) });
      Object.assign(spectest, inst.exports);
    }
    return spectest;
  }

  async function runCommands(request, emit) {
    const id = request.id;
    const commands = request.commands || [];
    const skip = new Set(request.skip || []);

    // Fresh per run.
    const registry = Object.create(null);
    const instances = new Map();
    const definitions = new Map();
    const wrappers = new WeakMap(); // target instance -> Map(path -> wrapper instance)
    let current = null;

    let setupError = null;
    try {
      registry.spectest = await setupSpectest(request.spectest);
    } catch (err) {
      const e = classifyError(err);
      setupError = { kind: "internal", message: `spectest setup failed (${e.kind}): ${e.message}` };
    }

    const imports = () => Object.assign(Object.create(null), registry);

    function lookupInstance(name) {
      if (name === null || name === undefined) {
        if (current === null) throw internal("no current instance");
        return current;
      }
      const inst = instances.get(name);
      if (inst === undefined) throw internal(`unknown instance ${JSON.stringify(name)}`);
      return inst;
    }

    async function wrapperInstance(target, file) {
      let perTarget = wrappers.get(target);
      if (perTarget === undefined) {
        perTarget = new Map();
        wrappers.set(target, perTarget);
      }
      let inst = perTarget.get(file);
      if (inst === undefined) {
        const mod = await compileCached(file);
        inst = await instantiate(mod, { target: target.exports });
        perTarget.set(file, inst);
      }
      return inst;
    }

    function exportOf(inst, field) {
      if (!(field in inst.exports)) throw internal(`unknown export ${JSON.stringify(field)}`);
      return inst.exports[field];
    }

    async function execute(cmd) {
      switch (cmd.do) {
        case "module": {
          const mod = await WebAssembly.compile(await loadBytes(cmd.file));
          const inst = await instantiate(mod, imports());
          current = inst;
          if (cmd.name !== null && cmd.name !== undefined) instances.set(cmd.name, inst);
          return [];
        }
        case "define": {
          const mod = await WebAssembly.compile(await loadBytes(cmd.file));
          definitions.set(cmd.name, mod);
          return [];
        }
        case "instance": {
          const mod = definitions.get(cmd.module);
          if (mod === undefined) throw internal(`unknown module definition ${JSON.stringify(cmd.module)}`);
          const inst = await instantiate(mod, imports());
          current = inst;
          if (cmd.name !== null && cmd.name !== undefined) instances.set(cmd.name, inst);
          return [];
        }
        case "register": {
          const inst = lookupInstance(cmd.instance);
          registry[cmd.as] = inst.exports;
          return [];
        }
        case "compile": {
          await WebAssembly.compile(await loadBytes(cmd.file));
          return [];
        }
        case "instantiate": {
          const mod = await WebAssembly.compile(await loadBytes(cmd.file));
          await instantiate(mod, imports());
          return [];
        }
        case "call":
        case "get": {
          let inst = lookupInstance(cmd.instance);
          if (cmd.wrapper) inst = await wrapperInstance(inst, cmd.wrapper.file);
          const ex = exportOf(inst, cmd.field);
          let ret;
          if (cmd.do === "call" || cmd.wrapper) {
            if (typeof ex !== "function") throw internal(`export ${JSON.stringify(cmd.field)} is not a function`);
            const args = cmd.do === "call" ? (cmd.args || []).map(encodeArg) : [];
            ret = ex(...args);
          } else {
            if (!(ex instanceof WebAssembly.Global)) {
              throw internal(`export ${JSON.stringify(cmd.field)} is not a global`);
            }
            ret = ex.value;
          }
          return decodeResults(cmd.results, ret);
        }
        case "js":
        case "kernels": // the ml suite's kernels runtime: a js command to suites/ml/js/kernels.mjs
          return await runJs(cmd, host);
        case "bench":
          return await runBench(cmd, loadBytes);
        default:
          throw unsupported(`unknown command ${JSON.stringify(cmd.do)}`);
      }
    }

    for (const cmd of commands) {
      const i = cmd.i; // the command's index in the script, echoed so the harness can match replies
      if (skip.has(i)) continue;
      let reply;
      if (setupError !== null) {
        reply = { id, i, ok: false, error: setupError };
      } else {
        try {
          reply = { id, i, ok: true, values: await execute(cmd) };
        } catch (err) {
          reply = { id, i, ok: false, error: classifyError(err) };
        }
      }
      await emit(reply);
    }
    await emit({ id, done: true });
  }

  async function handle(request, emit) {
    const id = request && request.id !== undefined ? request.id : null;
    try {
      switch (request && request.op) {
        case "hello":
          await emit({ id, ok: true, version: String(version) });
          return;
        case "run":
          await runCommands(request, emit);
          return;
        default:
          await emit({
            id,
            ok: false,
            error: { kind: "internal", message: `unknown op ${JSON.stringify(request && request.op)}` },
          });
      }
    } catch (err) {
      await emit({ id, ok: false, error: { kind: "internal", message: String(err && err.stack ? err.stack : err) } });
    }
  }

  return { handle };
}
