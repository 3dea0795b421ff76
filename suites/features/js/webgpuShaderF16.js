// feature: webgpuShaderF16
// uses: _webgpu.js
// WebGPU's `shader-f16` feature: half-precision arithmetic in WGSL (`enable f16;`), which fp16
// ML kernels (ORT-web's WebGPU EP, WebLLM) need for their speed and memory. A device with the
// feature runs a compute shader that multiplies f16 values and widens them to f32 for readback.
const { adapter, ...absent } = await gpuAdapter({ feature: "shader-f16" });
if (!adapter) return absent;
try {
  const device = await gpuDevice(adapter, "shader-f16");
  const got = Array.from(await runCompute(device, `
      enable f16;
      @group(0) @binding(0) var<storage, read_write> out: array<f32>;
      @compute @workgroup_size(4)
      fn main(@builtin(global_invocation_id) id: vec3u) {
        let x = f16(id.x) + 0.5h;
        out[id.x] = f32(x * 3.0h);
      }`, { outputBytes: 16 }));
  device.destroy();
  const ok = JSON.stringify(got) === JSON.stringify([1.5, 4.5, 7.5, 10.5]);
  return { supported: ok, detail: ok ? "f16 shader ran" : `the shader gave ${JSON.stringify(got)}` };
} catch (e) {
  return { supported: false, detail: String(e) };
}
