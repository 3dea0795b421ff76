// Stand-in for TVM's 3rdparty/compiler-rt/builtin_fp16.h: IEEE binary conversions between formats
// by their significand widths, rounding to nearest even, as compiler-rt's fp_trunc/fp_extend do.
#ifndef BUILTIN_FP16_H_
#define BUILTIN_FP16_H_
#include <cstdint>
#include <cstring>
#include <cmath>

template <typename T, typename R>
static inline R __tvm_bits(T v) { R r; std::memcpy(&r, &v, sizeof r); return r; }
template <typename T, typename R>
static inline T __tvm_from_bits(R r) { T v; std::memcpy(&v, &r, sizeof v); return v; }

// Both directions go through double, which holds every half and float exactly; the only rounding
// is the final narrowing, done by the compiler's own correctly rounded conversion for float and
// double, and by hand (nearest even) for 16-bit formats.
template <typename REP, int SIG>
static inline double __tvm_to_double(REP bits) {
  const int total = sizeof(REP) * 8, exp_bits = total - SIG - 1, bias = (1 << (exp_bits - 1)) - 1;
  const bool neg = (bits >> (total - 1)) & 1;
  const int e = (bits >> SIG) & ((1 << exp_bits) - 1);
  const uint64_t m = bits & ((REP(1) << SIG) - 1);
  double v;
  if (e == (1 << exp_bits) - 1) v = m ? NAN : INFINITY;
  else if (e == 0) v = std::ldexp(static_cast<double>(m), 1 - bias - SIG);
  else v = std::ldexp(static_cast<double>(m | (uint64_t(1) << SIG)), e - bias - SIG);
  return neg ? -v : v;
}

template <typename REP, int SIG>
static inline REP __tvm_from_double(double a) {
  const int total = sizeof(REP) * 8, exp_bits = total - SIG - 1, bias = (1 << (exp_bits - 1)) - 1;
  const REP sign = std::signbit(a) ? REP(REP(1) << (total - 1)) : REP(0);
  const REP inf = REP(uint64_t((1 << exp_bits) - 1) << SIG);
  if (std::isnan(a)) return sign | inf | REP(uint64_t(1) << (SIG - 1));
  a = std::fabs(a);
  if (std::isinf(a)) return sign | inf;
  int e;
  std::frexp(a, &e);                      // a = f * 2^e, f in [0.5, 1)
  int exp = e - 1 + bias;                 // biased exponent of a
  if (exp <= 0) exp = 1;                  // subnormals share the smallest exponent's scale
  const double scaled = std::ldexp(a, SIG - (exp - bias));  // integer significand, maybe fractional
  double q = std::nearbyint(scaled);      // default rounding mode: nearest, ties to even
  uint64_t sig = static_cast<uint64_t>(q);
  if (sig >= (uint64_t(1) << (SIG + 1))) { sig >>= 1; ++exp; }
  if (sig < (uint64_t(1) << SIG)) return sign | REP(sig);  // subnormal or zero
  if (exp >= (1 << exp_bits) - 1) return sign | inf;
  return sign | REP((uint64_t(exp) << SIG) | (sig & ((uint64_t(1) << SIG) - 1)));
}

template <typename SRC_T, typename SRC_REP_T, int SRC_SIG_BITS, typename DST_T, typename DST_REP_T,
          int DST_SIG_BITS>
static inline DST_T __truncXfYf2__(SRC_T a) {
  const double d = __tvm_to_double<SRC_REP_T, SRC_SIG_BITS>(__tvm_bits<SRC_T, SRC_REP_T>(a));
  return __tvm_from_bits<DST_T, DST_REP_T>(__tvm_from_double<DST_REP_T, DST_SIG_BITS>(d));
}

template <typename SRC_T, typename SRC_REP_T, int SRC_SIG_BITS, typename DST_T, typename DST_REP_T,
          int DST_SIG_BITS>
static inline DST_T __extendXfYf2__(SRC_T a) {
  const double d = __tvm_to_double<SRC_REP_T, SRC_SIG_BITS>(__tvm_bits<SRC_T, SRC_REP_T>(a));
  return __tvm_from_bits<DST_T, DST_REP_T>(__tvm_from_double<DST_REP_T, DST_SIG_BITS>(d));
}
#endif
