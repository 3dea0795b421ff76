// A tiny WebAssembly module builder for the jsapi suite: modules as bytes, built in JS,
// so the suite needs no toolchain. Included with `// META: script=resources/wasm-builder.js`;
// it shares the test's function body, so its names are the test's.
//
// const b = new ModuleBuilder();
// const add = b.addFunction([kI32, kI32], [kI32], [kLocalGet, 0, kLocalGet, 1, kI32Add]);
// b.exportFunction("add", add);
// const { exports } = b.instantiate();

const kI32 = 0x7f, kI64 = 0x7e, kF32 = 0x7d, kF64 = 0x7c, kV128 = 0x7b, kFuncRef = 0x70, kExternRef = 0x6f;
const kExternalFunction = 0, kExternalTable = 1, kExternalMemory = 2, kExternalGlobal = 3, kExternalTag = 4;
// Opcodes the tests use.
const kUnreachable = 0x00, kNop = 0x01, kThrow = 0x08, kEnd = 0x0b, kCall = 0x10, kDrop = 0x1a;
const kLocalGet = 0x20, kGlobalGet = 0x23, kGlobalSet = 0x24, kI32Load = 0x28, kI32Store = 0x36;
const kMemorySize = 0x3f, kMemoryGrow = 0x40, kI32Const = 0x41, kI64Const = 0x42, kF32Const = 0x43, kF64Const = 0x44;
const kI32Add = 0x6a, kI32DivS = 0x6d, kI64Add = 0x7c, kRefNull = 0xd0, kRefFunc = 0xd2;

function uleb(value) {
  let v = BigInt(value);
  const out = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

function sleb(value) {
  let v = BigInt(value);
  const out = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function f64Bytes(x) {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x, true);
  return Array.from(new Uint8Array(buf.buffer));
}

function wasmName(text) {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...uleb(bytes.length), ...bytes];
}

// Limits: flags bit 0 = has maximum, bit 1 = shared, bit 2 = 64-bit addresses (memory64/table64).
function limits(min, max, { shared = false, is64 = false } = {}) {
  const flags = (max === undefined ? 0 : 1) | (shared ? 2 : 0) | (is64 ? 4 : 0);
  return [flags, ...uleb(min), ...(max === undefined ? [] : uleb(max))];
}

function section(id, entries) {
  const body = [...uleb(entries.length), ...entries.flat()];
  return [id, ...uleb(body.length), ...body];
}

class ModuleBuilder {
  constructor() {
    this.types = [];
    this.imports = [];
    this.functions = [];   // {type, locals, body}
    this.tables = [];
    this.memories = [];
    this.globals = [];
    this.tags = [];
    this.exports = [];
    this.customSections = [];
    this.startIndex = null;
    this.importedFunctions = 0;
    this.importedGlobals = 0;
    this.importedTags = 0;
  }

  addType(params, results) {
    const bytes = [0x60, ...uleb(params.length), ...params, ...uleb(results.length), ...results];
    const key = bytes.join(",");
    const found = this.types.findIndex((t) => t.join(",") === key);
    if (found >= 0) return found;
    this.types.push(bytes);
    return this.types.length - 1;
  }

  addImportFunction(module, name, params, results) {
    if (this.functions.length) throw new Error("imports come before functions");
    this.imports.push([...wasmName(module), ...wasmName(name), kExternalFunction, ...uleb(this.addType(params, results))]);
    return this.importedFunctions++;
  }

  addImportMemory(module, name, min, max, options) {
    this.imports.push([...wasmName(module), ...wasmName(name), kExternalMemory, ...limits(min, max, options)]);
  }

  addImportTable(module, name, refType, min, max) {
    this.imports.push([...wasmName(module), ...wasmName(name), kExternalTable, refType, ...limits(min, max)]);
  }

  addImportGlobal(module, name, type, mutable = false) {
    this.imports.push([...wasmName(module), ...wasmName(name), kExternalGlobal, type, mutable ? 1 : 0]);
    return this.importedGlobals++;
  }

  addImportTag(module, name, params) {
    this.imports.push([...wasmName(module), ...wasmName(name), kExternalTag, 0, ...uleb(this.addType(params, []))]);
    return this.importedTags++;
  }

  // body: instruction bytes without the final `end`; locals: [[count, type], ...]
  addFunction(params, results, body, locals = []) {
    this.functions.push({ type: this.addType(params, results), body, locals });
    return this.importedFunctions + this.functions.length - 1;
  }

  addMemory(min, max, options) {
    this.memories.push(limits(min, max, options));
    return this.memories.length - 1;
  }

  addTable(refType, min, max, options) {
    this.tables.push([refType, ...limits(min, max, options)]);
    return this.tables.length - 1;
  }

  // init: a constant expression's bytes without `end`
  addGlobal(type, mutable, init) {
    this.globals.push([type, mutable ? 1 : 0, ...init, kEnd]);
    return this.importedGlobals + this.globals.length - 1;
  }

  addTag(params) {
    this.tags.push([0, ...uleb(this.addType(params, []))]);
    return this.importedTags + this.tags.length - 1;
  }

  addExport(name, kind, index) {
    this.exports.push([...wasmName(name), kind, ...uleb(index)]);
    return this;
  }

  exportFunction(name, index) {
    return this.addExport(name, kExternalFunction, index);
  }

  addCustomSection(name, bytes) {
    this.customSections.push([0, ...uleb(wasmName(name).length + bytes.length), ...wasmName(name), ...bytes]);
  }

  setStart(index) {
    this.startIndex = index;
  }

  toBytes() {
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const add = (id, entries) => {
      if (entries.length) out.push(...section(id, entries));
    };
    add(1, this.types);
    add(2, this.imports);
    add(3, this.functions.map((f) => uleb(f.type)));
    add(4, this.tables);
    add(5, this.memories);
    add(13, this.tags);           // the tag section comes between memory and global
    add(6, this.globals);
    add(7, this.exports);
    if (this.startIndex !== null) out.push(8, ...uleb(uleb(this.startIndex).length), ...uleb(this.startIndex));
    add(10, this.functions.map((f) => {
      const locals = [...uleb(f.locals.length), ...f.locals.flatMap(([n, t]) => [...uleb(n), t])];
      const body = [...locals, ...f.body, kEnd];
      return [...uleb(body.length), ...body];
    }));
    for (const custom of this.customSections) out.push(...custom);
    return new Uint8Array(out);
  }

  toModule() {
    return new WebAssembly.Module(this.toBytes());
  }

  instantiate(imports) {
    return new WebAssembly.Instance(this.toModule(), imports);
  }
}

// The smallest valid module.
const emptyModuleBytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

// Whether this host validates a module (a proposal "where present").
function validates(build) {
  try {
    const b = new ModuleBuilder();
    build(b);
    return WebAssembly.validate(b.toBytes());
  } catch (e) {
    return false;
  }
}

// A property's descriptor, checked against WebIDL's shapes.
function assert_data_property(object, name, { writable, enumerable, configurable }) {
  const d = Object.getOwnPropertyDescriptor(object, name);
  assert_not_equals(d, undefined, `${String(name)} is an own property`);
  assert_true("value" in d, `${String(name)} is a data property`);
  assert_equals(d.writable, writable, `${String(name)} writable`);
  assert_equals(d.enumerable, enumerable, `${String(name)} enumerable`);
  assert_equals(d.configurable, configurable, `${String(name)} configurable`);
  return d;
}

function assert_accessor_property(object, name, { setter = false } = {}) {
  const d = Object.getOwnPropertyDescriptor(object, name);
  assert_not_equals(d, undefined, `${String(name)} is an own property`);
  assert_equals(typeof d.get, "function", `${String(name)} has a getter`);
  assert_equals(typeof d.set, setter ? "function" : "undefined", `${String(name)} setter`);
  assert_true(d.enumerable, `${String(name)} enumerable`);
  assert_true(d.configurable, `${String(name)} configurable`);
  return d;
}

// WebIDL operations: writable, enumerable, configurable; `length` as given.
function assert_operation(object, name, length) {
  const d = assert_data_property(object, name, { writable: true, enumerable: true, configurable: true });
  assert_equals(typeof d.value, "function", `${name} is a function`);
  assert_equals(d.value.length, length, `${name}.length`);
  assert_equals(d.value.name, name, `${name}.name`);
}
