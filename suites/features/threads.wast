;; feature: threads
;; wasmtime: threads
;;
;; Probe for Threads (shared memory and atomics). The first module needs a
;; shared memory and atomic instructions; the rest checks atomic loads/stores,
;; read-modify-write results (the old value comes back, the new one is
;; stored), compare-exchange success and failure, notify with no waiters, and
;; that misaligned atomic accesses trap. One agent only: no real concurrency.
;; No memory.atomic.wait: a browser page's main thread, where the harness runs
;; scripts, may not block ("Atomics.wait cannot be called in this context"),
;; which says nothing about the engine. Wasmtime needs Config.shared_memory as
;; well as wasm_threads to instantiate a shared memory.

(module
  (memory 1 1 shared)
  (func (export "store32") (param i32 i32) (i32.atomic.store (local.get 0) (local.get 1)))
  (func (export "load32") (param i32) (result i32) (i32.atomic.load (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.atomic.load8_u (local.get 0)))
  (func (export "store64") (param i32 i64) (i64.atomic.store (local.get 0) (local.get 1)))
  (func (export "load64") (param i32) (result i64) (i64.atomic.load (local.get 0)))
  (func (export "add32") (param i32 i32) (result i32) (i32.atomic.rmw.add (local.get 0) (local.get 1)))
  (func (export "sub64") (param i32 i64) (result i64) (i64.atomic.rmw.sub (local.get 0) (local.get 1)))
  (func (export "and32") (param i32 i32) (result i32) (i32.atomic.rmw.and (local.get 0) (local.get 1)))
  (func (export "or8") (param i32 i32) (result i32) (i32.atomic.rmw8.or_u (local.get 0) (local.get 1)))
  (func (export "xchg16") (param i32 i32) (result i32) (i32.atomic.rmw16.xchg_u (local.get 0) (local.get 1)))
  (func (export "cmpxchg32") (param i32 i32 i32) (result i32) (i32.atomic.rmw.cmpxchg (local.get 0) (local.get 1) (local.get 2)))
  (func (export "cmpxchg64") (param i32 i64 i64) (result i64) (i64.atomic.rmw.cmpxchg (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32) (memory.atomic.notify (local.get 0) (local.get 1)))
  (func (export "wait32") (param i32 i32 i64) (result i32) (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait64") (param i32 i64 i64) (result i32) (memory.atomic.wait64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fence") (atomic.fence))
)

(assert_return (invoke "store32" (i32.const 0) (i32.const 0x1234_5678)))
(assert_return (invoke "load32" (i32.const 0)) (i32.const 0x1234_5678))
(assert_return (invoke "load8" (i32.const 1)) (i32.const 0x56))
(assert_return (invoke "fence"))

;; read-modify-write: returns the old value, stores the new one
(assert_return (invoke "add32" (i32.const 0) (i32.const 0x0000_0008)) (i32.const 0x1234_5678))
(assert_return (invoke "load32" (i32.const 0)) (i32.const 0x1234_5680))
(assert_return (invoke "and32" (i32.const 0) (i32.const 0xffff_0000)) (i32.const 0x1234_5680))
(assert_return (invoke "load32" (i32.const 0)) (i32.const 0x1234_0000))
(assert_return (invoke "or8" (i32.const 3) (i32.const 0x1c1)) (i32.const 0x12))
(assert_return (invoke "load32" (i32.const 0)) (i32.const 0xd334_0000))
(assert_return (invoke "xchg16" (i32.const 2) (i32.const 0xabcd_beef)) (i32.const 0xd334))
(assert_return (invoke "load32" (i32.const 0)) (i32.const 0xbeef_0000))
(assert_return (invoke "store64" (i32.const 8) (i64.const 1)))
(assert_return (invoke "sub64" (i32.const 8) (i64.const 2)) (i64.const 1))
(assert_return (invoke "load64" (i32.const 8)) (i64.const -1))

;; compare-exchange: stores only when the expected value matches; always returns the old one
(assert_return (invoke "cmpxchg32" (i32.const 0) (i32.const 0) (i32.const 7)) (i32.const 0xbeef_0000))
(assert_return (invoke "load32" (i32.const 0)) (i32.const 0xbeef_0000))
(assert_return (invoke "cmpxchg32" (i32.const 0) (i32.const 0xbeef_0000) (i32.const 7)) (i32.const 0xbeef_0000))
(assert_return (invoke "load32" (i32.const 0)) (i32.const 7))
(assert_return (invoke "cmpxchg64" (i32.const 8) (i64.const -1) (i64.const 0x1_0000_0000)) (i64.const -1))
(assert_return (invoke "load64" (i32.const 8)) (i64.const 0x1_0000_0000))

;; notify with no waiter wakes 0
(assert_return (invoke "notify" (i32.const 0) (i32.const 10)) (i32.const 0))

;; atomic accesses must be naturally aligned, and stay in bounds
(assert_trap (invoke "load32" (i32.const 2)) "unaligned atomic")
(assert_trap (invoke "add32" (i32.const 1) (i32.const 1)) "unaligned atomic")
(assert_trap (invoke "wait32" (i32.const 2) (i32.const 0) (i64.const 0)) "unaligned atomic")
(assert_trap (invoke "load32" (i32.const 65536)) "out of bounds")
