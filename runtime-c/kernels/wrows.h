/* Dense layers whose weight matrix is read by rows: from a resident array, a
   layer buffer, or row tiles streamed from the weight pack (see wpack.h), with
   the weights stored as float32 or IEEE half (converted to float as each row is
   used; compute stays float32).
     y[M, N] = a[M, K] x op(W) (+ bias), W stored row-major as
       [K, N] (trans 0: a tile of rows is a slice of K, partial sums accumulate)
       [N, K] (trans 1: a tile of rows gives whole output columns)
   Call dnnc_wrows_matmul for every tile (row0 = first stored row of the tile,
   in order), then dnnc_wrows_finish once. */
#ifndef DNNC_WROWS_H
#define DNNC_WROWS_H
#include "dnnc.h"

typedef struct {
  int32_t M, N, K;
  int32_t trans;     /* W is [N, K] */
  int32_t half;      /* W holds IEEE half bits */
  float alpha, beta; /* y = alpha * (a x op(W)) + beta * bias */
  int32_t bias_n;    /* bias elements: 0 (none), 1 or N (broadcast along M) */
  float act_min, act_max;
} dnnc_wrows_params;

float dnnc_half_to_float(uint16_t h);
void dnnc_wrows_matmul(const float *a, const void *w, float *y, int32_t row0, int32_t rows, const dnnc_wrows_params *p);
void dnnc_wrows_matmul_ref(const float *a, const void *w, float *y, int32_t row0, int32_t rows, const dnnc_wrows_params *p);
void dnnc_wrows_finish(float *y, const float *bias, const dnnc_wrows_params *p);
/* one embedding row: n elements (float32 or half) to float */
void dnnc_wrows_row(const void *w, float *y, int32_t n, int32_t half);

#endif
