// feature: webgpu
// uses: _webgpu.js
// WebGPU: navigator.gpu gives an adapter and a device, and a compute shader doubles four floats
// that are then read back. The detail names the adapter (its info: vendor, architecture,
// device, description). No adapter (no GPU, no software fallback) is unsupported.
const found = await gpuAdapter({ noAdapter: "navigator.gpu exists, but requestAdapter() gave no adapter" });
if (!found.adapter) return found;
const { adapter } = found;
let info = adapter.info;
if (!info && typeof adapter.requestAdapterInfo === "function") info = await adapter.requestAdapterInfo();
const name = info
  ? ["vendor", "architecture", "device", "description"].map((k) => info[k]).filter(Boolean).join(" / ") || "adapter info empty"
  : "no adapter info";
const fallback = adapter.isFallbackAdapter || (info && info.isFallbackAdapter) ? " (fallback adapter)" : "";
const adapterName = `${name}${fallback}`;
try {
  const device = await gpuDevice(adapter);
  const got = Array.from(await runCompute(device, `
      @group(0) @binding(0) var<storage, read_write> data: array<f32>;
      @compute @workgroup_size(4)
      fn main(@builtin(global_invocation_id) id: vec3u) {
        data[id.x] = data[id.x] * 2.0;
      }`, { input: new Float32Array([1, 2, 3, 4.5]) }));
  device.destroy();
  if (JSON.stringify(got) !== JSON.stringify([2, 4, 6, 9])) {
    return { supported: false, detail: `${adapterName}: the shader gave ${JSON.stringify(got)}` };
  }
} catch (e) {
  return { supported: false, detail: `${adapterName}: ${e}` };
}
return { supported: true, detail: adapterName };
