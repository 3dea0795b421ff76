// feature: webgpuTimestampQuery
// uses: _webgpu.js
// WebGPU's `timestamp-query` feature: GPU-side timestamps around a compute pass, how a benchmark
// times kernels on the GPU itself rather than with the CPU's clock around submit and read-back.
// A device with the feature writes a begin and an end timestamp around a pass, resolves them
// and reads them back: two nanosecond counts, the end not before the beginning.
const { adapter, ...absent } = await gpuAdapter({ feature: "timestamp-query" });
if (!adapter) return absent;
try {
  const device = await gpuDevice(adapter, "timestamp-query");
  const querySet = device.createQuerySet({ type: "timestamp", count: 2 });
  const resolved = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const data = device.createBuffer({ size: 1024, usage: GPUBufferUsage.STORAGE });
  const encoder = encodeCompute(device, `
      @group(0) @binding(0) var<storage, read_write> data: array<f32>;
      @compute @workgroup_size(64)
      fn main(@builtin(global_invocation_id) id: vec3u) { data[id.x] = f32(id.x) * 2.0; }`,
  data, { workgroups: 4, passDescriptor: { timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } });
  encoder.resolveQuerySet(querySet, 0, 2, resolved, 0);
  const [begin, end] = Array.from(new BigUint64Array(await readBack(device, encoder, resolved, 16)));
  device.destroy();
  const ok = typeof begin === "bigint" && end >= begin && end > 0n;
  return { supported: ok, detail: `pass took ${end - begin} ns by the GPU's clock` };
} catch (e) {
  return { supported: false, detail: String(e) };
}
