;; features: multiValue referenceTypes
;; either.wast: (either R1 R2 ...) results: the value must match at least one
;; alternative of any value kind (NaN and reference patterns too); each result
;; of a multi-value call has its own either. WebAssembly 2.0 only.

(module
  (func (export "i32") (param i32) (result i32) (local.get 0))
  (func (export "i64") (param i64) (result i64) (local.get 0))
  (func (export "f32") (param f32) (result f32) (local.get 0))
  (func (export "f64") (param f64) (result f64) (local.get 0))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func (export "func-null") (result funcref) (ref.null func))
  (func (export "pair") (param i32 f64) (result i32 f64) (local.get 0) (local.get 1))
  ;; Like relaxed instructions, results may legitimately be one of several.
  (func (export "f32.min-zeros") (result f32) (f32.min (f32.const 0) (f32.const -0)))
  (func (export "f32.nan-op") (result f32) (f32.add (f32.const nan:0x200000) (f32.const nan)))
)

;; The first alternative, a later alternative, the only alternative.
(assert_return (invoke "i32" (i32.const 1)) (either (i32.const 1) (i32.const 2)))
(assert_return (invoke "i32" (i32.const 2)) (either (i32.const 1) (i32.const 2)))
(assert_return (invoke "i32" (i32.const -1)) (either (i32.const 0xffffffff)))
(assert_return (invoke "i32" (i32.const 3)) (either (i32.const 1) (i32.const 2) (i32.const 3)))
(assert_return (invoke "i64" (i64.const -1)) (either (i64.const 0) (i64.const 0xffffffffffffffff)))
(assert_return (invoke "i64" (i64.const 9007199254740993)) (either (i64.const 9007199254740992) (i64.const 9007199254740993)))

;; Floats: exact bits, signed zeros and NaN patterns as alternatives.
(assert_return (invoke "f32" (f32.const -0)) (either (f32.const 0) (f32.const -0)))
(assert_return (invoke "f32.min-zeros") (either (f32.const -0) (f32.const 0)))
(assert_return (invoke "f32" (f32.const nan:0x200001)) (either (f32.const nan:0x200000) (f32.const nan:0x200001)))
(assert_return (invoke "f32" (f32.const nan)) (either (f32.const 1) (f32.const nan:canonical)))
(assert_return (invoke "f32.nan-op") (either (f32.const nan:canonical) (f32.const nan:arithmetic)))
(assert_return (invoke "f64" (f64.const -nan:0x1)) (either (f64.const nan:0x1) (f64.const -nan:0x1)))
(assert_return (invoke "f64" (f64.const -nan:0x8000000000001)) (either (f64.const nan:canonical) (f64.const nan:arithmetic)))
(assert_return (invoke "f64" (f64.const 0x1p-1074)) (either (f64.const 0) (f64.const 4.9406564584124654e-324)))

;; Mixed kinds and reference patterns.
(assert_return (invoke "ext" (ref.extern 2)) (either (ref.extern 1) (ref.extern 2)))
(assert_return (invoke "ext" (ref.extern 2)) (either (ref.null extern) (ref.extern)))
(assert_return (invoke "ext" (ref.null extern)) (either (ref.extern 1) (ref.null extern)))
(assert_return (invoke "ext" (ref.null extern)) (either (ref.extern) (ref.null)))
(assert_return (invoke "func-null") (either (ref.func) (ref.null func)))

;; One either per result; plain results can be mixed in.
(assert_return (invoke "pair" (i32.const 7) (f64.const -0))
  (either (i32.const 6) (i32.const 7))
  (either (f64.const 0) (f64.const -0)))
(assert_return (invoke "pair" (i32.const 7) (f64.const nan:0xc000000000000))
  (i32.const 7)
  (either (f64.const nan:canonical) (f64.const nan:arithmetic)))
