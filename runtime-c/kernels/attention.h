/* Fused attention (float32): y = softmax(mask(scale * q kᵀ)) v, one query row at
   a time: the scores of one row live in `row` (T floats), never the full matrix. */
#ifndef DNNC_ATTENTION_H
#define DNNC_ATTENTION_H
#include "dnnc.h"

typedef struct {
  int32_t batch, M, T, D, Dv;
  int32_t k_trans;                         /* k is [D, T] per batch instead of [T, D] */
  const int32_t *q_off, *k_off, *v_off;    /* element offset of each batch matrix */
  const int32_t *m_off;                    /* mask offset per batch (NULL: no mask) */
  int32_t m_sm, m_st;                      /* mask strides along M and T */
  int32_t mask_mode;                       /* 0 none, 1 keep where true, 2 fill where true, 3 add */
  int32_t mask_first;                      /* mask applied before the scale */
  float scale, fill;
} dnnc_attention_params;

/* mask_b: bool mask (modes 1, 2), mask_f: additive mask (mode 3); y [batch, M, Dv] */
void dnnc_attention_f32(const float *q, const float *k, const float *v, const uint8_t *mask_b, const float *mask_f,
                        float *y, float *row, const dnnc_attention_params *p);
void dnnc_attention_f32_ref(const float *q, const float *k, const float *v, const uint8_t *mask_b, const float *mask_f,
                            float *y, float *row, const dnnc_attention_params *p);

#endif
