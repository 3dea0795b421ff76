;; feature: exceptions
;; v8-flag: --experimental-wasm-legacy-eh
;;
;; Probe for Legacy Exception Handling (try / catch / catch_all / rethrow /
;; delegate, the form shipped before exnref). wasmtime-py has no switch for
;; it (Wasmtime rejects it). The first module needs the legacy
;; instructions; the rest checks exceptions are caught by the right handler
;; with their payload, rethrown and delegated outward, escape uncaught, and
;; that traps are not exceptions. Flat instruction syntax: wasm-tools does not
;; read the folded legacy form.

(module
  (tag $e (export "e") (param i32))
  (tag $other)
  (func $throw (export "throw") (param i32) (local.get 0) (throw $e))

  ;; caught by its tag, with the payload; falls through when nothing is thrown
  (func (export "catch") (param i32) (result i32)
    try (result i32)
      local.get 0
      i32.eqz
      if
        i32.const 0
        return
      end
      local.get 0
      call $throw
      i32.const -1
    catch $e
      i32.const 1000
      i32.add
    end)

  ;; catch_all catches any tag
  (func (export "catch_all") (result i32)
    try (result i32)
      throw $other
    catch $e
      drop
      i32.const 1
    catch_all
      i32.const 2
    end)

  ;; rethrow the caught exception to an outer handler: same tag, same payload
  (func (export "rethrow") (param i32) (result i32)
    try (result i32)
      try (result i32)
        local.get 0
        call $throw
        i32.const -1
      catch $e
        drop
        rethrow 0
      end
    catch $e
      i32.const 2000
      i32.add
    end)

  ;; delegate hands the exception to the handler of an outer try
  (func (export "delegate") (param i32) (result i32)
    try (result i32)
      try (result i32)
        local.get 0
        call $throw
        i32.const -1
      delegate 0
    catch $e
      i32.const 3000
      i32.add
    end)

  ;; a trap is not an exception: catch_all does not stop it
  (func (export "trap") (result i32)
    try (result i32)
      unreachable
    catch_all
      i32.const 1
    end)
)

(assert_return (invoke "catch" (i32.const 0)) (i32.const 0))
(assert_return (invoke "catch" (i32.const 7)) (i32.const 1007))
(assert_return (invoke "catch_all") (i32.const 2))
(assert_return (invoke "rethrow" (i32.const 9)) (i32.const 2009))
(assert_return (invoke "delegate" (i32.const 4)) (i32.const 3004))
(assert_trap (invoke "trap") "unreachable")
(assert_exception (invoke "throw" (i32.const 1)))

;; a tag imported from another instance is the same tag; payloads of several values
(register "legacy")
(module
  (import "legacy" "throw" (func $throw (param i32)))
  (import "legacy" "e" (tag $e (param i32)))
  (tag $pair (param i32 i64))
  (tag $other)
  ;; a handler for another tag does not catch it
  (func (export "catch_pair") (param i32 i64) (result i32 i64)
    try (result i32 i64)
      local.get 0
      local.get 1
      throw $pair
    catch $other
      i32.const -1
      i64.const -1
    catch $pair
    end)

  (func (export "catch_imported") (param i32) (result i32)
    try (result i32)
      local.get 0
      call $throw
      i32.const -1
    catch $e
      i32.const 4000
      i32.add
    end)
)
(assert_return (invoke "catch_imported" (i32.const 2)) (i32.const 4002))
(assert_return (invoke "catch_pair" (i32.const 5) (i64.const 0x1_0000_0000)) (i32.const 5) (i64.const 0x1_0000_0000))
