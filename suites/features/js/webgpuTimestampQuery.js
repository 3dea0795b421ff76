// feature: webgpuTimestampQuery
// WebGPU's `timestamp-query` feature: GPU-side timestamps around a compute pass, how a benchmark
// times kernels on the GPU itself rather than with the CPU's clock around submit and read-back.
// A device with the feature writes a begin and an end timestamp around a pass, resolves them
// and reads them back: two nanosecond counts, the end not before the beginning.
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
if (!adapter.features.has("timestamp-query")) return { supported: false, detail: "the adapter lacks timestamp-query" };
try {
  const device = await within(adapter.requestDevice({ requiredFeatures: ["timestamp-query"] }), "requestDevice()");
  const querySet = device.createQuerySet({ type: "timestamp", count: 2 });
  const resolved = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const data = device.createBuffer({ size: 1024, usage: GPUBufferUsage.STORAGE });
  const module = device.createShaderModule({
    code: `
      @group(0) @binding(0) var<storage, read_write> data: array<f32>;
      @compute @workgroup_size(64)
      fn main(@builtin(global_invocation_id) id: vec3u) { data[id.x] = f32(id.x) * 2.0; }`,
  });
  const pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: data } }] });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(4);
  pass.end();
  encoder.resolveQuerySet(querySet, 0, 2, resolved, 0);
  encoder.copyBufferToBuffer(resolved, 0, readback, 0, 16);
  device.queue.submit([encoder.finish()]);
  await within(readback.mapAsync(GPUMapMode.READ), "mapAsync()");
  const [begin, end] = Array.from(new BigUint64Array(readback.getMappedRange().slice(0)));
  readback.unmap();
  device.destroy();
  const ok = typeof begin === "bigint" && end >= begin && end > 0n;
  return { supported: ok, detail: `pass took ${end - begin} ns by the GPU's clock` };
} catch (e) {
  return { supported: false, detail: String(e) };
}
