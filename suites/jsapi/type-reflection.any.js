// META: global=window,dedicatedworker,jsshell
// META: script=resources/wasm-builder.js
// The type reflection proposal, where present: type() on Memory, Table, Global and Tag, and
// WebAssembly.Function. Hosts without it define none of these subtests.

if (typeof WebAssembly.Memory.prototype.type === "function") {
  test(() => {
    const type = new WebAssembly.Memory({ initial: 1, maximum: 3 }).type();
    assert_equals(type.minimum, 1);
    assert_equals(type.maximum, 3);
    assert_false(type.shared);
  }, "type reflection: Memory.prototype.type");

  test(() => {
    const type = new WebAssembly.Table({ element: "anyfunc", initial: 2 }).type();
    assert_equals(type.minimum, 2);
    assert_equals(type.maximum, undefined);
    assert_in_array(type.element, ["anyfunc", "funcref"]);
  }, "type reflection: Table.prototype.type");

  test(() => {
    const type = new WebAssembly.Global({ value: "i64", mutable: true }).type();
    assert_equals(type.value, "i64");
    assert_true(type.mutable);
  }, "type reflection: Global.prototype.type");

  test(() => {
    const type = new WebAssembly.Tag({ parameters: ["i32", "f64"] }).type();
    assert_array_equals(type.parameters, ["i32", "f64"]);
  }, "type reflection: Tag.prototype.type");

  test(() => {
    const b = new ModuleBuilder();
    b.addImportFunction("m", "f", [kI32], [kF64]);
    const [entry] = WebAssembly.Module.imports(b.toModule());
    assert_equals(typeof entry.type, "object", "imports carry a type");
    assert_array_equals(entry.type.parameters, ["i32"]);
    assert_array_equals(entry.type.results, ["f64"]);
  }, "type reflection: Module.imports gives types");
}

if (typeof WebAssembly.Function === "function") {
  test(() => {
    const f = new WebAssembly.Function({ parameters: ["i32"], results: ["i32"] }, (x) => x + 1);
    assert_true(f instanceof Function);
    assert_equals(f(1), 2);
    assert_equals(f.length, 1);
    const table = new WebAssembly.Table({ element: "anyfunc", initial: 1 });
    table.set(0, f);
    assert_equals(table.get(0), f, "a WebAssembly.Function is a funcref");
  }, "type reflection: WebAssembly.Function wraps a JS function");
}

test(() => {
  // Always defined, so that every host has this file's result: which parts it has.
  const parts = ["Memory", "Table", "Global", "Tag"].filter((n) => WebAssembly[n] && typeof WebAssembly[n].prototype.type === "function");
  assert_true(parts.length === 0 || parts.length === 4, `type() on all four interfaces or none (has: ${parts.join(", ") || "none"})`);
}, "type reflection: type() on all interfaces or none");
