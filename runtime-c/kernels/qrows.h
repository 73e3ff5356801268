/* Row-range int8 kernels for fused patch execution (NCHW, batch 1); the
   ring layout is the one of rows.h: row r of channel c of a tensor kept as
   a ring of `ring` rows lives at base + (c * ring + r % ring) * width. The
   results equal the whole-layer int8 kernels bit for bit. */
#ifndef DNNC_QROWS_H
#define DNNC_QROWS_H
#include "qmath.h"
#include "qconv.h"
#include "qelementwise.h"
#include "pool.h"

#define DNNC_QROWS_MAXK 16

void dnnc_qconv2d_rows_i8(const int8_t *x, int32_t xring, const int8_t *w, const int32_t *b, int8_t *y, int32_t yring,
                          int32_t oy0, int32_t oy1, const dnnc_qconv2d_params *p);
void dnnc_qmaxpool2d_rows_i8(const int8_t *x, int32_t xring, int8_t *y, int32_t yring, int32_t oy0, int32_t oy1,
                             const dnnc_pool2d_params *p);
/* op 0: QAdd, 1: QMul (same shapes) */
void dnnc_qbinary_rows_i8(const int8_t *a, int32_t aring, const int8_t *b, int32_t bring, int8_t *y, int32_t yring,
                          int32_t c, int32_t w, int32_t r0, int32_t r1, int32_t op, const dnnc_qbinary_params *p);

/* QuantizeLinear (per-tensor scale and zero point) of rows [r0, r1), the arithmetic of dnnc_quantize_f32_i8 */
void dnnc_quantize_rows_f32_i8(const float *x, int32_t xring, int8_t *y, int32_t yring, int32_t c, int32_t w, int32_t r0, int32_t r1,
                               const float *scale, const int32_t *zp);

#endif
