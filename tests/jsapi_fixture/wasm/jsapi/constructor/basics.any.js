// META: global=window,dedicatedworker,jsshell
// META: script=/wasm/jsapi/assertions.js
// META: script=/common/helper.js
// META: script=../resources/local.js

test(() => {
  assert_function_name(WebAssembly.Module, "Module", "WebAssembly.Module");
  assert_equals(fromCommon, "common");
  assert_equals(fromRelative, "relative");
}, "scripts from /wasm/jsapi/, /common/ and a relative path are loaded");

test(() => {
  assert_equals(1, 2, "one is two");
}, "a failing assertion");

promise_test(async () => {
  const module = await WebAssembly.compile(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  assert_true(module instanceof WebAssembly.Module);
}, "a promise test");

async_test((t) => {
  step_timeout(t.step_func_done(() => assert_true(true)), 10);
}, "an async test");

test(() => {
  assert_equals(GLOBAL.isWindow(), typeof document !== "undefined", "isWindow");
  assert_false(GLOBAL.isWindow() && GLOBAL.isWorker(), "not both");
  if (typeof WorkerGlobalScope !== "undefined") assert_true(GLOBAL.isWorker(), "isWorker in a worker");
  assert_equals(self.WebAssembly, WebAssembly, "self reads the real global");
}, "GLOBAL matches the scope");
