;; features: gc functionReferences
;; gc_refs.wast: GC reference results and arguments: (ref.struct), (ref.array),
;; (ref.i31), (ref.eq), (ref.any), (ref.host N), nulls of the any / func /
;; extern hierarchies, host values crossing between anyref and externref,
;; typed function references, and globals of GC types.
;; Note: write nulls of the any hierarchy as (ref.null any) or (ref.null none);
;; wasm-tools json-from-wast writes (ref.null eq|struct|array|i31) the same as
;; the non-null patterns (ref.eq) etc., so those spellings are avoided.

(module
  (type $pt (struct (field $x i32) (field $y (mut i64))))
  (type $arr (array (mut i32)))
  (type $ft (func (param i32) (result i32)))
  (elem declare func $double)
  (func $double (type $ft) (i32.mul (local.get 0) (i32.const 2)))

  (func (export "struct") (result anyref) (struct.new $pt (i32.const 1) (i64.const 2)))
  (func (export "struct.typed") (result (ref $pt)) (struct.new $pt (i32.const 3) (i64.const -4)))
  (func (export "array") (result anyref) (array.new $arr (i32.const 5) (i32.const 3)))
  (func (export "array.typed") (result (ref null $arr)) (array.new_fixed $arr 2 (i32.const 1) (i32.const 2)))
  (func (export "i31") (param i32) (result anyref) (ref.i31 (local.get 0)))
  (func (export "i31.typed") (param i32) (result i31ref) (ref.i31 (local.get 0)))
  (func (export "eq") (result eqref) (struct.new $pt (i32.const 0) (i64.const 0)))
  (func (export "null.any") (result anyref) (ref.null any))
  (func (export "null.none") (result nullref) (ref.null none))
  (func (export "null.eq") (result eqref) (ref.null none))
  (func (export "null.struct") (result (ref null $pt)) (ref.null $pt))
  (func (export "null.nofunc") (result nullfuncref) (ref.null nofunc))
  (func (export "null.noextern") (result nullexternref) (ref.null noextern))
  (func (export "func.typed") (result (ref $ft)) (ref.func $double))
  (func (export "call_ref") (param i32) (result i32) (call_ref $ft (local.get 0) (ref.func $double)))

  (func (export "any.id") (param anyref) (result anyref) (local.get 0))
  (func (export "eq.id") (param eqref) (result eqref) (local.get 0))
  (func (export "internalize") (param externref) (result anyref) (any.convert_extern (local.get 0)))
  (func (export "externalize") (param anyref) (result externref) (extern.convert_any (local.get 0)))
  (func (export "externalize.i31") (param i32) (result externref) (extern.convert_any (ref.i31 (local.get 0))))
  (func (export "i31.get_s") (param i32) (result i32) (i31.get_s (ref.i31 (local.get 0))))
  (func (export "i31.get_u") (param i32) (result i32) (i31.get_u (ref.i31 (local.get 0))))
  (func (export "is.struct") (param anyref) (result i32) (ref.test (ref struct) (local.get 0)))
  (func (export "is.i31") (param anyref) (result i32) (ref.test (ref i31) (local.get 0)))
  (func (export "struct.y") (result i64) (struct.get $pt $y (struct.new $pt (i32.const 1) (i64.const -9))))
  (func (export "array.sum") (param (ref null $arr)) (result i32)
    (i32.add (array.get $arr (local.get 0) (i32.const 0)) (array.get $arr (local.get 0) (i32.const 1))))
  (func (export "array.len") (param anyref) (result i32) (array.len (ref.cast (ref array) (local.get 0))))
  (func (export "cast.struct") (param anyref) (result structref) (ref.cast structref (local.get 0)))
  (func (export "as.non_null") (param anyref) (result (ref any)) (ref.as_non_null (local.get 0)))

  (global (export "g.any") anyref (struct.new $pt (i32.const 1) (i64.const 1)))
  (global (export "g.eq") eqref (ref.i31 (i32.const 7)))
  (global (export "g.i31") i31ref (ref.i31 (i32.const -1)))
  (global (export "g.struct") structref (struct.new $pt (i32.const 2) (i64.const 2)))
  (global (export "g.array") arrayref (array.new_default $arr (i32.const 4)))
  (global (export "g.typed") (ref null $pt) (ref.null $pt))
  (global (export "g.none") nullref (ref.null none))
  (global (export "g.func") (ref null $ft) (ref.func $double))
  (global $g.host (export "g.host") (mut anyref) (ref.null any))
  (func (export "g.host.set") (param anyref) (global.set $g.host (local.get 0)))
)

;; Non-null patterns of the any hierarchy; more general patterns match too.
(assert_return (invoke "struct") (ref.struct))
(assert_return (invoke "struct") (ref.eq))
(assert_return (invoke "struct") (ref.any))
(assert_return (invoke "struct.typed") (ref.struct))
(assert_return (invoke "array") (ref.array))
(assert_return (invoke "array") (ref.eq))
(assert_return (invoke "array.typed") (ref.array))
(assert_return (invoke "i31" (i32.const 5)) (ref.i31))
(assert_return (invoke "i31" (i32.const -1)) (ref.eq))
(assert_return (invoke "i31.typed" (i32.const 0)) (ref.i31))
(assert_return (invoke "i31.typed" (i32.const 0)) (ref.any))
(assert_return (invoke "eq") (ref.eq))

;; Nulls.
(assert_return (invoke "null.any") (ref.null any))
(assert_return (invoke "null.any") (ref.null none))
(assert_return (invoke "null.any") (ref.null))
(assert_return (invoke "null.none") (ref.null none))
(assert_return (invoke "null.eq") (ref.null any))
(assert_return (invoke "null.struct") (ref.null any))
(assert_return (invoke "null.nofunc") (ref.null nofunc))
(assert_return (invoke "null.nofunc") (ref.null func))
(assert_return (invoke "null.noextern") (ref.null noextern))
(assert_return (invoke "null.noextern") (ref.null extern))
(assert_return (invoke "any.id" (ref.null any)) (ref.null any))
(assert_return (invoke "any.id" (ref.null none)) (ref.null))
(assert_return (invoke "eq.id" (ref.null none)) (ref.null none))

;; Typed function references.
(assert_return (invoke "func.typed") (ref.func))
(assert_return (invoke "call_ref" (i32.const 21)) (i32.const 42))

;; Host values inside the any hierarchy: (ref.host N).
(assert_return (invoke "any.id" (ref.host 1)) (ref.host 1))
(assert_return (invoke "any.id" (ref.host 2)) (ref.any))
(assert_return (invoke "internalize" (ref.extern 3)) (ref.host 3))
(assert_return (invoke "internalize" (ref.null extern)) (ref.null any))
(assert_return (invoke "externalize" (ref.host 4)) (ref.extern 4))
(assert_return (invoke "externalize" (ref.null any)) (ref.null extern))
(assert_return (invoke "externalize" (ref.null none)) (ref.null noextern))
(assert_return (invoke "externalize.i31" (i32.const 1)) (ref.extern))
(assert_return (invoke "is.struct" (ref.host 5)) (i32.const 0))
(assert_return (invoke "is.i31" (ref.host 5)) (i32.const 0))
(invoke "g.host.set" (ref.host 6))
(assert_return (get "g.host") (ref.host 6))

;; Values read back through GC objects.
(assert_return (invoke "i31.get_s" (i32.const 0x7fffffff)) (i32.const -1))
(assert_return (invoke "i31.get_u" (i32.const -1)) (i32.const 0x7fffffff))
(assert_return (invoke "i31.get_s" (i32.const 0x40000000)) (i32.const -0x40000000))
(assert_return (invoke "struct.y") (i64.const -9))
(assert_trap (invoke "array.sum" (ref.null none)) "null array reference")
(assert_trap (invoke "array.len" (ref.host 1)) "cast failure")
(assert_trap (invoke "cast.struct" (ref.host 1)) "cast failure")
(assert_trap (invoke "as.non_null" (ref.null any)) "null reference")
(assert_return (invoke "as.non_null" (ref.host 9)) (ref.host 9))
(assert_return (invoke "cast.struct" (ref.null any)) (ref.null none))

;; Globals of GC types.
(assert_return (get "g.any") (ref.struct))
(assert_return (get "g.eq") (ref.i31))
(assert_return (get "g.i31") (ref.i31))
(assert_return (get "g.struct") (ref.struct))
(assert_return (get "g.array") (ref.array))
(assert_return (get "g.typed") (ref.null any))
(assert_return (get "g.none") (ref.null none))
(assert_return (get "g.func") (ref.func))

;; GC objects passed between instances keep their identity.
(register "gc")
(module
  (import "gc" "any.id" (func $id (param anyref) (result anyref)))
  (import "gc" "g.struct" (global $s structref))
  (func (export "same") (result i32)
    (ref.eq (ref.cast eqref (call $id (global.get $s))) (global.get $s)))
)
(assert_return (invoke "same") (i32.const 1))

(assert_invalid
  (module (type $s (struct (field i32))) (func (param (ref $s)) (result i64) (struct.get $s 0 (local.get 0))))
  "type mismatch")
