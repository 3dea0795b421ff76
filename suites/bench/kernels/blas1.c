/* BLAS level 1 in f32: axpy (out = alpha * x + prev) then dot (x . out), as in an iterative
 * solver's inner loop. size = elements per rep: vectors of min(size, 1M) elements swept
 * size / 1M times, each sweep with its own alpha, so long sizes need no huge buffers.
 * The dot sums blocks of 1024 products in f32 and the blocks in double: the 4-lane builds
 * (native and wasm simd) and the wasm scalar build, which sum in different f32 orders, then
 * agree within ~1e-6. */
#include "bench.h"
#ifdef __wasm_relaxed_simd__
#include <wasm_simd128.h>
#endif

#define MAX_LEN (1 << 20)
#define BLOCK 1024

static float x[MAX_LEN], y[MAX_LEN], out[MAX_LEN];
static int len, sweeps;
static double dot_total;

BENCH_EXPORT(bench_init) void bench_init(int32_t size) {
  bench_require(size >= 1 && (size <= MAX_LEN || size % MAX_LEN == 0));
  len = size < MAX_LEN ? size : MAX_LEN;
  sweeps = size / len;
  uint32_t state = 3;
  for (int i = 0; i < len; i++) {
    x[i] = bench_lcg_unit(&state);
    y[i] = bench_lcg_unit(&state);
  }
}

/* prev may be dst itself (every sweep after the first): element i is read before it is written. */
static void axpy(float alpha, const float *prev, float *dst) {
  int i = 0;
#ifdef BENCH_SIMD
  bench_f32x4 va = bench_splat_f32x4(alpha);
  for (; i + 4 <= len; i += 4) {
    bench_f32x4 vx = bench_load_f32x4(x + i), vp = bench_load_f32x4(prev + i);
#ifdef __wasm_relaxed_simd__
    bench_store_f32x4(dst + i,
                      (bench_f32x4)wasm_f32x4_relaxed_madd((v128_t)va, (v128_t)vx, (v128_t)vp));
#else
    bench_store_f32x4(dst + i, va * vx + vp);
#endif
  }
#endif
  for (; i < len; i++) dst[i] = alpha * x[i] + prev[i];
}

static float dot_block(int from, int to) {
  int i = from;
  float acc = 0.0f;
#ifdef BENCH_SIMD
  bench_f32x4 vacc = bench_splat_f32x4(0.0f);
  for (; i + 4 <= to; i += 4) {
    bench_f32x4 vx = bench_load_f32x4(x + i), vo = bench_load_f32x4(out + i);
#ifdef __wasm_relaxed_simd__
    vacc = (bench_f32x4)wasm_f32x4_relaxed_madd((v128_t)vx, (v128_t)vo, (v128_t)vacc);
#else
    vacc = vacc + vx * vo;
#endif
  }
  acc = (vacc[0] + vacc[1]) + (vacc[2] + vacc[3]);
#endif
  for (; i < to; i++) acc += x[i] * out[i];
  return acc;
}

BENCH_EXPORT(bench_run) void bench_run(int32_t reps) {
  for (int32_t r = 0; r < reps; r++) {
    bench_barrier();
    double total = 0.0;
    const float *prev = y;
    for (int s = 0; s < sweeps; s++) {
      axpy(1.0f / (float)(s + 2), prev, out);
      prev = out;
      for (int from = 0; from < len; from += BLOCK) {
        total += (double)dot_block(from, from + BLOCK < len ? from + BLOCK : len);
      }
    }
    dot_total = total;
    bench_sink_double(total);
  }
}

BENCH_EXPORT(bench_check) double bench_check(void) {
  double sum = dot_total;
  for (int i = 0; i < len; i++) sum += (double)out[i] * (double)(1 + i % 7);
  return sum;
}
