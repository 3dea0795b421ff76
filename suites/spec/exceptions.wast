;; features: exnref
;; exceptions.wast: exception handling with exnref (try_table, throw,
;; throw_ref): assert_exception, catch clauses, exnref results and globals,
;; tags shared between instances. Legacy try/catch is in legacy_exceptions.wast.

(module $Tags
  (tag $e0 (export "e0"))
  (tag $e1 (export "e1") (param i32))
  (tag $e2 (export "e2") (param i64 f64))
  (func (export "throw0") (throw $e0))
  (func (export "throw1") (param i32) (throw $e1 (local.get 0)))
)
(register "tags" $Tags)

(module
  (tag $e0 (import "tags" "e0"))
  (tag $e1 (import "tags" "e1") (param i32))
  (tag $e2 (import "tags" "e2") (param i64 f64))
  (tag $local (param f32))
  (import "tags" "throw1" (func $throw1 (param i32)))

  (func (export "throw-e0") (throw $e0))
  (func (export "throw-e2") (param i64 f64) (throw $e2 (local.get 0) (local.get 1)))
  (func (export "throw-local") (param f32) (result f32) (throw $local (local.get 0)))
  (func (export "catch-e1") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e1 $h) (call $throw1 (local.get 0)))
      (i32.const -1)))
  (func (export "catch-e2") (result i64 f64)
    (block $h (result i64 f64)
      (try_table (catch $e2 $h) (throw $e2 (i64.const -5) (f64.const -0)))
      (unreachable)))
  (func (export "catch-all") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h)
        (if (local.get 0) (then (throw $e0)))
        (if (i32.eq (local.get 0) (i32.const 2)) (then (throw $local (f32.const 1)))))
      (return (i32.const 0)))
    (i32.const 1))
  (func (export "catch-ref-rethrow") (param i32) (local $x exnref)
    (block $h (result i32 exnref)
      (try_table (catch_ref $e1 $h) (call $throw1 (local.get 0)))
      (return))
    (local.set $x)
    (drop)
    (throw_ref (local.get $x)))
  (func $catch-all-ref (export "catch-all-ref") (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $e0))
      (ref.null exn)))
  (func (export "caught-is-null") (result i32)
    (ref.is_null (call $catch-all-ref)))
  (func (export "no-throw") (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (nop))
      (ref.null exn)))
  (func (export "null-noexn") (result exnref) (ref.null noexn))
  (func (export "throw-null") (throw_ref (ref.null exn)))
  (global (export "g.exn") exnref (ref.null exn))
  (global (export "g.noexn") nullexnref (ref.null noexn))
)

;; Uncaught exceptions, from the current and from another instance.
(assert_exception (invoke "throw-e0"))
(assert_exception (invoke "throw-e2" (i64.const 1) (f64.const nan:0x4000000000001)))
(assert_exception (invoke "throw-local" (f32.const -0)))
(assert_exception (invoke $Tags "throw0"))
(assert_exception (invoke $Tags "throw1" (i32.const 7)))

;; Caught exceptions deliver their payload exactly.
(assert_return (invoke "catch-e1" (i32.const 42)) (i32.const 42))
(assert_return (invoke "catch-e1" (i32.const -1)) (i32.const -1))
(assert_return (invoke "catch-e2") (i64.const -5) (f64.const -0))
(assert_return (invoke "catch-all" (i32.const 0)) (i32.const 0))
(assert_return (invoke "catch-all" (i32.const 1)) (i32.const 1))
(assert_return (invoke "catch-all" (i32.const 2)) (i32.const 1))

;; An exception rethrown with throw_ref escapes.
(assert_exception (invoke "catch-ref-rethrow" (i32.const 3)))

;; exnref results and globals.
(assert_return (invoke "caught-is-null") (i32.const 0))
(assert_return (invoke "no-throw") (ref.null exn))
(assert_return (invoke "no-throw") (ref.null))
(assert_return (invoke "null-noexn") (ref.null noexn))
(assert_return (invoke "null-noexn") (ref.null exn))
(assert_return (get "g.exn") (ref.null exn))
(assert_return (get "g.noexn") (ref.null noexn))
(assert_trap (invoke "throw-null") "null exception reference")

;; Deliberate failures: a normal return is not an exception, and vice versa.
(assert_exception (invoke "catch-e1" (i32.const 1)))  ;; xfail: the exception is caught, the call returns 1
(assert_return (invoke "throw-e0"))  ;; xfail: the call throws an uncaught exception

(assert_invalid
  (module (tag $e (param i32)) (func (throw $e (i64.const 0))))
  "type mismatch")
(assert_unlinkable
  (module (tag (import "tags" "e1") (param i64)))
  "incompatible import type")
