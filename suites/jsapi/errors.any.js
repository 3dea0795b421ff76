// META: global=window,dedicatedworker,jsshell
// META: script=resources/wasm-builder.js
// CompileError, LinkError, RuntimeError: NativeError-like constructors, and when each is thrown.

for (const name of ["CompileError", "LinkError", "RuntimeError"]) {
  test(() => {
    const E = WebAssembly[name];
    assert_equals(Object.getPrototypeOf(E), Error, "inherits from Error");
    assert_equals(Object.getPrototypeOf(E.prototype), Error.prototype);
    assert_equals(E.prototype.name, name);
    assert_equals(E.prototype.message, "");
    assert_false(Object.prototype.hasOwnProperty.call(E.prototype, "toString"), "Error.prototype.toString is used");
    assert_data_property(E.prototype, "name", { writable: true, enumerable: false, configurable: true });
  }, `${name}: constructor and prototype chain`);

  test(() => {
    const E = WebAssembly[name];
    const e = new E("boom");
    assert_true(e instanceof E && e instanceof Error);
    assert_equals(e.message, "boom");
    assert_equals(String(e), `${name}: boom`);
    assert_class_string(e, "Error");
    assert_data_property(e, "message", { writable: true, enumerable: false, configurable: true });
    const called = E("called");
    assert_true(called instanceof E, "callable without new, like Error");
    assert_false(Object.prototype.hasOwnProperty.call(new E(), "message"), "no message, no own property");
    const withCause = new E("x", { cause: 1 });
    assert_equals(withCause.cause, 1, "the cause option");
  }, `${name}: instances like a NativeError`);
}

test(() => {
  assert_throws_js(WebAssembly.CompileError, () => new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x01])));
  const b = new ModuleBuilder();
  b.addFunction([], [kI32], []); // returns nothing though it declares an i32 result
  assert_throws_js(WebAssembly.CompileError, () => b.toModule(), "a function that does not validate");
}, "CompileError: truncated and invalid modules");

test(() => {
  const b = new ModuleBuilder();
  b.addImportFunction("m", "f", [], []);
  assert_throws_js(WebAssembly.LinkError, () => b.instantiate({ m: { f: "no" } }));
}, "LinkError: a bad import");

test(() => {
  const b = new ModuleBuilder();
  b.exportFunction("trap", b.addFunction([], [], [kUnreachable]));
  b.exportFunction("div", b.addFunction([kI32, kI32], [kI32], [kLocalGet, 0, kLocalGet, 1, kI32DivS]));
  b.addMemory(1);
  b.exportFunction("load", b.addFunction([kI32], [kI32], [kLocalGet, 0, kI32Load, 2, 0]));
  const { exports } = b.instantiate();
  assert_throws_js(WebAssembly.RuntimeError, () => exports.trap(), "unreachable");
  assert_throws_js(WebAssembly.RuntimeError, () => exports.div(1, 0), "division by zero");
  assert_throws_js(WebAssembly.RuntimeError, () => exports.div(-(2 ** 31), -1), "overflow");
  assert_throws_js(WebAssembly.RuntimeError, () => exports.load(65536), "out of bounds");
  assert_equals(exports.div(7, 2), 3);
}, "RuntimeError: traps");

test(() => {
  const b = new ModuleBuilder();
  b.setStart(b.addFunction([], [], [kUnreachable]));
  const module = b.toModule();
  assert_throws_js(WebAssembly.RuntimeError, () => new WebAssembly.Instance(module));
}, "RuntimeError: a trapping start function fails instantiation");

test(() => {
  const b = new ModuleBuilder();
  const f = b.addImportFunction("m", "f", [], []);
  b.exportFunction("call", b.addFunction([], [], [kCall, f]));
  const thrown = new SyntaxError("from JS");
  const { exports } = b.instantiate({ m: { f: () => { throw thrown; } } });
  assert_throws_exactly(thrown, () => exports.call());
}, "A JS exception passes through wasm unchanged");

promise_test((t) => promise_rejects_js(t, WebAssembly.CompileError, WebAssembly.compile(new Uint8Array([1, 2, 3]))),
  "compile rejects with a CompileError");

promise_test((t) => {
  const b = new ModuleBuilder();
  b.addImportFunction("m", "f", [], []);
  return promise_rejects_js(t, WebAssembly.LinkError, WebAssembly.instantiate(b.toBytes(), { m: { f: 1 } }));
}, "instantiate rejects with a LinkError");

promise_test((t) => {
  const b = new ModuleBuilder();
  b.setStart(b.addFunction([], [], [kUnreachable]));
  return promise_rejects_js(t, WebAssembly.RuntimeError, WebAssembly.instantiate(b.toModule()));
}, "instantiate rejects with a RuntimeError when start traps");
