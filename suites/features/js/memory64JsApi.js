// feature: memory64JsApi
// v8-flag: --experimental-wasm-memory64
// The memory64 proposal's JS API: WebAssembly.Memory and Table with `address: "i64"` take and
// give BigInt sizes (initial, maximum, grow), which is how a host makes or grows a 64-bit
// memory for wasm64 code (the wasm side is the memory64 probe).
let memory;
try {
  memory = new WebAssembly.Memory({ address: "i64", initial: 1n, maximum: 3n });
} catch (e) {
  return { supported: false, detail: `Memory({address: "i64"}): ${e}` };
}
if (memory.type && memory.type().address !== "i64") return { supported: false, detail: "the memory is not i64" };
let old;
try {
  old = memory.grow(1n);
} catch (e) {
  return { supported: false, detail: `grow(1n): ${e}` };
}
if (old !== 1n || memory.buffer.byteLength !== 2 * 65536) {
  return { supported: false, detail: `grow(1n) gave ${old}, ${memory.buffer.byteLength} bytes` };
}
let table;
try {
  table = new WebAssembly.Table({ address: "i64", element: "anyfunc", initial: 2n });
} catch (e) {
  return { supported: false, detail: `Table({address: "i64"}): ${e}` };
}
const before = table.length;  // a BigInt or a Number, as engines read the spec's AddressValue
const grown = table.grow(1n);
return {
  supported: grown === 2n && Number(table.length) === 3,
  detail: `memory grew 1n -> 2n pages; table grow(1n) gave ${typeof grown} ${grown}, length ${before} -> ${table.length}`,
};
