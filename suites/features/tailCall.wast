;; feature: tailCall
;; wasmtime: tail_call
;; v8-flag: --experimental-wasm-return-call
;;
;; Probe for Tail Call. The first module needs return_call and
;; return_call_indirect; the rest checks that tail calls really replace the
;; caller's frame: self- and mutual recursion 10,000,000 deep (far beyond any
;; engine's call stack, which holds some 10^4 to 10^5 frames) return normally,
;; with the right value, also through a table.

(module
  (type $i64_i64 (func (param i64 i64) (result i64)))
  (table funcref (elem $even $odd))

  ;; sum 1..n with an accumulator, one tail call per step
  (func $sum (export "sum") (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $sum (i64.sub (local.get $n) (i64.const 1))
                              (i64.add (local.get $acc) (local.get $n))))))

  ;; even/odd by mutual recursion through return_call_indirect; the second
  ;; parameter counts the calls
  (func $even (export "even") (param $n i64) (param $calls i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $calls))
      (else (return_call_indirect (type $i64_i64)
              (i64.sub (local.get $n) (i64.const 1)) (i64.add (local.get $calls) (i64.const 1))
              (i32.const 1)))))
  (func $odd (param $n i64) (param $calls i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.const -1))
      (else (return_call_indirect (type $i64_i64)
              (i64.sub (local.get $n) (i64.const 1)) (i64.add (local.get $calls) (i64.const 1))
              (i32.const 0)))))

  ;; a tail call may change the number of arguments
  (func $three (param i32 i32 i32) (result i32)
    (i32.sub (i32.mul (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "to_three") (param i32) (result i32)
    (return_call $three (local.get 0) (i32.const 10) (i32.const 1)))
)

(assert_return (invoke "sum" (i64.const 10) (i64.const 0)) (i64.const 55))
(assert_return (invoke "to_three" (i32.const 7)) (i32.const 69))
(assert_return (invoke "even" (i64.const 10) (i64.const 0)) (i64.const 10))
(assert_return (invoke "even" (i64.const 11) (i64.const 0)) (i64.const -1))
;; 10 million frames deep: only a real tail call keeps the stack flat
(assert_return (invoke "sum" (i64.const 10_000_000) (i64.const 0)) (i64.const 50_000_005_000_000))
(assert_return (invoke "even" (i64.const 10_000_000) (i64.const 0)) (i64.const 10_000_000))
