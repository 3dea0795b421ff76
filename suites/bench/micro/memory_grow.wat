;; memory.grow: each rep grows memory by one page and writes `size` bytes (1..65536) of 0xa5 at
;; the start of the new page, which must read as zero before. Run with a fresh instance for every
;; sample (`fresh`), reps capped below the maximum (`max_reps`); bench_init only records size.
(module
  ;; The largest 32-bit memory: room for the calibrated reps (max_reps = 60000 in bench.toml).
  (memory (export "memory") 1 65536)
  (global $bytes (mut i32) (i32.const 0))
  (global $last (mut i32) (i32.const -1))
  ;; Every rep's new page index lands here too (bench_check ignores it).
  (global $sink (mut i32) (i32.const 0))

  (func (export "bench_init") (param $size i32)
    (if (i32.or (i32.lt_s (local.get $size) (i32.const 1)) (i32.gt_s (local.get $size) (i32.const 65536)))
      (then unreachable))
    (global.set $bytes (local.get $size)))

  (func (export "bench_run") (param $reps i32)
    (local $page i32) (local $p i32) (local $end i32)
    (block $done
      (loop $rep
        (br_if $done (i32.le_s (local.get $reps) (i32.const 0)))
        (local.set $page (memory.grow (i32.const 1)))
        (if (i32.eq (local.get $page) (i32.const -1)) (then unreachable))
        (local.set $p (i32.shl (local.get $page) (i32.const 16)))
        (local.set $end (i32.add (local.get $p) (global.get $bytes)))
        (block $written
          (loop $write
            (br_if $written (i32.ge_u (local.get $p) (local.get $end)))
            (if (i32.load8_u (local.get $p)) (then unreachable))
            (i32.store8 (local.get $p) (i32.const 0xa5))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $write)))
        (global.set $last (local.get $page))
        (global.set $sink (i32.xor (global.get $sink) (local.get $page)))
        (local.set $reps (i32.sub (local.get $reps) (i32.const 1)))
        (br $rep))))

  ;; The sum of the bytes in the last page grown: 0xa5 * size.
  (func (export "bench_check") (result f64)
    (local $p i32) (local $end i32) (local $acc i32)
    (if (i32.lt_s (global.get $last) (i32.const 0)) (then (return (f64.const 0))))
    (local.set $p (i32.shl (global.get $last) (i32.const 16)))
    (local.set $end (i32.add (local.get $p) (i32.const 65536)))
    (block $summed
      (loop $sum
        (br_if $summed (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $acc (i32.add (local.get $acc) (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $sum)))
    (f64.convert_i32_u (local.get $acc))))
