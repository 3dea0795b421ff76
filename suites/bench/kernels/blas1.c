/* BLAS level 1 in f32: axpy (out = alpha * x + prev) then dot (x . out), as in an iterative
 * solver's inner loop. size = elements per rep: vectors of min(size, 1M) elements swept
 * size / 1M times, each sweep with its own alpha, so long sizes need no huge buffers.
 * The dot sums blocks of 1024 products in f32 and the blocks in double: the SIMD builds
 * (native, wasm simd and relaxed: 16 partial sums) and the wasm scalar build, which sum in
 * different f32 orders, then agree within ~1e-6. */
#include "bench.h"

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
    bench_store_f32x4(dst + i, bench_madd(bench_load_f32x4(x + i), va, bench_load_f32x4(prev + i)));
  }
#endif
  for (; i < len; i++) dst[i] = alpha * x[i] + prev[i];
}

static float dot_block(int from, int to) {
  int i = from;
  float acc = 0.0f;
#ifdef BENCH_SIMD
  /* Four independent accumulators: with one, the loop would wait on the add (or the longer
   * fused multiply-add) of the previous 4 elements. */
  bench_f32x4 a0 = bench_splat_f32x4(0.0f), a1 = a0, a2 = a0, a3 = a0;
  for (; i + 16 <= to; i += 16) {
    a0 = bench_madd(bench_load_f32x4(x + i), bench_load_f32x4(out + i), a0);
    a1 = bench_madd(bench_load_f32x4(x + i + 4), bench_load_f32x4(out + i + 4), a1);
    a2 = bench_madd(bench_load_f32x4(x + i + 8), bench_load_f32x4(out + i + 8), a2);
    a3 = bench_madd(bench_load_f32x4(x + i + 12), bench_load_f32x4(out + i + 12), a3);
  }
  for (; i + 4 <= to; i += 4) a0 = bench_madd(bench_load_f32x4(x + i), bench_load_f32x4(out + i), a0);
  bench_f32x4 vacc = (a0 + a1) + (a2 + a3);
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
