/* Quantized pooling (NCHW). Output and input share scale and zero point:
   max pooling compares integers; average pooling sums (x - zp) in int32
   and divides with rounding to nearest, ties away from zero. */
#ifndef DNNC_QPOOL_H
#define DNNC_QPOOL_H
#include "qmath.h"
#include "pool.h"

void dnnc_maxpool2d_i8(const int8_t *x, int8_t *y, const dnnc_pool2d_params *p);
void dnnc_maxpool2d_i16(const int16_t *x, int16_t *y, const dnnc_pool2d_params *p);
/* reference: per-tap bounds tests */
void dnnc_maxpool2d_i8_ref(const int8_t *x, int8_t *y, const dnnc_pool2d_params *p);
void dnnc_maxpool2d_i16_ref(const int16_t *x, int16_t *y, const dnnc_pool2d_params *p);
void dnnc_avgpool2d_i8(const int8_t *x, int8_t *y, const dnnc_pool2d_params *p, int32_t zp);
void dnnc_avgpool2d_i16(const int16_t *x, int16_t *y, const dnnc_pool2d_params *p, int32_t zp);
void dnnc_global_avgpool_i8(const int8_t *x, int8_t *y, int32_t nc, int32_t hw, int32_t zp);
void dnnc_global_avgpool_i16(const int16_t *x, int16_t *y, int32_t nc, int32_t hw, int32_t zp);
void dnnc_global_maxpool_i8(const int8_t *x, int8_t *y, int32_t nc, int32_t hw);
void dnnc_global_maxpool_i16(const int16_t *x, int16_t *y, int32_t nc, int32_t hw);

/* round(s / cnt), ties away from zero */
static inline int64_t dnnc_div_round(int64_t s, int64_t cnt) {
  return s >= 0 ? (s + cnt / 2) / cnt : -((-s + cnt / 2) / cnt);
}

#endif
