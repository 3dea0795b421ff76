;; Call overhead: each rep runs `size` iterations of one direct call and one call_indirect
;; (through a 4-entry table), each callee a single integer operation on a running hash.
(module
  (type $op (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (table 4 funcref)
  (elem (i32.const 0) $xor $rotl $add $mul)
  (global $iterations (mut i32) (i32.const 0))
  (global $result (mut i32) (i32.const 0))
  ;; Every rep's hash lands here too (bench_check ignores it), so no rep is dead code.
  (global $sink (mut i32) (i32.const 0))

  (func $direct (param $x i32) (result i32)
    (i32.add (i32.mul (local.get $x) (i32.const 31)) (i32.const 7)))
  (func $xor (type $op) (i32.xor (local.get 0) (i32.const 0x5bd1e995)))
  (func $rotl (type $op) (i32.rotl (local.get 0) (i32.const 5)))
  (func $add (type $op) (i32.add (local.get 0) (i32.const 0x9e3779b9)))
  (func $mul (type $op) (i32.mul (local.get 0) (i32.const 0x01000193)))

  (func (export "bench_init") (param $size i32)
    (if (i32.lt_s (local.get $size) (i32.const 1)) (then unreachable))
    (global.set $iterations (local.get $size)))

  (func (export "bench_run") (param $reps i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $rep
        (br_if $done (i32.le_s (local.get $reps) (i32.const 0)))
        (local.set $acc (i32.const 1))
        (local.set $i (i32.const 0))
        (block $end
          (loop $calls
            (br_if $end (i32.ge_u (local.get $i) (global.get $iterations)))
            (local.set $acc (call $direct (i32.xor (local.get $acc) (local.get $i))))
            (local.set $acc
              (call_indirect (type $op) (local.get $acc) (i32.and (local.get $i) (i32.const 3))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $calls)))
        (global.set $result (local.get $acc))
        (global.set $sink (i32.xor (global.get $sink) (local.get $acc)))
        (local.set $reps (i32.sub (local.get $reps) (i32.const 1)))
        (br $rep))))

  (func (export "bench_check") (result f64)
    (f64.convert_i32_u (global.get $result))))
