// META: global=window,dedicatedworker,jsshell
// META: script=resources/wasm-builder.js
// WebAssembly.Memory: the descriptor, the buffer, grow and its limits; memory64 where present.

test(() => {
  assert_throws_js(TypeError, () => WebAssembly.Memory({ initial: 1 }));
  assert_throws_js(TypeError, () => new WebAssembly.Memory());
  assert_throws_js(TypeError, () => new WebAssembly.Memory(1));
  assert_throws_js(TypeError, () => new WebAssembly.Memory({}), "initial is required");
}, "Memory: without new, or without a descriptor with initial, throws a TypeError");

test(() => {
  for (const bad of [-1, 2 ** 32, NaN, Infinity, "x"]) {
    assert_throws_js(TypeError, () => new WebAssembly.Memory({ initial: bad }), `initial ${bad}`);
  }
  assert_throws_js(TypeError, () => new WebAssembly.Memory({ initial: 1, maximum: -1 }), "maximum -1");
}, "Memory: initial and maximum are [EnforceRange] unsigned long (TypeError)");

test(() => {
  assert_throws_js(RangeError, () => new WebAssembly.Memory({ initial: 65537 }), "initial above 65536 pages");
  assert_throws_js(RangeError, () => new WebAssembly.Memory({ initial: 2, maximum: 1 }), "maximum below initial");
  assert_throws_js(RangeError, () => new WebAssembly.Memory({ initial: 1, maximum: 65537 }), "maximum above 65536 pages");
}, "Memory: limits out of range throw a RangeError");

test(() => {
  const memory = new WebAssembly.Memory({ initial: 1.9, maximum: "3" });
  assert_equals(memory.buffer.byteLength, 65536, "initial truncated to 1");
  assert_equals(memory.grow(2), 1);
  assert_throws_js(RangeError, () => memory.grow(1), "maximum 3 reached");
}, "Memory: descriptor values are converted");

test(() => {
  const memory = new WebAssembly.Memory({ initial: 0 });
  assert_equals(Object.getPrototypeOf(memory), WebAssembly.Memory.prototype);
  assert_class_string(memory, "WebAssembly.Memory");
  assert_accessor_property(WebAssembly.Memory.prototype, "buffer");
  assert_operation(WebAssembly.Memory.prototype, "grow", 1);
}, "Memory: prototype, class string, buffer accessor, grow operation");

test(() => {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const buffer = memory.buffer;
  assert_true(buffer instanceof ArrayBuffer);
  assert_equals(buffer.byteLength, 2 * 65536);
  assert_equals(memory.buffer, buffer, "the same buffer until it grows");
  assert_equals(new Uint8Array(buffer).every((x) => x === 0), true, "zeroed");
}, "Memory: buffer");

test(() => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const before = memory.buffer;
  assert_equals(memory.grow(2), 1, "grow returns the old size in pages");
  assert_equals(before.byteLength, 0, "the old buffer is detached");
  assert_not_equals(memory.buffer, before);
  assert_equals(memory.buffer.byteLength, 3 * 65536);
}, "Memory.grow: returns the old size and detaches the old buffer");

test(() => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const before = memory.buffer;
  assert_equals(memory.grow(0), 1);
  assert_equals(before.byteLength, 0, "grow(0) detaches too");
  assert_equals(memory.buffer.byteLength, 65536);
}, "Memory.grow(0) detaches the old buffer");

test(() => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  assert_throws_js(RangeError, () => memory.grow(2), "past the maximum");
  assert_equals(memory.buffer.byteLength, 65536, "unchanged after a failed grow");
  assert_throws_js(TypeError, () => memory.grow(-1), "negative");
  assert_throws_js(TypeError, () => memory.grow(2 ** 32), "not an unsigned long");
  assert_throws_js(TypeError, () => memory.grow(), "no delta: undefined is NaN");
  assert_throws_js(RangeError, () => new WebAssembly.Memory({ initial: 0 }).grow(65537), "above 65536 pages");
}, "Memory.grow: limits");

test(() => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  assert_throws_js(TypeError, () => WebAssembly.Memory.prototype.grow.call({}, 1));
  assert_throws_js(TypeError, () => Object.getOwnPropertyDescriptor(WebAssembly.Memory.prototype, "buffer").get.call({}));
  assert_equals(memory.buffer.byteLength, 65536);
}, "Memory: methods on a non-Memory throw a TypeError");

test(() => {
  const b = new ModuleBuilder();
  b.addImportMemory("m", "memory", 1, 2);
  const grow = b.addFunction([kI32], [kI32], [kLocalGet, 0, kMemoryGrow, 0]);
  const store = b.addFunction([kI32, kI32], [], [kLocalGet, 0, kLocalGet, 1, kI32Store, 2, 0]);
  b.exportFunction("grow", grow);
  b.exportFunction("store", store);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  const before = memory.buffer;
  const { exports } = b.instantiate({ m: { memory } });
  exports.store(8, 0x01020304);
  assert_equals(new DataView(memory.buffer).getUint32(8, true), 0x01020304, "wasm writes what JS reads");
  assert_equals(exports.grow(1), 1, "memory.grow inside wasm");
  assert_equals(before.byteLength, 0, "wasm's memory.grow detaches the JS buffer");
  assert_equals(memory.buffer.byteLength, 2 * 65536);
  assert_equals(exports.grow(1), -1, "past the maximum: -1, no exception");
}, "Memory: imported memory shared with wasm, grown by memory.grow");

test(() => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const b = new ModuleBuilder();
  b.addImportMemory("m", "memory", 2);
  assert_throws_js(WebAssembly.LinkError, () => b.instantiate({ m: { memory } }), "too small");
  const c = new ModuleBuilder();
  c.addImportMemory("m", "memory", 1);
  assert_throws_js(WebAssembly.LinkError, () => c.instantiate({ m: { memory: new ArrayBuffer(65536) } }), "not a Memory");
}, "Memory import: too small or not a Memory is a LinkError");

const hasMemory64 = validates((b) => b.addMemory(1, undefined, { is64: true }));

if (hasMemory64) {
  test(() => {
    const b = new ModuleBuilder();
    b.addMemory(1, 3, { is64: true });
    b.addExport("memory", kExternalMemory, 0);
    const load = b.addFunction([kI64], [kI32], [kLocalGet, 0, kI32Load, 2, 0]);
    b.exportFunction("load", load);
    const { exports } = b.instantiate();
    assert_true(exports.memory instanceof WebAssembly.Memory);
    assert_equals(exports.memory.buffer.byteLength, 65536);
    new DataView(exports.memory.buffer).setInt32(16, 1234, true);
    assert_equals(exports.load(16n), 1234, "an i64 address is a BigInt");
  }, "memory64: an exported i64 memory");

  test(() => {
    const b = new ModuleBuilder();
    b.addMemory(1, 3, { is64: true });
    b.addExport("memory", kExternalMemory, 0);
    const { memory } = b.instantiate().exports;
    assert_equals(memory.grow(1n), 1n, "an i64 memory grows by a BigInt and answers one");
    assert_equals(memory.buffer.byteLength, 2 * 65536);
    assert_throws_js(RangeError, () => memory.grow(5n), "past the maximum");
  }, "memory64: grow takes and returns BigInts");

  test(() => {
    const memory = new WebAssembly.Memory({ initial: 1n, maximum: 2n, address: "i64" });
    assert_equals(memory.buffer.byteLength, 65536);
    const b = new ModuleBuilder();
    b.addImportMemory("m", "memory", 1, undefined, { is64: true });
    b.instantiate({ m: { memory } });
    const c = new ModuleBuilder();
    c.addImportMemory("m", "memory", 1);
    assert_throws_js(WebAssembly.LinkError, () => c.instantiate({ m: { memory } }), "an i64 memory for an i32 import");
  }, "memory64: new Memory({address: 'i64'}) links only to i64 imports");
}
