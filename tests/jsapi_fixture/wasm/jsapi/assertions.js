// As WPT's /wasm/jsapi/assertions.js: helpers shared by the tests.
function assert_function_name(fn, name, description) {
  const d = Object.getOwnPropertyDescriptor(fn, "name");
  assert_true(d !== undefined, `${description}: name is an own property`);
  assert_equals(d.value, name, `${description}: name`);
}
