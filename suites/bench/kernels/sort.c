/* Sort size u32 keys: quicksort (median of three, insertion sort below 24 keys), recursing
 * into the smaller side so the stack stays O(log n) on wasm's small default stack. */
#include <string.h>

#include "bench.h"

#define MAX_N (1 << 21)

static uint32_t keys[MAX_N], work[MAX_N];
static int n;

BENCH_EXPORT(bench_init) void bench_init(int32_t size) {
  bench_require(size >= 1 && size <= MAX_N);
  n = size;
  uint32_t state = 5;
  for (int i = 0; i < n; i++) keys[i] = bench_lcg(&state) ^ (bench_lcg(&state) >> 16);
}

static void insertion_sort(uint32_t *v, int count) {
  for (int i = 1; i < count; i++) {
    uint32_t key = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > key) {
      v[j + 1] = v[j];
      j--;
    }
    v[j + 1] = key;
  }
}

static void swap(uint32_t *a, uint32_t *b) {
  uint32_t t = *a;
  *a = *b;
  *b = t;
}

static void quicksort(uint32_t *v, int count) {
  while (count > 24) {
    int mid = count / 2, last = count - 1;
    if (v[mid] < v[0]) swap(&v[mid], &v[0]);
    if (v[last] < v[0]) swap(&v[last], &v[0]);
    if (v[last] < v[mid]) swap(&v[last], &v[mid]);
    uint32_t pivot = v[mid];
    int i = 0, j = last;
    for (;;) { /* Hoare partition: v[0] <= pivot <= v[last] act as sentinels. */
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i >= j) break;
      swap(&v[i], &v[j]);
      i++;
      j--;
    }
    int left = j + 1;
    if (left < count - left) {
      quicksort(v, left);
      v += left;
      count -= left;
    } else {
      quicksort(v + left, count - left);
      count = left;
    }
  }
  insertion_sort(v, count);
}

BENCH_EXPORT(bench_run) void bench_run(int32_t reps) {
  for (int32_t r = 0; r < reps; r++) {
    bench_barrier();
    memcpy(work, keys, (size_t)n * sizeof *work);
    quicksort(work, n);
    bench_sink(work[n / 2]);
  }
}

BENCH_EXPORT(bench_check) double bench_check(void) {
  uint32_t hash = BENCH_FNV_INIT;
  for (int i = 0; i < n; i++) hash = bench_fnv(hash, work[i]);
  return (double)hash;
}
