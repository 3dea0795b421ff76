// META: global=window,dedicatedworker,jsshell
// META: script=resources/wasm-builder.js
// compileStreaming and instantiateStreaming, where the host has Response (every browser; the
// command-line hosts that implement fetch).

function addBytes() {
  const b = new ModuleBuilder();
  b.exportFunction("add", b.addFunction([kI32, kI32], [kI32], [kLocalGet, 0, kLocalGet, 1, kI32Add]));
  return b.toBytes();
}

const wasmResponse = (bytes, init = {}) =>
  new Response(bytes, { headers: { "Content-Type": "application/wasm" }, ...init });

if (typeof Response === "function") {
  test(() => {
    assert_operation(WebAssembly, "compileStreaming", 1);
    assert_operation(WebAssembly, "instantiateStreaming", 1);
  }, "compileStreaming and instantiateStreaming exist where Response does");

  promise_test(async () => {
    const module = await WebAssembly.compileStreaming(wasmResponse(addBytes()));
    assert_true(module instanceof WebAssembly.Module);
    assert_equals(new WebAssembly.Instance(module).exports.add(1, 2), 3);
  }, "compileStreaming: a Response");

  promise_test(async () => {
    const module = await WebAssembly.compileStreaming(Promise.resolve(wasmResponse(addBytes())));
    assert_true(module instanceof WebAssembly.Module);
  }, "compileStreaming: a promise of a Response");

  promise_test(async () => {
    const { module, instance } = await WebAssembly.instantiateStreaming(wasmResponse(addBytes()));
    assert_true(module instanceof WebAssembly.Module);
    assert_equals(instance.exports.add(20, 22), 42);
  }, "instantiateStreaming: resolves to {module, instance}");

  promise_test(async (t) => {
    const response = new Response(addBytes(), { headers: { "Content-Type": "application/octet-stream" } });
    await promise_rejects_js(t, TypeError, WebAssembly.compileStreaming(response));
  }, "compileStreaming: a Content-Type other than application/wasm is a TypeError");

  promise_test(async (t) => {
    await promise_rejects_js(t, TypeError, WebAssembly.compileStreaming(wasmResponse(addBytes(), { status: 404 })));
  }, "compileStreaming: a Response that is not ok is a TypeError");

  promise_test(async (t) => {
    await promise_rejects_js(t, TypeError, WebAssembly.compileStreaming(addBytes()), "bytes, not a Response");
    await promise_rejects_js(t, TypeError, WebAssembly.compileStreaming(), "nothing");
  }, "compileStreaming: an argument that is not a Response is a TypeError");

  promise_test(async (t) => {
    await promise_rejects_js(t, WebAssembly.CompileError, WebAssembly.compileStreaming(wasmResponse(new Uint8Array([0, 1, 2, 3]))));
  }, "compileStreaming: bad bytes are a CompileError");

  promise_test(async (t) => {
    const response = wasmResponse(addBytes());
    await response.arrayBuffer();
    await promise_rejects_js(t, TypeError, WebAssembly.compileStreaming(response));
  }, "compileStreaming: a used body is a TypeError");

  promise_test(async (t) => {
    const b = new ModuleBuilder();
    b.addImportFunction("m", "f", [], []);
    await promise_rejects_js(t, WebAssembly.LinkError, WebAssembly.instantiateStreaming(wasmResponse(b.toBytes()), { m: { f: 1 } }));
  }, "instantiateStreaming: a bad import is a LinkError");
}
