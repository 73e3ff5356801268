/* Fused attention, one query row at a time (see attention.h). */
#include "attention.h"

static float masked(float s, const uint8_t *mb, const float *mf, size_t mi, const dnnc_attention_params *p) {
  switch (p->mask_mode) {
  case 1: return mb[mi] ? s : p->fill;
  case 2: return mb[mi] ? p->fill : s;
  case 3: return s + mf[mi];
  default: return s;
  }
}

/* scores of query row m of batch b into row[], then softmax in place */
static void score_row(const float *qr, const float *kb, const uint8_t *mask_b, const float *mask_f, int32_t b, int32_t m,
                      float *row, const dnnc_attention_params *p) {
  int32_t t, d;
  float mx = -INFINITY, sum = 0.0f;
  for (t = 0; t < p->T; t++) {
    float s = 0.0f;
    if (p->k_trans) {
      for (d = 0; d < p->D; d++) s += qr[d] * kb[(size_t)d * p->T + t];
    } else {
      const float *kr = kb + (size_t)t * p->D;
      for (d = 0; d < p->D; d++) s += qr[d] * kr[d];
    }
    if (p->m_off) {
      const size_t mi = (size_t)p->m_off[b] + (size_t)m * p->m_sm + (size_t)t * p->m_st;
      if (p->mask_first) s = masked(s, mask_b, mask_f, mi, p) * p->scale;
      else s = masked(s * p->scale, mask_b, mask_f, mi, p);
    } else {
      s *= p->scale;
    }
    row[t] = s;
    if (s > mx) mx = s;
  }
  for (t = 0; t < p->T; t++) {
    row[t] = expf(row[t] - mx);
    sum += row[t];
  }
  for (t = 0; t < p->T; t++) row[t] /= sum;
}

void dnnc_attention_f32_ref(const float *q, const float *k, const float *v, const uint8_t *mask_b, const float *mask_f,
                            float *y, float *row, const dnnc_attention_params *p) {
  int32_t b, m, t, j;
  for (b = 0; b < p->batch; b++) {
    for (m = 0; m < p->M; m++) {
      float *yr = y + ((size_t)b * p->M + m) * p->Dv;
      score_row(q + p->q_off[b] + (size_t)m * p->D, k + p->k_off[b], mask_b, mask_f, b, m, row, p);
      for (j = 0; j < p->Dv; j++) {
        float acc = 0.0f;
        for (t = 0; t < p->T; t++) acc += row[t] * v[p->v_off[b] + (size_t)t * p->Dv + j];
        yr[j] = acc;
      }
    }
  }
}

/* same, with the weighted sum of V streamed row by row (contiguous reads) and
   the rows of zero weight (masked positions) skipped */
void dnnc_attention_f32(const float *q, const float *k, const float *v, const uint8_t *mask_b, const float *mask_f,
                        float *y, float *row, const dnnc_attention_params *p) {
  int32_t b, m, t, j;
  for (b = 0; b < p->batch; b++) {
    const float *vb = v + p->v_off[b];
    for (m = 0; m < p->M; m++) {
      float *DNNC_RESTRICT yr = y + ((size_t)b * p->M + m) * p->Dv;
      score_row(q + p->q_off[b] + (size_t)m * p->D, k + p->k_off[b], mask_b, mask_f, b, m, row, p);
      for (j = 0; j < p->Dv; j++) yr[j] = 0.0f;
      for (t = 0; t < p->T; t++) {
        const float w = row[t];
        const float *DNNC_RESTRICT vr = vb + (size_t)t * p->Dv;
        if (w == 0.0f) continue;
        for (j = 0; j < p->Dv; j++) yr[j] += w * vr[j];
      }
    }
  }
}
