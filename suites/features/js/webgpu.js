// feature: webgpu
// WebGPU: navigator.gpu gives an adapter and a device, and a compute shader doubles four floats
// that are then read back. The detail names the adapter (its info: vendor, architecture,
// device, description). No adapter (no GPU, no software fallback) is unsupported.
if (typeof navigator === "undefined" || !navigator.gpu) return { supported: false, detail: "no navigator.gpu" };
const SECONDS = 20;
const within = (promise, what) => {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${SECONDS} s`)), SECONDS * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};
let adapter;
try {
  adapter = await within(navigator.gpu.requestAdapter(), "requestAdapter()");
} catch (e) {
  return { supported: false, detail: `requestAdapter(): ${e}` };
}
if (!adapter) return { supported: false, detail: "navigator.gpu exists, but requestAdapter() gave no adapter" };
let info = adapter.info;
if (!info && typeof adapter.requestAdapterInfo === "function") info = await adapter.requestAdapterInfo();
const name = info
  ? ["vendor", "architecture", "device", "description"].map((k) => info[k]).filter(Boolean).join(" / ") || "adapter info empty"
  : "no adapter info";
const fallback = adapter.isFallbackAdapter || (info && info.isFallbackAdapter) ? " (fallback adapter)" : "";
const adapterName = `${name}${fallback}`;
try {
  const device = await within(adapter.requestDevice(), "requestDevice()");
  const input = new Float32Array([1, 2, 3, 4.5]);
  const data = device.createBuffer({
    size: input.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(data, 0, input);
  const readback = device.createBuffer({ size: input.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const module = device.createShaderModule({
    code: `
      @group(0) @binding(0) var<storage, read_write> data: array<f32>;
      @compute @workgroup_size(4)
      fn main(@builtin(global_invocation_id) id: vec3u) {
        data[id.x] = data[id.x] * 2.0;
      }`,
  });
  const pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: data } }],
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(1);
  pass.end();
  encoder.copyBufferToBuffer(data, 0, readback, 0, input.byteLength);
  device.queue.submit([encoder.finish()]);
  await within(readback.mapAsync(GPUMapMode.READ), "mapAsync()");
  const got = Array.from(new Float32Array(readback.getMappedRange().slice(0)));
  readback.unmap();
  device.destroy();
  if (JSON.stringify(got) !== JSON.stringify([2, 4, 6, 9])) {
    return { supported: false, detail: `${adapterName}: the shader gave ${JSON.stringify(got)}` };
  }
} catch (e) {
  return { supported: false, detail: `${adapterName}: ${e}` };
}
return { supported: true, detail: adapterName };
