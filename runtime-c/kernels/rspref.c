/* RSP-exact C references (see rspref.h). */
#include "rspref.h"

void dnnc_rsp_gemm_ref(const int16_t *x, const int16_t *w, const int16_t *prm, int16_t *y, int32_t K, int32_t P, int32_t Co) {
  int32_t co, p, k;
  for (co = 0; co < Co; co++)
    for (p = 0; p < P; p++) {
      int64_t acc = 0;
      for (k = 0; k < K; k++) acc += (int32_t)w[(size_t)co * K + k] * (int32_t)x[(size_t)k * P + p];
      y[(size_t)co * P + p] = dnnc_rsp_requant(acc, prm + 8 * co);
    }
}

void dnnc_rsp_dw3x3_ref(const int16_t *x, const int16_t *w, const int16_t *prm, int16_t *y, int32_t C, int32_t OH, int32_t OW, int32_t IWp) {
  int32_t c, oy, ox, ky, kx;
  for (c = 0; c < C; c++) {
    const int16_t *xc = x + (size_t)c * (OH + 2) * IWp;
    for (oy = 0; oy < OH; oy++)
      for (ox = 0; ox < OW; ox++) {
        int64_t acc = 0;
        for (ky = 0; ky < 3; ky++)
          for (kx = 0; kx < 3; kx++) acc += (int32_t)w[c * 9 + ky * 3 + kx] * (int32_t)xc[(oy + ky) * IWp + ox + kx];
        y[((size_t)c * OH + oy) * OW + ox] = dnnc_rsp_requant(acc, prm + 8 * c);
      }
  }
}

void dnnc_rsp_add_ref(const int16_t *a, const int16_t *b, int16_t *y, size_t n, const int16_t *prm) {
  size_t i;
  for (i = 0; i < n; i++) y[i] = dnnc_rsp_requant((int64_t)a[i] * prm[6] + (int64_t)b[i] * prm[7], prm);
}

void dnnc_rsp_mul_ref(const int16_t *a, const int16_t *b, int16_t *y, size_t n, const int16_t *prm) {
  size_t i;
  for (i = 0; i < n; i++) y[i] = dnnc_rsp_requant((int64_t)a[i] * b[i], prm);
}

void dnnc_rsp_clamp_ref(const int16_t *x, int16_t *y, size_t n, int32_t lo, int32_t hi) {
  size_t i;
  for (i = 0; i < n; i++) y[i] = (int16_t)(x[i] < lo ? lo : (x[i] > hi ? hi : x[i]));
}

void dnnc_rsp_maxpool2_ref(const int16_t *x, int16_t *y, int32_t rows, int32_t ow) {
  int32_t r, o;
  for (r = 0; r < rows; r++)
    for (o = 0; o < ow; o++) {
      const int16_t *a = x + (size_t)r * 4 * ow + 2 * o, *b = a + 2 * ow;
      int16_t m = a[0];
      if (a[1] > m) m = a[1];
      if (b[0] > m) m = b[0];
      if (b[1] > m) m = b[1];
      y[(size_t)r * ow + o] = m;
    }
}

void dnnc_rsp_avgpool2_ref(const int16_t *x, int16_t *y, int32_t rows, int32_t ow) {
  int32_t r, o;
  for (r = 0; r < rows; r++)
    for (o = 0; o < ow; o++) {
      const int16_t *a = x + (size_t)r * 4 * ow + 2 * o, *b = a + 2 * ow;
      const int32_t s = (int32_t)a[0] + a[1] + b[0] + b[1];
      /* (s * 2^14 + 2^15) >> 16 == floor((s + 2) / 4) */
      const int32_t t = s + 2;
      y[(size_t)r * ow + o] = (int16_t)(t >= 0 ? t / 4 : -((-t + 3) / 4));
    }
}
