/* Quantized dense kernels (see qgemm.h and qmath.h). */
#include "qgemm.h"

#define REQ_I8(acc, n) (int8_t)dnnc_clamp_i32(dnnc_rq((acc), p->mult[n], p->shift[n]) + p->y_zp, p->act_min, p->act_max)
#define REQ_RAW(acc, n) (acc)
#define REQ_I16(acc, n) (int16_t)dnnc_clamp_i64(dnnc_rshift_rnd((acc), p->shift[n]) + p->y_zp, p->act_min, p->act_max)

#define DEFINE_QGEMM(NAME, XT, YT, BT, ACC, REQ) \
  void NAME##_ref(const XT *a, const XT *w, const BT *b, YT *y, const dnnc_qgemm_params *p) { \
    int32_t m, n, k; \
    for (m = 0; m < p->M; m++) \
      for (n = 0; n < p->N; n++) { \
        ACC acc = b ? (ACC)b[n] : 0; \
        for (k = 0; k < p->K; k++) acc += (ACC)((int32_t)a[(size_t)m * p->K + k] - p->a_zp) * (ACC)w[(size_t)n * p->K + k]; \
        y[(size_t)m * p->N + n] = REQ(acc, n); \
      } \
  } \
  /* zero point folded into the bias: acc = b - a_zp * sum(w) + a . w (sum(w)
     from the compiler when given); 4 output columns per pass over a row */ \
  void NAME(const XT *DNNC_RESTRICT a, const XT *DNNC_RESTRICT w, const BT *b, YT *DNNC_RESTRICT y, const dnnc_qgemm_params *p) { \
    int32_t m, n, k, j; \
    for (n = 0; n < p->N; n += 4) { \
      const int32_t cnt = p->N - n < 4 ? p->N - n : 4; \
      ACC bias[4]; \
      for (j = 0; j < cnt; j++) { \
        const XT *wr = w + (size_t)(n + j) * p->K; \
        ACC ws = 0; \
        if (p->a_zp == 0) ws = 0; \
        else if (p->wsum) ws = p->wsum[n + j]; \
        else for (k = 0; k < p->K; k++) ws += wr[k]; \
        bias[j] = (b ? (ACC)b[n + j] : 0) - (ACC)p->a_zp * ws; \
      } \
      for (m = 0; m < p->M; m++) { \
        const XT *ar = a + (size_t)m * p->K; \
        YT *yr = y + (size_t)m * p->N + n; \
        if (cnt == 4) { \
          const XT *w0 = w + (size_t)n * p->K, *w1 = w0 + p->K, *w2 = w1 + p->K, *w3 = w2 + p->K; \
          ACC a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3]; \
          for (k = 0; k < p->K; k++) { \
            const ACC x = ar[k]; \
            a0 += x * w0[k]; a1 += x * w1[k]; a2 += x * w2[k]; a3 += x * w3[k]; \
          } \
          yr[0] = REQ(a0, n); yr[1] = REQ(a1, n + 1); yr[2] = REQ(a2, n + 2); yr[3] = REQ(a3, n + 3); \
        } else { \
          for (j = 0; j < cnt; j++) { \
            const XT *wr = w + (size_t)(n + j) * p->K; \
            ACC acc = bias[j]; \
            for (k = 0; k < p->K; k++) acc += (ACC)ar[k] * wr[k]; \
            yr[j] = REQ(acc, n + j); \
          } \
        } \
      } \
    } \
  }

DEFINE_QGEMM(dnnc_qgemm_i16, int16_t, int16_t, int64_t, int64_t, REQ_I16)

/* int8 reference variants (the optimised ones follow) */
#define DEFINE_QGEMM_REF(NAME, XT, YT, BT, ACC, REQ) \
  void NAME##_ref(const XT *a, const XT *w, const BT *b, YT *y, const dnnc_qgemm_params *p) { \
    int32_t m, n, k; \
    for (m = 0; m < p->M; m++) \
      for (n = 0; n < p->N; n++) { \
        ACC acc = b ? (ACC)b[n] : 0; \
        for (k = 0; k < p->K; k++) acc += (ACC)((int32_t)a[(size_t)m * p->K + k] - p->a_zp) * (ACC)w[(size_t)n * p->K + k]; \
        y[(size_t)m * p->N + n] = REQ(acc, n); \
      } \
  }
DEFINE_QGEMM_REF(dnnc_qgemm_i8, int8_t, int8_t, int32_t, int32_t, REQ_I8)
/* MatMulInteger: the int32 accumulator itself. */
/* int16 accumulators as int64 (no requantization), for the tiled int16 path (tile_qgemm.c). */
DEFINE_QGEMM(dnnc_qgemm_i16_i64, int16_t, int64_t, int64_t, int64_t, REQ_RAW)
DEFINE_QGEMM_REF(dnnc_qgemm_i8_i32, int8_t, int32_t, int32_t, int32_t, REQ_RAW)

/* Optimised int8: the zero point folded into the bias (b - a_zp * sum(w)),
   4 output columns per pass over a row of a with the dot products unrolled
   by 4 along K, requantization once per output (dnnc_rq_clamp). */
static void q8_gemm(const int8_t *DNNC_RESTRICT a, const int8_t *DNNC_RESTRICT w, const int32_t *b, void *DNNC_RESTRICT y,
                    const dnnc_qgemm_params *p, int raw) {
  const int32_t K = p->K, K4 = p->K & ~3, N = p->N;
  int32_t m, n, k, j;
  for (n = 0; n < N; n += 4) {
    const int32_t cnt = N - n < 4 ? N - n : 4;
    int32_t bias[4] = { 0, 0, 0, 0 };
    for (j = 0; j < cnt; j++) {
      const int8_t *wr = w + (size_t)(n + j) * K;
      int32_t ws = 0;
      if (p->a_zp != 0) { if (p->wsum) ws = p->wsum[n + j]; else for (k = 0; k < K; k++) ws += wr[k]; }
      bias[j] = (b ? b[n + j] : 0) - p->a_zp * ws;
    }
    for (m = 0; m < p->M; m++) {
      const int8_t *ar = a + (size_t)m * K;
      int32_t acc[4];
      if (cnt == 4) {
        const int8_t *w0 = w + (size_t)n * K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (k = 0; k < K4; k += 4) {
          const int32_t x0 = ar[k], x1 = ar[k + 1], x2 = ar[k + 2], x3 = ar[k + 3];
          a0 += x0 * w0[k] + x1 * w0[k + 1] + x2 * w0[k + 2] + x3 * w0[k + 3];
          a1 += x0 * w1[k] + x1 * w1[k + 1] + x2 * w1[k + 2] + x3 * w1[k + 3];
          a2 += x0 * w2[k] + x1 * w2[k + 1] + x2 * w2[k + 2] + x3 * w2[k + 3];
          a3 += x0 * w3[k] + x1 * w3[k + 1] + x2 * w3[k + 2] + x3 * w3[k + 3];
        }
        for (; k < K; k++) {
          const int32_t x0 = ar[k];
          a0 += x0 * w0[k]; a1 += x0 * w1[k]; a2 += x0 * w2[k]; a3 += x0 * w3[k];
        }
        acc[0] = a0 + bias[0]; acc[1] = a1 + bias[1]; acc[2] = a2 + bias[2]; acc[3] = a3 + bias[3];
      } else {
        for (j = 0; j < cnt; j++) {
          const int8_t *wr = w + (size_t)(n + j) * K;
          int32_t s = 0;
          for (k = 0; k < K; k++) s += ar[k] * wr[k];
          acc[j] = s + bias[j];
        }
      }
      for (j = 0; j < cnt; j++) {
        const size_t at = (size_t)m * N + n + j;
        if (raw) ((int32_t *)y)[at] = acc[j];
        else ((int8_t *)y)[at] = (int8_t)dnnc_rq_clamp(acc[j], p->mult[n + j], p->shift[n + j], p->y_zp, p->act_min, p->act_max);
      }
    }
  }
}

void dnnc_qgemm_i8(const int8_t *a, const int8_t *w, const int32_t *b, int8_t *y, const dnnc_qgemm_params *p) {
  if (p->K > 131071) dnnc_qgemm_i8_ref(a, w, b, y, p); /* K * 128 * 128 must stay below 2^31 */
  else q8_gemm(a, w, b, y, p, 0);
}

void dnnc_qgemm_i8_i32(const int8_t *a, const int8_t *w, const int32_t *b, int32_t *y, const dnnc_qgemm_params *p) {
  if (p->K > 131071) dnnc_qgemm_i8_i32_ref(a, w, b, y, p);
  else q8_gemm(a, w, b, y, p, 1);
}
