/* Quantize / dequantize / requantize arrays (see qmath.h for the rounding). */
#include "qmath.h"

#define DNNC_DEFINE_QUANTIZE(name, T, LO, HI) \
  void dnnc_quantize_f32_##name(const float *x, T *y, size_t outer, int32_t axis_len, size_t inner, const float *scale, const int32_t *zp) { \
    size_t o, i; \
    int32_t a; \
    for (o = 0; o < outer; o++) { \
      for (a = 0; a < axis_len; a++) { \
        const float s = scale[a]; \
        const int32_t z = zp[a]; \
        const float *xp = x + (o * (size_t)axis_len + (size_t)a) * inner; \
        T *yp = y + (o * (size_t)axis_len + (size_t)a) * inner; \
        for (i = 0; i < inner; i++) { \
          float v = rintf(xp[i] / s) + (float)z; \
          if (!(v >= (float)(LO))) v = (float)(LO); /* NaN too */ \
          if (v > (float)(HI)) v = (float)(HI); \
          yp[i] = (T)v; \
        } \
      } \
    } \
  }
DNNC_DEFINE_QUANTIZE(i8, int8_t, -128, 127)
DNNC_DEFINE_QUANTIZE(u8, uint8_t, 0, 255)
DNNC_DEFINE_QUANTIZE(i16, int16_t, -32768, 32767)

static int32_t quant_level(float v, const int32_t *t) {
  uint32_t bits;
  int32_t key, i = 0;
  memcpy(&bits, &v, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return 0; /* NaN: the lowest level */
  key = (int32_t)(bits & 0x80000000u ? bits ^ 0x7fffffffu : bits);
  if (key >= t[i + 127]) i += 128;
  if (key >= t[i + 63]) i += 64;
  if (key >= t[i + 31]) i += 32;
  if (key >= t[i + 15]) i += 16;
  if (key >= t[i + 7]) i += 8;
  if (key >= t[i + 3]) i += 4;
  if (key >= t[i + 1]) i += 2;
  if (key >= t[i]) i += 1;
  return i;
}

void dnnc_quantize_f32_i8_keys(const float *x, int8_t *y, size_t n, const int32_t *t) {
  size_t i;
  for (i = 0; i < n; i++) y[i] = (int8_t)(quant_level(x[i], t) - 128);
}

void dnnc_quantize_f32_u8_keys(const float *x, uint8_t *y, size_t n, const int32_t *t) {
  size_t i;
  for (i = 0; i < n; i++) y[i] = (uint8_t)quant_level(x[i], t);
}

#define DNNC_DEFINE_DEQUANTIZE(name, T) \
  void dnnc_dequantize_##name##_f32(const T *x, float *y, size_t outer, int32_t axis_len, size_t inner, const float *scale, const int32_t *zp) { \
    size_t o, i; \
    int32_t a; \
    for (o = 0; o < outer; o++) { \
      for (a = 0; a < axis_len; a++) { \
        const float s = scale[a]; \
        const int32_t z = zp[a]; \
        const T *xp = x + (o * (size_t)axis_len + (size_t)a) * inner; \
        float *yp = y + (o * (size_t)axis_len + (size_t)a) * inner; \
        for (i = 0; i < inner; i++) yp[i] = (float)((int32_t)xp[i] - z) * s; \
      } \
    } \
  }
DNNC_DEFINE_DEQUANTIZE(i8, int8_t)
DNNC_DEFINE_DEQUANTIZE(u8, uint8_t)
DNNC_DEFINE_DEQUANTIZE(i16, int16_t)
DNNC_DEFINE_DEQUANTIZE(i32, int32_t)

void dnnc_requant_i8(const int8_t *x, int8_t *y, size_t n, int32_t x_zp, int32_t y_zp, int32_t mult, int32_t shift, int32_t lo, int32_t hi) {
  size_t i;
  for (i = 0; i < n; i++) y[i] = (int8_t)dnnc_clamp_i32(dnnc_rq((int32_t)x[i] - x_zp, mult, shift) + y_zp, lo, hi);
}

void dnnc_requant_i16(const int16_t *x, int16_t *y, size_t n, int32_t shift, int32_t lo, int32_t hi) {
  size_t i;
  for (i = 0; i < n; i++) y[i] = (int16_t)dnnc_clamp_i64(dnnc_rshift_rnd(x[i], shift), lo, hi);
}
