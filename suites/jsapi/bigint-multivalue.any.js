// META: global=window,dedicatedworker,jsshell
// META: script=resources/wasm-builder.js
// The BigInt <-> i64 boundary, and multi-value returns in both directions.

function i64Exports() {
  const b = new ModuleBuilder();
  b.exportFunction("inc", b.addFunction([kI64], [kI64], [kLocalGet, 0, kI64Const, 1, kI64Add]));
  b.exportFunction("id", b.addFunction([kI64], [kI64], [kLocalGet, 0]));
  b.exportFunction("minusOne", b.addFunction([], [kI64], [kI64Const, ...sleb(-1)]));
  return b.instantiate().exports;
}

test(() => {
  const { inc, minusOne } = i64Exports();
  assert_equals(inc(1n), 2n);
  assert_equals(typeof inc(0n), "bigint");
  assert_equals(minusOne(), -1n, "i64 results are signed");
}, "i64: a BigInt in, a BigInt out");

test(() => {
  const { inc } = i64Exports();
  assert_throws_js(TypeError, () => inc(1), "a Number");
  assert_throws_js(TypeError, () => inc(), "undefined");
  assert_throws_js(TypeError, () => inc(Symbol("s")), "a Symbol");
  assert_throws_js(SyntaxError, () => inc("x"), "a string that is no BigInt");
}, "i64: arguments that ToBigInt rejects");

test(() => {
  const { id } = i64Exports();
  assert_equals(id("5"), 5n, "a string");
  assert_equals(id(true), 1n, "a boolean");
  assert_equals(id(2n ** 64n + 3n), 3n, "wrapped modulo 2^64");
  assert_equals(id(2n ** 63n), -(2n ** 63n), "wrapped to signed");
  assert_equals(id(-(2n ** 63n)), -(2n ** 63n), "the smallest i64");
}, "i64: ToBigInt64 conversions");

test(() => {
  const b = new ModuleBuilder();
  const f = b.addImportFunction("m", "f", [kI64], [kI64]);
  b.exportFunction("call", b.addFunction([kI64], [kI64], [kLocalGet, 0, kCall, f]));
  const seen = [];
  const ok = b.instantiate({ m: { f: (x) => { seen.push(typeof x); return x * 2n; } } }).exports;
  assert_equals(ok.call(21n), 42n);
  assert_array_equals(seen, ["bigint"], "the import gets a BigInt");
  const bad = b.instantiate({ m: { f: () => 1 } }).exports;
  assert_throws_js(TypeError, () => bad.call(1n), "an import returning a Number for i64");
}, "i64: imports receive and must return BigInts");

test(() => {
  const global = new WebAssembly.Global({ value: "i64", mutable: true }, 5n);
  assert_equals(global.value, 5n);
  global.value = 2n ** 64n - 1n;
  assert_equals(global.value, -1n, "wrapped");
  assert_throws_js(TypeError, () => { global.value = 1; }, "a Number");
  assert_throws_js(TypeError, () => new WebAssembly.Global({ value: "i64" }, 1), "a Number initial value");
}, "i64: Global values are BigInts");

function multiExports() {
  const b = new ModuleBuilder();
  const pair = b.addImportFunction("m", "pair", [], [kI32, kI32]);
  b.exportFunction("three", b.addFunction([], [kI32, kI64, kF64],
    [kI32Const, 1, kI64Const, 2, kF64Const, ...f64Bytes(3.5)]));
  b.exportFunction("sum", b.addFunction([], [kI32], [kCall, pair, kI32Add]));
  return (pair) => b.instantiate({ m: { pair } }).exports;
}

test(() => {
  const { three } = multiExports()(() => [0, 0]);
  const result = three();
  assert_true(Array.isArray(result), "an Array");
  assert_equals(Object.getPrototypeOf(result), Array.prototype);
  assert_array_equals(result, [1, 2n, 3.5]);
}, "multi-value: several results come back as an Array");

test(() => {
  const make = multiExports();
  assert_equals(make(() => [3, 4]).sum(), 7, "an Array");
  assert_equals(make(function* () { yield 5; yield 6; }).sum(), 11, "any iterable");
  assert_equals(make(() => new Set([1, 9])).sum(), 10, "a Set");
}, "multi-value: an import returns an iterable");

test(() => {
  const make = multiExports();
  assert_throws_js(TypeError, () => make(() => 5).sum(), "not iterable");
  assert_throws_js(TypeError, () => make(() => [1]).sum(), "too few");
  assert_throws_js(TypeError, () => make(() => [1, 2, 3]).sum(), "too many");
  assert_throws_js(TypeError, () => make(() => [1, 2n]).sum(), "a BigInt for an i32");
}, "multi-value: a wrong result from an import is a TypeError");
