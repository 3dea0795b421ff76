// The digits CNN's kernels (digits_cnn.h). Built twice by harness/ml_emscripten.py: plain -O3
// (scalar: whatever the compiler makes of the loops without SIMD) and -O3 -msimd128, where
// __wasm_simd128__ selects the f32x4 paths below. Both sum in the same order within a lane
// set, so they differ from onnxruntime only by float rounding.
#include "digits_cnn.h"

#include <string.h>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define W 8
#define PADDED 10  // an 8x8 plane with a zero border: the 3x3 windows need no bounds checks
#define C1 16
#define C2 32
#define HIDDEN 64
#define FLAT (C2 * 4 * 4)

static float conv1_w[C1 * 9], conv1_b[C1];
static float conv2_w[C2 * C1 * 9], conv2_b[C2];
static float fc1_w[HIDDEN * FLAT], fc1_b[HIDDEN];
static float fc2_w[CNN_OUTPUT_SIZE * HIDDEN], fc2_b[CNN_OUTPUT_SIZE];

int cnn_load(const float *weights, int count) {
  if (count != CNN_WEIGHT_COUNT) return -1;
  float *parts[] = {conv1_w, conv1_b, conv2_w, conv2_b, fc1_w, fc1_b, fc2_w, fc2_b};
  int sizes[] = {sizeof conv1_w, sizeof conv1_b, sizeof conv2_w, sizeof conv2_b,
                 sizeof fc1_w, sizeof fc1_b, sizeof fc2_w, sizeof fc2_b};
  for (int n = 0; n < 8; n++) {
    memcpy(parts[n], weights, sizes[n]);
    weights += sizes[n] / sizeof(float);
  }
  return 0;
}

const char *cnn_build(void) {
#ifdef __wasm_simd128__
  return "simd128";
#else
  return "scalar";
#endif
}

// out[co] (8x8) = ReLU(bias + sum over ci, ky, kx of w * in[ci] shifted); `in` is padded planes.
static void conv3x3_relu(const float *in, int cin, const float *w, const float *b, int cout,
                         float *out) {
  for (int co = 0; co < cout; co++) {
    float acc[W * W];
    for (int i = 0; i < W * W; i++) acc[i] = b[co];
    for (int ci = 0; ci < cin; ci++) {
      const float *plane = in + ci * PADDED * PADDED;
      const float *k = w + (co * cin + ci) * 9;
      for (int ky = 0; ky < 3; ky++) {
        for (int kx = 0; kx < 3; kx++) {
          float kv = k[ky * 3 + kx];
          for (int y = 0; y < W; y++) {
            const float *row = plane + (y + ky) * PADDED + kx;
            float *dst = acc + y * W;
#ifdef __wasm_simd128__
            v128_t kk = wasm_f32x4_splat(kv);
            wasm_v128_store(dst, wasm_f32x4_add(wasm_v128_load(dst), wasm_f32x4_mul(kk, wasm_v128_load(row))));
            wasm_v128_store(dst + 4, wasm_f32x4_add(wasm_v128_load(dst + 4),
                                                    wasm_f32x4_mul(kk, wasm_v128_load(row + 4))));
#else
            for (int x = 0; x < W; x++) dst[x] += kv * row[x];
#endif
          }
        }
      }
    }
    for (int i = 0; i < W * W; i++) out[co * W * W + i] = acc[i] > 0.0f ? acc[i] : 0.0f;
  }
}

// Zero-bordered copies of 8x8 planes.
static void pad(const float *in, int channels, float *out) {
  memset(out, 0, sizeof(float) * channels * PADDED * PADDED);
  for (int c = 0; c < channels; c++)
    for (int y = 0; y < W; y++)
      memcpy(out + c * PADDED * PADDED + (y + 1) * PADDED + 1, in + c * W * W + y * W, W * sizeof(float));
}

static float dot(const float *a, const float *b, int n) {
#ifdef __wasm_simd128__
  v128_t acc = wasm_f32x4_splat(0.0f);
  for (int i = 0; i < n; i += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  return wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) +
         wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3);
#else
  float s = 0.0f;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  return s;
#endif
}

void cnn_infer(const float *input, int batch, float *logits) {
  static float padded1[1 * PADDED * PADDED], act1[C1 * W * W], padded2[C1 * PADDED * PADDED];
  static float act2[C2 * W * W], flat[FLAT], hidden[HIDDEN];
  for (int n = 0; n < batch; n++) {
    pad(input + n * CNN_INPUT_SIZE, 1, padded1);
    conv3x3_relu(padded1, 1, conv1_w, conv1_b, C1, act1);
    pad(act1, C1, padded2);
    conv3x3_relu(padded2, C1, conv2_w, conv2_b, C2, act2);
    for (int c = 0; c < C2; c++)  // max-pool 2x2, stride 2: [32, 4, 4], flattened C, H, W
      for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++) {
          const float *p = act2 + c * W * W + 2 * y * W + 2 * x;
          float m = p[0];
          if (p[1] > m) m = p[1];
          if (p[W] > m) m = p[W];
          if (p[W + 1] > m) m = p[W + 1];
          flat[c * 16 + y * 4 + x] = m;
        }
    for (int h = 0; h < HIDDEN; h++) {
      float v = fc1_b[h] + dot(fc1_w + h * FLAT, flat, FLAT);
      hidden[h] = v > 0.0f ? v : 0.0f;
    }
    for (int o = 0; o < CNN_OUTPUT_SIZE; o++)
      logits[n * CNN_OUTPUT_SIZE + o] = fc2_b[o] + dot(fc2_w + o * HIDDEN, hidden, HIDDEN);
  }
}
