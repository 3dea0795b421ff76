/* Complex radix-2 FFT in f32 of size = N points (a power of two), split re/im arrays. Above
 * the 1M-point cap, size is a batch of size/1M transforms of 1M points, each of the input
 * rotated by a different amount (the same work as one size-point FFT, nearly, without its memory).
 * Twiddles come from a Taylor series in double (IEEE operations only, no libm), so every
 * build uses bit-identical twiddles; butterflies are element-wise, so the SIMD build computes
 * the same values as the scalar one. */
#include "bench.h"

#define MAX_N (1 << 20)
#define PI 3.14159265358979323846

static float in_re[MAX_N], in_im[MAX_N], re[MAX_N], im[MAX_N];
/* Stage with half-size h keeps its h twiddles contiguous at offset h - 1. */
static float tw_re[MAX_N], tw_im[MAX_N];
static uint32_t bitrev[MAX_N];
static int n, batch;

/* cos and sin of t in [0, pi] by their Taylor series (30 terms reach double precision). */
static void taylor_sincos(double t, double *c, double *s) {
  double cos_term = 1.0, sin_term = t, cos_sum = 1.0, sin_sum = t, t2 = t * t;
  for (int k = 1; k < 30; k++) {
    cos_term *= -t2 / (double)((2 * k - 1) * (2 * k));
    sin_term *= -t2 / (double)((2 * k) * (2 * k + 1));
    cos_sum += cos_term;
    sin_sum += sin_term;
  }
  *c = cos_sum;
  *s = sin_sum;
}

BENCH_EXPORT(bench_init) void bench_init(int32_t size) {
  bench_require(size >= 2 && (size & (size - 1)) == 0);
  n = size < MAX_N ? size : MAX_N;
  batch = size / n;
  int bits = 0;
  while ((1 << bits) < n) bits++;
  for (int i = 0; i < n; i++) {
    uint32_t r = 0;
    for (int b = 0; b < bits; b++) r |= (uint32_t)((i >> b) & 1) << (bits - 1 - b);
    bitrev[i] = r;
  }
  for (int h = 1; h < n; h *= 2) {
    for (int j = 0; j < h; j++) {
      double c, s;
      taylor_sincos(PI * (double)j / (double)h, &c, &s);
      tw_re[h - 1 + j] = (float)c;
      tw_im[h - 1 + j] = (float)-s;
    }
  }
  uint32_t state = 4;
  for (int i = 0; i < n; i++) {
    in_re[i] = bench_lcg_unit(&state) - 0.5f;
    in_im[i] = bench_lcg_unit(&state) - 0.5f;
  }
}

/* The h butterflies of the group starting at base. */
static void butterflies(int base, int h) {
  const float *wr = tw_re + h - 1, *wi = tw_im + h - 1;
  float *ar = re + base, *ai = im + base, *br = re + base + h, *bi = im + base + h;
  for (int j = 0; j < h; j++) {
    float tr = wr[j] * br[j] - wi[j] * bi[j];
    float ti = wr[j] * bi[j] + wi[j] * br[j];
    br[j] = ar[j] - tr;
    bi[j] = ai[j] - ti;
    ar[j] = ar[j] + tr;
    ai[j] = ai[j] + ti;
  }
}

#ifdef BENCH_SIMD
static void butterflies_simd(int base, int h) {
  const float *wr = tw_re + h - 1, *wi = tw_im + h - 1;
  float *ar = re + base, *ai = im + base, *br = re + base + h, *bi = im + base + h;
  for (int j = 0; j < h; j += 4) {
    bench_f32x4 vwr = bench_load_f32x4(wr + j), vwi = bench_load_f32x4(wi + j);
    bench_f32x4 vbr = bench_load_f32x4(br + j), vbi = bench_load_f32x4(bi + j);
    bench_f32x4 var = bench_load_f32x4(ar + j), vai = bench_load_f32x4(ai + j);
    bench_f32x4 tr = vwr * vbr - vwi * vbi;
    bench_f32x4 ti = vwr * vbi + vwi * vbr;
    bench_store_f32x4(br + j, var - tr);
    bench_store_f32x4(bi + j, vai - ti);
    bench_store_f32x4(ar + j, var + tr);
    bench_store_f32x4(ai + j, vai + ti);
  }
}
#endif

static void transform(void) {
  for (int h = 1; h < n; h *= 2) {
    for (int base = 0; base < n; base += 2 * h) {
#ifdef BENCH_SIMD
      if (h >= 4) {
        butterflies_simd(base, h);
        continue;
      }
#endif
      butterflies(base, h);
    }
  }
}

BENCH_EXPORT(bench_run) void bench_run(int32_t reps) {
  for (int32_t r = 0; r < reps; r++) {
    bench_barrier();
    for (int t = 0; t < batch; t++) {
      uint32_t shift = (uint32_t)t * 7919u;
      for (int i = 0; i < n; i++) {
        uint32_t from = (bitrev[i] + shift) & (uint32_t)(n - 1);
        re[i] = in_re[from];
        im[i] = in_im[from];
      }
      transform();
      bench_sink_double(re[1]);
    }
  }
}

/* Absolute values, so the weighted sum cannot cancel and a relative tolerance means something. */
BENCH_EXPORT(bench_check) double bench_check(void) {
  double sum = 0.0;
  for (int i = 0; i < n; i++) {
    double r = re[i], m = im[i];
    sum += ((r < 0 ? -r : r) + (m < 0 ? -m : m)) * (double)(1 + i % 7);
  }
  return sum;
}
