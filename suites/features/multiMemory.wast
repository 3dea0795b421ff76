;; feature: multiMemory
;; wasmtime: multi_memory
;; v8-flag: --experimental-wasm-multi-memory
;;
;; Probe for Multiple Memories. The first module defines two memories; the
;; rest checks that loads, stores, data segments, memory.size / memory.grow,
;; memory.fill / memory.init and memory.copy between memories each use the
;; memory they name, that bounds are per memory, and that an imported memory
;; (spectest's, 1 page) can sit beside defined ones.

(module
  (memory $a 1)
  (memory $b 2)
  (data (memory $a) (i32.const 0) "\aa\aa\aa\aa")
  (data (memory $b) (i32.const 0) "\bb\bb\bb\bb")
  (data $p "\01\02\03\04")
  (func (export "load_a") (param i32) (result i32) (i32.load $a (local.get 0)))
  (func (export "load_b") (param i32) (result i32) (i32.load $b (local.get 0)))
  (func (export "store_b") (param i32 i32) (i32.store $b (local.get 0) (local.get 1)))
  (func (export "size_a") (result i32) (memory.size $a))
  (func (export "size_b") (result i32) (memory.size $b))
  (func (export "grow_a") (param i32) (result i32) (memory.grow $a (local.get 0)))
  (func (export "copy_b_to_a") (param i32 i32 i32) (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill_b") (param i32 i32 i32) (memory.fill $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_b") (param i32) (memory.init $b $p (local.get 0) (i32.const 0) (i32.const 4)))
)

(assert_return (invoke "load_a" (i32.const 0)) (i32.const 0xaaaa_aaaa))
(assert_return (invoke "load_b" (i32.const 0)) (i32.const 0xbbbb_bbbb))
(assert_return (invoke "size_a") (i32.const 1))
(assert_return (invoke "size_b") (i32.const 2))
(assert_return (invoke "store_b" (i32.const 0) (i32.const 0x1234_5678)))
(assert_return (invoke "load_a" (i32.const 0)) (i32.const 0xaaaa_aaaa))
(assert_return (invoke "load_b" (i32.const 0)) (i32.const 0x1234_5678))
;; bounds are per memory: 70000 is inside $b (2 pages) but outside $a (1 page)
(assert_return (invoke "store_b" (i32.const 70000) (i32.const 5)))
(assert_return (invoke "load_b" (i32.const 70000)) (i32.const 5))
(assert_trap (invoke "load_a" (i32.const 70000)) "out of bounds memory access")
(assert_return (invoke "copy_b_to_a" (i32.const 100) (i32.const 0) (i32.const 4)))
(assert_return (invoke "load_a" (i32.const 100)) (i32.const 0x1234_5678))
(assert_trap (invoke "copy_b_to_a" (i32.const 0) (i32.const 131070) (i32.const 4)) "out of bounds memory access")
(assert_trap (invoke "copy_b_to_a" (i32.const 70000) (i32.const 0) (i32.const 4)) "out of bounds memory access")
(assert_return (invoke "fill_b" (i32.const 8) (i32.const 0xcc) (i32.const 2)))
(assert_return (invoke "load_b" (i32.const 8)) (i32.const 0x0000_cccc))
(assert_return (invoke "load_a" (i32.const 8)) (i32.const 0))
(assert_return (invoke "init_b" (i32.const 12)))
(assert_return (invoke "load_b" (i32.const 12)) (i32.const 0x0403_0201))
(assert_return (invoke "load_a" (i32.const 12)) (i32.const 0))
(assert_return (invoke "grow_a" (i32.const 2)) (i32.const 1))
(assert_return (invoke "size_a") (i32.const 3))
(assert_return (invoke "size_b") (i32.const 2))
(assert_return (invoke "load_a" (i32.const 70000)) (i32.const 0))

;; an imported memory beside defined ones; exports of either
(module
  (import "spectest" "memory" (memory $imp 1 2))
  (memory $own 1)
  (data (memory $imp) (i32.const 0) "\11\22\33\44")
  (func (export "load_own") (param i32) (result i32) (i32.load $own (local.get 0)))
  (func (export "load_imp") (param i32) (result i32) (i32.load $imp (local.get 0)))
  (export "own" (memory $own))
  (export "imp" (memory $imp))
)
(assert_return (invoke "load_imp" (i32.const 0)) (i32.const 0x4433_2211))
(assert_return (invoke "load_own" (i32.const 0)) (i32.const 0))
