// feature: float16Array
// JS Float16Array (ES2025), how fp16 tensors reach WebGPU and wasm without hand-written bit
// twiddling (ORT-web and transformers.js use it for fp16 models when present): values round to
// nearest, ties to even, on the way in (65520 -> Infinity, 1/3 -> 0.333251953125), and the
// bytes are IEEE binary16 (1.0 is 0x3c00).
if (typeof Float16Array !== "function") return { supported: false, detail: "no Float16Array" };
const a = new Float16Array([1, 65520, 1 / 3, -0, 5.960464477539063e-8]);
const bits = Array.from(new Uint16Array(a.buffer));
const want = [0x3c00, 0x7c00, 0x3555, 0x8000, 0x0001];
const ok = JSON.stringify(bits) === JSON.stringify(want) && a[2] === 0.333251953125 && Object.is(a[3], -0);
const hex = bits.map((b) => b.toString(16)).join(" ");
return { supported: ok, detail: ok ? "binary16, ties to even" : `bits ${hex}` };
