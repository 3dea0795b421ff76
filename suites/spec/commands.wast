;; commands.wast: every way to write a module and every action/command form
;; (WebAssembly 2.0; the header names the 2.0 proposal an engine may lack).
;; features: multiValue
;; ---------------------------------------------------------------------------
;; Module forms

;; Binary form, anonymous: () -> i32 returning 1, exported as "one".
(module binary
  "\00asm" "\01\00\00\00"
  "\01\05\01\60\00\01\7f"          ;; type section: 1 type, [] -> [i32]
  "\03\02\01\00"                   ;; function section: func 0 has type 0
  "\07\07\01\03one\00\00"          ;; export section: "one" = func 0
  "\0a\06\01\04\00\41\01\0b"       ;; code section: i32.const 1, end
)
(assert_return (invoke "one") (i32.const 1))

;; Binary form, named.
(module $Bin binary
  "\00asm" "\01\00\00\00"
  "\01\06\01\60\01\7f\01\7f"       ;; type: [i32] -> [i32]
  "\03\02\01\00"
  "\07\08\01\04incr\00\00"         ;; export "incr"
  "\0a\09\01\07\00\20\00\41\01\6a\0b" ;; local.get 0, i32.const 1, i32.add
)
(assert_return (invoke "incr" (i32.const 41)) (i32.const 42))

;; Quote form: the text is parsed from strings, which may be split.
(module quote
  "(func (export \"answer\") (result i32)"
  "  (i32.const 42))"
)
(assert_return (invoke "answer") (i32.const 42))
(module quote "(global (export \"g\") i64 (i64.const -7))")
(assert_return (get "g") (i64.const -7))
(register "quoted")

;; Text form, named; globals of each number type, mutable state, multi-value.
(module $Main
  (global $counter (export "counter") (mut i32) (i32.const 0))
  (global (export "g_i32") i32 (i32.const -1))
  (global (export "g_i64") i64 (i64.const 0x7fff_ffff_ffff_ffff))
  (global (export "g_f32") f32 (f32.const -1.5))
  (global (export "g_f64") f64 (f64.const 0x1.8p+1))
  (func (export "bump") (global.set $counter (i32.add (global.get $counter) (i32.const 1))))
  (func (export "count") (result i32) (global.get $counter))
  (func (export "nothing"))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "swap") (param i64 f64) (result f64 i64) (local.get 1) (local.get 0))
  (func (export "three") (result i32 i64 f32) (i32.const 1) (i64.const 2) (f32.const 3))
)
(assert_return (invoke "nothing"))
(assert_return (invoke "add" (i32.const 2) (i32.const 3)) (i32.const 5))
(assert_return (invoke "swap" (i64.const -1) (f64.const 2.5)) (f64.const 2.5) (i64.const -1))
(assert_return (invoke "three") (i32.const 1) (i64.const 2) (f32.const 3))
(assert_return (get "g_i32") (i32.const 0xffff_ffff))
(assert_return (get "g_i64") (i64.const 9223372036854775807))
(assert_return (get "g_f32") (f32.const -0x1.8p+0))
(assert_return (get "g_f64") (f64.const 3))

;; Bare top-level actions: executed for their effect, results ignored.
(invoke "bump")
(invoke "bump")
(invoke "add" (i32.const 1) (i32.const 1))
(assert_return (invoke "count") (i32.const 2))
(assert_return (get "counter") (i32.const 2))

;; Actions on a named module that is no longer the current one.
(module $Other (func (export "count") (result i32) (i32.const 100)))
(assert_return (invoke "count") (i32.const 100))
(assert_return (invoke $Main "count") (i32.const 2))
(invoke $Main "bump")
(assert_return (get $Main "counter") (i32.const 3))
(assert_return (invoke $Bin "incr" (i32.const -1)) (i32.const 0))
(module $Quoted (import "quoted" "g" (global i64)) (export "g" (global 0)))
(assert_return (get $Quoted "g") (i64.const -7))

;; ---------------------------------------------------------------------------
;; Module definitions and instances: each instance has its own state.

(module definition $Counter
  (global $n (export "n") (mut i64) (i64.const 10))
  (func (export "next") (result i64)
    (global.set $n (i64.add (global.get $n) (i64.const 1)))
    (global.get $n))
)
(module instance $C1 $Counter)
(module instance $C2 $Counter)
(assert_return (invoke $C1 "next") (i64.const 11))
(assert_return (invoke $C1 "next") (i64.const 12))
(assert_return (invoke $C2 "next") (i64.const 11))
(assert_return (get $C1 "n") (i64.const 12))
(assert_return (get $C2 "n") (i64.const 11))
;; The last instance is the current module.
(assert_return (invoke "next") (i64.const 12))

;; ---------------------------------------------------------------------------
;; register: a named instance, and the current module.

(register "main" $Main)
(register "counter2" $C2)
(module $Importer
  (import "main" "add" (func $add (param i32 i32) (result i32)))
  (import "main" "counter" (global $c (mut i32)))
  (import "main" "bump" (func $bump))
  (import "counter2" "next" (func $next (result i64)))
  (func (export "add3") (param i32) (result i32)
    (call $add (local.get 0) (i32.const 3)))
  (func (export "bump-and-read") (result i32) (call $bump) (global.get $c))
  (func (export "next") (result i64) (call $next))
)
(assert_return (invoke "add3" (i32.const 4)) (i32.const 7))
(assert_return (invoke "bump-and-read") (i32.const 4))
(assert_return (get $Main "counter") (i32.const 4))
(assert_return (invoke "next") (i64.const 13))
(assert_return (invoke $C2 "next") (i64.const 14))

(module (func (export "seven") (result i32) (i32.const 7)))
(register "cur")
(module (import "cur" "seven" (func $s (result i32)))
  (func (export "fourteen") (result i32) (i32.add (call $s) (call $s))))
(assert_return (invoke "fourteen") (i32.const 14))

;; ---------------------------------------------------------------------------
;; Module assertions.

(assert_invalid
  (module (func (result i32) (i64.const 0)))
  "type mismatch")
(assert_invalid
  (module binary
    "\00asm" "\01\00\00\00"
    "\01\05\01\60\00\01\7f"        ;; [] -> [i32]
    "\03\02\01\00"
    "\0a\04\01\02\00\0b"           ;; empty body: missing the i32 result
  )
  "type mismatch")
(assert_malformed
  (module quote "(func (i32.frobnicate))")
  "unknown operator")
(assert_malformed
  (module quote "(func $f) (func $f)")
  "duplicate func")
(assert_malformed
  (module binary "\00asm" "\02\00\00\00")
  "unknown binary version")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\01\05\01\60\00\01")  ;; truncated type section
  "unexpected end")
(assert_unlinkable
  (module (import "main" "no-such-export" (func)))
  "unknown import")
(assert_unlinkable
  (module (import "main" "add" (func (param i64))))
  "incompatible import type")
