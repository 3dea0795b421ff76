;; features: simd
;; simd.wast: v128 arguments, results and globals in every lane shape; NaN and
;; -0 lanes, negative lanes, per-lane nan:canonical / nan:arithmetic, either
;; over v128. A v128 result is compared by the lane shape of the expectation,
;; whatever shape produced it.

(module
  (func (export "id") (param v128) (result v128) (local.get 0))
  (func (export "i8x16.add") (param v128 v128) (result v128) (i8x16.add (local.get 0) (local.get 1)))
  (func (export "i8x16.neg") (param v128) (result v128) (i8x16.neg (local.get 0)))
  (func (export "i16x8.mul") (param v128 v128) (result v128) (i16x8.mul (local.get 0) (local.get 1)))
  (func (export "i32x4.sub") (param v128 v128) (result v128) (i32x4.sub (local.get 0) (local.get 1)))
  (func (export "i64x2.neg") (param v128) (result v128) (i64x2.neg (local.get 0)))
  (func (export "f32x4.neg") (param v128) (result v128) (f32x4.neg (local.get 0)))
  (func (export "f32x4.div") (param v128 v128) (result v128) (f32x4.div (local.get 0) (local.get 1)))
  (func (export "f64x2.add") (param v128 v128) (result v128) (f64x2.add (local.get 0) (local.get 1)))
  (func (export "f64x2.abs") (param v128) (result v128) (f64x2.abs (local.get 0)))
  (func (export "i32x4.splat") (param i32) (result v128) (i32x4.splat (local.get 0)))
  (func (export "f64x2.splat") (param f64) (result v128) (f64x2.splat (local.get 0)))
  (func (export "i64x2.extract_lane1") (param v128) (result i64) (i64x2.extract_lane 1 (local.get 0)))
  (func (export "f32x4.extract_lane3") (param v128) (result f32) (f32x4.extract_lane 3 (local.get 0)))
  (func (export "i8x16.all_true") (param v128) (result i32) (i8x16.all_true (local.get 0)))
  (func (export "mixed") (param i32 v128 f64) (result v128 i32 f64)
    (local.get 1) (local.get 0) (local.get 2))
  (func (export "nan-lanes") (result v128)
    (v128.const f32x4 nan:0x200001 -nan -0 0x1p-149))
  (func (export "f64-nan-lanes") (result v128)
    (v128.const f64x2 -nan:0x4000000000001 -0))
  (global (export "g.v128") v128 (v128.const i16x8 -1 0 1 -32768 32767 0x1234 -2 65535))
  (global (export "g.v128.mut") (mut v128) (v128.const f64x2 -inf nan:0x8000000000001))
)

;; Each lane shape, with signed, unsigned and hex spellings of the same bits.
(assert_return (invoke "id" (v128.const i8x16 0 1 -1 127 -128 255 0x7f 0x80 2 3 4 5 6 7 8 -9))
               (v128.const i8x16 0 1 255 0x7f 0x80 -1 127 -128 2 3 4 5 6 7 8 0xf7))
(assert_return (invoke "id" (v128.const i16x8 -1 -32768 32767 0 0xffff 0x8000 1 -2))
               (v128.const i16x8 65535 32768 0x7fff 0 -1 -32768 1 0xfffe))
(assert_return (invoke "id" (v128.const i32x4 -1 0x80000000 2147483647 -42))
               (v128.const i32x4 0xffffffff -2147483648 0x7fffffff 4294967254))
(assert_return (invoke "id" (v128.const i64x2 -1 0x8000000000000000))
               (v128.const i64x2 0xffffffffffffffff -9223372036854775808))
(assert_return (invoke "id" (v128.const f32x4 -0 0x1p-149 inf -inf))
               (v128.const f32x4 -0x0p+0 1.40129846e-45 inf -inf))
(assert_return (invoke "id" (v128.const f64x2 -0 0x0.0000000000001p-1022))
               (v128.const f64x2 -0.0 4.9406564584124654e-324))
;; Cross-shape: the expectation's shape need not be the producer's.
(assert_return (invoke "id" (v128.const i64x2 0x0706050403020100 0x0f0e0d0c0b0a0908))
               (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))
(assert_return (invoke "id" (v128.const f32x4 -0 -0 1 1))
               (v128.const i32x4 0x80000000 0x80000000 0x3f800000 0x3f800000))
(assert_return (invoke "id" (v128.const i16x8 0 0 0 0x8000 0 0x8000 0xffff 0x7fff))
               (v128.const f64x2 -0 nan:0xfffff80000000))

;; Lane arithmetic with negative and wrapping lanes.
(assert_return (invoke "i8x16.add" (v128.const i8x16 127 -128 -1 0 1 2 3 4 5 6 7 8 9 10 11 12)
                                   (v128.const i8x16 1 -1 -1 0 1 1 1 1 1 1 1 1 1 1 1 -12))
               (v128.const i8x16 -128 127 -2 0 2 3 4 5 6 7 8 9 10 11 12 0))
(assert_return (invoke "i8x16.neg" (v128.const i8x16 -128 -1 0 1 2 3 4 5 6 7 8 9 10 11 12 127))
               (v128.const i8x16 -128 1 0 -1 -2 -3 -4 -5 -6 -7 -8 -9 -10 -11 -12 -127))
(assert_return (invoke "i16x8.mul" (v128.const i16x8 -1 256 -32768 3 0 0 0 7)
                                   (v128.const i16x8 -1 256 -1 -3 0 0 0 -7))
               (v128.const i16x8 1 0 -32768 -9 0 0 0 -49))
(assert_return (invoke "i32x4.sub" (v128.const i32x4 0 -2147483648 5 -5)
                                   (v128.const i32x4 1 1 10 -10))
               (v128.const i32x4 -1 2147483647 -5 5))
(assert_return (invoke "i64x2.neg" (v128.const i64x2 1 -9223372036854775808))
               (v128.const i64x2 -1 0x8000000000000000))
(assert_return (invoke "i32x4.splat" (i32.const -7)) (v128.const i32x4 -7 -7 -7 -7))
(assert_return (invoke "i64x2.extract_lane1" (v128.const i64x2 1 -2)) (i64.const -2))
(assert_return (invoke "i8x16.all_true" (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 0)) (i32.const 0))
(assert_return (invoke "mixed" (i32.const -1) (v128.const i32x4 1 2 3 4) (f64.const -0))
               (v128.const i32x4 1 2 3 4) (i32.const -1) (f64.const -0))

;; NaN and -0 lanes, bit-exact.
(assert_return (invoke "nan-lanes") (v128.const f32x4 nan:0x200001 -nan -0 0x1p-149))
(assert_return (invoke "nan-lanes") (v128.const i32x4 0x7fa00001 0xffc00000 0x80000000 1))
(assert_return (invoke "f64-nan-lanes") (v128.const f64x2 -nan:0x4000000000001 -0))
(assert_return (invoke "id" (v128.const f32x4 nan:0x1 -nan:0x7fffff nan -nan))
               (v128.const f32x4 nan:0x1 -nan:0x7fffff nan:0x400000 -nan:0x400000))
(assert_return (invoke "f32x4.neg" (v128.const f32x4 nan:0x200001 0 -0 -inf))
               (v128.const f32x4 -nan:0x200001 -0 0 inf))
(assert_return (invoke "f64x2.abs" (v128.const f64x2 -nan:0x1 -0))
               (v128.const f64x2 nan:0x1 0))
(assert_return (invoke "f32x4.extract_lane3" (v128.const f32x4 0 0 0 -nan:0x1234)) (f32.const -nan:0x1234))
(assert_return (invoke "f64x2.splat" (f64.const -nan:0x5)) (v128.const f64x2 -nan:0x5 -nan:0x5))

;; Per-lane NaN patterns, mixed with exact lanes.
(assert_return (invoke "f32x4.div" (v128.const f32x4 0 1 -1 nan:0x200001)
                                   (v128.const f32x4 0 0 -0 1))
               (v128.const f32x4 nan:canonical inf inf nan:arithmetic))
(assert_return (invoke "f64x2.add" (v128.const f64x2 inf nan:0x4000000000001)
                                   (v128.const f64x2 -inf 1))
               (v128.const f64x2 nan:canonical nan:arithmetic))
(assert_return (invoke "id" (v128.const f32x4 nan 1 nan:0x600000 -nan))
               (v128.const f32x4 nan:canonical 1 nan:arithmetic nan:arithmetic))

;; either over v128 values.
(assert_return (invoke "i32x4.splat" (i32.const 3))
               (either (v128.const i32x4 0 0 0 0) (v128.const i32x4 3 3 3 3)))

;; Globals.
(assert_return (get "g.v128") (v128.const i16x8 0xffff 0 1 0x8000 0x7fff 4660 65534 -1))
(assert_return (get "g.v128.mut") (v128.const f64x2 -inf nan:0x8000000000001))
(assert_return (get "g.v128.mut") (v128.const i64x2 0xfff0000000000000 0x7ff8000000000001))

;; Deliberate failures: a single wrong lane must be caught.
(assert_return (invoke "id" (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))  ;; xfail: i8 lane 15 is 15, not 16
               (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 16))
(assert_return (invoke "nan-lanes") (v128.const f32x4 nan:0x200001 -nan 0 0x1p-149))  ;; xfail: f32 lane 2 is -0, not +0
(assert_return (invoke "nan-lanes") (v128.const f32x4 nan:0x200000 -nan -0 0x1p-149))  ;; xfail: f32 lane 0 payload is 0x200001
