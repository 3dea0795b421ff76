;; feature: signExtensions
;;
;; Probe for Sign-extension Operators (WebAssembly 2.0). The first module needs
;; the five extendN_s instructions; the rest checks they read only the low N
;; bits and copy bit N-1 into every higher bit.

(module
  (func (export "i32_8") (param i32) (result i32) (i32.extend8_s (local.get 0)))
  (func (export "i32_16") (param i32) (result i32) (i32.extend16_s (local.get 0)))
  (func (export "i64_8") (param i64) (result i64) (i64.extend8_s (local.get 0)))
  (func (export "i64_16") (param i64) (result i64) (i64.extend16_s (local.get 0)))
  (func (export "i64_32") (param i64) (result i64) (i64.extend32_s (local.get 0)))
)

(assert_return (invoke "i32_8" (i32.const 0x7f)) (i32.const 127))
(assert_return (invoke "i32_8" (i32.const 0x80)) (i32.const -128))
(assert_return (invoke "i32_8" (i32.const 0x1234_56fe)) (i32.const -2))
(assert_return (invoke "i32_8" (i32.const 0xffff_ff00)) (i32.const 0))
(assert_return (invoke "i32_16" (i32.const 0x7fff)) (i32.const 32767))
(assert_return (invoke "i32_16" (i32.const 0x0001_8000)) (i32.const -32768))
(assert_return (invoke "i32_16" (i32.const 0xabcd_0123)) (i32.const 0x123))
(assert_return (invoke "i64_8" (i64.const 0x0123_4567_89ab_cd80)) (i64.const -128))
(assert_return (invoke "i64_8" (i64.const 0xffff_ffff_ffff_ff7f)) (i64.const 127))
(assert_return (invoke "i64_16" (i64.const 0x0000_0000_0000_8001)) (i64.const -32767))
(assert_return (invoke "i64_16" (i64.const 0xffff_ffff_ffff_0000)) (i64.const 0))
(assert_return (invoke "i64_32" (i64.const 0x0000_0000_8000_0000)) (i64.const -2147483648))
(assert_return (invoke "i64_32" (i64.const 0xffff_ffff_7fff_ffff)) (i64.const 2147483647))
(assert_return (invoke "i64_32" (i64.const 0x1234_5678_ffff_fffe)) (i64.const -2))
