/* The benchmark kernel ABI (see bench.toml): every kernel defines these three functions.
 * bench_init(size) fills the inputs, bench_run(reps) recomputes the output from the same
 * inputs `reps` times, bench_check() summarises the last output. */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

#ifdef __wasm__
#define BENCH_EXPORT(name) __attribute__((export_name(#name)))
#else
#define BENCH_EXPORT(name)
#endif

BENCH_EXPORT(bench_init) void bench_init(int32_t size);
BENCH_EXPORT(bench_run) void bench_run(int32_t reps);
BENCH_EXPORT(bench_check) double bench_check(void);

/* Inputs come from this LCG (Numerical Recipes constants), never rand(), so every build and
 * every engine sees the same data. */
static inline uint32_t bench_lcg(uint32_t *state) {
  *state = *state * 1664525u + 1013904223u;
  return *state;
}

/* A float in [0, 1) from the top 24 bits: exact in f32, so conversions cannot differ. */
static inline float bench_lcg_unit(uint32_t *state) {
  return (float)(bench_lcg(state) >> 8) * (1.0f / 16777216.0f);
}

/* FNV-1a over 32-bit words: integer kernels report this (exact in a double). */
static inline uint32_t bench_fnv(uint32_t hash, uint32_t word) {
  for (int i = 0; i < 4; i++) {
    hash = (hash ^ ((word >> (8 * i)) & 0xffu)) * 16777619u;
  }
  return hash;
}
#define BENCH_FNV_INIT 2166136261u

/* Called at the start of every rep: the compiler must assume all memory changed, so it can
 * neither hoist a rep's work out of the loop nor merge reps. */
static inline void bench_barrier(void) { __asm__ __volatile__("" ::: "memory"); }

/* Folds one value of each rep's output somewhere observable that bench_check ignores. */
static inline void bench_sink(uint32_t value) {
  static volatile uint32_t sink;
  sink = sink ^ value;
}

/* The same for a float result, by its bits (a float-to-integer cast could overflow: UB). */
static inline void bench_sink_double(double value) {
  union {
    double d;
    uint64_t u;
  } bits = {value};
  bench_sink((uint32_t)(bits.u ^ (bits.u >> 32)));
}

/* A size outside a kernel's static buffers is a caller's bug: trap (unreachable in wasm). */
static inline void bench_require(int ok) {
  if (!ok) __builtin_trap();
}

/* Explicit 128-bit SIMD paths. They use clang/GCC vector extensions, not <wasm_simd128.h>, so
 * the wasm simd build (-msimd128) and the native x86-64 build (SSE2, always on) run the same
 * code: otherwise native would run the scalar loops (no -ffast-math, so no vectorised float
 * reductions) and be an unfair baseline. The wasm scalar build defines neither macro and keeps
 * the scalar loops. Relaxed-SIMD paths stay wasm-only (__wasm_relaxed_simd__, with
 * <wasm_simd128.h>; a cast converts to and from v128_t). */
#if defined(__wasm_simd128__) || defined(__SSE2__)
#define BENCH_SIMD 1

/* aligned(4): a vector may sit at any float boundary. */
typedef float bench_f32x4 __attribute__((vector_size(16), aligned(4)));

/* Unaligned loads and stores through memcpy (no aliasing questions); both builds compile them
 * to one instruction (v128.load/store, movups). */
static inline bench_f32x4 bench_load_f32x4(const float *p) {
  bench_f32x4 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

static inline void bench_store_f32x4(float *p, bench_f32x4 v) { __builtin_memcpy(p, &v, sizeof v); }

static inline bench_f32x4 bench_splat_f32x4(float s) { return (bench_f32x4){s, s, s, s}; }

#ifdef __wasm_relaxed_simd__
#include <wasm_simd128.h>
#endif

/* a * b + c: fused (one rounding) in the relaxed build, else a multiply then an add. Callers
 * pass the freshly loaded vector as a: Cranelift's x64 FMA overwrites that operand, so a
 * loop-invariant one there would cost a register copy per call. */
static inline bench_f32x4 bench_madd(bench_f32x4 a, bench_f32x4 b, bench_f32x4 c) {
#ifdef __wasm_relaxed_simd__
  return (bench_f32x4)wasm_f32x4_relaxed_madd((v128_t)a, (v128_t)b, (v128_t)c);
#else
  return a * b + c;
#endif
}
#endif

#endif
