// feature: bigInt
// i64 parameters and results cross the JS boundary as BigInt (JS BigInt integration):
// 2^63 - 1 + 1 wraps to -2^63 and comes back as a BigInt.
// (module (func (export "add") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add))
const bytes = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 126, 126, 1, 126, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100, 100, 0, 0,
  10, 9, 1, 7, 0, 32, 0, 32, 1, 124, 11,
]);
const { instance } = await WebAssembly.instantiate(bytes);
let got;
try {
  got = instance.exports.add(2n ** 63n - 1n, 1n);
} catch (e) {
  return { supported: false, detail: `calling an i64 function with BigInts: ${e}` };
}
if (typeof got !== "bigint") return { supported: false, detail: `the i64 result is a ${typeof got}` };
if (got !== -(2n ** 63n)) return { supported: false, detail: `(2^63 - 1) + 1 gave ${got}` };
return true;
