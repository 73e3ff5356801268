/* Quantized dense kernel with int8 activations and int16 weights [N][K]: for
   weights whose zero point leaves w - w_zp outside int8 (up to [-255, 255]).
   int32 bias and accumulators, as onnxruntime. */
#ifndef DNNC_QGEMM_W16_H
#define DNNC_QGEMM_W16_H
#include "qgemm.h"

/* y[m][n] = requant(b[n] + sum_k (a[m][k] - a_zp) * w[n][k]) + y_zp as int8. */
void dnnc_qgemm_i8w16(const int8_t *a, const int16_t *w, const int32_t *b, int8_t *y, const dnnc_qgemm_params *p);
/* MatMulInteger: the int32 accumulator itself. */
void dnnc_qgemm_i8w16_i32(const int8_t *a, const int16_t *w, const int32_t *b, int32_t *y, const dnnc_qgemm_params *p);

#endif
