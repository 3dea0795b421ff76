;; feature: compactImportSection
;; v8-flag: --experimental-wasm-compact-imports
;;
;; Probe for the Compact Import Section: several imports from one module
;; written once with the module name, each item with its own type (form 1) or
;; all items sharing one type (form 2). The first module uses both forms on
;; the spectest module; the rest checks that every item is bound to the right
;; import, in order (values of imported globals, sizes of the imported table
;; and memory, which of several same-typed functions each index calls).

(module
  (import "spectest"
    (item "global_i64" (global $g64 i64))
    (item "table" (table $t 10 funcref))
    (item "memory" (memory $m 1))
    (item "global_i32" (global $g32 i32)))
  ;; form 2: one type for all items; importing the same name twice is allowed
  (import "spectest" (item "global_f64") (item "global_f64") (global f64))
  (func (export "g64") (result i64) (global.get $g64))
  (func (export "g32") (result i32) (global.get $g32))
  (func (export "f64s") (result f64) (f64.add (global.get 2) (global.get 3)))
  (func (export "table_size") (result i32) (table.size $t))
  (func (export "memory_size") (result i32) (memory.size $m))
)
(assert_return (invoke "g64") (i64.const 666))
(assert_return (invoke "g32") (i32.const 666))
(assert_return (invoke "f64s") (f64.const 1333.2))
(assert_return (invoke "table_size") (i32.const 10))
(assert_return (invoke "memory_size") (i32.const 1))

;; same-typed functions: the i-th item must be the i-th function index
(module
  (func (export "one") (result i32) (i32.const 1))
  (func (export "two") (result i32) (i32.const 2))
  (func (export "three") (result i32) (i32.const 3))
)
(register "m")
(module
  (import "m" (item "three") (item "one") (item "two") (func (result i32)))
  (import "m" (item "two" (func $b (result i32))) (item "three" (func $c (result i32))))
  (func (export "digits") (result i32)
    (i32.add (i32.mul (call 0) (i32.const 10000))
      (i32.add (i32.mul (call 1) (i32.const 1000))
        (i32.add (i32.mul (call 2) (i32.const 100))
          (i32.add (i32.mul (call $b) (i32.const 10)) (call $c))))))
)
(assert_return (invoke "digits") (i32.const 31223))
