/* Quantized dense kernel (Gemm / MatMul with constant weights):
   y[m][n] = requant(b[n] + sum_k (a[m][k] - a_zp) * w[n][k]) + y_zp.
   The weight is stored as [N][K] (transposed at compile time). */
#ifndef DNNC_QGEMM_H
#define DNNC_QGEMM_H
#include "qmath.h"

typedef struct {
  int32_t M, N, K;
  int32_t a_zp, y_zp;
  const int32_t *mult;   /* per output column (int8; NULL for int16) */
  const int32_t *shift;  /* per output column */
  int32_t act_min, act_max;
  const int32_t *wsum;   /* per output column sum of w[n][.] (compile time; NULL: computed) */
} dnnc_qgemm_params;

void dnnc_qgemm_i8_ref(const int8_t *a, const int8_t *w, const int32_t *b, int8_t *y, const dnnc_qgemm_params *p);
void dnnc_qgemm_i8(const int8_t *a, const int8_t *w, const int32_t *b, int8_t *y, const dnnc_qgemm_params *p);
void dnnc_qgemm_i16_ref(const int16_t *a, const int16_t *w, const int64_t *b, int16_t *y, const dnnc_qgemm_params *p);
void dnnc_qgemm_i16(const int16_t *a, const int16_t *w, const int64_t *b, int16_t *y, const dnnc_qgemm_params *p);

/* MatMulInteger: y = b + sum (a - a_zp) * w as int32 (mult, shift, clamp unused). */
void dnnc_qgemm_i8_i32_ref(const int8_t *a, const int8_t *w, const int32_t *b, int32_t *y, const dnnc_qgemm_params *p);
void dnnc_qgemm_i8_i32(const int8_t *a, const int8_t *w, const int32_t *b, int32_t *y, const dnnc_qgemm_params *p);

/* int16 without requantization: y = b + sum a * w as int64 (tiled int16 gemm). */
void dnnc_qgemm_i16_i64_ref(const int16_t *a, const int16_t *w, const int64_t *b, int64_t *y, const dnnc_qgemm_params *p);
void dnnc_qgemm_i16_i64(const int16_t *a, const int16_t *w, const int64_t *b, int64_t *y, const dnnc_qgemm_params *p);

#endif
