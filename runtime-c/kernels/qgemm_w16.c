/* Quantized dense kernel, int8 activations x int16 weights (see qgemm_w16.h). */
#include "qgemm_w16.h"

static void w16_gemm(const int8_t *a, const int16_t *w, const int32_t *b, void *y, const dnnc_qgemm_params *p, int raw) {
  int32_t m, n, k;
  for (m = 0; m < p->M; m++)
    for (n = 0; n < p->N; n++) {
      const int8_t *ar = a + (size_t)m * p->K;
      const int16_t *wr = w + (size_t)n * p->K;
      const size_t at = (size_t)m * p->N + n;
      int32_t acc = b ? b[n] : 0;
      for (k = 0; k < p->K; k++) acc += ((int32_t)ar[k] - p->a_zp) * (int32_t)wr[k];
      if (raw) ((int32_t *)y)[at] = acc;
      else ((int8_t *)y)[at] = (int8_t)dnnc_clamp_i32(dnnc_rq(acc, p->mult[n], p->shift[n]) + p->y_zp, p->act_min, p->act_max);
    }
}

void dnnc_qgemm_i8w16(const int8_t *a, const int16_t *w, const int32_t *b, int8_t *y, const dnnc_qgemm_params *p) {
  w16_gemm(a, w, b, y, p, 0);
}

void dnnc_qgemm_i8w16_i32(const int8_t *a, const int16_t *w, const int32_t *b, int32_t *y, const dnnc_qgemm_params *p) {
  w16_gemm(a, w, b, y, p, 1);
}
