;; feature: memoryControl
;; v8-flag: --experimental-wasm-memory-control
;;
;; Probe for Memory Control's memory.discard (phase 1; the encoding 0xfc 0x12
;; is SpiderMonkey's prototype one, which wasm-tools writes). The first module
;; needs memory.discard; the rest checks that discarding whole pages zeroes
;; exactly those pages, that the memory stays usable and its size unchanged,
;; and that a range past the end traps. Only page-aligned ranges are used:
;; what an unaligned range does is still open in the proposal. V8 has a flag
;; of this name, but with it (Deno 2.9, Chromium 156) 0xfc 0x12 is still an
;; invalid opcode.

(module
  (memory 3)
  (func (export "discard") (param i32 i32) (memory.discard (local.get 0) (local.get 1)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "size") (result i32) (memory.size))
)

(assert_return (invoke "fill" (i32.const 0) (i32.const 0x5a) (i32.const 196608)))
(assert_return (invoke "discard" (i32.const 65536) (i32.const 65536)))
(assert_return (invoke "load" (i32.const 65535)) (i32.const 0x5a))
(assert_return (invoke "load" (i32.const 65536)) (i32.const 0))
(assert_return (invoke "load" (i32.const 131071)) (i32.const 0))
(assert_return (invoke "load" (i32.const 131072)) (i32.const 0x5a))
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "store" (i32.const 70000) (i32.const 9)))
(assert_return (invoke "load" (i32.const 70000)) (i32.const 9))
(assert_return (invoke "discard" (i32.const 0) (i32.const 196608)))
(assert_return (invoke "load" (i32.const 0)) (i32.const 0))
(assert_return (invoke "load" (i32.const 196607)) (i32.const 0))
(assert_trap (invoke "discard" (i32.const 131072) (i32.const 131072)) "out of bounds memory access")
