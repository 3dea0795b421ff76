;; features: legacyExceptions
;; legacy_exceptions.wast: the legacy exception-handling instructions (try,
;; catch, catch_all, rethrow, delegate), as shipped in browsers before exnref.
;; Instructions are written flat: the folded (try (do ...) (catch ...)) form is
;; not accepted by wasm-tools. Wasmtime does not implement legacy exceptions,
;; so it skips this file; it is checked with wabt's spectest-interp.

(module $Thrower
  (tag $e1 (export "e1") (param i32))
  (func (export "throw1") (param i32) (local.get 0) (throw $e1))
)
(register "thrower" $Thrower)

(module
  (import "thrower" "e1" (tag $e1 (param i32)))
  (import "thrower" "throw1" (func $throw1 (param i32)))
  (tag $e0)
  (tag $e2 (param i64))

  (func (export "throw-e0") (throw $e0))
  (func (export "throw-e2") (param i64) (local.get 0) (throw $e2))

  ;; catch delivers the payload.
  (func (export "catch-e1") (param i32) (result i32)
    try (result i32)
      local.get 0
      call $throw1
      i32.const -1
    catch $e1
    end)

  ;; catch_all catches anything; a matching catch is preferred.
  (func (export "catch-order") (param i32) (result i32)
    try (result i32)
      local.get 0
      if
        throw $e0
      end
      i64.const 5
      throw $e2
    catch $e0
      i32.const 10
    catch_all
      i32.const 20
    end)

  ;; rethrow from inside a catch propagates the same exception.
  (func (export "rethrow") (param i32) (result i32)
    try (result i32)
      try
        local.get 0
        call $throw1
      catch $e1
        drop
        rethrow 0
      end
      i32.const 0
    catch $e1
      i32.const 1
      i32.add
    end)

  ;; delegate hands the exception to an outer try.
  (func (export "delegate") (result i64)
    try (result i64)
      try
        i64.const -9
        throw $e2
      delegate 0
      i64.const 0
    catch $e2
    end)

  ;; An exception that no handler matches escapes.
  (func (export "uncaught") (param i32)
    try
      local.get 0
      call $throw1
    catch $e0
    end)

  ;; No exception: the try body's value is the result.
  (func (export "no-throw") (result i32)
    try (result i32)
      i32.const 3
    catch_all
      i32.const 4
    end)
)

(assert_exception (invoke "throw-e0"))
(assert_exception (invoke "throw-e2" (i64.const -1)))
(assert_exception (invoke $Thrower "throw1" (i32.const 1)))
(assert_return (invoke "catch-e1" (i32.const 42)) (i32.const 42))
(assert_return (invoke "catch-e1" (i32.const -7)) (i32.const -7))
(assert_return (invoke "catch-order" (i32.const 1)) (i32.const 10))
(assert_return (invoke "catch-order" (i32.const 0)) (i32.const 20))
(assert_return (invoke "rethrow" (i32.const 41)) (i32.const 42))
(assert_return (invoke "delegate") (i64.const -9))
(assert_exception (invoke "uncaught" (i32.const 5)))
(assert_return (invoke "no-throw") (i32.const 3))

(assert_invalid
  (module (func try catch_all rethrow 1 end))
  "invalid rethrow label")
