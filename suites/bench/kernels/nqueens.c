/* Count the solutions of the size-queens problem: a branchy recursive search over bitmasks. */
#include "bench.h"

static int board;
static uint32_t solutions;

BENCH_EXPORT(bench_init) void bench_init(int32_t size) {
  bench_require(size >= 1 && size <= 20);
  board = size;
}

/* Columns and both diagonals under attack as masks; returns the solutions below this row. */
static uint32_t place(uint32_t cols, uint32_t left, uint32_t right, uint32_t full) {
  if (cols == full) return 1;
  uint32_t count = 0;
  for (uint32_t free = full & ~(cols | left | right); free; free &= free - 1) {
    uint32_t bit = free & -free;
    count += place(cols | bit, ((left | bit) << 1) & full, (right | bit) >> 1, full);
  }
  return count;
}

BENCH_EXPORT(bench_run) void bench_run(int32_t reps) {
  for (int32_t r = 0; r < reps; r++) {
    bench_barrier(); /* board is reloaded after it, so the search cannot be hoisted */
    solutions = place(0, 0, 0, (1u << board) - 1);
    bench_sink(solutions);
  }
}

BENCH_EXPORT(bench_check) double bench_check(void) { return (double)solutions; }
