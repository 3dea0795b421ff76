// META: global=window,dedicatedworker,jsshell
// META: script=resources/wasm-builder.js
// WebAssembly.Module: construction, argument validation, and its static functions.

test(() => {
  assert_throws_js(TypeError, () => WebAssembly.Module(emptyModuleBytes));
}, "Module: calling it without new throws a TypeError");

test(() => {
  assert_throws_js(TypeError, () => new WebAssembly.Module());
  for (const bad of [undefined, null, 1, "", {}, [], Symbol("s")]) {
    assert_throws_js(TypeError, () => new WebAssembly.Module(bad), `argument ${String(bad)}`);
  }
}, "Module: a non-BufferSource argument throws a TypeError");

test(() => {
  assert_throws_js(WebAssembly.CompileError, () => new WebAssembly.Module(new Uint8Array([])));
  assert_throws_js(WebAssembly.CompileError, () => new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d])));
  assert_throws_js(WebAssembly.CompileError, () => new WebAssembly.Module(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])));
}, "Module: invalid bytes throw a CompileError");

test(() => {
  const module = new WebAssembly.Module(emptyModuleBytes);
  assert_equals(Object.getPrototypeOf(module), WebAssembly.Module.prototype);
  assert_class_string(module, "WebAssembly.Module");
  assert_equals(WebAssembly.Module.prototype[Symbol.toStringTag], "WebAssembly.Module");
  assert_true(Object.isExtensible(module), "extensible");
}, "Module: prototype, class string, extensible");

test(() => {
  const bytes = new Uint8Array(emptyModuleBytes);
  const module = new WebAssembly.Module(bytes);
  bytes[0] = 0xff; // the module was compiled from a copy
  assert_true(module instanceof WebAssembly.Module);
  new WebAssembly.Instance(module);
}, "Module: the bytes are copied at construction");

test(() => {
  for (const name of ["exports", "imports", "customSections"]) {
    const d = Object.getOwnPropertyDescriptor(WebAssembly.Module, name);
    assert_equals(typeof d.value, "function", name);
    assert_true(d.enumerable && d.writable && d.configurable, `${name} is an enumerable, writable, configurable operation`);
  }
  assert_equals(WebAssembly.Module.exports.length, 1);
  assert_equals(WebAssembly.Module.imports.length, 1);
  assert_equals(WebAssembly.Module.customSections.length, 2);
}, "Module: static functions exports, imports, customSections");

test(() => {
  const b = new ModuleBuilder();
  b.addImportFunction("m", "f", [kI32], []);
  b.addImportMemory("m", "mem", 1);
  b.addImportTable("m", "tab", kFuncRef, 1);
  b.addImportGlobal("m", "g", kI32);
  const f = b.addFunction([], [], []);
  b.exportFunction("run", f);
  b.addExport("memory", kExternalMemory, 0); // the imported memory, re-exported
  b.addGlobal(kI64, false, [kI64Const, 0]);
  b.addExport("answer", kExternalGlobal, 1);
  const module = b.toModule();
  assert_array_equals(WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`),
    ["m.f:function", "m.mem:memory", "m.tab:table", "m.g:global"]);
  assert_array_equals(WebAssembly.Module.exports(module).map((e) => `${e.name}:${e.kind}`),
    ["run:function", "memory:memory", "answer:global"]);
}, "Module.imports and Module.exports: order, names and kinds");

test(() => {
  const descriptor = WebAssembly.Module.exports(new WebAssembly.Module(emptyModuleBytes));
  assert_true(Array.isArray(descriptor));
  assert_equals(descriptor.length, 0);
  assert_throws_js(TypeError, () => WebAssembly.Module.exports({}));
  assert_throws_js(TypeError, () => WebAssembly.Module.imports(emptyModuleBytes));
}, "Module.exports and Module.imports: arrays; a non-Module throws a TypeError");

test(() => {
  const b = new ModuleBuilder();
  b.addCustomSection("hello", [1, 2, 3]);
  b.addCustomSection("hello", [4]);
  b.addCustomSection("other", []);
  const module = b.toModule();
  const sections = WebAssembly.Module.customSections(module, "hello");
  assert_equals(sections.length, 2);
  assert_true(sections[0] instanceof ArrayBuffer);
  assert_array_equals(new Uint8Array(sections[0]), [1, 2, 3]);
  assert_array_equals(new Uint8Array(sections[1]), [4]);
  assert_equals(WebAssembly.Module.customSections(module, "missing").length, 0);
  assert_throws_js(TypeError, () => WebAssembly.Module.customSections(module));
}, "Module.customSections: every section of a name, as ArrayBuffers");
