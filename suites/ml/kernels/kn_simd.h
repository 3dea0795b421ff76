/* The vector type the kernels are written in, for each build of kernels.c.
 *
 *   wasm scalar    (no -msimd128)                 vf = float, VW = 1
 *   wasm simd      (-msimd128)                    vf = v128_t (f32x4), <wasm_simd128.h>
 *   wasm relaxed   (-msimd128 -mrelaxed-simd)     the same, with relaxed madd and max
 *   native scalar  (-fno-vectorize -fno-slp-vectorize)   vf = float
 *   native simd    (-DKN_NATIVE_SIMD)             vf = __m128 (SSE, x86-64's baseline)
 *   native relaxed (-DKN_NATIVE_SIMD -mfma)       the same, madd = FMA (what relaxed madd
 *                                                 becomes on this CPU)
 *
 * So every build runs one source, and "native" is the same 128-bit algorithm compiled for
 * the CPU rather than a different program. */
#ifndef KN_SIMD_H
#define KN_SIMD_H

#define KN_INLINE static inline __attribute__((always_inline))

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
typedef v128_t vf;
#define VW 4
KN_INLINE vf vf_load(const float *p) { return wasm_v128_load(p); }
KN_INLINE void vf_store(float *p, vf v) { wasm_v128_store(p, v); }
KN_INLINE vf vf_splat(float s) { return wasm_f32x4_splat(s); }
KN_INLINE vf vf_zero(void) { return wasm_f32x4_const_splat(0.0f); }
#ifdef __wasm_relaxed_simd__
#define KN_VARIANT 2
/* a * b + c, fused or not as the engine's CPU likes: one rounding with FMA. */
KN_INLINE vf vf_madd(vf a, vf b, vf c) { return wasm_f32x4_relaxed_madd(a, b, c); }
KN_INLINE vf vf_max(vf a, vf b) { return wasm_f32x4_relaxed_max(a, b); }
#else
#define KN_VARIANT 1
KN_INLINE vf vf_madd(vf a, vf b, vf c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
/* pmax (a < b ? b : a) is one maxps on x86; f32x4.max's NaN rules cost several instructions. */
KN_INLINE vf vf_max(vf a, vf b) { return wasm_f32x4_pmax(a, b); }
#endif

#elif defined(KN_NATIVE_SIMD)
#include <immintrin.h>
typedef __m128 vf;
#define VW 4
KN_INLINE vf vf_load(const float *p) { return _mm_loadu_ps(p); }
KN_INLINE void vf_store(float *p, vf v) { _mm_storeu_ps(p, v); }
KN_INLINE vf vf_splat(float s) { return _mm_set1_ps(s); }
KN_INLINE vf vf_zero(void) { return _mm_setzero_ps(); }
#ifdef __FMA__
#define KN_VARIANT 2
KN_INLINE vf vf_madd(vf a, vf b, vf c) { return _mm_fmadd_ps(a, b, c); }
#else
#define KN_VARIANT 1
KN_INLINE vf vf_madd(vf a, vf b, vf c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
#endif
KN_INLINE vf vf_max(vf a, vf b) { return _mm_max_ps(a, b); }

#else
typedef float vf;
#define VW 1
#define KN_VARIANT 0
KN_INLINE vf vf_load(const float *p) { return *p; }
KN_INLINE void vf_store(float *p, vf v) { *p = v; }
KN_INLINE vf vf_splat(float s) { return s; }
KN_INLINE vf vf_zero(void) { return 0.0f; }
KN_INLINE vf vf_madd(vf a, vf b, vf c) { return a * b + c; }
KN_INLINE vf vf_max(vf a, vf b) { return a < b ? b : a; }
#endif

#endif
