;; The componentModel probe (componentModel.json): a component that lifts two core functions.
;; `answer` lifts a scalar function (x * x + 1); `reverse` takes and returns a string, so the
;; canonical ABI lowers the host's string into the core memory through `realloc` and lifts the
;; result from the (pointer, length) pair the core function returns.
(component
  (core module $m
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    ;; A bump allocator is all the probe needs: one instance, a few small strings.
    (func $realloc (export "realloc")
          (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.xor (i32.sub (local.get $align) (i32.const 1)) (i32.const -1))))
      (global.set $bump (i32.add (local.get $p) (local.get $size)))
      (local.get $p))
    (func (export "answer") (param $x i32) (result i32)
      (i32.add (i32.mul (local.get $x) (local.get $x)) (i32.const 1)))
    ;; The bytes of s in reverse order (the probe passes ASCII), returned as a pointer to (ptr, len).
    (func (export "reverse") (param $ptr i32) (param $len i32) (result i32)
      (local $out i32) (local $i i32) (local $ret i32)
      (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $len)))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
          (i32.store8 (i32.add (local.get $out) (local.get $i))
                      (i32.load8_u (i32.sub (i32.add (local.get $ptr) (local.get $len))
                                            (i32.add (local.get $i) (i32.const 1)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))
      (local.set $ret (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 8)))
      (i32.store (local.get $ret) (local.get $out))
      (i32.store offset=4 (local.get $ret) (local.get $len))
      (local.get $ret)))
  (core instance $i (instantiate $m))
  (func (export "answer") (param "x" u32) (result u32)
    (canon lift (core func $i "answer")))
  (func (export "reverse") (param "s" string) (result string)
    (canon lift (core func $i "reverse") (memory (core memory $i "memory"))
                (realloc (core func $i "realloc"))))
)
