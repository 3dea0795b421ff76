;; feature: multiValue
;; wasmtime: multi_value
;;
;; Probe for Multi-value (WebAssembly 2.0). The first module needs functions
;; with several results and blocks / loops / ifs with parameters and several
;; results; the rest checks the values arrive in order and unchanged,
;; including through call_indirect and across an instance boundary.

(module
  (type $pair (func (param i32 i64) (result i64 i32)))
  (table 1 funcref)
  (elem (i32.const 0) $swap)
  (func $swap (export "swap") (type $pair) (local.get 1) (local.get 0))
  (func (export "three") (result i32 i64 f64)
    (i32.const -1) (i64.const 0x1_0000_0001) (f64.const -0x1.8p+1))
  (func (export "block_params") (param i32 i32) (result i32 i32)
    (local.get 0) (local.get 1)
    (block (param i32 i32) (result i32 i32 i32)
      (i32.sub) (i32.const 7) (i32.const 8))
    (i32.mul))
  (func (export "loop_sum") (param $n i32) (result i32)
    ;; the running sum is the loop's parameter, not a local
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (i32.add (local.get $n))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
  (func (export "if_params") (param $c i32) (param $a i32) (param $b i32) (result i32 i32)
    (local.get $a) (local.get $b)
    (if (param i32 i32) (result i32 i32) (local.get $c)
      (then (i32.add) (i32.const 1))
      (else (i32.sub) (i32.const 0))))
  (func (export "indirect") (param i32 i64) (result i64 i32)
    (call_indirect (type $pair) (local.get 0) (local.get 1) (i32.const 0)))
  (func (export "br_values") (param i32) (result i32 i64)
    (block $b (result i32 i64)
      (i32.const 10) (i64.const 20)
      (br_if $b (local.get 0))
      (drop) (drop)
      (i32.const 30) (i64.const 40)))
)

(assert_return (invoke "swap" (i32.const 1) (i64.const -2)) (i64.const -2) (i32.const 1))
(assert_return (invoke "three") (i32.const -1) (i64.const 0x1_0000_0001) (f64.const -0x1.8p+1))
(assert_return (invoke "block_params" (i32.const 10) (i32.const 3)) (i32.const 7) (i32.const 56))
(assert_return (invoke "loop_sum" (i32.const 100)) (i32.const 5050))
(assert_return (invoke "if_params" (i32.const 1) (i32.const 10) (i32.const 3)) (i32.const 13) (i32.const 1))
(assert_return (invoke "if_params" (i32.const 0) (i32.const 10) (i32.const 3)) (i32.const 7) (i32.const 0))
(assert_return (invoke "indirect" (i32.const 5) (i64.const 6)) (i64.const 6) (i32.const 5))
(assert_return (invoke "br_values" (i32.const 1)) (i32.const 10) (i64.const 20))
(assert_return (invoke "br_values" (i32.const 0)) (i32.const 30) (i64.const 40))

;; several results cross an instance boundary through an import
(register "mv")
(module
  (import "mv" "swap" (func $swap (param i32 i64) (result i64 i32)))
  (func (export "via_import") (param i32 i64) (result i64 i32 i32)
    (call $swap (local.get 0) (local.get 1))
    (i32.const 99)))
(assert_return (invoke "via_import" (i32.const 42) (i64.const 0x7fff_ffff_ffff_ffff)) (i64.const 0x7fff_ffff_ffff_ffff) (i32.const 42) (i32.const 99))
