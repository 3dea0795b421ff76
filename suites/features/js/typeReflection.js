// feature: typeReflection
// v8-flag: --experimental-wasm-type-reflection
// Type reflection: the WebAssembly.Function constructor makes a typed function from a JS one,
// its type comes back (f.type() or WebAssembly.Function.type(f)), and Memory, Table and Global
// report their types with .type().
const F = WebAssembly.Function;
if (typeof F !== "function") return { supported: false, detail: "no WebAssembly.Function" };
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
let f;
try {
  f = new F({ parameters: ["i32", "i32"], results: ["i32"] }, (a, b) => a + b);
} catch (e) {
  return { supported: false, detail: `new WebAssembly.Function: ${e}` };
}
if (f(2, 3) !== 5) return { supported: false, detail: `the typed function gave ${f(2, 3)}` };
const type = typeof f.type === "function" ? f.type() : typeof F.type === "function" ? F.type(f) : null;
if (type === null) return { supported: false, detail: "no WebAssembly.Function.prototype.type or WebAssembly.Function.type" };
if (!same(type.parameters, ["i32", "i32"]) || !same(type.results, ["i32"])) {
  return { supported: false, detail: `function type ${JSON.stringify(type)}` };
}
const checks = [
  [new WebAssembly.Memory({ initial: 1, maximum: 2 }), (t) => t.minimum === 1 && t.maximum === 2],
  [new WebAssembly.Table({ element: "anyfunc", initial: 3 }), (t) => t.minimum === 3 && /func/.test(t.element)],
  [new WebAssembly.Global({ value: "i64", mutable: true }, 0n), (t) => t.value === "i64" && t.mutable === true],
];
for (const [object, ok] of checks) {
  const name = object.constructor.name;
  if (typeof object.type !== "function") return { supported: false, detail: `no ${name}.prototype.type` };
  const t = object.type();
  if (!ok(t)) return { supported: false, detail: `${name} type ${JSON.stringify(t)}` };
}
return true;
