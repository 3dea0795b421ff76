// The WGSL compute kernels of the `webgpu` runtime (webgpu.mjs), one per plan op kind
// (harness/ml_wgsl_plan.py). Tensors are flat array<f32> storage buffers in ONNX's C order (NCHW);
// each launch gets its sizes in a uniform struct of u32 fields (then f32 fields), so one compiled
// pipeline per kind serves every layer.
//
// The matrix product and the convolution share one tiled kernel (TILED): a workgroup of 8x8
// invocations computes a 32x32 block of the output, each invocation 4x4 of it, stepping through
// K 16 at a time with both operand tiles staged in workgroup memory. A convolution is that product
// done implicitly (no im2col buffer): A is the weights [M, C/group * KH * KW] as stored, and B's
// column j is output pixel j's receptive field, read from the input with zero padding on the fly.
// Depthwise convolution has no reuse to tile for, so it gets a direct kernel.

// Activation codes shared with webgpu.mjs: none, relu, clip(lo, hi).
export const ACT = { none: 0, relu: 1, clip: 2 };

const ACT_FN = /* wgsl */ `
fn activate(v: f32) -> f32 {
  if (P.act == 1u) { return max(v, 0.0); }
  if (P.act == 2u) { return clamp(v, P.lo, P.hi); }
  return v;
}`;

// Elementwise kernels index with a 2-D grid, since one dimension of workgroups is capped
// (maxComputeWorkgroupsPerDimension, 65535 by default).
export const WORKGROUP_1D = 64;
const INDEX_1D = /* wgsl */ `
fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.y * nwg.x * ${WORKGROUP_1D}u + gid.x; }`;

// Every kernel's interface, in the order webgpu.mjs binds its buffers: the uniform P (struct
// Params of `fields`), the read-only tensors `inputs` from binding 1, then the output Y.
const BINDINGS = (fields, inputs) => /* wgsl */ `
struct Params { ${fields} }
@group(0) @binding(0) var<uniform> P: Params;
${inputs.map((name, n) => `@group(0) @binding(${n + 1}) var<storage, read> ${name}: array<f32>;`).join("\n")}
@group(0) @binding(${inputs.length + 1}) var<storage, read_write> Y: array<f32>;`;

// The kernels with weights (conv, gemm, depthwise): X, W and Bias (a 4-byte dummy when the op has
// none), and after the op's own fields those of the fused activation.
const WEIGHTED = (fields) => /* wgsl */ `${BINDINGS(`${fields} act: u32, has_bias: u32, lo: f32, hi: f32,`,
  ["X", "W", "Bias"])}
${ACT_FN}`;

// The elementwise kernels: one invocation per output element `o` of the `count` that P names,
// on the 2-D grid; `body` follows the bounds check.
const PER_ELEMENT = (head, count, body) => /* wgsl */ `${head}
${INDEX_1D}
@compute @workgroup_size(${WORKGROUP_1D})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flat(gid, nwg);
  if (o >= P.${count}) { return; }
${body}
}`;

// A product kernel's head: WEIGHTED plus `layout` (the op's bias_index(g, i) and store(g, i, j, v),
// which map the product's group, row and column to Bias and Y) and `output`, which finishes one
// accumulated value with the bias and the activation. The tiled and the direct kernels share it.
const PRODUCT_HEAD = (fields, layout) => /* wgsl */ `${WEIGHTED(fields)}
${layout}
fn output(g: u32, i: u32, j: u32, acc: f32) {
  var v = acc;
  if (P.has_bias == 1u) { v = v + Bias[bias_index(g, i)]; }
  store(g, i, j, activate(v));
}`;

// Gemm / MatMul: X is [rows, K], W is [cols, K] (B transposed by the plan). The product's i runs
// over the output columns (W's rows) and j over X's rows, so A = W needs no transpose either.
const GEMM_FIELDS = "M: u32, N: u32, K: u32,";
const GEMM_LAYOUT = /* wgsl */ `
fn bias_index(g: u32, i: u32) -> u32 { return i; }
fn store(g: u32, i: u32, j: u32, v: f32) { Y[j * P.M + i] = v; }`;

// Conv (NCHW, OIHW weights, any group): i is the output channel within the group (M = out
// channels / group), j the output pixel over the whole batch (N = batch * OH * OW), K = C/group * KH * KW.
const CONV_FIELDS = "M: u32, N: u32, K: u32, C: u32, H: u32, Wd: u32, OH: u32, OW: u32, KH: u32, KW: u32, " +
  "SH: u32, SW: u32, PH: u32, PW: u32, DH: u32, DW: u32, CG: u32,";
const CONV_LAYOUT = /* wgsl */ `
fn bias_index(g: u32, i: u32) -> u32 { return g * P.M + i; }
fn store(g: u32, i: u32, j: u32, v: f32) {
  let ohw = P.OH * P.OW;
  let n = j / ohw; let p = j % ohw;
  Y[(n * (P.M * (P.C / P.CG)) + g * P.M + i) * ohw + p] = v;
}`;

// The tiled product: out[i, j] = activate(sum_k A[i, k] * B[k, j] + bias[i]), where the caller
// supplies loadA and loadB, and the layout (PRODUCT_HEAD) that maps (i, j) to the output. The
// group of a grouped convolution is the dispatch's z.
const TILED = (fields, layout, loadA, loadB) => /* wgsl */ `${PRODUCT_HEAD(fields, layout)}
const TM = 32u; const TN = 32u; const TK = 16u;
var<workgroup> As: array<array<f32, 32>, 16>;
var<workgroup> Bs: array<array<f32, 32>, 16>;
${loadA}
${loadB}
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let g = wg.z;
  let i0 = wg.y * TM;
  let j0 = wg.x * TN;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < P.K; k0 = k0 + TK) {
    for (var e = 0u; e < 8u; e = e + 1u) {
      let idx = li + e * 64u;
      let ai = idx / TK; let ak = idx % TK;
      As[ak][ai] = loadA(g, i0 + ai, k0 + ak);
      let bk = idx / TN; let bj = idx % TN;
      Bs[bk][bj] = loadB(g, k0 + bk, j0 + bj);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk = kk + 1u) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var t = 0u; t < 4u; t = t + 1u) { a[t] = As[kk][lid.y + 8u * t]; b[t] = Bs[kk][lid.x + 8u * t]; }
      for (var r = 0u; r < 4u; r = r + 1u) {
        for (var c = 0u; c < 4u; c = c + 1u) { acc[r][c] = fma(a[r], b[c], acc[r][c]); }
      }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < 4u; r = r + 1u) {
    let i = i0 + lid.y + 8u * r;
    if (i >= P.M) { continue; }
    for (var c = 0u; c < 4u; c = c + 1u) {
      let j = j0 + lid.x + 8u * c;
      if (j >= P.N) { continue; }
      output(g, i, j, acc[r][c]);
    }
  }
}`;

export const GEMM = TILED(
  GEMM_FIELDS, GEMM_LAYOUT,
  `fn loadA(g: u32, i: u32, k: u32) -> f32 { if (i < P.M && k < P.K) { return W[i * P.K + k]; } return 0.0; }`,
  `fn loadB(g: u32, k: u32, j: u32) -> f32 { if (j < P.N && k < P.K) { return X[j * P.K + k]; } return 0.0; }`,
);

// The convolution's B column j is output pixel j's receptive field, read with zero padding.
export const CONV = TILED(
  CONV_FIELDS, CONV_LAYOUT,
  `fn loadA(g: u32, i: u32, k: u32) -> f32 {
     if (i < P.M && k < P.K) { return W[(g * P.M + i) * P.K + k]; }
     return 0.0;
   }`,
  `fn loadB(g: u32, k: u32, j: u32) -> f32 {
     if (j >= P.N || k >= P.K) { return 0.0; }
     let khw = P.KH * P.KW;
     let ci = k / khw; let kr = k % khw;
     let ky = kr / P.KW; let kx = kr % P.KW;
     let ohw = P.OH * P.OW;
     let n = j / ohw; let p = j % ohw;
     let oy = p / P.OW; let ox = p % P.OW;
     let iy = i32(oy * P.SH + ky * P.DH) - i32(P.PH);
     let ix = i32(ox * P.SW + kx * P.DW) - i32(P.PW);
     if (iy < 0 || ix < 0 || iy >= i32(P.H) || ix >= i32(P.Wd)) { return 0.0; }
     return X[((n * P.C + g * P.CG + ci) * P.H + u32(iy)) * P.Wd + u32(ix)];
   }`,
);

// Depthwise conv: one invocation per output value, C = M channels, one filter each.
export const DEPTHWISE = PER_ELEMENT(WEIGHTED(
  "total: u32, C: u32, H: u32, Wd: u32, OH: u32, OW: u32, KH: u32, KW: u32, " +
  "SH: u32, SW: u32, PH: u32, PW: u32, DH: u32, DW: u32,"), "total", /* wgsl */ `
  let ox = o % P.OW; let oy = (o / P.OW) % P.OH; let nc = o / (P.OW * P.OH); let c = nc % P.C;
  var acc = 0.0;
  for (var ky = 0u; ky < P.KH; ky = ky + 1u) {
    let iy = i32(oy * P.SH + ky * P.DH) - i32(P.PH);
    if (iy < 0 || iy >= i32(P.H)) { continue; }
    for (var kx = 0u; kx < P.KW; kx = kx + 1u) {
      let ix = i32(ox * P.SW + kx * P.DW) - i32(P.PW);
      if (ix < 0 || ix >= i32(P.Wd)) { continue; }
      acc = fma(X[(nc * P.H + u32(iy)) * P.Wd + u32(ix)], W[(c * P.KH + ky) * P.KW + kx], acc);
    }
  }
  if (P.has_bias == 1u) { acc = acc + Bias[c]; }
  Y[o] = activate(acc);`);

// Elementwise: Y = activate(X) (a Relu or Clip that could not be fused), or Y = X + X2.
export const ACTIVATION = PER_ELEMENT(`${BINDINGS("total: u32, act: u32, lo: f32, hi: f32,", ["X"])}
${ACT_FN}`, "total", "  Y[o] = activate(X[o]);");

export const ADD = PER_ELEMENT(BINDINGS("total: u32,", ["X", "X2"]), "total", "  Y[o] = X[o] + X2[o];");

// MaxPool and AveragePool (2-D, NCHW): one invocation per output value. `mode` 0 is max, 1 the
// mean over the window's in-bounds values, 2 the mean counting the padding (count_include_pad).
export const POOL = PER_ELEMENT(BINDINGS(
  "total: u32, H: u32, Wd: u32, OH: u32, OW: u32, KH: u32, KW: u32, SH: u32, SW: u32, PH: u32, PW: u32, mode: u32,",
  ["X"]), "total", /* wgsl */ `
  let ox = o % P.OW; let oy = (o / P.OW) % P.OH; let nc = o / (P.OW * P.OH);
  var best = -3.402823e38;  // the lowest f32 that every compiler accepts as a literal
  var sum = 0.0;
  var count = 0u;
  for (var ky = 0u; ky < P.KH; ky = ky + 1u) {
    let iy = i32(oy * P.SH + ky) - i32(P.PH);
    for (var kx = 0u; kx < P.KW; kx = kx + 1u) {
      let ix = i32(ox * P.SW + kx) - i32(P.PW);
      if (iy < 0 || ix < 0 || iy >= i32(P.H) || ix >= i32(P.Wd)) { continue; }
      let v = X[(nc * P.H + u32(iy)) * P.Wd + u32(ix)];
      best = max(best, v); sum = sum + v; count = count + 1u;
    }
  }
  if (P.mode == 0u) { Y[o] = best; }
  else if (P.mode == 1u) { Y[o] = sum / f32(max(count, 1u)); }
  else { Y[o] = sum / f32(P.KH * P.KW); }`);

// GlobalAveragePool / ReduceMean over H and W: one invocation per (n, c) row.
export const MEAN = PER_ELEMENT(BINDINGS("rows: u32, size: u32,", ["X"]), "rows", /* wgsl */ `
  var sum = 0.0;
  for (var i = 0u; i < P.size; i = i + 1u) { sum = sum + X[o * P.size + i]; }
  Y[o] = sum / f32(P.size);`);

// The same products without workgroup memory or barriers: each invocation computes its 4x4 block
// (4 output channels by 4 columns) straight from the storage buffers. On the CPU adapters here
// (lavapipe, SwiftShader) a barrier is a switch between invocations' coroutines, and the tiled
// kernel spent most of its time there (mobilenet's 1280x1000 classifier at batch 1: 258 ms tiled);
// webgpu.mjs picks these on fallback adapters, the tiled ones on real GPUs.
export const GEMM_DIRECT = /* wgsl */ `${PRODUCT_HEAD(GEMM_FIELDS, GEMM_LAYOUT)}
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wg.y * 8u + lid.y) * 4u;
  let j = (wg.x * 8u + lid.x) * 4u;
  if (i >= P.M || j >= P.N) { return; }
  var wrow: array<u32, 4>;
  var xrow: array<u32, 4>;
  for (var t = 0u; t < 4u; t = t + 1u) { wrow[t] = min(i + t, P.M - 1u) * P.K; xrow[t] = min(j + t, P.N - 1u) * P.K; }
  var acc: array<array<f32, 4>, 4>;
  for (var k = 0u; k < P.K; k = k + 1u) {
    var a: array<f32, 4>;
    var b: array<f32, 4>;
    for (var t = 0u; t < 4u; t = t + 1u) { a[t] = W[wrow[t] + k]; b[t] = X[xrow[t] + k]; }
    for (var r = 0u; r < 4u; r = r + 1u) {
      for (var c = 0u; c < 4u; c = c + 1u) { acc[r][c] = fma(a[r], b[c], acc[r][c]); }
    }
  }
  for (var r = 0u; r < 4u; r = r + 1u) {
    if (i + r >= P.M) { break; }
    for (var c = 0u; c < 4u; c = c + 1u) {
      if (j + c >= P.N) { break; }
      output(0u, i + r, j + c, acc[r][c]);
    }
  }
}`;

export const CONV_DIRECT = /* wgsl */ `${PRODUCT_HEAD(CONV_FIELDS, CONV_LAYOUT)}
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = wg.z;
  let i = (wg.y * 8u + lid.y) * 4u;
  let j = (wg.x * 8u + lid.x) * 4u;
  if (i >= P.M || j >= P.N) { return; }
  let ohw = P.OH * P.OW;
  let hw = P.H * P.Wd;
  // Per column: where its receptive field starts in the input.
  var base: array<u32, 4>;
  var y0: array<i32, 4>;
  var x0: array<i32, 4>;
  for (var c = 0u; c < 4u; c = c + 1u) {
    let jj = min(j + c, P.N - 1u);
    let n = jj / ohw; let p = jj % ohw;
    base[c] = (n * P.C + g * P.CG) * hw;
    y0[c] = i32((p / P.OW) * P.SH) - i32(P.PH);
    x0[c] = i32((p % P.OW) * P.SW) - i32(P.PW);
  }
  var wrow: array<u32, 4>;
  for (var r = 0u; r < 4u; r = r + 1u) { wrow[r] = (g * P.M + min(i + r, P.M - 1u)) * P.K; }
  var acc: array<array<f32, 4>, 4>;
  var k = 0u;
  for (var ci = 0u; ci < P.CG; ci = ci + 1u) {
    for (var ky = 0u; ky < P.KH; ky = ky + 1u) {
      for (var kx = 0u; kx < P.KW; kx = kx + 1u) {
        var a: array<f32, 4>;
        var b: array<f32, 4>;
        for (var r = 0u; r < 4u; r = r + 1u) { a[r] = W[wrow[r] + k]; }
        for (var c = 0u; c < 4u; c = c + 1u) {
          let iy = y0[c] + i32(ky * P.DH);
          let ix = x0[c] + i32(kx * P.DW);
          b[c] = 0.0;
          if (iy >= 0 && ix >= 0 && iy < i32(P.H) && ix < i32(P.Wd)) {
            b[c] = X[base[c] + ci * hw + u32(iy) * P.Wd + u32(ix)];
          }
        }
        for (var r = 0u; r < 4u; r = r + 1u) {
          for (var c = 0u; c < 4u; c = c + 1u) { acc[r][c] = fma(a[r], b[c], acc[r][c]); }
        }
        k = k + 1u;
      }
    }
  }
  for (var r = 0u; r < 4u; r = r + 1u) {
    if (i + r >= P.M) { break; }
    for (var c = 0u; c < 4u; c = c + 1u) {
      if (j + c >= P.N) { break; }
      output(g, i + r, j + c, acc[r][c]);
    }
  }
}`;
