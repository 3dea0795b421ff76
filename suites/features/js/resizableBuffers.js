// feature: resizableBuffers
// v8-flag: --experimental-wasm-rab-integration
// WebAssembly.Memory.prototype.toResizableBuffer / toFixedLengthBuffer: the memory's buffer
// becomes a resizable ArrayBuffer whose resize() grows the memory and which memory.grow()
// resizes in place; toFixedLengthBuffer turns it back.
const PAGE = 65536;
const mem = new WebAssembly.Memory({ initial: 1, maximum: 4 });
if (typeof mem.toResizableBuffer !== "function" || typeof mem.toFixedLengthBuffer !== "function") {
  return {
    supported: false,
    detail: `toResizableBuffer: ${typeof mem.toResizableBuffer}, toFixedLengthBuffer: ${typeof mem.toFixedLengthBuffer}`,
  };
}
try {
  const rb = mem.toResizableBuffer();
  if (rb.resizable !== true || rb.maxByteLength !== 4 * PAGE || rb.byteLength !== PAGE || mem.buffer !== rb) {
    return { supported: false, detail: `toResizableBuffer gave resizable=${rb.resizable} maxByteLength=${rb.maxByteLength}` };
  }
  rb.resize(2 * PAGE);
  if (mem.buffer.byteLength !== 2 * PAGE) return { supported: false, detail: "resize() did not grow the memory" };
  mem.grow(1);
  if (mem.buffer !== rb || rb.byteLength !== 3 * PAGE) return { supported: false, detail: "grow() did not resize the buffer in place" };
  const fixed = mem.toFixedLengthBuffer();
  if (fixed.resizable !== false || fixed.byteLength !== 3 * PAGE) {
    return { supported: false, detail: `toFixedLengthBuffer gave resizable=${fixed.resizable} byteLength=${fixed.byteLength}` };
  }
} catch (e) {
  return { supported: false, detail: `${e}` };
}
return true;
