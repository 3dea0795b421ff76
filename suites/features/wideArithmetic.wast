;; feature: wideArithmetic
;; wasmtime: wide_arithmetic
;; v8-flag: --experimental-wasm-wide-arithmetic
;;
;; Probe for Wide Arithmetic. The first module needs i64.add128, i64.sub128,
;; i64.mul_wide_s and i64.mul_wide_u (results as low, high i64 pairs); the
;; rest checks carries and borrows across the 64-bit halves, wrap-around at
;; 2^128, and signed vs unsigned full products at the extremes. (V8 flag: this
;; spelling for Node and Deno; Chromium 156 spells it --wasm-wide-arithmetic.)

(module
  (func (export "add128") (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "sub128") (param i64 i64 i64 i64) (result i64 i64)
    (i64.sub128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "mul_wide_s") (param i64 i64) (result i64 i64)
    (i64.mul_wide_s (local.get 0) (local.get 1)))
  (func (export "mul_wide_u") (param i64 i64) (result i64 i64)
    (i64.mul_wide_u (local.get 0) (local.get 1)))
)

(assert_return (invoke "add128" (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4)) (i64.const 4) (i64.const 6))
;; carry from the low half into the high half
(assert_return (invoke "add128" (i64.const -1) (i64.const 0) (i64.const 1) (i64.const 0)) (i64.const 0) (i64.const 1))
;; 2^128 - 1 + 1 wraps to 0
(assert_return (invoke "add128" (i64.const -1) (i64.const -1) (i64.const 1) (i64.const 0)) (i64.const 0) (i64.const 0))
;; borrow from the high half
(assert_return (invoke "sub128" (i64.const 0) (i64.const 1) (i64.const 1) (i64.const 0)) (i64.const -1) (i64.const 0))
(assert_return (invoke "sub128" (i64.const 0) (i64.const 0) (i64.const 1) (i64.const 0)) (i64.const -1) (i64.const -1))
(assert_return (invoke "sub128" (i64.const 10) (i64.const 20) (i64.const 3) (i64.const 5)) (i64.const 7) (i64.const 15))

(assert_return (invoke "mul_wide_u" (i64.const -1) (i64.const -1)) (i64.const 1) (i64.const -2))
(assert_return (invoke "mul_wide_s" (i64.const -1) (i64.const -1)) (i64.const 1) (i64.const 0))
(assert_return (invoke "mul_wide_s" (i64.const -1) (i64.const 1)) (i64.const -1) (i64.const -1))
(assert_return (invoke "mul_wide_u" (i64.const 0x1_0000_0000) (i64.const 0x1_0000_0000)) (i64.const 0) (i64.const 1))
(assert_return (invoke "mul_wide_s" (i64.const 0x8000_0000_0000_0000) (i64.const 0x8000_0000_0000_0000)) (i64.const 0) (i64.const 0x4000_0000_0000_0000))
(assert_return (invoke "mul_wide_u" (i64.const 0x8000_0000_0000_0000) (i64.const 0x8000_0000_0000_0000)) (i64.const 0) (i64.const 0x4000_0000_0000_0000))
(assert_return (invoke "mul_wide_s" (i64.const 0x8000_0000_0000_0000) (i64.const 0x7fff_ffff_ffff_ffff)) (i64.const 0x8000_0000_0000_0000) (i64.const 0xc000_0000_0000_0000))
(assert_return (invoke "mul_wide_u" (i64.const 0x1234_5678_9abc_def0) (i64.const 0x0fed_cba9_8765_4321)) (i64.const 0x2236_d88f_e561_8cf0) (i64.const 0x0121_fa00_ad77_d742))
