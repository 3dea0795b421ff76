// META: global=window,dedicatedworker,jsshell
// META: script=resources/wasm-builder.js
// The WebAssembly namespace object: its property, its functions, its interfaces.

test(() => {
  const d = Object.getOwnPropertyDescriptor(globalThis, "WebAssembly");
  assert_equals(typeof d.value, "object");
  assert_true(d.writable, "writable");
  assert_false(d.enumerable, "enumerable");
  assert_true(d.configurable, "configurable");
}, "WebAssembly is a writable, non-enumerable, configurable property of the global");

test(() => {
  assert_equals(Object.getPrototypeOf(WebAssembly), Object.prototype);
  assert_equals(WebAssembly[Symbol.toStringTag], "WebAssembly");
  assert_equals(String(WebAssembly), "[object WebAssembly]");
  assert_class_string(WebAssembly, "WebAssembly");
}, "WebAssembly: prototype and toStringTag");

test(() => {
  assert_throws_js(TypeError, () => new WebAssembly());
  assert_throws_js(TypeError, () => WebAssembly());
}, "WebAssembly is not a constructor or a function");

for (const [name, length] of [["validate", 1], ["compile", 1], ["instantiate", 1]]) {
  test(() => {
    assert_operation(WebAssembly, name, length);
  }, `WebAssembly.${name}: property descriptor, length and name`);
}

for (const name of ["Module", "Instance", "Memory", "Table", "Global", "CompileError", "LinkError", "RuntimeError"]) {
  test(() => {
    const d = assert_data_property(WebAssembly, name, { writable: true, enumerable: false, configurable: true });
    assert_equals(typeof d.value, "function");
    assert_equals(d.value.name, name);
    assert_equals(d.value.length, 1);
    const proto = assert_data_property(d.value, "prototype", { writable: false, enumerable: false, configurable: false });
    assert_equals(proto.value.constructor, d.value, "prototype.constructor");
  }, `WebAssembly.${name}: descriptor, name, length, prototype`);
}

test(() => {
  assert_true(WebAssembly.validate(emptyModuleBytes), "empty module");
  assert_true(WebAssembly.validate(emptyModuleBytes.buffer), "an ArrayBuffer");
  assert_false(WebAssembly.validate(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0])), "version 2");
  assert_false(WebAssembly.validate(new Uint8Array([])), "no bytes");
}, "WebAssembly.validate: true and false");

test(() => {
  assert_throws_js(TypeError, () => WebAssembly.validate());
  assert_throws_js(TypeError, () => WebAssembly.validate("wasm"));
  assert_throws_js(TypeError, () => WebAssembly.validate([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  assert_throws_js(TypeError, () => WebAssembly.validate({}));
}, "WebAssembly.validate: arguments that are not BufferSources");

test(() => {
  const bytes = new Uint8Array([0xff, 0xff, ...emptyModuleBytes, 0xff]);
  assert_true(WebAssembly.validate(bytes.subarray(2, 10)), "a view into a larger buffer");
}, "WebAssembly.validate: a typed array with an offset");

test(() => {
  // A DataView is an ArrayBufferView, so a BufferSource (WebIDL).
  const bytes = new Uint8Array([0xff, 0xff, ...emptyModuleBytes, 0xff]);
  assert_true(WebAssembly.validate(new DataView(bytes.buffer, 2, 8)));
}, "WebAssembly.validate: a DataView");

for (const name of ["Module", "Instance", "Memory", "Table", "Global"]) {
  test(() => {
    const d = assert_data_property(WebAssembly[name].prototype, Symbol.toStringTag,
      { writable: false, enumerable: false, configurable: true });
    assert_equals(d.value, `WebAssembly.${name}`);
    assert_equals(Object.prototype.toString.call(WebAssembly[name].prototype), `[object WebAssembly.${name}]`);
  }, `WebAssembly.${name}.prototype[Symbol.toStringTag]`);
}

test(() => {
  const d = assert_data_property(WebAssembly, Symbol.toStringTag, { writable: false, enumerable: false, configurable: true });
  assert_equals(d.value, "WebAssembly");
}, "WebAssembly[Symbol.toStringTag]: descriptor");
