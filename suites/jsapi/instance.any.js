// META: global=window,dedicatedworker,jsshell
// META: script=resources/wasm-builder.js
// WebAssembly.Instance: construction, the import object, and the shape of its exports.

function importingModule() {
  const b = new ModuleBuilder();
  const f = b.addImportFunction("m", "f", [kI32], [kI32]);
  const call = b.addFunction([kI32], [kI32], [kLocalGet, 0, kCall, f]);
  b.exportFunction("call", call);
  return b.toModule();
}

test(() => {
  const module = new WebAssembly.Module(emptyModuleBytes);
  assert_throws_js(TypeError, () => WebAssembly.Instance(module));
  assert_throws_js(TypeError, () => new WebAssembly.Instance());
  assert_throws_js(TypeError, () => new WebAssembly.Instance(emptyModuleBytes));
  assert_throws_js(TypeError, () => new WebAssembly.Instance({}));
}, "Instance: without new, or without a Module, throws a TypeError");

test(() => {
  const module = new WebAssembly.Module(emptyModuleBytes);
  for (const bad of [null, 1, "", true]) {
    assert_throws_js(TypeError, () => new WebAssembly.Instance(module, bad), `import object ${String(bad)}`);
  }
  new WebAssembly.Instance(module, undefined);
}, "Instance: an import object that is not an object throws a TypeError");

test(() => {
  const module = importingModule();
  assert_throws_js(TypeError, () => new WebAssembly.Instance(module), "no import object");
  assert_throws_js(TypeError, () => new WebAssembly.Instance(module, {}), "no module m");
  assert_throws_js(TypeError, () => new WebAssembly.Instance(module, { m: 1 }), "m is a number");
}, "Instance: a missing import module is a TypeError");

test(() => {
  const module = importingModule();
  assert_throws_js(WebAssembly.LinkError, () => new WebAssembly.Instance(module, { m: {} }), "f missing");
  assert_throws_js(WebAssembly.LinkError, () => new WebAssembly.Instance(module, { m: { f: 1 } }), "f a number");
  assert_throws_js(WebAssembly.LinkError, () => new WebAssembly.Instance(module, { m: { f: {} } }), "f an object");
}, "Instance: a missing or non-callable function import is a LinkError");

test(() => {
  const order = [];
  const importObject = new Proxy({}, { get(_, key) { order.push(key); return { f: (x) => x + 1 }; } });
  const instance = new WebAssembly.Instance(importingModule(), importObject);
  assert_array_equals(order, ["m"]);
  assert_equals(instance.exports.call(41), 42);
}, "Instance: imports are read with [[Get]], once per import");

test(() => {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(emptyModuleBytes));
  assert_equals(Object.getPrototypeOf(instance), WebAssembly.Instance.prototype);
  assert_class_string(instance, "WebAssembly.Instance");
  const d = Object.getOwnPropertyDescriptor(WebAssembly.Instance.prototype, "exports");
  assert_equals(typeof d.get, "function", "exports is an accessor");
  assert_equals(d.set, undefined);
  assert_true(d.enumerable && d.configurable);
  assert_equals(instance.exports, instance.exports, "the same object every time");
}, "Instance: prototype, class string, exports accessor");

function exportingInstance() {
  const b = new ModuleBuilder();
  const add = b.addFunction([kI32, kI32], [kI32], [kLocalGet, 0, kLocalGet, 1, kI32Add]);
  b.exportFunction("add", add);
  b.exportFunction("alias", add);
  b.addMemory(1, 2);
  b.addExport("memory", kExternalMemory, 0);
  b.addTable(kFuncRef, 3);
  b.addExport("table", kExternalTable, 0);
  b.addGlobal(kI32, true, [kI32Const, 7]);
  b.addExport("global", kExternalGlobal, 0);
  return b.instantiate();
}

test(() => {
  const exports = exportingInstance().exports;
  assert_equals(Object.getPrototypeOf(exports), null, "null prototype");
  assert_true(Object.isFrozen(exports), "frozen");
  assert_array_equals(Object.keys(exports), ["add", "alias", "memory", "table", "global"]);
  for (const name of Object.keys(exports)) {
    assert_data_property(exports, name, { writable: false, enumerable: true, configurable: false });
  }
}, "Instance exports: a frozen null-prototype object, in export order");

test(() => {
  const exports = exportingInstance().exports;
  assert_true(exports.memory instanceof WebAssembly.Memory, "memory");
  assert_true(exports.table instanceof WebAssembly.Table, "table");
  assert_true(exports.global instanceof WebAssembly.Global, "global");
  assert_equals(exports.global.value, 7);
  assert_equals(exports.table.length, 3);
  assert_equals(exports.memory.buffer.byteLength, 65536);
}, "Instance exports: memories, tables and globals as their JS objects");

test(() => {
  const { add, alias } = exportingInstance().exports;
  assert_equals(typeof add, "function");
  assert_equals(add, alias, "one function object per function");
  assert_equals(add.name, "0", "name is the function index");
  assert_equals(add.length, 2, "length is the parameter count");
  assert_equals(Object.getPrototypeOf(add), Function.prototype);
  assert_equals(add(2, 3), 5);
  assert_equals(add("2", 3.9), 5, "arguments converted with ToInt32");
  assert_throws_js(TypeError, () => new add(1, 2), "not a constructor");
  assert_false("prototype" in add, "no prototype property");
}, "Exported function: name, length, identity, calls and conversions");

test(() => {
  const { add } = exportingInstance().exports;
  assert_regexp_match(Function.prototype.toString.call(add), /^function 0\(\) \{\s*\[native code\]\s*\}$/);
}, "Exported function: toString is a NativeFunction");

test(() => {
  const b = new ModuleBuilder();
  const f = b.addImportFunction("m", "f", [], []);
  b.exportFunction("reexport", f);
  const js = () => {};
  const instance = b.instantiate({ m: { f: js } });
  assert_not_equals(instance.exports.reexport, js, "a JS function is wrapped");
  const again = new ModuleBuilder();
  const g = again.addImportFunction("m", "g", [], []);
  again.exportFunction("g", g);
  const other = again.instantiate({ m: { g: instance.exports.reexport } });
  assert_equals(other.exports.g, instance.exports.reexport, "a wasm function is not wrapped again");
}, "Exported function: re-exported imports");
