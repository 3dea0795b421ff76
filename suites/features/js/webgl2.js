// feature: webgl2
// WebGL 2 with float render targets, what TensorFlow.js's `webgl` backend computes with: a
// context, EXT_color_buffer_float, and a float texture cleared and read back exactly.
// Pages only: CLI hosts have no canvas.
const canvas = typeof OffscreenCanvas === "function" ? new OffscreenCanvas(1, 1)
  : typeof document !== "undefined" ? document.createElement("canvas") : null;
if (!canvas) return { supported: false, detail: "no canvas (OffscreenCanvas or document)" };
const gl = canvas.getContext("webgl2");
if (!gl) return { supported: false, detail: "getContext('webgl2') gave null" };
const renderer = gl.getParameter(gl.RENDERER);
if (!gl.getExtension("EXT_color_buffer_float")) return { supported: false, detail: `${renderer}: no EXT_color_buffer_float` };
const texture = gl.createTexture();
gl.bindTexture(gl.TEXTURE_2D, texture);
gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA32F, 1, 1, 0, gl.RGBA, gl.FLOAT, null);
const fb = gl.createFramebuffer();
gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) {
  return { supported: false, detail: `${renderer}: a float framebuffer is incomplete` };
}
gl.clearColor(0.25, -1.5, 1e6, 0.125);
gl.clear(gl.COLOR_BUFFER_BIT);
const pixel = new Float32Array(4);
gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.FLOAT, pixel);
const ok = JSON.stringify(Array.from(pixel)) === JSON.stringify([0.25, -1.5, 1e6, 0.125]);
return { supported: ok, detail: ok ? renderer : `${renderer}: read back ${Array.from(pixel)}` };
