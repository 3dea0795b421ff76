/* Our own inference kernels: the digits CNN and the MLP 784-512-512-10 of the ml suite, by hand.
 *
 * One source, six builds (kn_simd.h): wasm scalar, SIMD128 and relaxed SIMD, and the same three
 * natively. The host (engines/kernels_driver.py, suites/ml/js/kernels.mjs) drives every build the
 * same way through these exports:
 *
 *   kn_prepare(net, batch) -> 0, or a negative code (KN_E_*)    allocates every buffer
 *   kn_weights() / kn_weights_size()   where the host writes the weight blob, and its bytes
 *   kn_input() / kn_input_size()       where the host writes the input (float32, C order)
 *   kn_output() / kn_output_size()     where the logits [batch, 10] are after kn_run
 *   kn_run(reps)                       `reps` inferences of the whole batch
 *   kn_variant()                       0 scalar, 1 simd, 2 relaxed: what this build is
 *
 * The weight blob is float32, laid out as harness/kernels_weights.py packs it from the model's
 * ONNX file: each dense layer as W[K][N] (inputs x outputs) then its bias[N]; each 3x3 conv as
 * W[ky][kx][ic][oc] then bias[oc]. Activations are NHWC, so a conv is im2col + the dense GEMM.
 *
 * The module imports nothing (no WASI): memory comes from memory.grow, so it runs on engines
 * without WASI too. */
#include <stddef.h>
#include <stdint.h>

#include "kn_simd.h"

#ifdef __wasm__
#define KN_EXPORT(name) __attribute__((export_name(#name)))
#else
#include <stdlib.h>
#define KN_EXPORT(name) __attribute__((visibility("default")))
#endif

enum { KN_DIGITS_CNN = 1, KN_MLP = 2 };
enum { KN_E_NET = -1, KN_E_BATCH = -2, KN_E_MEMORY = -3 };

#define CLASSES 10
#define MAX_BATCH 4096

/* --- memory ------------------------------------------------------------------------------ */

/* Fresh zeroed memory, 64-byte aligned; never freed (an instance prepares once). */
static float *kn_alloc(size_t floats) {
  size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
#ifdef __wasm__
  size_t pages = (bytes + 65535) / 65536;
  size_t old = __builtin_wasm_memory_grow(0, pages);
  if (old == (size_t)-1) return NULL;
  return (float *)(old * 65536);
#else
  float *p = aligned_alloc(64, bytes);
  if (p) for (size_t i = 0; i < bytes / sizeof(float); i++) p[i] = 0.0f;
  return p;
#endif
}

/* --- dense: Y[M][N] = X[M][K] . W[K][N] + b, ReLU optional ------------------------------- */

/* An R x (V*VW) tile of Y, its accumulators in registers: R rows share each loaded weight
 * vector, V vectors share each broadcast input. R and V are constants at every call, so the
 * loops unroll and `acc` becomes registers (at most 8 vectors: x86 has 16 xmm registers). */
KN_INLINE void dense_tile(int R, int V, const float *x, int K, const float *w, int N,
                          const float *bias, float *y, int relu) {
  vf acc[4][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) acc[r][v] = vf_load(bias + v * VW);
  for (int k = 0; k < K; k++) {
    vf wv[4];
    for (int v = 0; v < V; v++) wv[v] = vf_load(w + (size_t)k * N + v * VW);
    for (int r = 0; r < R; r++) {
      vf xs = vf_splat(x[(size_t)r * K + k]);
      for (int v = 0; v < V; v++) acc[r][v] = vf_madd(wv[v], xs, acc[r][v]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) {
      vf out = relu ? vf_max(acc[r][v], vf_zero()) : acc[r][v];
      vf_store(y + (size_t)r * N + v * VW, out);
    }
}

/* The columns [n, n + V*VW) for every row: 4-row tiles, then single rows. */
KN_INLINE void dense_columns(int V, const float *x, int M, int K, const float *w, int N,
                             const float *b, float *y, int relu, int n) {
  int m = 0;
  for (; m + 4 <= M; m += 4) dense_tile(4, V, x + (size_t)m * K, K, w + n, N, b + n, y + (size_t)m * N + n, relu);
  for (; m < M; m++) dense_tile(1, V, x + (size_t)m * K, K, w + n, N, b + n, y + (size_t)m * N + n, relu);
}

static void dense(const float *x, int M, int K, const float *w, const float *b, int N, float *y, int relu) {
  int n = 0;
  if (M >= 4) {
    for (; n + 2 * VW <= N; n += 2 * VW) dense_columns(2, x, M, K, w, N, b, y, relu, n);
  } else {
    /* One row (a matrix-vector product): 4 vectors, a whole 64-byte line of W per k. */
    for (; n + 4 * VW <= N; n += 4 * VW) dense_columns(4, x, M, K, w, N, b, y, relu, n);
  }
  for (; n + VW <= N; n += VW) dense_columns(1, x, M, K, w, N, b, y, relu, n);
  for (; n < N; n++) { /* the last N % VW columns (the 10 logits: 2 of them) */
    for (int m = 0; m < M; m++) {
      float acc = b[n];
      for (int k = 0; k < K; k++) acc = x[(size_t)m * K + k] * w[(size_t)k * N + n] + acc;
      y[(size_t)m * N + n] = relu && acc < 0.0f ? 0.0f : acc;
    }
  }
}

/* --- conv 3x3, stride 1, padding 1, NHWC: im2col then dense -------------------------------- */

/* cols[(b*H + y)*W + x][(ky*3 + kx)*C + c] = in[b][y+ky-1][x+kx-1][c], zero outside. */
static void im2col3x3(const float *in, int B, int H, int W, int C, float *cols) {
  const int K = 9 * C;
  for (int b = 0; b < B; b++)
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        float *row = cols + ((size_t)(b * H + y) * W + x) * K;
        for (int ky = 0; ky < 3; ky++)
          for (int kx = 0; kx < 3; kx++) {
            int sy = y + ky - 1, sx = x + kx - 1;
            float *dst = row + (ky * 3 + kx) * C;
            if (sy < 0 || sy >= H || sx < 0 || sx >= W) {
              for (int c = 0; c < C; c++) dst[c] = 0.0f;
            } else {
              const float *src = in + ((size_t)(b * H + sy) * W + sx) * C;
              for (int c = 0; c < C; c++) dst[c] = src[c];
            }
          }
      }
}

/* 2x2 max pool, stride 2, NHWC; C a multiple of VW. */
static void maxpool2(const float *in, int B, int H, int W, int C, float *out) {
  for (int b = 0; b < B; b++)
    for (int y = 0; y < H / 2; y++)
      for (int x = 0; x < W / 2; x++)
        for (int c = 0; c < C; c += VW) {
          const float *p = in + ((size_t)(b * H + 2 * y) * W + 2 * x) * C + c;
          vf m = vf_max(vf_max(vf_load(p), vf_load(p + C)),
                        vf_max(vf_load(p + (size_t)W * C), vf_load(p + (size_t)W * C + C)));
          vf_store(out + ((size_t)(b * (H / 2) + y) * (W / 2) + x) * C + c, m);
        }
}

/* --- the nets ------------------------------------------------------------------------------ */

/* digits-cnn: conv 1->16, ReLU, conv 16->32, ReLU, max-pool 2, dense 512->64, ReLU, dense 64->10.
 * Input [B, 1, 8, 8] (with one channel NCHW is NHWC). fc1's rows are in NHWC order (the packer
 * reorders them from PyTorch's CHW flatten). */
#define D_H 8
#define D_C1 16
#define D_C2 32
#define D_FC 64
#define D_FLAT (D_C2 * (D_H / 2) * (D_H / 2))
static const size_t DIGITS_WEIGHTS = 9 * 1 * D_C1 + D_C1 + 9 * D_C1 * D_C2 + D_C2 + D_FLAT * D_FC + D_FC +
                                     D_FC * CLASSES + CLASSES;

/* mlp: dense 784->512, ReLU, dense 512->512, ReLU, dense 512->10. Input [B, 784]. */
#define M_IN 784
#define M_HID 512
static const size_t MLP_WEIGHTS = M_IN * M_HID + M_HID + M_HID * M_HID + M_HID + M_HID * CLASSES + CLASSES;

static struct {
  int net, batch;
  size_t weights_n, input_n;
  float *weights, *input, *output, *scratch_a, *scratch_b;
} kn;

static void digits_forward(void) {
  const int B = kn.batch, P = B * D_H * D_H;
  const float *w = kn.weights;
  const float *c1w = w, *c1b = c1w + 9 * D_C1, *c2w = c1b + D_C1, *c2b = c2w + 9 * D_C1 * D_C2;
  const float *f1w = c2b + D_C2, *f1b = f1w + D_FLAT * D_FC, *f2w = f1b + D_FC, *f2b = f2w + D_FC * CLASSES;
  float *cols = kn.scratch_a, *act = kn.scratch_b;
  im2col3x3(kn.input, B, D_H, D_H, 1, cols);
  dense(cols, P, 9, c1w, c1b, D_C1, act, 1);                /* act: [B, 8, 8, 16] */
  im2col3x3(act, B, D_H, D_H, D_C1, cols);
  dense(cols, P, 9 * D_C1, c2w, c2b, D_C2, act, 1);         /* act: [B, 8, 8, 32] */
  maxpool2(act, B, D_H, D_H, D_C2, cols);                    /* cols: [B, 4, 4, 32] */
  dense(cols, B, D_FLAT, f1w, f1b, D_FC, act, 1);            /* act: [B, 64] */
  dense(act, B, D_FC, f2w, f2b, CLASSES, kn.output, 0);
}

static void mlp_forward(void) {
  const int B = kn.batch;
  const float *w1 = kn.weights, *b1 = w1 + M_IN * M_HID, *w2 = b1 + M_HID, *b2 = w2 + M_HID * M_HID;
  const float *w3 = b2 + M_HID, *b3 = w3 + M_HID * CLASSES;
  dense(kn.input, B, M_IN, w1, b1, M_HID, kn.scratch_a, 1);
  dense(kn.scratch_a, B, M_HID, w2, b2, M_HID, kn.scratch_b, 1);
  dense(kn.scratch_b, B, M_HID, w3, b3, CLASSES, kn.output, 0);
}

/* --- exports --------------------------------------------------------------------------------- */

KN_EXPORT(kn_prepare) int32_t kn_prepare(int32_t net, int32_t batch) {
  if (net != KN_DIGITS_CNN && net != KN_MLP) return KN_E_NET;
  if (batch < 1 || batch > MAX_BATCH) return KN_E_BATCH;
  size_t scratch;
  kn.net = net;
  kn.batch = batch;
  if (net == KN_DIGITS_CNN) {
    kn.weights_n = DIGITS_WEIGHTS;
    kn.input_n = (size_t)batch * D_H * D_H;
    scratch = (size_t)batch * D_H * D_H * 9 * D_C1; /* conv2's im2col, the largest */
  } else {
    kn.weights_n = MLP_WEIGHTS;
    kn.input_n = (size_t)batch * M_IN;
    scratch = (size_t)batch * M_HID;
  }
  kn.weights = kn_alloc(kn.weights_n);
  kn.input = kn_alloc(kn.input_n);
  kn.output = kn_alloc((size_t)batch * CLASSES);
  kn.scratch_a = kn_alloc(scratch);
  kn.scratch_b = kn_alloc(scratch);
  if (!kn.weights || !kn.input || !kn.output || !kn.scratch_a || !kn.scratch_b) return KN_E_MEMORY;
  return 0;
}

KN_EXPORT(kn_weights) float *kn_weights(void) { return kn.weights; }
KN_EXPORT(kn_weights_size) int32_t kn_weights_size(void) { return (int32_t)(kn.weights_n * sizeof(float)); }
KN_EXPORT(kn_input) float *kn_input(void) { return kn.input; }
KN_EXPORT(kn_input_size) int32_t kn_input_size(void) { return (int32_t)(kn.input_n * sizeof(float)); }
KN_EXPORT(kn_output) float *kn_output(void) { return kn.output; }
KN_EXPORT(kn_output_size) int32_t kn_output_size(void) {
  return (int32_t)((size_t)kn.batch * CLASSES * sizeof(float));
}
KN_EXPORT(kn_variant) int32_t kn_variant(void) { return KN_VARIANT; }

KN_EXPORT(kn_run) void kn_run(int32_t reps) {
  for (int32_t r = 0; r < reps; r++) {
    /* Memory may have changed between reps, as far as the compiler knows: no rep is hoisted. */
    __asm__ __volatile__("" ::: "memory");
    if (kn.net == KN_DIGITS_CNN) digits_forward();
    else mlp_forward();
  }
}
