;; feature: customPageSizes
;; wasmtime: custom_page_sizes
;;
;; Probe for Custom Page Sizes. The first module declares a memory with
;; 1-byte pages; the rest checks that its size, growth and maximum are counted
;; in bytes, that a 10-page memory really ends after byte 9 (accesses are
;; bounds-checked to the byte, not rounded up to 64 KiB), and that an explicit
;; 64 KiB page size behaves as the default.

(module
  (memory 10 20 (pagesize 1))
  (data (i32.const 6) "\01\02\03\04")
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store16") (param i32 i32) (i32.store16 (local.get 0) (local.get 1)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
)

(assert_return (invoke "size") (i32.const 10))
(assert_return (invoke "load32" (i32.const 6)) (i32.const 0x0403_0201))
(assert_return (invoke "load8" (i32.const 9)) (i32.const 4))
(assert_trap (invoke "load8" (i32.const 10)) "out of bounds memory access")
(assert_trap (invoke "load32" (i32.const 7)) "out of bounds memory access")
(assert_trap (invoke "store16" (i32.const 9) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "load8" (i32.const 65535)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 5) (i32.const 0) (i32.const 6)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 9)) (i32.const 4))
(assert_return (invoke "grow" (i32.const 5)) (i32.const 10))
(assert_return (invoke "size") (i32.const 15))
(assert_return (invoke "store16" (i32.const 13) (i32.const 0xbeef)))
(assert_return (invoke "load8" (i32.const 14)) (i32.const 0xbe))
(assert_trap (invoke "load8" (i32.const 15)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 6)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 5)) (i32.const 15))
(assert_return (invoke "size") (i32.const 20))

;; a data segment past the byte-sized end fails instantiation
(assert_trap
  (module (memory 4 (pagesize 1)) (data (i32.const 3) "\01\02"))
  "out of bounds memory access")

;; page size 65536 written out is the default
(module
  (memory 1 (pagesize 65536))
  (func (export "size") (result i32) (memory.size))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0))
(assert_trap (invoke "load8" (i32.const 65536)) "out of bounds memory access")
