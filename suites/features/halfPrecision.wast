;; feature: halfPrecision
;; v8-flag: --experimental-wasm-fp16
;; unvalidated: wasm-tools 1.262 has no half-precision encodings (neither text nor validation)
;;
;; Probe for Half Precision (fp16). The first module needs f32.load_f16,
;; f32.store_f16, f16x8.splat and f16x8.extract_lane; it is built from C by
;; clang-19 (-msimd128 -mhalf-precision, __builtin_wasm_loadf16_f32 and kin),
;; since no text tool here knows the proposal:
;;   load(i)   f16 bits 0x3c00, 0x7bff, 0x0001, 0xfc00 (data) widened to f32
;;   store(x)  x narrowed to f16 (round to nearest, ties to even), its bits
;;   lane(x)   lane 5 of f16x8.splat(x), as f32
;; The assertions check exact widening (the largest normal, the smallest
;; subnormal, -inf), narrowing that rounds ties to even (65520 -> inf,
;; 65519 -> 65504, 1/3 -> 0x3555), -0 kept, and a lane round trip.
;; (V8 flag: this spelling for Node and Deno; Chromium 156 spells it --wasm-fp16.)

(module binary
  "\00\61\73\6d\01\00\00\00\01\10\03\60\01\7f\01\7d\60\01\7d\01\7f\60\01\7d\01\7d\03\04\03\00\01\02"
  "\04\05\01\70\01\01\01\05\03\01\00\01\06\07\01\7f\01\41\90\10\0b\07\20\04\06\6d\65\6d\6f\72\79\02"
  "\00\04\6c\6f\61\64\00\00\05\73\74\6f\72\65\00\01\04\6c\61\6e\65\00\02\0a\38\03\12\00\20\00\41\01"
  "\74\41\80\88\80\80\00\6a\fc\30\01\00\0b\17\00\41\00\20\00\fc\31\01\88\88\80\80\00\41\00\2f\01\88"
  "\88\80\80\00\0b\0b\00\20\00\fd\a0\02\fd\a1\02\05\0b\0b\0f\01\00\41\80\08\0b\08\00\3c\ff\7b\01\00"
  "\00\fc"
)

(assert_return (invoke "load" (i32.const 0)) (f32.const 1))
(assert_return (invoke "load" (i32.const 1)) (f32.const 65504))
(assert_return (invoke "load" (i32.const 2)) (f32.const 0x1p-24))
(assert_return (invoke "load" (i32.const 3)) (f32.const -inf))
(assert_return (invoke "store" (f32.const 65520)) (i32.const 0x7c00))
(assert_return (invoke "store" (f32.const 65519)) (i32.const 0x7bff))
(assert_return (invoke "store" (f32.const 0x1.555556p-2)) (i32.const 0x3555))
(assert_return (invoke "store" (f32.const -0)) (i32.const 0x8000))
(assert_return (invoke "lane" (f32.const 0x1.555556p-2)) (f32.const 0x1.554p-2))
