;; feature: customDescriptors
;; v8-flag: --experimental-wasm-custom-descriptors
;;
;; Probe for Custom Descriptors (phase 3; the wasm part only, not the JS
;; prototype interop). The first module needs descriptor / describes types,
;; exact reference types and struct.new_desc; the rest checks that an object
;; keeps the descriptor it was made with (ref.get_desc), and that descriptor
;; casts (ref.cast_desc_eq, br_on_cast_desc_eq) succeed exactly when the
;; descriptor is the same object, not merely one of the same type.

(module
  (rec
    (type $s (descriptor $d) (struct (field $v i32)))
    (type $d (describes $s) (struct (field $tag i64))))
  (global $d1 (ref (exact $d)) (struct.new $d (i64.const 1)))
  (global $d2 (ref (exact $d)) (struct.new $d (i64.const 2)))
  (func $make (param $which i32) (param $v i32) (result (ref $s))
    (struct.new_desc $s (local.get $v)
      (select (result (ref (exact $d))) (global.get $d1) (global.get $d2) (local.get $which))))
  (func (export "desc_tag") (param i32) (result i64)
    (struct.get $d $tag (ref.get_desc $s (call $make (local.get 0) (i32.const 5)))))
  (func (export "same_desc") (param i32) (result i32)
    (ref.eq (ref.get_desc $s (call $make (local.get 0) (i32.const 5))) (global.get $d1)))
  (func (export "cast") (param i32) (result i32)
    (struct.get $s $v
      (ref.cast_desc_eq (ref $s) (call $make (local.get 0) (i32.const 9)) (global.get $d1))))
  (func (export "br_on_cast") (param i32) (result i32)
    (block $yes (result (ref $s))
      (br_on_cast_desc_eq $yes (ref $s) (ref $s)
        (call $make (local.get 0) (i32.const 11)) (global.get $d1))
      (drop)
      (return (i32.const -1)))
    (struct.get $s $v))
)

(assert_return (invoke "desc_tag" (i32.const 1)) (i64.const 1))
(assert_return (invoke "desc_tag" (i32.const 0)) (i64.const 2))
(assert_return (invoke "same_desc" (i32.const 1)) (i32.const 1))
(assert_return (invoke "same_desc" (i32.const 0)) (i32.const 0))
(assert_return (invoke "cast" (i32.const 1)) (i32.const 9))
(assert_trap (invoke "cast" (i32.const 0)) "cast failure")
(assert_return (invoke "br_on_cast" (i32.const 1)) (i32.const 11))
(assert_return (invoke "br_on_cast" (i32.const 0)) (i32.const -1))
