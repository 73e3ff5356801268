/* Integer requantization helpers shared by the quantized kernels (C99).

   int8 (asymmetric, TFLite/ONNX style): an int32 accumulator `acc` at scale
   s_in is brought to the output scale s_out with a fixed-point multiplier:
       s_in / s_out = mult * 2^-(31 + shift),   mult in [2^30, 2^31)
   computed by the compiler (TypeScript). The product acc * mult is formed
   exactly in 64 bits and rounded to nearest, ties to even (the same
   rounding as onnxruntime's nearbyintf requantization), then the output
   zero point is added and the result clamped. No float is used.

   int16 (symmetric Q-formats, scale 2^-f): requantization is a shift with
   round-half-up (add 2^(s-1), arithmetic shift right) and saturation to
   [-32768, 32767], which is what the RSP's VMULF/VMACF rounding and
   clamping do. Accumulators are int64.

   Right shifts of negative values are arithmetic on every supported
   compiler (gcc for MIPS, Xtensa, RISC-V and the host). */
#ifndef DNNC_QMATH_H
#define DNNC_QMATH_H
#include "dnnc.h"

/* round(v * 2^-s), ties to even, saturated to int32; s in [1, 62]. */
static inline int32_t dnnc_rse(int64_t v, int32_t s) {
  int64_t q = v >> s;
  const int64_t rem = v - q * ((int64_t)1 << s);
  const int64_t half = (int64_t)1 << (s - 1);
  if (rem > half || (rem == half && (q & 1))) q++;
  if (q > INT32_MAX) q = INT32_MAX;
  if (q < INT32_MIN) q = INT32_MIN;
  return (int32_t)q;
}

/* round(acc * mult * 2^-(31 + shift)), ties to even; 31 + shift in [1, 62]. */
static inline int32_t dnnc_rq(int64_t acc, int32_t mult, int32_t shift) {
  return dnnc_rse(acc * (int64_t)mult, 31 + shift);
}

/* 1 where general registers are 32 bits wide (64-bit arithmetic is done in pairs) */
#ifndef DNNC_RQ32
#if defined(__LP64__) || defined(_LP64) || defined(__mips64)
#define DNNC_RQ32 0
#else
#define DNNC_RQ32 1
#endif
#endif

/* clamp(round(acc * mult * 2^-(31 + shift)) + zp, lo, hi) with ties to even:
   the value of the reference requantization (dnnc_rq, then + zp and clamp)
   without its remainder tests: adding 2^(s-1) - 1 plus the lowest kept bit
   before the arithmetic shift rounds half to even. For the inner loops'
   epilogues (one per output). */
static inline int32_t dnnc_rq_clamp(int32_t acc, int32_t mult, int32_t shift, int32_t zp, int32_t lo, int32_t hi) {
  const int32_t s = 31 + shift;
  int64_t q;
#if DNNC_RQ32
  if (s > 32) {
    /* 32-bit registers: only the high word of acc * mult is shifted; the
       low word only decides the rounding (whether it is nonzero). */
    const int64_t v = (int64_t)acc * mult;
    const int32_t vh = (int32_t)(v >> 32), t = s - 32;
    const uint32_t vl = (uint32_t)v;
    const int32_t odd = (vh >> t) & 1;
    /* |vh| < 2^30, so neither sum overflows */
    const int32_t r = ((vh + ((1 << (t - 1)) - 1) + ((vl | (uint32_t)odd) != 0)) >> t) + zp;
    return r < lo ? lo : (r > hi ? hi : r);
  } else
#endif
  {
    const int64_t v = (int64_t)acc * mult;
    q = ((v + (((int64_t)1 << (s - 1)) - 1) + ((v >> s) & 1)) >> s) + zp;
  }
  return q < lo ? lo : (q > hi ? hi : (int32_t)q);
}

/* v * 2^-s with round-half-up for s > 0, v * 2^-s exactly for s <= 0 (RSP style). */
static inline int64_t dnnc_rshift_rnd(int64_t v, int32_t s) {
  if (s > 0) return (v + ((int64_t)1 << (s - 1))) >> s;
  if (s < 0) {
    const int64_t lim = INT64_MAX >> (-s);
    if (v > lim) return INT64_MAX;
    if (v < -lim) return -INT64_MAX;
    return v * ((int64_t)1 << (-s));
  }
  return v;
}

static inline int32_t dnnc_clamp_i32(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

static inline int64_t dnnc_clamp_i64(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* Quantize float arrays (graph boundary and float islands only):
   q = clamp(rint(x / scale) + zp) -- the division and ties-to-even rounding
   of ONNX QuantizeLinear. Per-axis: `axis_len` scales, `inner` elements each. */
void dnnc_quantize_f32_i8(const float *x, int8_t *y, size_t outer, int32_t axis_len, size_t inner, const float *scale, const int32_t *zp);
void dnnc_quantize_f32_u8(const float *x, uint8_t *y, size_t outer, int32_t axis_len, size_t inner, const float *scale, const int32_t *zp);
void dnnc_quantize_f32_i16(const float *x, int16_t *y, size_t outer, int32_t axis_len, size_t inner, const float *scale, const int32_t *zp);
/* The same quantization without float arithmetic (for targets without an
   FPU): t holds the 255 ordered-integer keys of the inputs where the
   quantized value steps up (computed by the compiler from scale and zero
   point) plus a sentinel; y = lo + the number of keys <= key(x), NaN -> lo.
   Bit-identical to dnnc_quantize_f32_* with one scale. */
void dnnc_quantize_f32_i8_keys(const float *x, int8_t *y, size_t n, const int32_t *t);
void dnnc_quantize_f32_u8_keys(const float *x, uint8_t *y, size_t n, const int32_t *t);
/* y = (q - zp) * scale */
void dnnc_dequantize_i8_f32(const int8_t *x, float *y, size_t outer, int32_t axis_len, size_t inner, const float *scale, const int32_t *zp);
void dnnc_dequantize_u8_f32(const uint8_t *x, float *y, size_t outer, int32_t axis_len, size_t inner, const float *scale, const int32_t *zp);
void dnnc_dequantize_i16_f32(const int16_t *x, float *y, size_t outer, int32_t axis_len, size_t inner, const float *scale, const int32_t *zp);
void dnnc_dequantize_i32_f32(const int32_t *x, float *y, size_t outer, int32_t axis_len, size_t inner, const float *scale, const int32_t *zp);

/* int8 -> int8 at another scale: y = clamp(rq(x - x_zp, mult, shift) + y_zp). */
void dnnc_requant_i8(const int8_t *x, int8_t *y, size_t n, int32_t x_zp, int32_t y_zp, int32_t mult, int32_t shift, int32_t lo, int32_t hi);
/* int16 -> int16 Q-format change: y = sat(rshift_rnd(x, shift)). */
void dnnc_requant_i16(const int16_t *x, int16_t *y, size_t n, int32_t shift, int32_t lo, int32_t hi);

#endif
