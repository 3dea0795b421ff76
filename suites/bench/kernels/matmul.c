/* f32 matrix multiply C = A * B, N x N (size = N), row-major, i-k-j order: every C element
 * sums its products in the same k order in the scalar, SIMD and native builds, so only the
 * relaxed build (fused multiply-add) differs. */
#include <string.h>

#include "bench.h"

#define MAX_N 1152

static float a[MAX_N * MAX_N], b[MAX_N * MAX_N], c[MAX_N * MAX_N];
static int n;

BENCH_EXPORT(bench_init) void bench_init(int32_t size) {
  bench_require(size >= 1 && size <= MAX_N);
  n = size;
  uint32_t state = 1;
  for (int i = 0; i < n * n; i++) {
    a[i] = bench_lcg_unit(&state);
    b[i] = bench_lcg_unit(&state);
  }
}

/* row += s * brow over n elements. */
static void row_update(float *restrict row, float s, const float *restrict brow) {
  int j = 0;
#ifdef BENCH_SIMD
  bench_f32x4 vs = bench_splat_f32x4(s);
  for (; j + 4 <= n; j += 4) {
    bench_f32x4 acc = bench_load_f32x4(row + j), vb = bench_load_f32x4(brow + j);
    bench_store_f32x4(row + j, bench_madd(vs, vb, acc));
  }
#endif
  for (; j < n; j++) row[j] += s * brow[j];
}

BENCH_EXPORT(bench_run) void bench_run(int32_t reps) {
  for (int32_t r = 0; r < reps; r++) {
    bench_barrier();
    for (int i = 0; i < n; i++) {
      float *row = c + i * n;
      memset(row, 0, (size_t)n * sizeof *row);
      for (int k = 0; k < n; k++) row_update(row, a[i * n + k], b + k * n);
    }
    bench_sink_double(c[n * n - 1]);
  }
}

BENCH_EXPORT(bench_check) double bench_check(void) {
  double sum = 0.0;
  for (int i = 0; i < n * n; i++) sum += (double)c[i] * (double)(1 + i % 7);
  return sum;
}
