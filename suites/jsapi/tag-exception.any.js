// META: global=window,dedicatedworker,jsshell
// META: script=resources/wasm-builder.js
// WebAssembly.Tag and WebAssembly.Exception: constructors, payloads, and exceptions across wasm.

test(() => {
  assert_equals(typeof WebAssembly.Tag, "function", "Tag");
  assert_equals(typeof WebAssembly.Exception, "function", "Exception");
  assert_data_property(WebAssembly, "Tag", { writable: true, enumerable: false, configurable: true });
  assert_data_property(WebAssembly, "Exception", { writable: true, enumerable: false, configurable: true });
  assert_equals(WebAssembly.Tag.length, 1);
  assert_equals(WebAssembly.Exception.length, 2, "two required arguments: tag and payload");
}, "Tag and Exception are interfaces of the namespace");

test(() => {
  assert_throws_js(TypeError, () => WebAssembly.Tag({ parameters: [] }), "without new");
  assert_throws_js(TypeError, () => new WebAssembly.Tag(), "no descriptor");
  assert_throws_js(TypeError, () => new WebAssembly.Tag({}), "no parameters");
  assert_throws_js(TypeError, () => new WebAssembly.Tag({ parameters: ["x"] }), "an unknown type");
  assert_throws_js(TypeError, () => new WebAssembly.Tag({ parameters: 1 }), "not a sequence");
  const tag = new WebAssembly.Tag({ parameters: ["i32", "i64", "f32", "f64", "externref"] });
  assert_class_string(tag, "WebAssembly.Tag");
  assert_equals(Object.getPrototypeOf(tag), WebAssembly.Tag.prototype);
}, "Tag: constructor and descriptor");

test(() => {
  const tag = new WebAssembly.Tag({ parameters: ["i32", "f64"] });
  assert_throws_js(TypeError, () => WebAssembly.Exception(tag, [1, 2]), "without new");
  assert_throws_js(TypeError, () => new WebAssembly.Exception({}, []), "not a Tag");
  assert_throws_js(TypeError, () => new WebAssembly.Exception(tag, [1]), "too few values");
  assert_throws_js(TypeError, () => new WebAssembly.Exception(tag, [1, 2, 3]), "too many values");
  assert_throws_js(TypeError, () => new WebAssembly.Exception(tag), "no payload");
}, "Exception: constructor errors");

test(() => {
  const tag = new WebAssembly.Tag({ parameters: ["i32", "i64", "f32", "externref"] });
  const object = {};
  const e = new WebAssembly.Exception(tag, [2 ** 32 + 7, 3n, 0.1, object]);
  assert_class_string(e, "WebAssembly.Exception");
  assert_equals(Object.getPrototypeOf(WebAssembly.Exception.prototype), Object.prototype, "not an Error");
  assert_true(e.is(tag));
  assert_false(e.is(new WebAssembly.Tag({ parameters: ["i32", "i64", "f32", "externref"] })), "another tag");
  assert_equals(e.getArg(tag, 0), 7, "i32 wrapped");
  assert_equals(e.getArg(tag, 1), 3n);
  assert_equals(e.getArg(tag, 2), Math.fround(0.1));
  assert_equals(e.getArg(tag, 3), object);
  assert_throws_js(RangeError, () => e.getArg(tag, 4), "index past the payload");
  assert_throws_js(TypeError, () => e.getArg(new WebAssembly.Tag({ parameters: [] }), 0), "another tag");
  assert_operation(WebAssembly.Exception.prototype, "getArg", 2);
  assert_operation(WebAssembly.Exception.prototype, "is", 1);
}, "Exception: is and getArg");

test(() => {
  const b = new ModuleBuilder();
  const tag = b.addTag([kI32]);
  b.addExport("tag", kExternalTag, tag);
  b.exportFunction("throw", b.addFunction([kI32], [], [kLocalGet, 0, kThrow, tag]));
  const { exports } = b.instantiate();
  assert_true(exports.tag instanceof WebAssembly.Tag, "an exported tag");
  let caught;
  try {
    exports.throw(99);
  } catch (e) {
    caught = e;
  }
  assert_true(caught instanceof WebAssembly.Exception, "a WebAssembly.Exception reaches JS");
  assert_true(caught.is(exports.tag));
  assert_equals(caught.getArg(exports.tag, 0), 99);
}, "Exception: thrown by wasm, caught by JS");

test(() => {
  const tag = new WebAssembly.Tag({ parameters: ["i32"] });
  const b = new ModuleBuilder();
  const t = b.addImportTag("m", "tag", [kI32]);
  b.exportFunction("throw", b.addFunction([], [], [kI32Const, 5, kThrow, t]));
  const { exports } = b.instantiate({ m: { tag } });
  try {
    exports.throw();
    assert_unreached("did not throw");
  } catch (e) {
    assert_true(e instanceof WebAssembly.Exception);
    assert_true(e.is(tag), "the JS tag it imported");
    assert_equals(e.getArg(tag, 0), 5);
  }
  assert_throws_js(WebAssembly.LinkError, () => b.instantiate({ m: { tag: new WebAssembly.Tag({ parameters: ["f32"] }) } }),
    "a tag of another type");
  assert_throws_js(WebAssembly.LinkError, () => b.instantiate({ m: { tag: {} } }), "not a tag");
}, "Tag import: a JS tag thrown by wasm; mismatches are LinkErrors");

test(() => {
  const tag = new WebAssembly.Tag({ parameters: [] });
  const thrown = new WebAssembly.Exception(tag, []);
  const b = new ModuleBuilder();
  const f = b.addImportFunction("m", "f", [], []);
  b.exportFunction("call", b.addFunction([], [], [kCall, f]));
  const { exports } = b.instantiate({ m: { f: () => { throw thrown; } } });
  assert_throws_exactly(thrown, () => exports.call());
}, "Exception: a JS-thrown Exception keeps its identity through wasm");
