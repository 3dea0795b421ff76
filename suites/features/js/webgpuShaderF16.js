// feature: webgpuShaderF16
// WebGPU's `shader-f16` feature: half-precision arithmetic in WGSL (`enable f16;`), which fp16
// ML kernels (ORT-web's WebGPU EP, WebLLM) need for their speed and memory. A device with the
// feature runs a compute shader that multiplies f16 values and widens them to f32 for readback.
if (typeof navigator === "undefined" || !navigator.gpu) return { supported: false, detail: "no navigator.gpu" };
const SECONDS = 20;
const within = (promise, what) => {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${SECONDS} s`)), SECONDS * 1000);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
};
let adapter;
try {
  adapter = await within(navigator.gpu.requestAdapter(), "requestAdapter()");
} catch (e) {
  return { supported: false, detail: `requestAdapter(): ${e}` };
}
if (!adapter) return { supported: false, detail: "no adapter" };
if (!adapter.features.has("shader-f16")) return { supported: false, detail: "the adapter lacks shader-f16" };
try {
  const device = await within(adapter.requestDevice({ requiredFeatures: ["shader-f16"] }), "requestDevice()");
  const out = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const module = device.createShaderModule({
    code: `
      enable f16;
      @group(0) @binding(0) var<storage, read_write> out: array<f32>;
      @compute @workgroup_size(4)
      fn main(@builtin(global_invocation_id) id: vec3u) {
        let x = f16(id.x) + 0.5h;
        out[id.x] = f32(x * 3.0h);
      }`,
  });
  const pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(1);
  pass.end();
  encoder.copyBufferToBuffer(out, 0, readback, 0, 16);
  device.queue.submit([encoder.finish()]);
  await within(readback.mapAsync(GPUMapMode.READ), "mapAsync()");
  const got = Array.from(new Float32Array(readback.getMappedRange().slice(0)));
  readback.unmap();
  device.destroy();
  const ok = JSON.stringify(got) === JSON.stringify([1.5, 4.5, 7.5, 10.5]);
  return { supported: ok, detail: ok ? "f16 shader ran" : `the shader gave ${JSON.stringify(got)}` };
} catch (e) {
  return { supported: false, detail: String(e) };
}
