;; features: multiValue
;; floats.wast: f32/f64 values must be compared bit for bit: NaN payloads and
;; signs, signed zeros, denormals, infinities; nan:canonical, nan:arithmetic.

(module
  ;; Identity functions: arguments must arrive and results leave unchanged.
  (func (export "f32.id") (param f32) (result f32) (local.get 0))
  (func (export "f64.id") (param f64) (result f64) (local.get 0))
  ;; Bit views of arguments, to check that NaN payloads arrive intact.
  (func (export "f32.bits") (param f32) (result i32) (i32.reinterpret_f32 (local.get 0)))
  (func (export "f64.bits") (param f64) (result i64) (i64.reinterpret_f64 (local.get 0)))
  (func (export "f32.from_bits") (param i32) (result f32) (f32.reinterpret_i32 (local.get 0)))
  (func (export "f64.from_bits") (param i64) (result f64) (f64.reinterpret_i64 (local.get 0)))
  ;; Sign-bit operations never touch the payload.
  (func (export "f32.neg") (param f32) (result f32) (f32.neg (local.get 0)))
  (func (export "f64.abs") (param f64) (result f64) (f64.abs (local.get 0)))
  (func (export "f32.copysign") (param f32 f32) (result f32) (f32.copysign (local.get 0) (local.get 1)))
  ;; Arithmetic: NaN results are canonical or arithmetic.
  (func (export "f32.add") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
  (func (export "f32.div") (param f32 f32) (result f32) (f32.div (local.get 0) (local.get 1)))
  (func (export "f32.mul") (param f32 f32) (result f32) (f32.mul (local.get 0) (local.get 1)))
  (func (export "f64.add") (param f64 f64) (result f64) (f64.add (local.get 0) (local.get 1)))
  (func (export "f64.sub") (param f64 f64) (result f64) (f64.sub (local.get 0) (local.get 1)))
  (func (export "f64.sqrt") (param f64) (result f64) (f64.sqrt (local.get 0)))
  (func (export "f64.min") (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
  (func (export "f64.promote") (param f32) (result f64) (f64.promote_f32 (local.get 0)))
  (func (export "f32.demote") (param f64) (result f32) (f32.demote_f64 (local.get 0)))
  ;; Constant NaNs with chosen payloads.
  (func (export "f32.snan") (result f32) (f32.const nan:0x200001))
  (func (export "f32.qnan-payload") (result f32) (f32.const nan:0x600001))
  (func (export "f32.neg-qnan") (result f32) (f32.const -nan))
  (func (export "f64.snan") (result f64) (f64.const -nan:0x4000000000001))
  (func (export "pair") (result f32 f64) (f32.const -0) (f64.const nan:0x123456789abc))
  (global (export "g.f32.nan") f32 (f32.const nan:0x1234))
  (global (export "g.f32.negzero") f32 (f32.const -0))
  (global (export "g.f64.nan") f64 (f64.const -nan:0xf_ffff_ffff_ffff))
  (global (export "g.f64.denorm") f64 (f64.const 0x0.0000000000001p-1022))
)

;; NaN payloads and signs, both directions.
(assert_return (invoke "f32.id" (f32.const nan:0x200001)) (f32.const nan:0x200001))
(assert_return (invoke "f32.id" (f32.const -nan:0x7fffff)) (f32.const -nan:0x7fffff))
(assert_return (invoke "f32.id" (f32.const nan)) (f32.const nan:0x400000))
(assert_return (invoke "f32.id" (f32.const -nan)) (f32.const -nan:0x400000))
(assert_return (invoke "f32.bits" (f32.const nan:0x1)) (i32.const 0x7f800001))
(assert_return (invoke "f32.bits" (f32.const -nan:0x200000)) (i32.const 0xffa00000))
(assert_return (invoke "f32.from_bits" (i32.const 0x7fa00001)) (f32.const nan:0x200001))
(assert_return (invoke "f32.snan") (f32.const nan:0x200001))
(assert_return (invoke "f32.neg-qnan") (f32.const -nan))
(assert_return (invoke "f64.id" (f64.const nan:0x4000000000001)) (f64.const nan:0x4000000000001))
(assert_return (invoke "f64.id" (f64.const -nan)) (f64.const -nan:0x8000000000000))
(assert_return (invoke "f64.bits" (f64.const nan:0x1)) (i64.const 0x7ff0000000000001))
(assert_return (invoke "f64.bits" (f64.const -nan:0x4000000000000)) (i64.const 0xfff4000000000000))
(assert_return (invoke "f64.from_bits" (i64.const 0xfff0_0000_0000_0001)) (f64.const -nan:0x1))
(assert_return (invoke "f64.snan") (f64.const -nan:0x4000000000001))
(assert_return (invoke "f32.neg" (f32.const nan:0x200001)) (f32.const -nan:0x200001))
(assert_return (invoke "f32.neg" (f32.const -nan:0x1234)) (f32.const nan:0x1234))
(assert_return (invoke "f64.abs" (f64.const -nan:0x4000000000001)) (f64.const nan:0x4000000000001))
(assert_return (invoke "f32.copysign" (f32.const nan:0x55) (f32.const -1)) (f32.const -nan:0x55))
(assert_return (invoke "pair") (f32.const -0x0p+0) (f64.const nan:0x123456789abc))

;; Signed zeros.
(assert_return (invoke "f32.id" (f32.const -0)) (f32.const -0x0p+0))
(assert_return (invoke "f32.bits" (f32.const -0.0)) (i32.const 0x80000000))
(assert_return (invoke "f32.neg" (f32.const 0)) (f32.const -0))
(assert_return (invoke "f32.mul" (f32.const -1) (f32.const 0)) (f32.const -0))
(assert_return (invoke "f32.add" (f32.const -0) (f32.const 0)) (f32.const 0))
(assert_return (invoke "f64.id" (f64.const -0x0p+0)) (f64.const -0))
(assert_return (invoke "f64.bits" (f64.const -0)) (i64.const 0x8000000000000000))
(assert_return (invoke "f64.sub" (f64.const -0) (f64.const 0)) (f64.const -0))
(assert_return (invoke "f64.min" (f64.const 0) (f64.const -0)) (f64.const -0))
(assert_return (invoke "f64.abs" (f64.const -0)) (f64.const 0))

;; Denormals, extremes and infinities.
(assert_return (invoke "f32.id" (f32.const 0x1p-149)) (f32.const 1.40129846e-45))
(assert_return (invoke "f32.bits" (f32.const -0x1p-149)) (i32.const 0x80000001))
(assert_return (invoke "f32.id" (f32.const 0x1.fffffcp-127)) (f32.const 0x0.fffffep-126))
(assert_return (invoke "f32.div" (f32.const 0x1p-126) (f32.const 2)) (f32.const 0x1p-127))
(assert_return (invoke "f32.id" (f32.const 0x1.fffffep+127)) (f32.const 3.4028234663852886e+38))
(assert_return (invoke "f32.id" (f32.const inf)) (f32.const inf))
(assert_return (invoke "f32.bits" (f32.const -inf)) (i32.const 0xff800000))
(assert_return (invoke "f32.div" (f32.const -1) (f32.const 0)) (f32.const -inf))
(assert_return (invoke "f64.id" (f64.const 0x0.0000000000001p-1022)) (f64.const 4.9406564584124654e-324))
(assert_return (invoke "f64.bits" (f64.const 0x0.fffffffffffffp-1022)) (i64.const 0x000fffffffffffff))
(assert_return (invoke "f64.id" (f64.const -0x1.fffffffffffffp+1023)) (f64.const -1.7976931348623157e+308))
(assert_return (invoke "f64.add" (f64.const 0x1.fffffffffffffp+1023) (f64.const 0x1p+970)) (f64.const inf))
(assert_return (invoke "f64.id" (f64.const -inf)) (f64.const -inf))
(assert_return (invoke "f64.promote" (f32.const 0x1p-149)) (f64.const 0x1p-149))
(assert_return (invoke "f32.demote" (f64.const 0x1p-150)) (f32.const 0))
(assert_return (invoke "f32.demote" (f64.const -0x1p-200)) (f32.const -0))
(assert_return (invoke "f64.id" (f64.const 0.1)) (f64.const 0x1.999999999999ap-4))
(assert_return (invoke "f32.id" (f32.const 0.1)) (f32.const 0x1.99999ap-4))

;; Result patterns: any canonical NaN (either sign) / any arithmetic NaN.
(assert_return (invoke "f32.div" (f32.const 0) (f32.const 0)) (f32.const nan:canonical))
(assert_return (invoke "f32.id" (f32.const -nan)) (f32.const nan:canonical))
(assert_return (invoke "f32.id" (f32.const nan)) (f32.const nan:arithmetic))
(assert_return (invoke "f32.qnan-payload") (f32.const nan:arithmetic))
(assert_return (invoke "f32.add" (f32.const nan:0x200001) (f32.const 1)) (f32.const nan:arithmetic))
(assert_return (invoke "f32.mul" (f32.const inf) (f32.const 0)) (f32.const nan:canonical))
(assert_return (invoke "f64.sqrt" (f64.const -1)) (f64.const nan:canonical))
(assert_return (invoke "f64.add" (f64.const -nan:0x4000000000001) (f64.const 1)) (f64.const nan:arithmetic))
(assert_return (invoke "f64.promote" (f32.const nan:0x200001)) (f64.const nan:arithmetic))
(assert_return (invoke "f32.demote" (f64.const nan)) (f32.const nan:canonical))

;; Globals.
(assert_return (get "g.f32.nan") (f32.const nan:0x1234))
(assert_return (get "g.f32.negzero") (f32.const -0))
(assert_return (get "g.f64.nan") (f64.const -nan:0xfffffffffffff))
(assert_return (get "g.f64.denorm") (f64.const 0x1p-1074))

;; Deliberate failures: payload and sign must be compared exactly.
(assert_return (invoke "f64.snan") (f64.const -nan:0x4000000000002))  ;; xfail: f64 NaN payload differs in the lowest bit
(assert_return (invoke "f32.snan") (f32.const -nan:0x200001))  ;; xfail: f32 NaN sign differs (returns +nan:0x200001)
(assert_return (invoke "f32.qnan-payload") (f32.const nan:canonical))  ;; xfail: nan:0x600001 is arithmetic but not canonical
