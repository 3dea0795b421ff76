;; feature: memory64
;; wasmtime: memory64
;; v8-flag: --experimental-wasm-memory64
;;
;; Probe for Memory64 (i64-indexed memories; table64 in a later module). The
;; first module needs a memory with an i64 index type; the rest checks i64
;; addresses and offsets, memory.size / memory.grow in i64, bulk operations
;; with i64 lengths, and bounds checks on the full 64-bit address: addresses
;; just past the end, above 4 GiB, and ones whose low 32 bits would be in
;; bounds (an engine that wraps addresses to 32 bits would read or write
;; there instead of trapping). The memory is 2 pages; nothing large is
;; allocated.

(module
  (memory $m i64 2 3)
  (data (i64.const 0x1_0000) "\01\02\03\04\05\06\07\08")
  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load64") (param i64) (result i64) (i64.load (local.get 0)))
  (func (export "store64") (param i64 i64) (i64.store (local.get 0) (local.get 1)))
  ;; a static offset above 4 GiB, added to the address
  (func (export "load_off") (param i64) (result i32) (i32.load8_u offset=0x1_0000_0000 (local.get 0)))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "fill") (param i64 i32 i64) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i64 i64 i64) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
)

(assert_return (invoke "size") (i64.const 2))
(assert_return (invoke "load64" (i64.const 0x1_0000)) (i64.const 0x0807_0605_0403_0201))
(assert_return (invoke "store64" (i64.const 0x1_fff8) (i64.const -2)))
(assert_return (invoke "load64" (i64.const 0x1_fff8)) (i64.const -2))
(assert_return (invoke "load8" (i64.const 0x1_ffff)) (i32.const 0xff))

;; just past the end, far past it, above 4 GiB and at the top of the address space
(assert_trap (invoke "load8" (i64.const 0x2_0000)) "out of bounds memory access")
(assert_trap (invoke "load64" (i64.const 0x1_fff9)) "out of bounds memory access")
(assert_trap (invoke "load8" (i64.const 0x1_0000_0000)) "out of bounds memory access")
(assert_trap (invoke "load8" (i64.const 0x8000_0000_0000_0000)) "out of bounds memory access")
(assert_trap (invoke "load8" (i64.const -1)) "out of bounds memory access")
;; the low 32 bits of these are in bounds: a 32-bit wrap would not trap
(assert_trap (invoke "load64" (i64.const 0x1_0001_0000)) "out of bounds memory access")
(assert_trap (invoke "store64" (i64.const 0x1_0000_0010) (i64.const 7)) "out of bounds memory access")
(assert_return (invoke "load64" (i64.const 0x10)) (i64.const 0))
(assert_trap (invoke "load_off" (i64.const 0x1_0000)) "out of bounds memory access")
(assert_trap (invoke "load_off" (i64.const 0xffff_ffff_0001_0000)) "out of bounds memory access")

;; bulk operations take i64 lengths, and are bounds-checked on 64 bits too
(assert_return (invoke "fill" (i64.const 0x100) (i32.const 0xab) (i64.const 4)))
(assert_return (invoke "copy" (i64.const 0x200) (i64.const 0xfe) (i64.const 8)))
(assert_return (invoke "load64" (i64.const 0x200)) (i64.const 0x0000_abab_abab_0000))
(assert_trap (invoke "fill" (i64.const 0) (i32.const 1) (i64.const 0x1_0000_0000)) "out of bounds memory access")
(assert_trap (invoke "copy" (i64.const 0) (i64.const 0x1_0000_0000) (i64.const 1)) "out of bounds memory access")
(assert_return (invoke "load8" (i64.const 0)) (i32.const 0))

;; memory.grow in i64 pages, up to the maximum
(assert_return (invoke "grow" (i64.const 1)) (i64.const 2))
(assert_return (invoke "size") (i64.const 3))
(assert_return (invoke "load8" (i64.const 0x2_ffff)) (i32.const 0))
(assert_trap (invoke "load8" (i64.const 0x3_0000)) "out of bounds memory access")
(assert_return (invoke "grow" (i64.const 1)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 0x1_0000_0000)) (i64.const -1))
(assert_return (invoke "size") (i64.const 3))

;; table64: a table with an i64 index type, the proposal's other half
(module
  (type $ret (func (result i32)))
  (table $t i64 2 funcref)
  (elem (table $t) (i64.const 1) func $seven)
  (func $seven (result i32) (i32.const 7))
  (func (export "call") (param i64) (result i32) (call_indirect $t (type $ret) (local.get 0)))
  (func (export "size") (result i64) (table.size $t))
  (func (export "grow") (param i64) (result i64) (table.grow $t (ref.null func) (local.get 0)))
)
(assert_return (invoke "call" (i64.const 1)) (i32.const 7))
(assert_trap (invoke "call" (i64.const 0)) "uninitialized element")
(assert_trap (invoke "call" (i64.const 0x1_0000_0001)) "undefined element")
(assert_return (invoke "grow" (i64.const 3)) (i64.const 2))
(assert_return (invoke "size") (i64.const 5))
