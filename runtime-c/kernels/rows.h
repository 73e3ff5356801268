/* Row-range kernels for fused patch execution (NCHW, batch 1, float32).
   Each computes output rows [oy0, oy1) of a whole layer. A tensor is either
   complete (ring = its height) or a ring of `ring` rows per channel: row r
   of channel c lives at base + (c * ring + r % ring) * width, so a chain of
   layers can run row by row with only a few rows of each intermediate. */
#ifndef DNNC_ROWS_H
#define DNNC_ROWS_H
#include "dnnc.h"
#include "conv.h"
#include "pool.h"

/* Largest kernel height the row convolution handles (taps per output row). */
#define DNNC_ROWS_MAXK 16

void dnnc_conv2d_rows_f32(const float *x, int32_t xring, const float *w, const float *b, float *y, int32_t yring,
                          int32_t oy0, int32_t oy1, const dnnc_conv2d_params *p);
void dnnc_maxpool2d_rows_f32(const float *x, int32_t xring, float *y, int32_t yring, int32_t oy0, int32_t oy1,
                             const dnnc_pool2d_params *p);
void dnnc_avgpool2d_rows_f32(const float *x, int32_t xring, float *y, int32_t yring, int32_t oy0, int32_t oy1,
                             const dnnc_pool2d_params *p);
/* y = clamp(a op b, lo, hi) on rows [r0, r1) of c channels of width w; op 0 add, 1 sub, 2 mul */
void dnnc_binary_rows_f32(const float *a, int32_t aring, const float *b, int32_t bring, float *y, int32_t yring,
                          int32_t c, int32_t w, int32_t r0, int32_t r1, int32_t op, float lo, float hi);
/* y = x > 0 ? x : 0 on rows [r0, r1) */
void dnnc_relu_rows_f32(const float *x, int32_t xring, float *y, int32_t yring, int32_t c, int32_t w, int32_t r0, int32_t r1);

#endif
