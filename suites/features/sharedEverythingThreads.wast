;; feature: sharedEverythingThreads
;; v8-flag: --experimental-wasm-shared
;;
;; Probe for Shared-Everything Threads (phase 1, so what it means may still
;; change; this follows wasm-tools' current reading). The first module needs
;; shared GC types (a shared struct and a shared array) with their atomic
;; accessors; a second module adds shared globals. The checks: atomic
;; read-modify-write on a shared struct field, a shared array element and a
;; shared global (old value returned, new value stored), and compare-exchange.
;; One agent only: no real concurrency.

(module
  (type $s (shared (struct (field $f (mut i32)))))
  (type $a (shared (array (mut i64))))
  (func (export "struct") (param i32) (result i32 i32)
    (local $r (ref $s))
    (local.set $r (struct.new $s (i32.const 100)))
    (struct.atomic.rmw.add seqcst $s $f (local.get $r) (local.get 0))
    (struct.atomic.get seqcst $s $f (local.get $r)))
  (func (export "struct_cmpxchg") (param i32 i32) (result i32 i32)
    (local $r (ref $s))
    (local.set $r (struct.new $s (i32.const 5)))
    (struct.atomic.rmw.cmpxchg seqcst $s $f (local.get $r) (local.get 0) (local.get 1))
    (struct.atomic.get seqcst $s $f (local.get $r)))
  (func (export "array") (result i64 i64)
    (local $r (ref $a))
    (local.set $r (array.new $a (i64.const 7) (i32.const 3)))
    (array.atomic.rmw.sub seqcst $a (local.get $r) (i32.const 2) (i64.const 8))
    (array.atomic.get seqcst $a (local.get $r) (i32.const 2)))
)
(assert_return (invoke "struct" (i32.const 23)) (i32.const 100) (i32.const 123))
(assert_return (invoke "struct_cmpxchg" (i32.const 4) (i32.const 9)) (i32.const 5) (i32.const 5))
(assert_return (invoke "struct_cmpxchg" (i32.const 5) (i32.const 9)) (i32.const 5) (i32.const 9))
(assert_return (invoke "array") (i64.const 7) (i64.const -1))

(module
  (global $g (shared mut i32) (i32.const 10))
  (global $w (shared mut i64) (i64.const -1))
  (func (export "add") (param i32) (result i32) (global.atomic.rmw.add seqcst $g (local.get 0)))
  (func (export "get") (result i32) (global.atomic.get seqcst $g))
  (func (export "set") (param i32) (global.atomic.set acqrel $g (local.get 0)))
  (func (export "cmpxchg") (param i32 i32) (result i32)
    (global.atomic.rmw.cmpxchg seqcst $g (local.get 0) (local.get 1)))
  (func (export "xchg64") (param i64) (result i64) (global.atomic.rmw.xchg seqcst $w (local.get 0)))
)
(assert_return (invoke "get") (i32.const 10))
(assert_return (invoke "add" (i32.const 5)) (i32.const 10))
(assert_return (invoke "get") (i32.const 15))
(assert_return (invoke "cmpxchg" (i32.const 14) (i32.const 0)) (i32.const 15))
(assert_return (invoke "get") (i32.const 15))
(assert_return (invoke "cmpxchg" (i32.const 15) (i32.const -3)) (i32.const 15))
(assert_return (invoke "get") (i32.const -3))
(assert_return (invoke "set" (i32.const 7)))
(assert_return (invoke "get") (i32.const 7))
(assert_return (invoke "xchg64" (i64.const 0x1_0000_0000)) (i64.const -1))
(assert_return (invoke "xchg64" (i64.const 0)) (i64.const 0x1_0000_0000))
