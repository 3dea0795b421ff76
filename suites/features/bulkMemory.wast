;; feature: bulkMemory
;; wasmtime: bulk_memory
;;
;; Probe for Bulk Memory Operations (WebAssembly 2.0). The first module needs
;; memory.init / memory.copy / memory.fill / data.drop, table.init / table.copy /
;; elem.drop and passive segments; the rest checks they do what the spec says:
;; bytes land where they should, memory.copy is a memmove, dropped segments are
;; empty, and out-of-bounds ranges trap before writing anything.

(module
  (memory 1)
  (data $d "\01\02\03\04\05\06\07\08")
  (table 4 funcref)
  (elem $e func $one $two $three)
  (type $ret (func (result i32)))
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func $three (result i32) (i32.const 3))

  (func (export "init") (param $dst i32) (param $src i32) (param $n i32)
    (memory.init $d (local.get $dst) (local.get $src) (local.get $n)))
  (func (export "drop") (data.drop $d))
  (func (export "fill") (param $dst i32) (param $val i32) (param $n i32)
    (memory.fill (local.get $dst) (local.get $val) (local.get $n)))
  (func (export "copy") (param $dst i32) (param $src i32) (param $n i32)
    (memory.copy (local.get $dst) (local.get $src) (local.get $n)))
  (func (export "load8") (param $a i32) (result i32) (i32.load8_u (local.get $a)))
  (func (export "load64") (param $a i32) (result i64) (i64.load (local.get $a)))

  (func (export "table_init") (param $dst i32) (param $src i32) (param $n i32)
    (table.init $e (local.get $dst) (local.get $src) (local.get $n)))
  (func (export "elem_drop") (elem.drop $e))
  (func (export "table_copy") (param $dst i32) (param $src i32) (param $n i32)
    (table.copy (local.get $dst) (local.get $src) (local.get $n)))
  (func (export "call") (param $i i32) (result i32)
    (call_indirect (type $ret) (local.get $i)))
)

;; memory.init copies the requested slice of the passive segment
(assert_return (invoke "init" (i32.const 100) (i32.const 2) (i32.const 4)))
(assert_return (invoke "load64" (i32.const 96)) (i64.const 0x0605_0403_0000_0000))
(assert_return (invoke "load64" (i32.const 100)) (i64.const 0x0000_0000_0605_0403))
;; a zero-length init at the very end is fine; one byte past the segment traps
(assert_return (invoke "init" (i32.const 65536) (i32.const 8) (i32.const 0)))
(assert_trap (invoke "init" (i32.const 0) (i32.const 7) (i32.const 2)) "out of bounds")
(assert_trap (invoke "init" (i32.const 65535) (i32.const 0) (i32.const 2)) "out of bounds")
;; the trapping init wrote nothing (bounds are checked before copying)
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0))

;; memory.fill
(assert_return (invoke "fill" (i32.const 200) (i32.const 0x1aa) (i32.const 3)))
(assert_return (invoke "load64" (i32.const 200)) (i64.const 0x0000_0000_00aa_aaaa))
(assert_trap (invoke "fill" (i32.const 65530) (i32.const 1) (i32.const 7)) "out of bounds")
(assert_return (invoke "load8" (i32.const 65530)) (i32.const 0))

;; memory.copy is a memmove: overlapping forwards and backwards
(assert_return (invoke "init" (i32.const 300) (i32.const 0) (i32.const 8)))
(assert_return (invoke "copy" (i32.const 302) (i32.const 300) (i32.const 4)))
(assert_return (invoke "load64" (i32.const 300)) (i64.const 0x0807_0403_0201_0201))
(assert_return (invoke "init" (i32.const 400) (i32.const 0) (i32.const 8)))
(assert_return (invoke "copy" (i32.const 400) (i32.const 402) (i32.const 4)))
(assert_return (invoke "load64" (i32.const 400)) (i64.const 0x0807_0605_0605_0403))
(assert_trap (invoke "copy" (i32.const 0) (i32.const 65535) (i32.const 2)) "out of bounds")

;; data.drop empties the segment: only zero-length inits remain valid
(assert_return (invoke "drop"))
(assert_return (invoke "init" (i32.const 0) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "init" (i32.const 0) (i32.const 0) (i32.const 1)) "out of bounds")

;; table.init / table.copy / elem.drop
(assert_trap (invoke "call" (i32.const 0)) "uninitialized element")
(assert_return (invoke "table_init" (i32.const 1) (i32.const 0) (i32.const 3)))
(assert_return (invoke "call" (i32.const 1)) (i32.const 1))
(assert_return (invoke "call" (i32.const 3)) (i32.const 3))
(assert_return (invoke "table_copy" (i32.const 0) (i32.const 2) (i32.const 2)))
(assert_return (invoke "call" (i32.const 0)) (i32.const 2))
(assert_return (invoke "call" (i32.const 1)) (i32.const 3))
(assert_trap (invoke "table_init" (i32.const 3) (i32.const 0) (i32.const 2)) "out of bounds")
(assert_return (invoke "elem_drop"))
(assert_trap (invoke "table_init" (i32.const 0) (i32.const 0) (i32.const 1)) "out of bounds")
