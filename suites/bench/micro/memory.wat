;; Memory streaming: each rep reads the input (32-bit words at offset 0), writes a transformed
;; copy right after it, and sums what it read. size = bytes read per rep, a multiple of 4; above
;; the 16 MiB cap, a multiple of it: the 16 MiB input is then streamed size / 16 MiB times.
(module
  (memory (export "memory") 1)
  (global $bytes (mut i32) (i32.const 0))
  (global $passes (mut i32) (i32.const 0))
  (global $sum (mut i32) (i32.const 0))
  ;; Every rep's sum lands here too (bench_check ignores it), so no rep is dead code.
  (global $sink (mut i32) (i32.const 0))

  (func (export "bench_init") (param $size i32)
    (local $pages i32) (local $p i32) (local $state i32)
    (if (i32.or (i32.lt_s (local.get $size) (i32.const 4)) (i32.and (local.get $size) (i32.const 3)))
      (then unreachable))
    (global.set $bytes (local.get $size))
    (global.set $passes (i32.const 1))
    (if (i32.gt_u (local.get $size) (i32.const 0x1000000))
      (then
        (if (i32.and (local.get $size) (i32.const 0xffffff)) (then unreachable))
        (global.set $bytes (i32.const 0x1000000))
        (global.set $passes (i32.shr_u (local.get $size) (i32.const 24)))))
    ;; Input and output: grow to 2 * bytes if needed (no-op on a second init).
    (local.set $pages (i32.shr_u (i32.add (i32.shl (global.get $bytes) (i32.const 1)) (i32.const 0xffff))
                                 (i32.const 16)))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
              (then unreachable))))
    (local.set $state (i32.const 8))
    (block $end
      (loop $fill
        (br_if $end (i32.ge_u (local.get $p) (global.get $bytes)))
        ;; The LCG of suites/bench/bench.h.
        (local.set $state (i32.add (i32.mul (local.get $state) (i32.const 1664525)) (i32.const 1013904223)))
        (i32.store (local.get $p) (local.get $state))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $fill))))

  (func (export "bench_run") (param $reps i32)
    (local $p i32) (local $v i32) (local $acc i32) (local $pass i32)
    (block $done
      (loop $rep
        (br_if $done (i32.le_s (local.get $reps) (i32.const 0)))
        (local.set $acc (i32.const 0))
        (local.set $pass (i32.const 0))
        (loop $passes
          (local.set $p (i32.const 0))
          (block $end
            (loop $stream
              (br_if $end (i32.ge_u (local.get $p) (global.get $bytes)))
              (local.set $v (i32.load (local.get $p)))
              (i32.store (i32.add (local.get $p) (global.get $bytes))
                         (i32.add (i32.mul (local.get $v) (i32.const 0x9e3779b1)) (local.get $p)))
              (local.set $acc (i32.add (local.get $acc) (local.get $v)))
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (br $stream)))
          (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
          (br_if $passes (i32.lt_u (local.get $pass) (global.get $passes))))
        (global.set $sum (local.get $acc))
        (global.set $sink (i32.xor (global.get $sink) (local.get $acc)))
        (local.set $reps (i32.sub (local.get $reps) (i32.const 1)))
        (br $rep))))

  ;; The read sum (over all passes) plus the sum of the written words (mod 2^32).
  (func (export "bench_check") (result f64)
    (local $p i32) (local $acc i32)
    (local.set $acc (global.get $sum))
    (block $end
      (loop $words
        (br_if $end (i32.ge_u (local.get $p) (global.get $bytes)))
        (local.set $acc (i32.add (local.get $acc)
                                 (i32.load (i32.add (local.get $p) (global.get $bytes)))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $words)))
    (f64.convert_i32_u (local.get $acc))))
