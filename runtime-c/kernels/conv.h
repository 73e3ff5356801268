/* Convolution kernels (NCHW, float32). */
#ifndef DNNC_CONV_H
#define DNNC_CONV_H
#include "dnnc.h"

typedef struct {
  int32_t n, cin, ih, iw;      /* input */
  int32_t cout, oh, ow;        /* output */
  int32_t kh, kw;              /* kernel */
  int32_t sh, sw, dh, dw;      /* strides, dilations */
  int32_t pt, pl;              /* top/left padding (bottom/right follow from sizes) */
  int32_t group;
  float act_min, act_max;      /* fused activation clamp */
} dnnc_conv2d_params;

/* Reference: direct convolution, any groups/strides/dilations/padding. */
void dnnc_conv2d_f32_ref(const float *x, const float *w, const float *b, float *y, const dnnc_conv2d_params *p);
/* Optimised: picks pointwise, depthwise or register-blocked direct paths. */
void dnnc_conv2d_f32(const float *x, const float *w, const float *b, float *y, const dnnc_conv2d_params *p);
/* The pointwise path over S positions (also used by the row-range kernels of rows.c). */
void dnnc_conv_pointwise_span(const float *DNNC_RESTRICT x, size_t xplane, const float *DNNC_RESTRICT w, const float *b,
                              float *DNNC_RESTRICT y, size_t yplane, int32_t S, const dnnc_conv2d_params *p);

/* N-D convolution (1..3 spatial dims, leading dims of size 1): direct, any dtype via instantiation. */
typedef struct {
  int32_t n, cin, cout, group;
  int32_t in[3], out[3], k[3], s[3], d[3], p[3];
  float act_min, act_max;
} dnnc_convnd_params;

void dnnc_conv_nd_f32(const float *x, const float *w, const float *b, float *y, const dnnc_convnd_params *p);
void dnnc_conv_nd_f64(const double *x, const double *w, const double *b, double *y, const dnnc_convnd_params *p);

#endif
