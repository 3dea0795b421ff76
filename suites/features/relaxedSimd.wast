;; feature: relaxedSimd
;; wasmtime: relaxed_simd
;; v8-flag: --experimental-wasm-relaxed-simd
;;
;; Probe for Relaxed SIMD. The first module needs the relaxed instructions
;; (and fixed-width SIMD, which they extend); the rest checks results that are
;; fully determined where the proposal determines them, and lie in the allowed
;; set (`either`) where it leaves a choice to the implementation.

(module
  (func (export "swizzle") (param v128 v128) (result v128) (i8x16.relaxed_swizzle (local.get 0) (local.get 1)))
  (func (export "trunc_s") (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_s (local.get 0)))
  (func (export "trunc_u") (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_u (local.get 0)))
  (func (export "trunc_s_zero") (param v128) (result v128) (i32x4.relaxed_trunc_f64x2_s_zero (local.get 0)))
  (func (export "madd32") (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "nmadd64") (param v128 v128 v128) (result v128) (f64x2.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "laneselect") (param v128 v128 v128) (result v128) (i8x16.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "min32") (param v128 v128) (result v128) (f32x4.relaxed_min (local.get 0) (local.get 1)))
  (func (export "max64") (param v128 v128) (result v128) (f64x2.relaxed_max (local.get 0) (local.get 1)))
  (func (export "q15mulr") (param v128 v128) (result v128) (i16x8.relaxed_q15mulr_s (local.get 0) (local.get 1)))
  (func (export "dot") (param v128 v128) (result v128) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get 0) (local.get 1)))
  (func (export "dot_add") (param v128 v128 v128) (result v128)
    (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get 0) (local.get 1) (local.get 2)))
)

;; swizzle: in-range indices are exact; 16..127 give 0 or the index mod 16
(assert_return (invoke "swizzle" (v128.const i8x16 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25) (v128.const i8x16 15 14 0 1 2 3 4 5 6 7 8 9 10 11 12 13))
  (v128.const i8x16 25 24 10 11 12 13 14 15 16 17 18 19 20 21 22 23))
(assert_return (invoke "swizzle" (v128.const i8x16 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25) (v128.const i8x16 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31))
  (either (v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)
          (v128.const i8x16 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25)))
(assert_return (invoke "swizzle" (v128.const i8x16 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25) (v128.const i8x16 128 129 255 200 128 129 255 200 128 129 255 200 128 129 255 200))
  (v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0))

;; trunc: in range truncates toward zero (3e9 is in range for _u); NaN and out
;; of range give the saturated value or one of a few fixed ones (spec 3.0,
;; relaxed_trunc: signed INT32_MIN; unsigned 2^32-1, 2^32-2 or 2^31)
(assert_return (invoke "trunc_s" (v128.const f32x4 -1.9 1.9 -1000.5 0x1p+30)) (v128.const i32x4 -1 1 -1000 0x40000000))
(assert_return (invoke "trunc_s" (v128.const f32x4 nan nan nan nan))
  (either (v128.const i32x4 0 0 0 0) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)))
(assert_return (invoke "trunc_s" (v128.const f32x4 0x1p+31 0x1p+31 -0x1p+32 -0x1p+32))
  (either (v128.const i32x4 0x7fffffff 0x7fffffff 0x80000000 0x80000000) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)))
(assert_return (invoke "trunc_u" (v128.const f32x4 1.9 0x1p+31 3e9 0)) (v128.const i32x4 1 0x80000000 3000000000 0))
(assert_return (invoke "trunc_u" (v128.const f32x4 -1 -1 -1 -1))
  (either (v128.const i32x4 0 0 0 0) (v128.const i32x4 -1 -1 -1 -1)
          (v128.const i32x4 -2 -2 -2 -2) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)))
(assert_return (invoke "trunc_s_zero" (v128.const f64x2 -7.9 2147483647.5)) (v128.const i32x4 -7 2147483647 0 0))

;; madd: fused (0x1p-46) or unfused (0), nothing else
(assert_return (invoke "madd32" (v128.const f32x4 0x1.000002p+0 0x1.000002p+0 0x1.000002p+0 0x1.000002p+0)
                                (v128.const f32x4 0x1.000002p+0 0x1.000002p+0 0x1.000002p+0 0x1.000002p+0)
                                (v128.const f32x4 -0x1.000004p+0 -0x1.000004p+0 -0x1.000004p+0 -0x1.000004p+0))
  (either (v128.const f32x4 0x1p-46 0x1p-46 0x1p-46 0x1p-46) (v128.const f32x4 0 0 0 0)))
(assert_return (invoke "madd32" (v128.const f32x4 2 3 -1 0.5) (v128.const f32x4 4 5 6 8) (v128.const f32x4 1 -15 6 -4))
  (v128.const f32x4 9 0 0 0))
;; nmadd: -(a*b) + c, fused (-0x1p-104) or unfused (0)
(assert_return (invoke "nmadd64" (v128.const f64x2 0x1.0000000000001p+0 0x1.0000000000001p+0)
                                 (v128.const f64x2 0x1.0000000000001p+0 0x1.0000000000001p+0)
                                 (v128.const f64x2 0x1.0000000000002p+0 0x1.0000000000002p+0))
  (either (v128.const f64x2 -0x1p-104 -0x1p-104) (v128.const f64x2 0 0)))
(assert_return (invoke "nmadd64" (v128.const f64x2 2 -3) (v128.const f64x2 4 5) (v128.const f64x2 10 1)) (v128.const f64x2 2 16))

;; laneselect: an all-ones / all-zeros mask byte is exact; a top-bit-only mask is a choice
(assert_return (invoke "laneselect" (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
                                    (v128.const i8x16 -1 -2 -3 -4 -5 -6 -7 -8 -9 -10 -11 -12 -13 -14 -15 -16)
                                    (v128.const i8x16 -1 0 -1 0 -1 0 -1 0 0 0 0 0 -1 -1 -1 -1))
  (v128.const i8x16 1 -2 3 -4 5 -6 7 -8 -9 -10 -11 -12 13 14 15 16))
(assert_return (invoke "laneselect" (v128.const i8x16 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f)
                                    (v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)
                                    (v128.const i8x16 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80))
  (either (v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)
          (v128.const i8x16 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f)))

;; min / max: ordinary lanes are exact; -0 vs +0 may give either operand
(assert_return (invoke "min32" (v128.const f32x4 1 -2 inf 5) (v128.const f32x4 2 -3 -inf 5)) (v128.const f32x4 1 -3 -inf 5))
(assert_return (invoke "min32" (v128.const f32x4 -0 -0 -0 -0) (v128.const f32x4 0 0 0 0))
  (either (v128.const f32x4 -0 -0 -0 -0) (v128.const f32x4 0 0 0 0)))
(assert_return (invoke "max64" (v128.const f64x2 1 -1e300) (v128.const f64x2 -1 -1e299)) (v128.const f64x2 1 -1e299))

;; q15mulr: exact except -32768 * -32768, which is 32767 or -32768
(assert_return (invoke "q15mulr" (v128.const i16x8 16384 16384 -16384 32767 100 0 1 -1) (v128.const i16x8 16384 -16384 -16384 32767 200 5 16384 16384))
  (v128.const i16x8 8192 -8192 8192 32766 1 0 1 0))
(assert_return (invoke "q15mulr" (v128.const i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768) (v128.const i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768))
  (either (v128.const i16x8 32767 32767 32767 32767 32767 32767 32767 32767) (v128.const i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768)))

;; dot products with 7-bit second operands are exact
(assert_return (invoke "dot" (v128.const i8x16 1 2 -3 4 -128 -128 127 127 0 0 5 6 -1 -1 10 -10)
                             (v128.const i8x16 10 20 30 40 127 127 127 127 9 9 1 1 100 27 3 3))
  (v128.const i16x8 50 70 -32512 32258 0 11 -127 0))
(assert_return (invoke "dot_add" (v128.const i8x16 1 2 3 4 -1 -2 -3 -4 -128 -128 -128 -128 0 0 0 1)
                                 (v128.const i8x16 1 1 1 1 2 2 2 2 127 127 127 127 0 0 0 127)
                                 (v128.const i32x4 100 0 1 -127))
  (v128.const i32x4 110 -20 -65023 0))
