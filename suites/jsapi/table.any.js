// META: global=window,dedicatedworker,jsshell
// META: script=resources/wasm-builder.js
// WebAssembly.Table: the descriptor, get/set/grow and their limits; table64 where present.

function wasmFunction() {
  const b = new ModuleBuilder();
  b.exportFunction("f", b.addFunction([], [kI32], [kI32Const, 42]));
  return b.instantiate().exports.f;
}

test(() => {
  assert_throws_js(TypeError, () => WebAssembly.Table({ element: "anyfunc", initial: 1 }));
  assert_throws_js(TypeError, () => new WebAssembly.Table());
  assert_throws_js(TypeError, () => new WebAssembly.Table({ initial: 1 }), "element is required");
  assert_throws_js(TypeError, () => new WebAssembly.Table({ element: "anyfunc" }), "initial is required");
  assert_throws_js(TypeError, () => new WebAssembly.Table({ element: "i32", initial: 1 }), "not a reference type");
  assert_throws_js(TypeError, () => new WebAssembly.Table({ element: "anyfunc", initial: -1 }), "negative");
}, "Table: descriptor errors are TypeErrors");

test(() => {
  assert_throws_js(RangeError, () => new WebAssembly.Table({ element: "anyfunc", initial: 2, maximum: 1 }));
  assert_throws_js(RangeError, () => new WebAssembly.Table({ element: "anyfunc", initial: 10000001 }), "above the implementation limit");
}, "Table: limits out of range throw a RangeError");

test(() => {
  const table = new WebAssembly.Table({ element: "anyfunc", initial: 2 });
  assert_equals(Object.getPrototypeOf(table), WebAssembly.Table.prototype);
  assert_class_string(table, "WebAssembly.Table");
  assert_accessor_property(WebAssembly.Table.prototype, "length");
  assert_operation(WebAssembly.Table.prototype, "get", 1);
  assert_operation(WebAssembly.Table.prototype, "set", 1);
  assert_operation(WebAssembly.Table.prototype, "grow", 1);
  assert_equals(table.length, 2);
  assert_equals(table.get(0), null);
}, "Table: prototype, length accessor, get/set/grow operations");

test(() => {
  const table = new WebAssembly.Table({ element: "anyfunc", initial: 2 });
  const f = wasmFunction();
  table.set(1, f);
  assert_equals(table.get(1), f);
  table.set(1, null);
  assert_equals(table.get(1), null);
  table.set(0, f);
  table.set(0);
  assert_equals(table.get(0), null, "set without a value stores the default, null");
}, "Table: set and get of functions and null");

test(() => {
  const table = new WebAssembly.Table({ element: "anyfunc", initial: 1 });
  assert_throws_js(TypeError, () => table.set(0, () => 1), "a JS function is not a funcref");
  assert_throws_js(TypeError, () => table.set(0, 1), "a number");
  assert_throws_js(RangeError, () => table.get(1), "get past the end");
  assert_throws_js(RangeError, () => table.set(1, null), "set past the end");
  assert_throws_js(TypeError, () => table.get(-1), "negative index");
}, "Table: get/set errors");

test(() => {
  const table = new WebAssembly.Table({ element: "anyfunc", initial: 1, maximum: 3 });
  const f = wasmFunction();
  assert_equals(table.grow(1), 1, "grow returns the old length");
  assert_equals(table.length, 2);
  assert_equals(table.get(1), null, "new entries are null");
  assert_equals(table.grow(1, f), 2, "grow with an initial value");
  assert_equals(table.get(2), f);
  assert_throws_js(RangeError, () => table.grow(1), "past the maximum");
  assert_equals(table.length, 3);
}, "Table.grow: old length, fill value, maximum");

test(() => {
  const table = new WebAssembly.Table({ element: "externref", initial: 2 });
  assert_equals(table.get(0), undefined, "the default externref is undefined");
  const object = {};
  table.set(0, object);
  assert_equals(table.get(0), object);
  table.set(1, 42);
  assert_equals(table.get(1), 42, "any JS value");
  const filled = new WebAssembly.Table({ element: "externref", initial: 1 }, "x");
  assert_equals(filled.get(0), "x", "the constructor's fill value");
  assert_equals(filled.grow(1, null), 1);
  assert_equals(filled.get(1), null);
}, "Table of externref: any JS value, default undefined");

test(() => {
  const b = new ModuleBuilder();
  b.addImportTable("m", "table", kFuncRef, 2);
  const table = new WebAssembly.Table({ element: "anyfunc", initial: 1 });
  assert_throws_js(WebAssembly.LinkError, () => b.instantiate({ m: { table } }), "too small");
  const externs = new WebAssembly.Table({ element: "externref", initial: 2 });
  assert_throws_js(WebAssembly.LinkError, () => b.instantiate({ m: { table: externs } }), "wrong element type");
}, "Table import: too small or the wrong element type is a LinkError");

const hasTable64 = validates((b) => b.addTable(kFuncRef, 1, undefined, { is64: true }));

if (hasTable64) {
  test(() => {
    const b = new ModuleBuilder();
    b.addTable(kFuncRef, 2, 5, { is64: true });
    b.addExport("table", kExternalTable, 0);
    const { table } = b.instantiate().exports;
    assert_true(table instanceof WebAssembly.Table);
    assert_equals(table.get(1n), null, "an i64 index is a BigInt");
    assert_equals(table.grow(1n), 2n, "grow takes and returns BigInts");
  }, "table64: an exported i64 table");
}
