;; feature: stackSwitching
;; wasmtime: stack_switching
;; v8-flag: --experimental-wasm-wasmfx
;;
;; Probe for Stack Switching (typed continuations: cont.new, cont.bind,
;; resume, suspend). The first module needs continuation types and those
;; instructions; the rest checks a generator that suspends 100,000 times with
;; a payload, values passed back into a suspended computation (a tag with
;; results), cont.bind, that a continuation can be resumed only once, and
;; that resuming null or suspending with no handler traps. The harness keeps
;; Wasmtime's stack_switching off; switched on, wasmtime-py 50 validates the
;; module but aborts at cont.new (its library lacks the runtime support).

(module
  (type $f (func (param i64)))
  (type $k (cont $f))
  (type $f0 (func))
  (type $k0 (cont $f0))
  (tag $yield (param i64))

  ;; a generator: yields n, n-1, ..., 1
  (func $countdown (param $n i64)
    (loop $l
      (if (i64.eqz (local.get $n)) (then (return)))
      (suspend $yield (local.get $n))
      (local.set $n (i64.sub (local.get $n) (i64.const 1)))
      (br $l)))
  (elem declare func $countdown $body $const)

  (func (export "sum") (param $n i64) (result i64)
    (local $c (ref null $k0)) (local $s i64)
    (local.set $c (cont.bind $k $k0 (local.get $n) (cont.new $k (ref.func $countdown))))
    (block $done
      (loop $l
        (block $on_yield (result i64 (ref $k0))
          (resume $k0 (on $yield $on_yield) (local.get $c))
          (br $done))
        (local.set $c)
        (local.set $s (i64.add (local.get $s)))
        (br $l)))
    (local.get $s))

  ;; values go both ways: each suspend asks a question and gets the answer back
  (type $body_f (func (result i32)))
  (type $body_k (cont $body_f))
  (type $rest_f (func (param i32) (result i32)))
  (type $rest_k (cont $rest_f))
  (tag $ask (param i32) (result i32))
  (func $body (result i32)
    (i32.add
      (i32.add (suspend $ask (i32.const 1)) (suspend $ask (i32.const 2)))
      (suspend $ask (i32.const 3))))
  (func (export "ask") (result i32)
    (local $c (ref null $rest_k)) (local $q i32)
    (block $h (result i32 (ref $rest_k))
      (return (resume $body_k (on $ask $h) (cont.new $body_k (ref.func $body)))))
    (local.set $c) (local.set $q)
    (loop $l
      (block $h2 (result i32 (ref $rest_k))
        (return (resume $rest_k (on $ask $h2) (i32.mul (local.get $q) (i32.const 10)) (local.get $c))))
      (local.set $c) (local.set $q)
      (br $l))
    (unreachable))

  (func $const (result i32) (i32.const 5))
  (func (export "resume_twice") (result i32)
    (local $c (ref null $body_k))
    (local.set $c (cont.new $body_k (ref.func $const)))
    (drop (resume $body_k (local.get $c)))
    (resume $body_k (local.get $c)))
  (func (export "resume_once") (result i32)
    (resume $body_k (cont.new $body_k (ref.func $const))))
  (func (export "resume_null") (result i32)
    (resume $body_k (ref.null $body_k)))
  (func (export "unhandled") (result i32)
    (suspend $ask (i32.const 1)))
)

(assert_return (invoke "sum" (i64.const 3)) (i64.const 6))
(assert_return (invoke "sum" (i64.const 0)) (i64.const 0))
(assert_return (invoke "sum" (i64.const 100000)) (i64.const 5000050000))
(assert_return (invoke "ask") (i32.const 60))
(assert_return (invoke "resume_once") (i32.const 5))
(assert_trap (invoke "resume_twice") "continuation already consumed")
(assert_trap (invoke "resume_null") "null continuation reference")
(assert_trap (invoke "unhandled") "unhandled tag")
