// feature: webgpuSubgroups
// uses: _webgpu.js
// WebGPU's `subgroups` feature: WGSL subgroup operations (`enable subgroups;`), which ML kernels
// use for fast reductions and matrix tiles (ORT-web's WebGPU EP and WebLLM where present). Four
// invocations each add their index with subgroupAdd; every one must get the sum over its own
// subgroup (of the size the shader reports).
const { adapter, ...absent } = await gpuAdapter({ feature: "subgroups" });
if (!adapter) return absent;
try {
  const device = await gpuDevice(adapter, "subgroups");
  const got = Array.from(await runCompute(device, `
      enable subgroups;
      @group(0) @binding(0) var<storage, read_write> out: array<u32>;
      @compute @workgroup_size(4)
      fn main(@builtin(local_invocation_index) i: u32, @builtin(subgroup_size) size: u32) {
        out[i] = subgroupAdd(i);
        out[4u + i] = size;
      }`, { outputBytes: 32, view: Uint32Array }));
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
