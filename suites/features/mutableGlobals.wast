;; feature: mutableGlobals
;;
;; Probe for Import/Export of Mutable Globals (WebAssembly 2.0). The first
;; module exports mutable globals (that is the feature: MVP allowed only
;; immutable ones); the rest checks that an importer and the exporter see one
;; shared cell: writes on either side are visible on the other, and through
;; the host's `get`.

(module $G
  (global $i (export "i") (mut i32) (i32.const 10))
  (global $l (export "l") (mut i64) (i64.const -1))
  (global $f (export "f") (mut f64) (f64.const 1.5))
  (func (export "get_i") (result i32) (global.get $i))
  (func (export "set_i") (param i32) (global.set $i (local.get 0)))
  (func (export "get_l") (result i64) (global.get $l))
  (func (export "get_f") (result f64) (global.get $f))
)
(register "g" $G)
(assert_return (get "i") (i32.const 10))
(assert_return (invoke "set_i" (i32.const 11)))
(assert_return (get "i") (i32.const 11))

(module $importer
  (import "g" "i" (global $i (mut i32)))
  (import "g" "l" (global $l (mut i64)))
  (import "g" "f" (global $f (mut f64)))
  (func (export "get_i") (result i32) (global.get $i))
  (func (export "bump") (global.set $i (i32.add (global.get $i) (i32.const 100)))
    (global.set $l (i64.add (global.get $l) (i64.const 0x1_0000_0000)))
    (global.set $f (f64.mul (global.get $f) (f64.const -2))))
  ;; re-export the imported cell: still the same cell
  (export "i2" (global $i))
)
(assert_return (invoke $importer "get_i") (i32.const 11))
(assert_return (invoke $importer "bump"))
(assert_return (get "i2") (i32.const 111))
(assert_return (invoke $G "get_i") (i32.const 111))
(assert_return (invoke $G "get_l") (i64.const 0xffff_ffff))
(assert_return (invoke $G "get_f") (f64.const -3))
(assert_return (invoke $G "set_i" (i32.const -5)))
(assert_return (invoke $importer "get_i") (i32.const -5))
(assert_return (get $G "i") (i32.const -5))
(assert_return (get $importer "i2") (i32.const -5))
