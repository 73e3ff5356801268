/* Row-read dense layers, float32 or half weights (see wrows.h). */
#include "wrows.h"

float dnnc_half_to_float(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
  float f;
  if (exp == 0x1fu) {
    bits = sign | 0x7f800000u | (man << 13); /* inf / nan */
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else {
    /* subnormal half: normalise */
    exp = 113u;
    while (!(man & 0x400u)) {
      man <<= 1;
      exp--;
    }
    bits = sign | (exp << 23) | ((man & 0x3ffu) << 13);
  }
  memcpy(&f, &bits, 4);
  return f;
}

static float wget(const void *w, size_t i, int32_t half) {
  return half ? dnnc_half_to_float(((const uint16_t *)w)[i]) : ((const float *)w)[i];
}

void dnnc_wrows_matmul_ref(const float *a, const void *w, float *y, int32_t row0, int32_t rows, const dnnc_wrows_params *p) {
  int32_t m, r, j;
  for (m = 0; m < p->M; m++) {
    const float *ar = a + (size_t)m * p->K;
    float *yr = y + (size_t)m * p->N;
    if (p->trans) {
      for (r = 0; r < rows; r++) {
        float acc = 0.0f;
        for (j = 0; j < p->K; j++) acc += ar[j] * wget(w, (size_t)r * p->K + j, p->half);
        yr[row0 + r] = acc;
      }
    } else {
      if (row0 == 0) for (j = 0; j < p->N; j++) yr[j] = 0.0f;
      for (r = 0; r < rows; r++) {
        for (j = 0; j < p->N; j++) yr[j] += ar[row0 + r] * wget(w, (size_t)r * p->N + j, p->half);
      }
    }
  }
}

#define WROWS_CHUNK 64

/* optimised: each stored row is converted once (in chunks) and used by every row of a */
void dnnc_wrows_matmul(const float *a, const void *w, float *y, int32_t row0, int32_t rows, const dnnc_wrows_params *p) {
  float buf[WROWS_CHUNK];
  int32_t m, r, j, c, n;
  const int32_t len = p->trans ? p->K : p->N;
  if (!p->trans && row0 == 0) for (m = 0; m < p->M; m++) for (j = 0; j < p->N; j++) y[(size_t)m * p->N + j] = 0.0f;
  for (r = 0; r < rows; r++) {
    if (p->trans) for (m = 0; m < p->M; m++) y[(size_t)m * p->N + row0 + r] = 0.0f;
    for (c = 0; c < len; c += WROWS_CHUNK) {
      const float *wr;
      n = DNNC_MIN(WROWS_CHUNK, len - c);
      if (p->half) {
        const uint16_t *h = (const uint16_t *)w + (size_t)r * len + c;
        for (j = 0; j < n; j++) buf[j] = dnnc_half_to_float(h[j]);
        wr = buf;
      } else {
        wr = (const float *)w + (size_t)r * len + c;
      }
      for (m = 0; m < p->M; m++) {
        if (p->trans) {
          /* y[m][row0 + r] += a[m][c..] . W[r][c..] */
          const float *DNNC_RESTRICT ar = a + (size_t)m * p->K + c;
          float s = 0.0f;
          for (j = 0; j < n; j++) s += ar[j] * wr[j];
          y[(size_t)m * p->N + row0 + r] += s;
        } else {
          /* y[m][c..] += a[m][row0 + r] * W[r][c..] */
          const float av = a[(size_t)m * p->K + row0 + r];
          float *DNNC_RESTRICT yr = y + (size_t)m * p->N + c;
          for (j = 0; j < n; j++) yr[j] += av * wr[j];
        }
      }
    }
  }
}

void dnnc_wrows_finish(float *y, const float *bias, const dnnc_wrows_params *p) {
  int32_t m, j;
  for (m = 0; m < p->M; m++) {
    float *yr = y + (size_t)m * p->N;
    for (j = 0; j < p->N; j++) {
      float v = p->alpha * yr[j];
      if (bias && p->bias_n) v += p->beta * bias[p->bias_n == 1 ? 0 : j];
      yr[j] = v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v);
    }
  }
}

void dnnc_wrows_row(const void *w, float *y, int32_t n, int32_t half) {
  int32_t j;
  if (!half) {
    memcpy(y, w, (size_t)n * 4u);
    return;
  }
  for (j = 0; j < n; j++) y[j] = dnnc_half_to_float(((const uint16_t *)w)[j]);
}
