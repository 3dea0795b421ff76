/* f32 2D convolution of a size x size image with a 5x5 filter ("valid" output, (size-4)^2
 * pixels). Above the 1024 cap, size must be a multiple of it: the 1024 x 1024 image then goes
 * through a bank of (size/1024)^2 filters whose responses are summed (the same pixel work as a
 * size x size image, without its memory). The SIMD builds (native, wasm simd and relaxed) sum
 * each output pixel's products filter row by filter row, the wasm scalar build in one chain, so
 * they agree within ~1e-9; the relaxed build (fused multiply-add) differs as little. */
#include "bench.h"

#define MAX_SIDE 1024
#define MAX_FILTERS 256
#define K 5

static float image[MAX_SIDE * MAX_SIDE], out[MAX_SIDE * MAX_SIDE];
static float bank[MAX_FILTERS * K * K];
static int side, out_side, filters;

BENCH_EXPORT(bench_init) void bench_init(int32_t size) {
  bench_require(size >= K && (size <= MAX_SIDE || size % MAX_SIDE == 0));
  side = size < MAX_SIDE ? size : MAX_SIDE;
  filters = (size / side) * (size / side);
  bench_require(filters <= MAX_FILTERS);
  out_side = side - K + 1;
  uint32_t state = 2;
  for (int i = 0; i < side * side; i++) image[i] = bench_lcg_unit(&state);
  for (int i = 0; i < filters * K * K; i++) bank[i] = bench_lcg_unit(&state) * (2.0f / (K * K));
}

/* Row y of the response to `filter`, added to the output unless this is the first filter. */
static void convolve_row(int y, const float *filter, int first) {
  const float *in = image + y * side;
  float *dst = out + y * out_side;
  int x = 0;
#ifdef BENCH_SIMD
  /* One pass over the row per filter row, adding that row's 5 products to the output: every
   * 4 pixels are a chain of only 5 multiply-adds, independent of the other pixels' (one
   * accumulator for all 25 products would make the loop wait on a 25-long chain of adds, or
   * of longer fused multiply-adds), and the 5 weights stay in registers. */
  for (int dy = 0; dy < K; dy++) {
    const float *row = in + dy * side, *w = filter + dy * K;
    bench_f32x4 w0 = bench_splat_f32x4(w[0]), w1 = bench_splat_f32x4(w[1]);
    bench_f32x4 w2 = bench_splat_f32x4(w[2]), w3 = bench_splat_f32x4(w[3]);
    bench_f32x4 w4 = bench_splat_f32x4(w[4]);
    int fresh = first && dy == 0;
    for (x = 0; x + 4 <= out_side; x += 4) {
      bench_f32x4 acc = bench_load_f32x4(row + x) * w0;
      acc = bench_madd(bench_load_f32x4(row + x + 1), w1, acc);
      acc = bench_madd(bench_load_f32x4(row + x + 2), w2, acc);
      acc = bench_madd(bench_load_f32x4(row + x + 3), w3, acc);
      acc = bench_madd(bench_load_f32x4(row + x + 4), w4, acc);
      bench_store_f32x4(dst + x, fresh ? acc : bench_load_f32x4(dst + x) + acc);
    }
  }
#endif
  for (; x < out_side; x++) {
    float acc = 0.0f;
    for (int dy = 0; dy < K; dy++) {
      for (int dx = 0; dx < K; dx++) acc += filter[dy * K + dx] * in[dy * side + x + dx];
    }
    dst[x] = first ? acc : dst[x] + acc;
  }
}

BENCH_EXPORT(bench_run) void bench_run(int32_t reps) {
  for (int32_t r = 0; r < reps; r++) {
    bench_barrier();
    for (int f = 0; f < filters; f++) {
      for (int y = 0; y < out_side; y++) convolve_row(y, bank + f * K * K, f == 0);
    }
    bench_sink_double(out[out_side * out_side - 1]);
  }
}

BENCH_EXPORT(bench_check) double bench_check(void) {
  double sum = 0.0;
  for (int i = 0; i < out_side * out_side; i++) sum += (double)out[i] * (double)(1 + i % 7);
  return sum;
}
