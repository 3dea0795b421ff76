;; feature: typedFunctionReferences
;; wasmtime: function_references
;; v8-flag: --experimental-wasm-typed-funcref
;;
;; Probe for Typed Function References (without GC). The first module needs
;; typed references (ref $t) and call_ref; the rest checks calls through typed
;; references pick the right function, non-nullable tables and globals with
;; initializers, non-nullable locals, ref.as_non_null / br_on_null /
;; br_on_non_null, and that calling or asserting a null reference traps.

(module
  (type $i2i (func (param i32) (result i32)))
  (func $inc (type $i2i) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (type $i2i) (i32.mul (local.get 0) (i32.const 2)))
  (elem declare func $inc $dbl)
  (table $t 3 (ref $i2i) (ref.func $inc))
  (global $g (mut (ref $i2i)) (ref.func $dbl))
  (global $maybe (mut (ref null $i2i)) (ref.null $i2i))

  (func (export "call_ref") (param $which i32) (param $x i32) (result i32)
    (call_ref $i2i (local.get $x)
      (select (result (ref $i2i)) (ref.func $inc) (ref.func $dbl) (local.get $which))))
  (func (export "twice") (param $x i32) (result i32)
    (local $f (ref $i2i))
    (local.set $f (global.get $g))
    (call_ref $i2i (call_ref $i2i (local.get $x) (local.get $f)) (local.get $f)))
  (func (export "swap_global")
    (global.set $g (ref.func $inc)))
  (func (export "table") (param $i i32) (param $x i32) (result i32)
    (call_ref $i2i (local.get $x) (table.get $t (local.get $i))))
  (func (export "table_set") (param $i i32)
    (table.set $t (local.get $i) (ref.func $dbl)))

  (func (export "set_maybe") (global.set $maybe (ref.func $dbl)))
  (func (export "as_non_null") (param $x i32) (result i32)
    (call_ref $i2i (local.get $x) (ref.as_non_null (global.get $maybe))))
  (func (export "br_on_null") (param $x i32) (result i32)
    (block $null
      (return (call_ref $i2i (local.get $x) (br_on_null $null (global.get $maybe)))))
    (i32.const -1))
  (func (export "br_on_non_null") (param $x i32) (result i32)
    (local.get $x)
    (block $some (param i32) (result i32 (ref $i2i))
      (br_on_non_null $some (global.get $maybe))
      (drop)
      (return (i32.const -2)))
    (call_ref $i2i))
  (func (export "call_null") (param $x i32) (result i32)
    (call_ref $i2i (local.get $x) (global.get $maybe)))
  (func (export "get_fn") (result (ref $i2i)) (global.get $g))
)

(assert_return (invoke "call_ref" (i32.const 1) (i32.const 20)) (i32.const 21))
(assert_return (invoke "call_ref" (i32.const 0) (i32.const 20)) (i32.const 40))
(assert_return (invoke "twice" (i32.const 3)) (i32.const 12))
(assert_return (invoke "table" (i32.const 2) (i32.const 5)) (i32.const 6))
(assert_return (invoke "table_set" (i32.const 2)))
(assert_return (invoke "table" (i32.const 2) (i32.const 5)) (i32.const 10))
(assert_return (invoke "table" (i32.const 1) (i32.const 5)) (i32.const 6))
(assert_trap (invoke "table" (i32.const 3) (i32.const 5)) "out of bounds table access")
(assert_return (invoke "get_fn") (ref.func))
(assert_return (invoke "swap_global"))
(assert_return (invoke "twice" (i32.const 3)) (i32.const 5))

(assert_trap (invoke "as_non_null" (i32.const 1)) "null reference")
(assert_trap (invoke "call_null" (i32.const 1)) "null function reference")
(assert_return (invoke "br_on_null" (i32.const 1)) (i32.const -1))
(assert_return (invoke "br_on_non_null" (i32.const 1)) (i32.const -2))
(assert_return (invoke "set_maybe"))
(assert_return (invoke "as_non_null" (i32.const 7)) (i32.const 14))
(assert_return (invoke "call_null" (i32.const 7)) (i32.const 14))
(assert_return (invoke "br_on_null" (i32.const 8)) (i32.const 16))
(assert_return (invoke "br_on_non_null" (i32.const 9)) (i32.const 18))

;; a non-nullable local must be set before use; so must a non-nullable table have an initializer
(assert_invalid
  (module (type $t (func)) (func (local $f (ref $t)) (call_ref $t (local.get $f))))
  "uninitialized local")
(assert_invalid
  (module (type $t (func)) (table 1 (ref $t)))
  "type mismatch")
