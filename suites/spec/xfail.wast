;; features: multiValue referenceTypes
;; xfail.wast: deliberately wrong commands. Each command below whose first
;; line ends in ";; xfail: <reason>" must FAIL on a correct engine; a harness
;; that reports one of them as passing is not checking that kind of value or
;; command. Everything else (the setup) must pass. v128 lane xfails: simd.wast.

(module
  (func (export "i32.seven") (result i32) (i32.const 7))
  (func (export "i64.big") (result i64) (i64.const 9007199254740993))
  (func (export "f32.snan") (result f32) (f32.const nan:0x200001))
  (func (export "f32.negzero") (result f32) (f32.const -0))
  (func (export "f64.poszero") (result f64) (f64.const 0))
  ;; Quiet bit set (arithmetic) but payload not 0x400000 (not canonical).
  (func (export "f32.arith-nan") (result f32) (f32.const nan:0x600001))
  (func (export "f64.qnan-payload") (result f64) (f64.const nan:0x8000000000001))
  (func (export "ext.id") (param externref) (result externref) (local.get 0))
  (func (export "two") (result i32 i32) (i32.const 1) (i32.const 2))
  (func (export "one") (result i32) (i32.const 1))
  (func (export "nothing"))
  (func (export "trap") (result i32) (unreachable))
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
)
(register "xf")

;; Setup sanity: the same functions with the right expectations pass.
(assert_return (invoke "i32.seven") (i32.const 7))
(assert_return (invoke "f32.snan") (f32.const nan:0x200001))
(assert_return (invoke "ext.id" (ref.extern 1)) (ref.extern 1))
(assert_return (invoke "two") (i32.const 1) (i32.const 2))

;; Wrong values.
(assert_return (invoke "i32.seven") (i32.const 8))  ;; xfail: wrong i32 (returns 7)
(assert_return (invoke "i64.big") (i64.const 9007199254740992))  ;; xfail: wrong i64 (2^53+1 returned; a double would round it to 2^53)
(assert_return (invoke "f32.snan") (f32.const nan:0x200000))  ;; xfail: f32 NaN payload is 0x200001, not 0x200000
(assert_return (invoke "f32.negzero") (f32.const 0))  ;; xfail: f32 -0 returned, +0 expected
(assert_return (invoke "f64.poszero") (f64.const -0))  ;; xfail: f64 +0 returned, -0 expected
(assert_return (invoke "f32.arith-nan") (f32.const nan:canonical))  ;; xfail: arithmetic NaN nan:0x600001 returned, which is not canonical
(assert_return (invoke "f64.qnan-payload") (f64.const nan:canonical))  ;; xfail: f64 nan:0x8000000000001 is arithmetic, not canonical
(assert_return (invoke "i32.seven") (either (i32.const 6) (i32.const 8)))  ;; xfail: 7 matches neither alternative
(assert_return (invoke "ext.id" (ref.extern 1)) (ref.null extern))  ;; xfail: (ref.extern 1) returned, null expected
(assert_return (invoke "ext.id" (ref.extern 1)) (ref.extern 2))  ;; xfail: host reference 1 returned, 2 expected

;; Wrong result counts.
(assert_return (invoke "two") (i32.const 1))  ;; xfail: two results returned, one expected
(assert_return (invoke "one") (i32.const 1) (i32.const 1))  ;; xfail: one result returned, two expected
(assert_return (invoke "nothing") (i32.const 0))  ;; xfail: no result returned, one expected

;; Wrong outcome kinds.
(assert_trap (invoke "i32.seven") "unreachable")  ;; xfail: call returns normally
(assert_trap (invoke "div" (i32.const 1) (i32.const 1)) "integer divide by zero")  ;; xfail: divisor is not zero
(assert_return (invoke "trap") (i32.const 0))  ;; xfail: call traps
(assert_return (invoke "div" (i32.const 1) (i32.const 0)) (i32.const 0))  ;; xfail: division by zero traps
(assert_exhaustion (invoke "i32.seven") "call stack exhausted")  ;; xfail: call returns, no exhaustion

;; Wrong module outcomes.
(assert_invalid  ;; xfail: the module is valid
  (module (func (result i32) (i32.const 0)))
  "type mismatch")
(assert_malformed  ;; xfail: the quoted text is well-formed
  (module quote "(func (result i32) (i32.const 0))")
  "unexpected token")
(assert_malformed  ;; xfail: the binary is well-formed (empty module)
  (module binary "\00asm" "\01\00\00\00")
  "unexpected end")
(assert_unlinkable  ;; xfail: the import exists with this type
  (module (import "xf" "one" (func (result i32))))
  "incompatible import type")
(assert_unlinkable  ;; xfail: the spectest import exists with this type
  (module (import "spectest" "print_i32" (func (param i32))))
  "unknown import")
(assert_trap (module (func $s) (start $s)) "unreachable")  ;; xfail: module instantiates fine
