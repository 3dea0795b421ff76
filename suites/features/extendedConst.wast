;; feature: extendedConst
;; v8-flag: --experimental-wasm-extended-const
;;
;; Probe for Extended Constant Expressions. Wasmtime has it always on (no
;; switch). The first module needs i32/i64 add, sub and mul in constant
;; expressions; the rest checks the values of globals computed from imported
;; globals, and that data and element segment offsets computed that way put
;; things where they should.

(module
  (import "spectest" "global_i32" (global $base i32))    ;; 666
  (import "spectest" "global_i64" (global $base64 i64))  ;; 666
  (global $a (export "a") i32 (i32.add (global.get $base) (i32.const 1)))
  (global $b (export "b") i32 (i32.mul (i32.sub (global.get $base) (i32.const 6)) (i32.const -3)))
  (global $c (export "c") i64 (i64.mul (i64.add (global.get $base64) (i64.const 0x7fff_fd66)) (i64.const 0x1_0000_0000)))
  (global $d (export "d") i32 (i32.sub (global.get $base) (i32.const 0x7fff_ffff)))
  (memory 1)
  (data (offset (i32.add (global.get $base) (i32.const 334))) "\2a\2b")
  (table 8 funcref)
  (elem (offset (i32.sub (i32.mul (i32.const 2) (i32.const 3)) (i32.const 1))) func $f)
  (type $ret (func (result i32)))
  (func $f (result i32) (i32.const 55))
  (func (export "load16") (param i32) (result i32) (i32.load16_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $ret) (local.get 0)))
)

(assert_return (get "a") (i32.const 667))
(assert_return (get "b") (i32.const -1980))
(assert_return (get "c") (i64.const 0x8000_0000_0000_0000))
(assert_return (get "d") (i32.const 0x8000_029b))
(assert_return (invoke "load16" (i32.const 1000)) (i32.const 0x2b2a))
(assert_return (invoke "load16" (i32.const 999)) (i32.const 0x2a00))
(assert_return (invoke "call" (i32.const 5)) (i32.const 55))
(assert_trap (invoke "call" (i32.const 4)) "uninitialized element")

;; an extended offset that lands out of bounds fails instantiation
(assert_trap
  (module
    (import "spectest" "global_i32" (global $base i32))
    (memory 1)
    (data (offset (i32.mul (global.get $base) (i32.const 100))) "x"))
  "out of bounds memory access")
