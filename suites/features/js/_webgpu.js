// WebGPU helpers for the webgpu* probes: not a probe itself (a file starting with `_` is not one).
// A probe that says `// uses: _webgpu.js` in its header gets this text in front of its own body
// (harness/suites/features.py), so everything here is plain declarations in the same async
// function body: no `return`, no side effects until a probe calls a helper.

// How long one WebGPU call may take: a driver that hangs must not hang the worker (detect's own
// timeout is for the whole batch, so a probe gives up on its own first).
const GPU_SECONDS = 20;

// `promise`, or a rejection naming `what` once GPU_SECONDS have passed.
const within = (promise, what) => {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${GPU_SECONDS} s`)), GPU_SECONDS * 1000);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
};

// The host's adapter as { adapter }, or the probe's answer when there is none to test with:
// { supported: false, detail }. `feature` (optional) is a GPUFeatureName the adapter must have;
// `noAdapter` is the detail when requestAdapter() resolves to null.
const gpuAdapter = async ({ feature, noAdapter = "no adapter" } = {}) => {
  if (typeof navigator === "undefined" || !navigator.gpu) return { supported: false, detail: "no navigator.gpu" };
  let adapter;
  try {
    adapter = await within(navigator.gpu.requestAdapter(), "requestAdapter()");
  } catch (e) {
    return { supported: false, detail: `requestAdapter(): ${e}` };
  }
  if (!adapter) return { supported: false, detail: noAdapter };
  if (feature && !adapter.features.has(feature)) return { supported: false, detail: `the adapter lacks ${feature}` };
  return { adapter };
};

// A device from `adapter`, with `feature` enabled when one is named.
const gpuDevice = (adapter, feature) =>
  within(adapter.requestDevice(feature ? { requiredFeatures: [feature] } : undefined), "requestDevice()");

// A command encoder holding one compute pass: `wgsl`'s `main` over `workgroups` workgroups, with
// `buffer` as its only binding (group 0, binding 0). `passDescriptor` goes to beginComputePass
// (timestamp writes). The caller adds copies and submits through readBack.
const encodeCompute = (device, wgsl, buffer, { workgroups = 1, passDescriptor } = {}) => {
  const module = device.createShaderModule({ code: wgsl });
  const pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer } }] });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass(passDescriptor);
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(workgroups);
  pass.end();
  return encoder;
};

// Submits `encoder` with a copy of `source`'s first `bytes` bytes to a mappable buffer, and gives
// those bytes (an ArrayBuffer) once the GPU has written them.
const readBack = async (device, encoder, source, bytes) => {
  const readback = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  encoder.copyBufferToBuffer(source, 0, readback, 0, bytes);
  device.queue.submit([encoder.finish()]);
  await within(readback.mapAsync(GPUMapMode.READ), "mapAsync()");
  const data = readback.getMappedRange().slice(0);
  readback.unmap();
  return data;
};

// Runs `wgsl` once (one workgroup) on one storage buffer: `input` (a typed array) written into it
// first if given, else `outputBytes` of zeros; its contents afterwards as a `view` (Float32Array
// unless named).
const runCompute = async (device, wgsl, { input, outputBytes, view = Float32Array } = {}) => {
  const size = input ? input.byteLength : outputBytes;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | (input ? GPUBufferUsage.COPY_DST : 0);
  const buffer = device.createBuffer({ size, usage });
  if (input) device.queue.writeBuffer(buffer, 0, input);
  return new view(await readBack(device, encodeCompute(device, wgsl, buffer), buffer, size));
};
