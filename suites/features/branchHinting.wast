;; feature: branchHinting
;; v8-flag: --experimental-wasm-branch-hinting
;;
;; Probe for Branch Hinting. Hints live in the custom section
;; `metadata.code.branch_hint` (written here with the text annotation
;; `(@metadata.code.branch_hint "\00"|"\01")` before an `if` or `br_if`), and
;; must not change what code does. So this probe can only show that an engine
;; accepts hinted modules and runs them correctly, hints right or wrong: an
;; engine that ignores the section, as it may ignore any custom section, passes
;; too. It cannot tell "uses hints" from "ignores them".

(module
  (func (export "abs") (param i32) (result i32)
    (local.get 0)
    (i32.const 0)
    (i32.lt_s)
    (@metadata.code.branch_hint "\00")
    (if (result i32)
      (then (i32.sub (i32.const 0) (local.get 0)))
      (else (local.get 0))))
  ;; count down with a loop whose back edge is hinted likely, exit hinted unlikely
  (func (export "count") (param $n i32) (result i32)
    (local $steps i32)
    (block $done
      (loop $l
        (local.get $n)
        (i32.eqz)
        (@metadata.code.branch_hint "\00")
        (br_if $done)
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
        (i32.const 1)
        (@metadata.code.branch_hint "\01")
        (br_if $l)))
    (local.get $steps))
  ;; a hint that is always wrong changes nothing either
  (func (export "wrong_hint") (param i32) (result i32)
    (local.get 0)
    (@metadata.code.branch_hint "\01")
    (if (result i32) (then (i32.const 1)) (else (i32.const 2))))
)

(assert_return (invoke "abs" (i32.const -5)) (i32.const 5))
(assert_return (invoke "abs" (i32.const 5)) (i32.const 5))
(assert_return (invoke "count" (i32.const 100000)) (i32.const 100000))
(assert_return (invoke "wrong_hint" (i32.const 0)) (i32.const 2))
(assert_return (invoke "wrong_hint" (i32.const 1)) (i32.const 1))
