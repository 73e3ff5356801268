/* Quantized convolution kernels (NCHW): int8 (asymmetric activations,
   per-channel symmetric weights, int32 bias and accumulators) and int16
   (symmetric Q-formats, int64 bias and accumulators). See qmath.h. */
#ifndef DNNC_QCONV_H
#define DNNC_QCONV_H
#include "qmath.h"

typedef struct {
  int32_t n, cin, ih, iw;      /* input */
  int32_t cout, oh, ow;        /* output */
  int32_t kh, kw;              /* kernel */
  int32_t sh, sw, dh, dw;      /* strides, dilations */
  int32_t pt, pl;              /* top/left padding */
  int32_t group;
  int32_t x_zp, y_zp;          /* zero points (0 for int16) */
  const int32_t *mult;         /* per output channel multiplier (int8; NULL for int16) */
  const int32_t *shift;        /* per output channel shift */
  int32_t act_min, act_max;    /* fused activation as an integer clamp */
  const int32_t *wsum;         /* per output channel sum of weights (compile time; NULL: computed) */
  int8_t *patch;               /* int8 optimised: arena scratch for border patches (NULL: none) */
  int32_t patch_bytes;
} dnnc_qconv2d_params;

/* Reference: direct loops over valid taps, acc = b + sum (x - x_zp) * w. */
void dnnc_qconv2d_i8_ref(const int8_t *x, const int8_t *w, const int32_t *b, int8_t *y, const dnnc_qconv2d_params *p);
void dnnc_qconv2d_i16_ref(const int16_t *x, const int16_t *w, const int64_t *b, int16_t *y, const dnnc_qconv2d_params *p);
/* Optimised: pointwise (GEMM, 4 channels at a time), depthwise and general
   direct paths; the zero point is folded as b - x_zp * sum(w) and padding
   reads x_zp, so the interior needs no bounds checks. */
void dnnc_qconv2d_i8(const int8_t *x, const int8_t *w, const int32_t *b, int8_t *y, const dnnc_qconv2d_params *p);
void dnnc_qconv2d_i16(const int16_t *x, const int16_t *w, const int64_t *b, int16_t *y, const dnnc_qconv2d_params *p);

/* ConvInteger: y = b + sum (x - x_zp) * w as int32 (mult, shift, clamp unused). */
void dnnc_qconv2d_i8_i32_ref(const int8_t *x, const int8_t *w, const int32_t *b, int32_t *y, const dnnc_qconv2d_params *p);
void dnnc_qconv2d_i8_i32(const int8_t *x, const int8_t *w, const int32_t *b, int32_t *y, const dnnc_qconv2d_params *p);

/* int16 without requantization: y = b + sum x * w as int64 (tiled int16 convolution). */
void dnnc_qconv2d_i16_i64(const int16_t *x, const int16_t *w, const int64_t *b, int64_t *y, const dnnc_qconv2d_params *p);

#endif
