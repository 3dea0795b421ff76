;; traps.wast: assert_trap on calls, assert_trap on module instantiation (the
;; JSON form of this is "assert_uninstantiable"), assert_exhaustion, and state
;; left behind by traps. Baseline features only.

(module $T
  (type $v_i (func (result i32)))
  (type $i_i (func (param i32) (result i32)))
  (memory (export "mem") 1)
  (table $tab 4 funcref)
  (elem (table $tab) (i32.const 0) func $ret7 $id)
  (global $g (export "g") (mut i32) (i32.const 0))
  (func $ret7 (type $v_i) (i32.const 7))
  (func $id (type $i_i) (local.get 0))
  (func (export "unreachable") (unreachable))
  (func (export "unreachable-after-effect") (global.set $g (i32.const 1)) (unreachable))
  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "rem_u64") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))
  (func (export "trunc_f32_s") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func (export "trunc_f64_u") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load64-offset") (param i32) (result i64) (i64.load offset=65530 (local.get 0)))
  (func (export "store8") (param i32) (i32.store8 (local.get 0) (i32.const 1)))
  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 0xaa) (local.get 1)))
  (func (export "call_v_i") (param i32) (result i32) (call_indirect $tab (type $v_i) (local.get 0)))
  (func (export "table.get") (param i32) (result funcref) (table.get $tab (local.get 0)))
  (func $loop (export "recurse") (param i32) (result i32)
    (i32.add (call $loop (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $ping (export "ping") (call $pong))
  (func $pong (call $ping))
)

(assert_trap (invoke "unreachable") "unreachable")
(assert_trap (invoke "div_s" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div_s" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_return (invoke "div_s" (i32.const 0x80000000) (i32.const 1)) (i32.const 0x80000000))
(assert_trap (invoke "rem_u64" (i64.const 1) (i64.const 0)) "integer divide by zero")
(assert_trap (invoke "trunc_f32_s" (f32.const nan:0x200001)) "invalid conversion to integer")
(assert_trap (invoke "trunc_f32_s" (f32.const 0x1p+31)) "integer overflow")
(assert_return (invoke "trunc_f32_s" (f32.const -0x1p+31)) (i32.const 0x80000000))
(assert_trap (invoke "trunc_f64_u" (f64.const -1)) "integer overflow")
(assert_return (invoke "trunc_f64_u" (f64.const -0x1.fffffffffffffp-1)) (i64.const 0))
(assert_trap (invoke "load" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "load" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "load64-offset" (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "load64-offset" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "store8" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 65535) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "call_v_i" (i32.const 0)) (i32.const 7))
(assert_trap (invoke "call_v_i" (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke "call_v_i" (i32.const 2)) "uninitialized element")
(assert_trap (invoke "call_v_i" (i32.const 4)) "undefined element")
(assert_trap (invoke "table.get" (i32.const 4)) "out of bounds table access")

;; Side effects made before a trap persist.
(assert_return (get "g") (i32.const 0))
(assert_trap (invoke "unreachable-after-effect") "unreachable")
(assert_return (get "g") (i32.const 1))
;; A trapping bulk fill writes nothing (bounds are checked up front).
(assert_return (invoke "load" (i32.const 65532)) (i32.const 0))

;; Stack exhaustion.
(assert_exhaustion (invoke "recurse" (i32.const 0)) "call stack exhausted")
(assert_exhaustion (invoke "ping") "call stack exhausted")
;; The instance is still usable afterwards.
(assert_return (invoke "div_s" (i32.const 7) (i32.const 2)) (i32.const 3))

;; Traps during instantiation: start function, out-of-bounds segments.
(assert_trap (module (func $start (unreachable)) (start $start)) "unreachable")
(assert_trap
  (module (memory 1) (data (i32.const 65535) "ab"))
  "out of bounds memory access")
(assert_trap
  (module (table 1 funcref) (func) (elem (i32.const 1) func 0))
  "out of bounds table access")
(assert_trap
  (module (func $start (drop (i32.div_u (i32.const 1) (i32.const 0)))) (start $start))
  "integer divide by zero")

;; Segments applied before the failing one stay applied; the start function
;; does not run.
(register "T" $T)
(assert_trap
  (module
    (import "T" "mem" (memory 1))
    (import "T" "g" (global $g (mut i32)))
    (func $start (global.set $g (i32.const 99)))
    (data (i32.const 0) "\2a\00\00\00")
    (data (i32.const 65536) "x")
    (start $start))
  "out of bounds memory access")
(assert_return (invoke $T "load" (i32.const 0)) (i32.const 42))
(assert_return (get $T "g") (i32.const 1))
