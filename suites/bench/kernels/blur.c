/* Separable Gaussian blur of a size x size 8-bit image: the 5-tap binomial [1 4 6 4 1]
 * across rows into 16-bit sums, then down columns with rounding, edges clamped. Above the 2048
 * cap, size must be a multiple of it: the 2048 x 2048 image is then blurred (size/2048)^2 times
 * over (an iterated blur, the same pixel work as a size x size image, without its memory).
 * Integer arithmetic, so every build gives the same image; the interior loops auto-vectorize. */
#include "bench.h"

#define MAX_SIDE 2048

static uint8_t image[MAX_SIDE * MAX_SIDE], out[MAX_SIDE * MAX_SIDE];
static uint16_t rows[MAX_SIDE * MAX_SIDE];
static int side, passes;

BENCH_EXPORT(bench_init) void bench_init(int32_t size) {
  bench_require(size >= 5 && (size <= MAX_SIDE || size % MAX_SIDE == 0));
  side = size < MAX_SIDE ? size : MAX_SIDE;
  passes = (size / side) * (size / side);
  uint32_t state = 7;
  for (int i = 0; i < side * side; i++) image[i] = (uint8_t)(bench_lcg(&state) >> 24);
}

static int clamp(int v) { return v < 0 ? 0 : v >= side ? side - 1 : v; }

static void blur_rows(const uint8_t *src, uint16_t *dst) {
  for (int y = 0; y < side; y++) {
    const uint8_t *s = src + y * side;
    uint16_t *d = dst + y * side;
    for (int x = 0; x < 2; x++) {
      d[x] = (uint16_t)(s[clamp(x - 2)] + 4 * s[clamp(x - 1)] + 6 * s[x] + 4 * s[x + 1] + s[x + 2]);
    }
    for (int x = 2; x < side - 2; x++) {
      d[x] = (uint16_t)(s[x - 2] + 4 * s[x - 1] + 6 * s[x] + 4 * s[x + 1] + s[x + 2]);
    }
    for (int x = side - 2; x < side; x++) {
      d[x] = (uint16_t)(s[x - 2] + 4 * s[x - 1] + 6 * s[x] + 4 * s[clamp(x + 1)] + s[clamp(x + 2)]);
    }
  }
}

static void blur_columns(const uint16_t *src, uint8_t *dst) {
  for (int y = 0; y < side; y++) {
    const uint16_t *r0 = src + clamp(y - 2) * side, *r1 = src + clamp(y - 1) * side;
    const uint16_t *r2 = src + y * side, *r3 = src + clamp(y + 1) * side, *r4 = src + clamp(y + 2) * side;
    uint8_t *d = dst + y * side;
    for (int x = 0; x < side; x++) {
      d[x] = (uint8_t)((r0[x] + 4 * r1[x] + 6 * r2[x] + 4 * r3[x] + r4[x] + 128) >> 8);
    }
  }
}

BENCH_EXPORT(bench_run) void bench_run(int32_t reps) {
  for (int32_t r = 0; r < reps; r++) {
    bench_barrier();
    for (int p = 0; p < passes; p++) {
      blur_rows(p == 0 ? image : out, rows);
      blur_columns(rows, out);
    }
    bench_sink(out[side * side / 2]);
  }
}

BENCH_EXPORT(bench_check) double bench_check(void) {
  uint32_t hash = BENCH_FNV_INIT;
  for (int i = 0; i < side * side; i++) hash = (hash ^ out[i]) * 16777619u;
  return (double)hash;
}
