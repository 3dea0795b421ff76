;; feature: gc
;; wasmtime: gc
;; v8-flag: --experimental-wasm-gc
;;
;; Probe for Garbage Collection (structs, arrays, i31, subtyping, casts). The
;; first module needs struct and array types; the rest checks field and
;; element values (signed and unsigned packed fields), mutation, array.new_data
;; / array.copy / array.fill, bounds and null traps, ref.test / ref.cast /
;; br_on_cast / br_on_cast_fail along a subtype chain, i31 round trips,
;; recursive types (a 10,000-node list built and summed), externalizing and
;; internalizing references, and GC references seen by the host.

(module
  (type $point (struct (field $x (mut i32)) (field $y i64) (field $c (mut i8))))
  (type $ints (array (mut i32)))
  (type $bytes (array (mut i8)))
  (type $base (sub (struct (field i32))))
  (type $derived (sub $base (struct (field i32) (field i64))))
  (type $leaf (sub final $derived (struct (field i32) (field i64) (field f32))))
  (rec (type $node (struct (field $v i32) (field $next (ref null $node)))))
  (data $d "\01\02\80\ff")
  (global $list (mut (ref null $node)) (ref.null $node))

  (func (export "point") (param i32 i64) (result i32 i64 i32 i32)
    (local $p (ref $point))
    (local.set $p (struct.new $point (local.get 0) (local.get 1) (i32.const 0x1ff)))
    (struct.set $point $x (local.get $p) (i32.add (struct.get $point $x (local.get $p)) (i32.const 1)))
    (struct.get $point $x (local.get $p))
    (struct.get $point $y (local.get $p))
    (struct.get_s $point $c (local.get $p))
    (struct.get_u $point $c (local.get $p)))
  (func (export "default_point") (result i32 i64)
    (local $p (ref $point))
    (local.set $p (struct.new_default $point))
    (struct.get $point $x (local.get $p))
    (struct.get $point $y (local.get $p)))
  (func (export "null_get") (result i32)
    (struct.get $point $x (ref.null $point)))

  (func (export "ints") (param $n i32) (result i32 i32 i32)
    (local $a (ref $ints))
    (local.set $a (array.new $ints (i32.const 7) (local.get $n)))
    (array.set $ints (local.get $a) (i32.const 0) (i32.const -1))
    (array.fill $ints (local.get $a) (i32.const 2) (i32.const 9) (i32.const 2))
    (array.len (local.get $a))
    (array.get $ints (local.get $a) (i32.const 0))
    (i32.add (array.get $ints (local.get $a) (i32.const 1))
             (i32.mul (array.get $ints (local.get $a) (i32.const 3)) (i32.const 100))))
  (func (export "ints_oob") (param $i i32) (result i32)
    (array.get $ints (array.new_fixed $ints 3 (i32.const 1) (i32.const 2) (i32.const 3)) (local.get $i)))
  (func (export "data") (param $i i32) (result i32 i32)
    (local $b (ref $bytes))
    (local.set $b (array.new_data $bytes $d (i32.const 0) (i32.const 4)))
    (array.get_s $bytes (local.get $b) (local.get $i))
    (array.get_u $bytes (local.get $b) (local.get $i)))
  (func (export "copy") (result i32)
    (local $a (ref $ints))
    (local.set $a (array.new_fixed $ints 5 (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)))
    ;; overlapping copy within one array: [1 2 3 4 5] -> [1 1 2 3 5]
    (array.copy $ints $ints (local.get $a) (i32.const 1) (local.get $a) (i32.const 0) (i32.const 3))
    (i32.add (i32.mul (array.get $ints (local.get $a) (i32.const 1)) (i32.const 1000))
      (i32.add (i32.mul (array.get $ints (local.get $a) (i32.const 2)) (i32.const 100))
        (i32.add (i32.mul (array.get $ints (local.get $a) (i32.const 3)) (i32.const 10))
                 (array.get $ints (local.get $a) (i32.const 4))))))

  (func $make (param $k i32) (result (ref $base))
    (if (result (ref $base)) (i32.eqz (local.get $k))
      (then (struct.new $base (i32.const 10)))
      (else (if (result (ref $base)) (i32.eq (local.get $k) (i32.const 1))
        (then (struct.new $derived (i32.const 11) (i64.const 0)))
        (else (struct.new $leaf (i32.const 12) (i64.const 0) (f32.const 0)))))))
  ;; which of base / derived / leaf an object is, by ref.test
  (func (export "test") (param $k i32) (result i32 i32 i32)
    (ref.test (ref $base) (call $make (local.get $k)))
    (ref.test (ref $derived) (call $make (local.get $k)))
    (ref.test (ref $leaf) (call $make (local.get $k))))
  (func (export "cast_field") (param $k i32) (result i32)
    (struct.get $derived 0 (ref.cast (ref $derived) (call $make (local.get $k)))))
  (func (export "br_on_cast") (param $k i32) (result i32)
    (block $is (result (ref $derived))
      (br_on_cast $is (ref $base) (ref $derived) (call $make (local.get $k)))
      (return (i32.const -1)))
    (struct.get $derived 0))
  (func (export "br_on_cast_fail") (param $k i32) (result i32)
    (block $not (result (ref $base))
      (br_on_cast_fail $not (ref $base) (ref $leaf) (call $make (local.get $k)))
      (return (i32.const 1)))
    (drop) (i32.const 0))
  (func (export "test_null") (result i32 i32)
    (ref.test (ref null $base) (ref.null none))
    (ref.test (ref $base) (ref.null none)))

  (func (export "i31") (param i32) (result i32 i32)
    (ref.i31 (local.get 0)) (i31.get_s)
    (ref.i31 (local.get 0)) (i31.get_u))
  ;; an i31 and a struct survive a trip through externref and back
  (func (export "extern_round_trip") (param i32) (result i32 i32)
    (i31.get_s (ref.cast (ref i31)
      (any.convert_extern (extern.convert_any (ref.i31 (local.get 0))))))
    (ref.test (ref $point)
      (any.convert_extern (extern.convert_any (struct.new_default $point)))))

  ;; a recursive type: build a list of n nodes, then sum it
  (func (export "build") (param $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (global.set $list (struct.new $node (local.get $n) (global.get $list)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l))))
  (func (export "sum") (result i64)
    (local $p (ref null $node)) (local $s i64)
    (local.set $p (global.get $list))
    (block $done
      (loop $l
        (local.set $p (br_on_null $done (local.get $p)))
        (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (struct.get $node $v (local.get $p)))))
        (local.set $p (struct.get $node $next (local.get $p)))
        (br $l)))
    (local.get $s))

  ;; GC references as seen by the host
  (func (export "make_struct") (result anyref) (struct.new_default $point))
  (func (export "make_array") (result anyref) (array.new_default $ints (i32.const 2)))
  (func (export "make_i31") (result eqref) (ref.i31 (i32.const 5)))
  (func (export "make_null") (result structref) (ref.null none))
)

(assert_return (invoke "point" (i32.const 41) (i64.const -9)) (i32.const 42) (i64.const -9) (i32.const -1) (i32.const 255))
(assert_return (invoke "default_point") (i32.const 0) (i64.const 0))
(assert_trap (invoke "null_get") "null structure reference")
(assert_return (invoke "ints" (i32.const 5)) (i32.const 5) (i32.const -1) (i32.const 907))
(assert_trap (invoke "ints" (i32.const 3)) "out of bounds array access")
(assert_return (invoke "ints_oob" (i32.const 2)) (i32.const 3))
(assert_trap (invoke "ints_oob" (i32.const 3)) "out of bounds array access")
(assert_return (invoke "data" (i32.const 2)) (i32.const -128) (i32.const 128))
(assert_return (invoke "data" (i32.const 3)) (i32.const -1) (i32.const 255))
(assert_return (invoke "copy") (i32.const 1235))

(assert_return (invoke "test" (i32.const 0)) (i32.const 1) (i32.const 0) (i32.const 0))
(assert_return (invoke "test" (i32.const 1)) (i32.const 1) (i32.const 1) (i32.const 0))
(assert_return (invoke "test" (i32.const 2)) (i32.const 1) (i32.const 1) (i32.const 1))
(assert_return (invoke "cast_field" (i32.const 2)) (i32.const 12))
(assert_trap (invoke "cast_field" (i32.const 0)) "cast failure")
(assert_return (invoke "br_on_cast" (i32.const 1)) (i32.const 11))
(assert_return (invoke "br_on_cast" (i32.const 0)) (i32.const -1))
(assert_return (invoke "br_on_cast_fail" (i32.const 2)) (i32.const 1))
(assert_return (invoke "br_on_cast_fail" (i32.const 1)) (i32.const 0))
(assert_return (invoke "test_null") (i32.const 1) (i32.const 0))

(assert_return (invoke "i31" (i32.const 0x4000_0000)) (i32.const -0x4000_0000) (i32.const 0x4000_0000))
(assert_return (invoke "i31" (i32.const 0xffff_ffff)) (i32.const -1) (i32.const 0x7fff_ffff))
(assert_return (invoke "extern_round_trip" (i32.const -7)) (i32.const -7) (i32.const 1))

(assert_return (invoke "build" (i32.const 10000)))
(assert_return (invoke "sum") (i64.const 50005000))

(assert_return (invoke "make_struct") (ref.struct))
(assert_return (invoke "make_array") (ref.array))
(assert_return (invoke "make_i31") (ref.i31))
(assert_return (invoke "make_null") (ref.null none))
