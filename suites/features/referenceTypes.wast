;; feature: referenceTypes
;;
;; Probe for Reference Types (WebAssembly 2.0). The first module needs
;; externref, several tables, ref.func / ref.null / ref.is_null, table.get /
;; set / size / grow / fill, typed select and call_indirect on a table other
;; than 0. The checks stay inside wasm (only null references cross the host
;; boundary), so a host that cannot pass host values still answers.
;; Wasmtime 50 (wasmtime-py) aborts when reference_types is disabled: its C API
;; enables component-model-async, which needs reference types, and wasmtime-py
;; has no property for it (the C setter wasmtime_config_wasm_component_model_async_set
;; must be called with false first).

(module
  (type $ret (func (result i32)))
  (table $t0 1 funcref)
  (table $fs 2 10 funcref)
  (table $xs 3 externref)
  (func $seven (result i32) (i32.const 7))
  (func $eight (result i32) (i32.const 8))
  (elem declare func $seven $eight)
  (global $g (mut funcref) (ref.null func))

  (func (export "is_null_extern") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func (export "id_extern") (param externref) (result externref) (local.get 0))
  (func (export "null_func") (result funcref) (ref.null func))
  (func (export "set_fs") (param $i i32) (param $which i32)
    (table.set $fs (local.get $i)
      (select (result funcref) (ref.func $seven) (ref.func $eight) (local.get $which))))
  (func (export "call_fs") (param $i i32) (result i32)
    (call_indirect $fs (type $ret) (local.get $i)))
  (func (export "fs_is_null") (param $i i32) (result i32)
    (ref.is_null (table.get $fs (local.get $i))))
  (func (export "grow_fs") (param $n i32) (result i32)
    (table.grow $fs (ref.func $eight) (local.get $n)))
  (func (export "size_fs") (result i32) (table.size $fs))
  (func (export "size_xs") (result i32) (table.size $xs))
  (func (export "fill_fs") (param $i i32) (param $n i32)
    (table.fill $fs (local.get $i) (ref.func $seven) (local.get $n)))
  (func (export "fill_xs") (param $i i32) (param $v externref) (param $n i32)
    (table.fill $xs (local.get $i) (local.get $v) (local.get $n)))
  (func (export "xs_is_null") (param $i i32) (result i32)
    (ref.is_null (table.get $xs (local.get $i))))
  (func (export "stash") (global.set $g (ref.func $seven)))
  (func (export "global_is_null") (result i32) (ref.is_null (global.get $g)))
  (func (export "copy_global_to_t0")
    (table.set $t0 (i32.const 0) (global.get $g)))
  (func (export "call_t0") (result i32) (call_indirect $t0 (type $ret) (i32.const 0)))
)

(assert_return (invoke "is_null_extern" (ref.null extern)) (i32.const 1))
(assert_return (invoke "id_extern" (ref.null extern)) (ref.null extern))
(assert_return (invoke "null_func") (ref.null func))

(assert_return (invoke "fs_is_null" (i32.const 0)) (i32.const 1))
(assert_trap (invoke "call_fs" (i32.const 1)) "uninitialized element")
(assert_return (invoke "set_fs" (i32.const 0) (i32.const 1)))
(assert_return (invoke "set_fs" (i32.const 1) (i32.const 0)))
(assert_return (invoke "fs_is_null" (i32.const 0)) (i32.const 0))
(assert_return (invoke "call_fs" (i32.const 0)) (i32.const 7))
(assert_return (invoke "call_fs" (i32.const 1)) (i32.const 8))

(assert_return (invoke "grow_fs" (i32.const 3)) (i32.const 2))
(assert_return (invoke "size_fs") (i32.const 5))
(assert_return (invoke "call_fs" (i32.const 4)) (i32.const 8))
(assert_return (invoke "grow_fs" (i32.const 6)) (i32.const -1))
(assert_return (invoke "size_fs") (i32.const 5))
(assert_trap (invoke "call_fs" (i32.const 5)) "undefined element")

(assert_return (invoke "fill_fs" (i32.const 2) (i32.const 2)))
(assert_return (invoke "call_fs" (i32.const 3)) (i32.const 7))
(assert_return (invoke "call_fs" (i32.const 4)) (i32.const 8))
(assert_trap (invoke "fill_fs" (i32.const 4) (i32.const 2)) "out of bounds")
(assert_return (invoke "call_fs" (i32.const 4)) (i32.const 8))

(assert_return (invoke "size_xs") (i32.const 3))
(assert_return (invoke "fill_xs" (i32.const 1) (ref.null extern) (i32.const 2)))
(assert_return (invoke "xs_is_null" (i32.const 2)) (i32.const 1))
(assert_trap (invoke "fill_xs" (i32.const 2) (ref.null extern) (i32.const 2)) "out of bounds")
(assert_trap (invoke "xs_is_null" (i32.const 3)) "out of bounds")

(assert_return (invoke "global_is_null") (i32.const 1))
(assert_return (invoke "stash"))
(assert_return (invoke "global_is_null") (i32.const 0))
(assert_trap (invoke "call_t0") "uninitialized element")
(assert_return (invoke "copy_global_to_t0"))
(assert_return (invoke "call_t0") (i32.const 7))
