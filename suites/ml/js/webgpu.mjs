// The `webgpu` runtime: a model run as our own WGSL compute kernels (wgsl_kernels.mjs) on the
// host's WebGPU adapter, timed with common.mjs's `measure` like every other runtime.
//
// args: `kernels` (optional: "tiled" or "direct"; by default direct on a fallback adapter, tiled
// elsewhere), `plan` (plan.json from harness/ml_wgsl_plan.py: the ONNX graph as kernel launches with
// every shape resolved), `weights` (its raw float32 constants), `inputs` (as ort.mjs), `backend`
// ("wgsl"), `runtime_root` (npm `webgpu`, Dawn's Node binding), `vk_icd` (optional: the Vulkan
// driver Dawn should use where the caller has not set VK_ICD_FILENAMES), `plan_error` (optional:
// why the model cannot be planned; the unit is then `unsupported` on every host).
//
// Where the adapter comes from: browsers and Deno have navigator.gpu; Node and Bun get one from
// Dawn (npm `webgpu`), which rejects lavapipe ("shaderUniform*ArrayDynamicIndexing required"), so
// it is pointed at Chromium's SwiftShader Vulkan driver. No adapter: `unsupported:` with why.
//
// Phases: compile_s is device creation, every pipeline, buffer and bind group, and the weights'
// upload; one inference is writing the input, one command buffer with every dispatch, and reading
// the output back (mapAsync), as a caller would see it.
import { Memory, inBrowser, measure, output, readInputs, timed, unsupported, webgpuAdapter } from "./common.mjs";
import { ACT, ACTIVATION, ADD, CONV, CONV_DIRECT, DEPTHWISE, GEMM, GEMM_DIRECT, MEAN, POOL, WORKGROUP_1D } from "./wgsl_kernels.mjs";

const SOURCES = { depthwise: DEPTHWISE, act: ACTIVATION, add: ADD, maxpool: POOL, avgpool: POOL, mean: MEAN };
// The matrix product and convolution kernels: workgroup-memory tiles for GPUs, barrier-free
// register blocks for the CPU adapters (wgsl_kernels.mjs says why). `args.kernels` forces one.
const PRODUCTS = { tiled: { gemm: GEMM, conv: CONV }, direct: { gemm: GEMM_DIRECT, conv: CONV_DIRECT } };

// The adapter limits recorded with every result (what a kernel's size depends on).
const LIMITS = ["maxBufferSize", "maxStorageBufferBindingSize", "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup", "maxComputeWorkgroupSizeX", "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupsPerDimension", "maxStorageBuffersPerShaderStage"];

export async function run(host, args) {
  if (args.plan_error) throw unsupported(args.plan_error);
  if ((args.backend ?? "wgsl") !== "wgsl") throw new Error(`the webgpu runtime has no backend ${JSON.stringify(args.backend)} (wgsl)`);
  if ((args.threads ?? 1) !== 1) throw unsupported("the WGSL kernels run on the GPU queue: one host thread only");
  const notes = [];
  const gpu = await adapter(host, args, notes);

  const [[plan, weights, inputs], readS] = await timed(async () => [
    JSON.parse(new TextDecoder().decode(await host.readFile(args.plan))),
    new Float32Array((await host.readFile(args.weights)).slice().buffer),
    await readInputs(host, args.inputs),
  ]);
  const kernels = args.kernels ?? (gpu.info.isFallbackAdapter ? "direct" : "tiled");
  if (!PRODUCTS[kernels]) throw new Error(`kernels ${JSON.stringify(kernels)}: one of ${Object.keys(PRODUCTS).join(", ")}`);
  const [model, compileS] = await timed(() => compile(gpu.adapter, plan, weights, { ...SOURCES, ...PRODUCTS[kernels] }));
  try {
    const feeds = plan.inputs.map((spec) => {
      const given = inputs.find((i) => i.name === spec.name);
      if (!given || given.dtype !== "float32") throw new Error(`input ${spec.name}: the WGSL kernels take float32 (given ${given?.dtype ?? "nothing"})`);
      return [model.buffers[spec.name], given.data];
    });
    const memory = new Memory();
    const { firstOutputs, firstS, samples, reps } = await measure(() => model.infer(feeds), args, memory);
    if (!inBrowser) notes.push("rss is the host process's; the GPU's buffers live in the driver");
    return {
      phases: { read_s: readS, compile_s: compileS, first_s: firstS },
      samples_s: samples,
      reps,
      outputs: plan.outputs.map((o, n) => output(o.name, "float32", o.shape, firstOutputs[n])),
      threads_used: 1,
      backend_used: "wgsl",
      binary: `wgsl_kernels.mjs ${kernels}`,  // which matrix product and convolution kernels ran
      adapter: { ...gpu.info, source: gpu.source, limits: gpu.limits },
      flops: plan.flops,
      memory: await memory.result(notes),
      versions: { runtime: "wgsl kernels (suites/ml/js/wgsl_kernels.mjs)", ...gpu.versions },
      notes: [...notes, `${model.dispatches} dispatches and ${(model.gpuBytes / 2 ** 20).toFixed(1)} MiB of GPU buffers an inference`],
    };
  } finally {
    model.device.destroy();
  }
}

let dawnGpu = null;

// The host's adapter with its info and limits: navigator.gpu where the host has it, else Dawn.
async function adapter(host, args, notes) {
  if (typeof navigator !== "undefined" && navigator.gpu) {
    const found = await webgpuAdapter();
    return { ...found, source: "navigator.gpu", limits: limits(found.adapter), versions: {} };
  }
  if (inBrowser) throw unsupported("no WebGPU (navigator.gpu) in this browser");
  if (typeof process === "undefined" || !args.runtime_root) throw unsupported("no WebGPU (navigator.gpu) in this host");
  // Dawn reads VK_ICD_FILENAMES when it creates its Vulkan instance, inside create().
  if (args.vk_icd && !process.env.VK_ICD_FILENAMES) {
    await setEnvironment("VK_ICD_FILENAMES", args.vk_icd);
    notes.push(`VK_ICD_FILENAMES=${args.vk_icd} (Dawn rejects lavapipe)`);
  }
  let dawn;
  try {
    dawn = await host.importModule(`${args.runtime_root}/index.js`);
  } catch (err) {
    throw unsupported(`no navigator.gpu, and npm webgpu (Dawn) did not load: ${String(err).split("\n")[0]}`);
  }
  // Kept for the process's life: once the GPU object is collected, Dawn tears down the instance
  // under the live device, and the process aborts ("The futex facility returned an unexpected
  // error code").
  dawnGpu ??= dawn.create([]);
  Object.assign(globalThis, dawn.globals);  // GPUBufferUsage, GPUMapMode, ... as a browser has them
  const found = await dawnGpu.requestAdapter();
  if (!found) throw unsupported(`Dawn (npm webgpu) found no adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? "unset"})`);
  const info = {};
  for (const key of ["vendor", "architecture", "device", "description"]) info[key] = found.info?.[key] ?? "";
  info.isFallbackAdapter = Boolean(found.isFallbackAdapter ?? found.info?.isFallbackAdapter);
  const version = JSON.parse(new TextDecoder().decode(await host.readFile(`${args.runtime_root}/package.json`))).version;
  return { adapter: found, info, source: "npm webgpu (Dawn)", limits: limits(found), versions: { webgpu: version } };
}

// Node's process.env setter calls setenv(3), so Dawn's Vulkan loader sees the value; Bun's only
// changes its own copy, so there libc's setenv is called through bun:ffi.
async function setEnvironment(name, value) {
  process.env[name] = value;
  if (typeof Bun === "undefined") return;
  const { dlopen, FFIType } = await import("bun:ffi");
  const libc = dlopen("libc.so.6", { setenv: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32], returns: FFIType.i32 } });
  const text = (s) => new TextEncoder().encode(`${s}\0`);
  if (libc.symbols.setenv(text(name), text(value), 1) !== 0) throw new Error(`setenv(${name}) failed`);
  libc.close();
}

function limits(adapter) {
  return Object.fromEntries(LIMITS.map((name) => [name, Number(adapter.limits[name])]));
}

// The plan as pipelines, buffers and bind groups on a new device; `infer` runs it once.
async function compile(adapter, plan, weights, sources) {
  const storage = Math.max(...Object.values(plan.tensors), ...Object.values(plan.weights).map((w) => w.size), 1) * 4;
  if (storage > adapter.limits.maxStorageBufferBindingSize) {
    throw unsupported(`a tensor of ${storage} bytes exceeds the adapter's maxStorageBufferBindingSize (${adapter.limits.maxStorageBufferBindingSize})`);
  }
  const device = await adapter.requestDevice({
    requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize },
  });
  device.pushErrorScope("validation");
  const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  let gpuBytes = 0;
  const buffer = (floats, usage = STORAGE) => {
    const size = Math.max(4, Math.ceil(floats * 4 / 16) * 16);
    gpuBytes += size;
    return device.createBuffer({ size, usage });
  };
  const buffers = {};
  for (const [name, size] of Object.entries(plan.tensors)) buffers[name] = buffer(size);
  for (const [name, w] of Object.entries(plan.weights)) {
    buffers[name] = buffer(w.size);
    device.queue.writeBuffer(buffers[name], 0, weights, w.offset, w.size);
  }
  const none = buffer(1);
  const pipelines = {};
  const pipeline = async (kind) => {
    pipelines[kind] ??= device.createComputePipelineAsync({
      layout: "auto", compute: { module: device.createShaderModule({ code: sources[kind] }), entryPoint: "main" },
    });
    return pipelines[kind];
  };
  const steps = [];
  for (const op of plan.ops) {
    const [u32s, f32s, grid] = launch(op, device.limits.maxComputeWorkgroupsPerDimension);
    const params = device.createBuffer({ size: Math.ceil((u32s.length + f32s.length) * 4 / 16) * 16,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const bytes = new ArrayBuffer(params.size);
    new Uint32Array(bytes).set(u32s);
    new Float32Array(bytes).set(f32s, u32s.length);
    device.queue.writeBuffer(params, 0, bytes);
    const operands = op.kind === "add" ? [op.x, op.y] : ["conv", "depthwise", "gemm"].includes(op.kind)
      ? [op.x, op.w] : [op.x];
    const bound = [params, ...operands.map((t) => buffers[t])];
    if (["conv", "depthwise", "gemm"].includes(op.kind)) bound.push(op.b ? buffers[op.b] : none);
    bound.push(buffers[op.out]);
    const p = await pipeline(op.kind);
    const group = device.createBindGroup({
      layout: p.getBindGroupLayout(0), entries: bound.map((b, binding) => ({ binding, resource: { buffer: b } })),
    });
    steps.push({ pipeline: p, group, grid });
  }
  const outs = plan.outputs.map((o) => ({ src: buffers[o.tensor], floats: o.shape.reduce((a, b) => a * b, 1) }));
  const reads = outs.map((o) => buffer(o.floats, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST));
  const error = await device.popErrorScope();
  if (error) throw new Error(`WebGPU validation: ${error.message}`);
  await device.queue.onSubmittedWorkDone();

  const infer = async (feeds) => {
    for (const [target, data] of feeds) device.queue.writeBuffer(target, 0, data);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const step of steps) {
      pass.setPipeline(step.pipeline);
      pass.setBindGroup(0, step.group);
      pass.dispatchWorkgroups(...step.grid);
    }
    pass.end();
    outs.forEach((o, n) => encoder.copyBufferToBuffer(o.src, 0, reads[n], 0, o.floats * 4));
    device.queue.submit([encoder.finish()]);
    return Promise.all(reads.map(async (read, n) => {
      await read.mapAsync(GPUMapMode.READ);
      const values = new Float32Array(read.getMappedRange(0, outs[n].floats * 4).slice(0));
      read.unmap();
      return values;
    }));
  };
  return { device, buffers, infer, dispatches: steps.length, gpuBytes };
}

// One op's uniform fields (u32s, then f32s) and its dispatch grid.
function launch(op, maxPerDimension) {
  const act = op.act ?? { kind: "none" };
  const actFields = [ACT[act.kind], op.b ? 1 : 0];
  const bounds = [act.min ?? 0, act.max ?? 0];
  const grid1d = (total) => {
    const groups = Math.ceil(total / WORKGROUP_1D);
    const x = Math.min(groups, maxPerDimension);
    return [x, Math.ceil(groups / x), 1];
  };
  switch (op.kind) {
    case "gemm":
      return [[op.cols, op.rows, op.k, ...actFields], bounds, [Math.ceil(op.rows / 32), Math.ceil(op.cols / 32), 1]];
    case "conv": {
      const m = op.m / op.group;
      const n = op.n * op.oh * op.ow;
      const k = (op.c / op.group) * op.kh * op.kw;
      return [[m, n, k, op.c, op.h, op.wd, op.oh, op.ow, op.kh, op.kw, op.sh, op.sw, op.ph, op.pw, op.dh, op.dw,
        op.c / op.group, ...actFields], bounds, [Math.ceil(n / 32), Math.ceil(m / 32), op.group]];
    }
    case "depthwise": {
      const total = op.n * op.m * op.oh * op.ow;
      return [[total, op.c, op.h, op.wd, op.oh, op.ow, op.kh, op.kw, op.sh, op.sw, op.ph, op.pw, op.dh, op.dw,
        ...actFields], bounds, grid1d(total)];
    }
    case "act":
      return [[op.size, ACT[act.kind]], bounds, grid1d(op.size)];
    case "add":
      return [[op.size], [], grid1d(op.size)];
    case "maxpool":
    case "avgpool": {
      const total = op.n * op.c * op.oh * op.ow;
      const mode = op.kind === "maxpool" ? 0 : op.include_pad ? 2 : 1;
      return [[total, op.h, op.wd, op.oh, op.ow, op.kh, op.kw, op.sh, op.sw, op.ph, op.pw, mode], [], grid1d(total)];
    }
    case "mean":
      return [[op.rows, op.size], [], grid1d(op.rows)];
    default:
      throw new Error(`plan op ${op.kind}: no WGSL kernel`);
  }
}
