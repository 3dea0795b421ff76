// feature: webgpuSubgroups
// WebGPU's `subgroups` feature: WGSL subgroup operations (`enable subgroups;`), which ML kernels
// use for fast reductions and matrix tiles (ORT-web's WebGPU EP and WebLLM where present). Four
// invocations each add their index with subgroupAdd; every one must get the sum over its own
// subgroup (of the size the shader reports).
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
if (!adapter.features.has("subgroups")) return { supported: false, detail: "the adapter lacks subgroups" };
try {
  const device = await within(adapter.requestDevice({ requiredFeatures: ["subgroups"] }), "requestDevice()");
  const out = device.createBuffer({ size: 32, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ size: 32, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const module = device.createShaderModule({
    code: `
      enable subgroups;
      @group(0) @binding(0) var<storage, read_write> out: array<u32>;
      @compute @workgroup_size(4)
      fn main(@builtin(local_invocation_index) i: u32, @builtin(subgroup_size) size: u32) {
        out[i] = subgroupAdd(i);
        out[4u + i] = size;
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
  encoder.copyBufferToBuffer(out, 0, readback, 0, 32);
  device.queue.submit([encoder.finish()]);
  await within(readback.mapAsync(GPUMapMode.READ), "mapAsync()");
  const got = Array.from(new Uint32Array(readback.getMappedRange().slice(0)));
  readback.unmap();
  device.destroy();
  const [sums, sizes] = [got.slice(0, 4), got.slice(4)];
  const size = sizes[0];
  // Invocations 0..3 fill subgroups in order; each gets the sum of the indices in its subgroup.
  const want = [0, 1, 2, 3].map((i) => {
    const first = Math.floor(i / size) * size;
    let sum = 0;
    for (let j = first; j < Math.min(first + size, 4); j++) sum += j;
    return sum;
  });
  const ok = size > 0 && sizes.every((s) => s === size) && JSON.stringify(sums) === JSON.stringify(want);
  return { supported: ok, detail: `subgroup size ${size}; sums ${JSON.stringify(sums)}` };
} catch (e) {
  return { supported: false, detail: String(e) };
}
