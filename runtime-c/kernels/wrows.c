/* Row-read dense layers, float32 or half weights (see wrows.h). */
#include "wrows.h"

static float half_slow(uint16_t h);

/* normal halves (the common case) by shifting the bits; zero, subnormals, inf, nan apart
   (static: inlined into the loops, also on PIC targets where the exported symbol is not) */
static inline float h2f(uint16_t h) {
  const uint32_t e = h & 0x7c00u;
  union { uint32_t u; float f; } v;
  if (e == 0u || e == 0x7c00u) return half_slow(h);
  v.u = ((uint32_t)(h & 0x8000u) << 16) | ((((uint32_t)h & 0x7fffu) << 13) + 0x38000000u);
  return v.f;
}

float dnnc_half_to_float(uint16_t h) {
  return h2f(h);
}

static float half_slow(uint16_t h) {
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
  return half ? h2f(((const uint16_t *)w)[i]) : ((const float *)w)[i];
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

/* few rows of a (one token: M = 1): convert each weight as it is used, four stored rows at a time
   (one pass over y per four rows); W(p, j) reads element j of a stored row */
#define WROWS_DIRECT(W, T)                                                                              \
  do {                                                                                                  \
    const T *wb = (const T *)w;                                                                         \
    for (m = 0; m < p->M; m++) {                                                                        \
      const float *DNNC_RESTRICT ar = a + (size_t)m * p->K;                                             \
      float *DNNC_RESTRICT yr = y + (size_t)m * p->N;                                                   \
      if (p->trans) {                                                                                   \
        for (r = 0; r < rows; r++) {                                                                    \
          const T *wr = wb + (size_t)r * p->K;                                                          \
          float s0 = 0.0f, s1 = 0.0f;                                                                   \
          for (j = 0; j + 2 <= p->K; j += 2) {                                                          \
            s0 += ar[j] * W(wr, j);                                                                     \
            s1 += ar[j + 1] * W(wr, j + 1);                                                             \
          }                                                                                             \
          if (j < p->K) s0 += ar[j] * W(wr, j);                                                         \
          yr[row0 + r] = s0 + s1;                                                                       \
        }                                                                                               \
      } else {                                                                                          \
        if (row0 == 0)                                                                                  \
          for (j = 0; j < p->N; j++) yr[j] = 0.0f;                                                      \
        for (r = 0; r + 4 <= rows; r += 4) {                                                            \
          const float a0 = ar[row0 + r], a1 = ar[row0 + r + 1], a2 = ar[row0 + r + 2], a3 = ar[row0 + r + 3]; \
          const T *w0 = wb + (size_t)r * p->N, *w1 = w0 + p->N, *w2 = w1 + p->N, *w3 = w2 + p->N;      \
          for (j = 0; j < p->N; j++) yr[j] += a0 * W(w0, j) + a1 * W(w1, j) + a2 * W(w2, j) + a3 * W(w3, j); \
        }                                                                                               \
        for (; r < rows; r++) {                                                                         \
          const float a0 = ar[row0 + r];                                                                \
          const T *w0 = wb + (size_t)r * p->N;                                                          \
          for (j = 0; j < p->N; j++) yr[j] += a0 * W(w0, j);                                            \
        }                                                                                               \
      }                                                                                                 \
    }                                                                                                   \
  } while (0)

#define WH(q, j) h2f((q)[j])
#define WF(q, j) ((q)[j])

/* optimised: one token (M <= 2) converts weights as it uses them; more rows of a convert each
   stored row once (in chunks) and use it for every row of a */
void dnnc_wrows_matmul(const float *a, const void *w, float *y, int32_t row0, int32_t rows, const dnnc_wrows_params *p) {
  float buf[WROWS_CHUNK];
  int32_t m, r, j, c, n;
  const int32_t len = p->trans ? p->K : p->N;
  if (p->M <= 2 || !p->half) {
    if (p->half) WROWS_DIRECT(WH, uint16_t);
    else WROWS_DIRECT(WF, float);
    return;
  }
  if (!p->trans && row0 == 0) for (m = 0; m < p->M; m++) for (j = 0; j < p->N; j++) y[(size_t)m * p->N + j] = 0.0f;
  for (r = 0; r < rows; r++) {
    if (p->trans) for (m = 0; m < p->M; m++) y[(size_t)m * p->N + row0 + r] = 0.0f;
    for (c = 0; c < len; c += WROWS_CHUNK) {
      const uint16_t *h = (const uint16_t *)w + (size_t)r * len + c;
      n = DNNC_MIN(WROWS_CHUNK, len - c);
      for (j = 0; j < n; j++) buf[j] = h2f(h[j]);
      for (m = 0; m < p->M; m++) {
        if (p->trans) {
          /* y[m][row0 + r] += a[m][c..] . W[r][c..] */
          const float *DNNC_RESTRICT ar = a + (size_t)m * p->K + c;
          float s = 0.0f;
          for (j = 0; j < n; j++) s += ar[j] * buf[j];
          y[(size_t)m * p->N + row0 + r] += s;
        } else {
          /* y[m][c..] += a[m][row0 + r] * W[r][c..] */
          const float av = a[(size_t)m * p->K + row0 + r];
          float *DNNC_RESTRICT yr = y + (size_t)m * p->N + c;
          for (j = 0; j < n; j++) yr[j] += av * buf[j];
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
  for (j = 0; j < n; j++) y[j] = h2f(((const uint16_t *)w)[j]);
}
