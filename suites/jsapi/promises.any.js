// META: global=window,dedicatedworker,jsshell
// META: script=resources/wasm-builder.js
// WebAssembly.compile and WebAssembly.instantiate: their overloads, results and rejections.

function addBytes() {
  const b = new ModuleBuilder();
  b.exportFunction("add", b.addFunction([kI32, kI32], [kI32], [kLocalGet, 0, kLocalGet, 1, kI32Add]));
  return b.toBytes();
}

promise_test(async () => {
  const module = await WebAssembly.compile(addBytes());
  assert_true(module instanceof WebAssembly.Module);
}, "compile: resolves to a Module");

promise_test(async (t) => {
  await promise_rejects_js(t, TypeError, WebAssembly.compile(), "no argument");
  await promise_rejects_js(t, TypeError, WebAssembly.compile("wasm"), "a string");
  await promise_rejects_js(t, TypeError, WebAssembly.compile([0, 0x61, 0x73, 0x6d]), "an Array");
}, "compile: a non-BufferSource rejects with a TypeError (no throw)");

promise_test(async () => {
  const result = await WebAssembly.instantiate(addBytes());
  assert_array_equals(Object.keys(result).sort(), ["instance", "module"]);
  assert_equals(Object.getPrototypeOf(result), Object.prototype);
  assert_true(result.module instanceof WebAssembly.Module);
  assert_true(result.instance instanceof WebAssembly.Instance);
  assert_equals(result.instance.exports.add(40, 2), 42);
}, "instantiate(bytes): resolves to {module, instance}");

promise_test(async () => {
  const module = new WebAssembly.Module(addBytes());
  const instance = await WebAssembly.instantiate(module);
  assert_true(instance instanceof WebAssembly.Instance, "just the Instance");
  assert_equals(instance.exports.add(1, 2), 3);
}, "instantiate(module): resolves to an Instance");

promise_test(async (t) => {
  await promise_rejects_js(t, TypeError, WebAssembly.instantiate(), "no argument");
  await promise_rejects_js(t, TypeError, WebAssembly.instantiate(1), "a number");
  await promise_rejects_js(t, TypeError, WebAssembly.instantiate(addBytes(), 1), "an import object that is no object");
  await promise_rejects_js(t, WebAssembly.CompileError, WebAssembly.instantiate(new Uint8Array([1, 2])), "bad bytes");
}, "instantiate: rejections");

promise_test(async () => {
  const bytes = addBytes();
  const promise = WebAssembly.compile(bytes);
  bytes.fill(0); // the bytes were copied when compile was called
  const module = await promise;
  assert_equals(new WebAssembly.Instance(module).exports.add(2, 2), 4);
}, "compile: the bytes are copied synchronously");

promise_test(async () => {
  let resolved = false;
  const promise = WebAssembly.instantiate(addBytes()).then(() => { resolved = true; });
  assert_false(resolved, "not settled synchronously");
  await promise;
  assert_true(resolved);
}, "instantiate: settles asynchronously");
