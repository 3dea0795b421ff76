;; feature: exceptionsFinal
;; wasmtime: exceptions
;; v8-flag: --experimental-wasm-exnref
;;
;; Probe for Exception Handling with exnref (try_table / throw_ref). The first
;; module needs try_table and exnref; the rest checks that the right clause
;; catches (catch, catch_ref, catch_all, catch_all_ref), payloads arrive intact
;; (one and several values), an exnref is a first-class value that can be
;; kept and rethrown later with throw_ref, a null exnref traps, uncaught
;; exceptions escape to the host, traps are not exceptions, and tags keep
;; their identity across instances.

(module
  (tag $e (export "e") (param i32))
  (tag $other)
  (global $kept (mut exnref) (ref.null exn))
  (func $throw (export "throw") (param i32) (throw $e (local.get 0)))

  (func (export "catch") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h)
        (if (local.get 0) (then (call $throw (local.get 0)))))
      (return (i32.const 0)))
    (i32.add (i32.const 1000)))

  (func (export "catch_all") (result i32)
    (block $h
      (block $wrong (result i32)
        (try_table (catch $e $wrong) (catch_all $h) (throw $other))
        (unreachable))
      (return (i32.const -1)))
    (i32.const 2))

  ;; catch_ref: keep the exception, rethrow it with throw_ref, catch it outside
  (func (export "rethrow") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (catch $e $outer)
        (block $h (result i32 exnref)
          (try_table (catch_ref $e $h) (call $throw (local.get 0)))
          (unreachable))
        (throw_ref))
      (unreachable))
    (i32.add (i32.const 2000)))

  ;; an exnref outlives its handler: store it in a global, throw it later
  (func (export "keep") (param i32)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (call $throw (local.get 0)))
      (unreachable))
    (global.set $kept))
  (func (export "throw_kept") (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw_ref (global.get $kept)))
      (unreachable))
    (i32.add (i32.const 3000)))
  (func (export "kept_is_null") (result i32) (ref.is_null (global.get $kept)))
  (func (export "throw_null") (throw_ref (ref.null exn)))

  ;; a trap is not an exception: catch_all does not stop it
  (func (export "trap") (result i32)
    (block $h
      (try_table (catch_all $h) (unreachable)))
    (i32.const 1))
)

(assert_return (invoke "catch" (i32.const 0)) (i32.const 0))
(assert_return (invoke "catch" (i32.const 7)) (i32.const 1007))
(assert_return (invoke "catch_all") (i32.const 2))
(assert_return (invoke "rethrow" (i32.const 9)) (i32.const 2009))
(assert_return (invoke "kept_is_null") (i32.const 1))
(assert_return (invoke "keep" (i32.const 42)))
(assert_return (invoke "kept_is_null") (i32.const 0))
(assert_return (invoke "throw_kept") (i32.const 3042))
(assert_return (invoke "throw_kept") (i32.const 3042))
(assert_trap (invoke "throw_null") "null exception reference")
(assert_trap (invoke "trap") "unreachable")
(assert_exception (invoke "throw" (i32.const 1)))

;; a tag imported from another instance is the same tag; a same-typed local tag is not;
;; payloads of several values arrive intact
(register "exn")
(module
  (import "exn" "throw" (func $throw (param i32)))
  (import "exn" "e" (tag $e (param i32)))
  (tag $mine (param i32))
  (tag $pair (param i32 i64))
  (tag $other)
  ;; several payload values; the first clause whose tag matches wins
  (func (export "catch_pair") (param i32 i64) (result i32 i64)
    (block $wrong
      (block $h (result i32 i64)
        (try_table (catch $other $wrong) (catch $pair $h) (catch_all $wrong)
          (throw $pair (local.get 0) (local.get 1)))
        (unreachable))
      (return))
    (i32.const -1) (i64.const -1))

  (func (export "catch_imported") (param i32) (result i32)
    (block $wrong (result i32)
      (block $h (result i32)
        (try_table (catch $mine $wrong) (catch $e $h) (call $throw (local.get 0)))
        (unreachable))
      (return (i32.add (i32.const 4000))))
    (drop) (i32.const -1))
  (func (export "not_mine") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $mine $h) (call $throw (local.get 0)))
      (unreachable))
    (i32.add (i32.const 5000)))
)
(assert_return (invoke "catch_imported" (i32.const 2)) (i32.const 4002))
(assert_exception (invoke "not_mine" (i32.const 3)))
(assert_return (invoke "catch_pair" (i32.const -5) (i64.const 0x1_0000_0000)) (i32.const -5) (i64.const 0x1_0000_0000))
