// META: global=window,dedicatedworker,jsshell
// META: script=resources/wasm-builder.js
// WebAssembly.Global: the descriptor, value types, mutability, value and valueOf.

test(() => {
  assert_throws_js(TypeError, () => WebAssembly.Global({ value: "i32" }));
  assert_throws_js(TypeError, () => new WebAssembly.Global());
  assert_throws_js(TypeError, () => new WebAssembly.Global({}), "value is required");
  for (const bad of ["i16", "I32", "v128", "", "anything"]) {
    assert_throws_js(TypeError, () => new WebAssembly.Global({ value: bad }), `value type ${bad}`);
  }
}, "Global: descriptor errors are TypeErrors (v128 included)");

test(() => {
  const global = new WebAssembly.Global({ value: "i32" });
  assert_equals(Object.getPrototypeOf(global), WebAssembly.Global.prototype);
  assert_class_string(global, "WebAssembly.Global");
  assert_accessor_property(WebAssembly.Global.prototype, "value", { setter: true });
  assert_operation(WebAssembly.Global.prototype, "valueOf", 0);
}, "Global: prototype, class string, value accessor, valueOf operation");

test(() => {
  const cases = [["i32", 0], ["i64", 0n], ["f32", 0], ["f64", 0], ["externref", undefined], ["anyfunc", null]];
  for (const [type, value] of cases) {
    assert_equals(new WebAssembly.Global({ value: type }).value, value, type);
  }
}, "Global: default values per type");

test(() => {
  assert_equals(new WebAssembly.Global({ value: "i32" }, 2 ** 32 + 5).value, 5, "i32 wraps");
  assert_equals(new WebAssembly.Global({ value: "i32" }, "-1").value, -1, "i32 from a string");
  assert_equals(new WebAssembly.Global({ value: "f32" }, 0.1).value, Math.fround(0.1), "f32 rounds");
  assert_equals(new WebAssembly.Global({ value: "f64" }, -0).value, -0, "f64 keeps -0");
  assert_true(Number.isNaN(new WebAssembly.Global({ value: "f64" }, NaN).value), "NaN");
}, "Global: values are converted to the type");

test(() => {
  const constant = new WebAssembly.Global({ value: "i32" }, 1);
  assert_throws_js(TypeError, () => { constant.value = 2; }, "immutable");
  assert_equals(constant.value, 1);
  const variable = new WebAssembly.Global({ value: "i32", mutable: true }, 1);
  variable.value = 2;
  assert_equals(variable.value, 2);
  assert_equals(variable.valueOf(), 2);
  const setter = Object.getOwnPropertyDescriptor(WebAssembly.Global.prototype, "value").set;
  assert_throws_js(TypeError, () => setter.call(variable), "setting needs an argument");
}, "Global: mutability");

test(() => {
  const b = new ModuleBuilder();
  const g = b.addImportGlobal("m", "g", kI32, true);
  b.exportFunction("get", b.addFunction([], [kI32], [kGlobalGet, g]));
  b.exportFunction("set", b.addFunction([kI32], [], [kLocalGet, 0, kGlobalSet, g]));
  const global = new WebAssembly.Global({ value: "i32", mutable: true }, 10);
  const { exports } = b.instantiate({ m: { g: global } });
  assert_equals(exports.get(), 10);
  global.value = 11;
  assert_equals(exports.get(), 11, "wasm sees JS's write");
  exports.set(12);
  assert_equals(global.value, 12, "JS sees wasm's write");
}, "Global: an imported mutable global is shared");

test(() => {
  const b = new ModuleBuilder();
  b.addImportGlobal("m", "g", kI32, true);
  assert_throws_js(WebAssembly.LinkError, () => b.instantiate({ m: { g: 1 } }), "a number for a mutable global");
  assert_throws_js(WebAssembly.LinkError,
    () => b.instantiate({ m: { g: new WebAssembly.Global({ value: "i32" }, 1) } }), "an immutable Global");
  assert_throws_js(WebAssembly.LinkError,
    () => b.instantiate({ m: { g: new WebAssembly.Global({ value: "f32", mutable: true }, 1) } }), "another type");
  const c = new ModuleBuilder();
  const g = c.addImportGlobal("m", "g", kI32, false);
  c.exportFunction("get", c.addFunction([], [kI32], [kGlobalGet, g]));
  assert_equals(c.instantiate({ m: { g: 7.9 } }).exports.get(), 7, "a number for an immutable i32");
  assert_throws_js(WebAssembly.LinkError, () => c.instantiate({ m: { g: 7n } }), "a BigInt for an i32");
}, "Global imports: LinkErrors, and numbers for immutable globals");
