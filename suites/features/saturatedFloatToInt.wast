;; feature: saturatedFloatToInt
;;
;; Probe for Non-trapping Float-to-int Conversions (WebAssembly 2.0). The first
;; module needs the eight trunc_sat instructions; the rest checks that they
;; saturate (NaN -> 0, out of range -> min/max, never a trap) and truncate
;; toward zero in range, while the trapping trunc still traps.

(module
  (func (export "i32_s_f32") (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))
  (func (export "i32_u_f32") (param f32) (result i32) (i32.trunc_sat_f32_u (local.get 0)))
  (func (export "i32_s_f64") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))
  (func (export "i32_u_f64") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
  (func (export "i64_s_f32") (param f32) (result i64) (i64.trunc_sat_f32_s (local.get 0)))
  (func (export "i64_u_f32") (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))
  (func (export "i64_s_f64") (param f64) (result i64) (i64.trunc_sat_f64_s (local.get 0)))
  (func (export "i64_u_f64") (param f64) (result i64) (i64.trunc_sat_f64_u (local.get 0)))
  (func (export "trapping") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
)

(assert_return (invoke "i32_s_f32" (f32.const -1.9)) (i32.const -1))
(assert_return (invoke "i32_s_f32" (f32.const nan)) (i32.const 0))
(assert_return (invoke "i32_s_f32" (f32.const -nan:0x200000)) (i32.const 0))
(assert_return (invoke "i32_s_f32" (f32.const 0x1p+31)) (i32.const 0x7fff_ffff))
(assert_return (invoke "i32_s_f32" (f32.const -inf)) (i32.const 0x8000_0000))
(assert_return (invoke "i32_u_f32" (f32.const -0.9)) (i32.const 0))
(assert_return (invoke "i32_u_f32" (f32.const -1)) (i32.const 0))
(assert_return (invoke "i32_u_f32" (f32.const 0x1.fffffep+31)) (i32.const 0xffff_ff00))
(assert_return (invoke "i32_u_f32" (f32.const inf)) (i32.const 0xffff_ffff))
(assert_return (invoke "i32_s_f64" (f64.const 2147483647.9)) (i32.const 0x7fff_ffff))
(assert_return (invoke "i32_s_f64" (f64.const -2147483648.9)) (i32.const 0x8000_0000))
(assert_return (invoke "i32_s_f64" (f64.const -2147483649)) (i32.const 0x8000_0000))
(assert_return (invoke "i32_u_f64" (f64.const 4294967295.5)) (i32.const 0xffff_ffff))
(assert_return (invoke "i32_u_f64" (f64.const 4294967296)) (i32.const 0xffff_ffff))
(assert_return (invoke "i32_u_f64" (f64.const nan)) (i32.const 0))
(assert_return (invoke "i64_s_f32" (f32.const -0x1p+63)) (i64.const 0x8000_0000_0000_0000))
(assert_return (invoke "i64_s_f32" (f32.const 0x1p+63)) (i64.const 0x7fff_ffff_ffff_ffff))
(assert_return (invoke "i64_u_f32" (f32.const 0x1p+64)) (i64.const 0xffff_ffff_ffff_ffff))
(assert_return (invoke "i64_u_f32" (f32.const nan)) (i64.const 0))
(assert_return (invoke "i64_s_f64" (f64.const 0x1.fffffffffffffp+62)) (i64.const 0x7fff_ffff_ffff_fc00))
(assert_return (invoke "i64_s_f64" (f64.const 1e300)) (i64.const 0x7fff_ffff_ffff_ffff))
(assert_return (invoke "i64_s_f64" (f64.const -inf)) (i64.const 0x8000_0000_0000_0000))
(assert_return (invoke "i64_u_f64" (f64.const 0x1.fffffffffffffp+63)) (i64.const 0xffff_ffff_ffff_f800))
(assert_return (invoke "i64_u_f64" (f64.const 0x1p+64)) (i64.const 0xffff_ffff_ffff_ffff))
(assert_return (invoke "i64_u_f64" (f64.const -nan)) (i64.const 0))
;; the MVP instruction still traps where trunc_sat saturates
(assert_trap (invoke "trapping" (f64.const 0x1p+31)) "integer overflow")
(assert_trap (invoke "trapping" (f64.const nan)) "invalid conversion to integer")
