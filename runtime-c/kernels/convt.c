/* ConvTranspose as a scatter of every input pixel through the kernel. */
#include "convt.h"

/* Adds the scatter of one input channel xc through one kernel wk into one output channel yc. */
typedef void (*convt_pair_fn)(const float *xc, const float *wk, float *yc, const dnnc_convt_params *p);

/* Reference order: every input pixel through every kernel tap. */
static void convt_pair_ref(const float *xc, const float *wk, float *yc, const dnnc_convt_params *p) {
  int32_t i0, i1, i2, k0, k1, k2;
  for (i0 = 0; i0 < p->in[0]; i0++)
    for (i1 = 0; i1 < p->in[1]; i1++)
      for (i2 = 0; i2 < p->in[2]; i2++) {
        const float xv = xc[((size_t)i0 * p->in[1] + i1) * p->in[2] + i2];
        for (k0 = 0; k0 < p->k[0]; k0++) {
          const int32_t o0 = i0 * p->s[0] - p->p[0] + k0 * p->d[0];
          if (o0 < 0 || o0 >= p->out[0]) continue;
          for (k1 = 0; k1 < p->k[1]; k1++) {
            const int32_t o1 = i1 * p->s[1] - p->p[1] + k1 * p->d[1];
            if (o1 < 0 || o1 >= p->out[1]) continue;
            for (k2 = 0; k2 < p->k[2]; k2++) {
              const int32_t o2 = i2 * p->s[2] - p->p[2] + k2 * p->d[2];
              if (o2 < 0 || o2 >= p->out[2]) continue;
              yc[((size_t)o0 * p->out[1] + o1) * p->out[2] + o2] +=
                  xv * wk[((size_t)k0 * p->k[1] + k1) * p->k[2] + k2];
            }
          }
        }
      }
}

/* Same sums in kernel-tap order: for each tap, the valid input range of the
   innermost dim is computed once, so the inner loop has no bounds checks and
   reads the input contiguously. */
static void convt_pair_taps(const float *xc, const float *wk, float *yc, const dnnc_convt_params *p) {
  int32_t i0, i1, i2, k0, k1, k2;
  for (k0 = 0; k0 < p->k[0]; k0++)
    for (k1 = 0; k1 < p->k[1]; k1++)
      for (k2 = 0; k2 < p->k[2]; k2++) {
        const float wv = wk[((size_t)k0 * p->k[1] + k1) * p->k[2] + k2];
        const int32_t off2 = k2 * p->d[2] - p->p[2];
        /* i2 with 0 <= i2 * s2 + off2 < out2 */
        int32_t lo = off2 >= 0 ? 0 : (-off2 + p->s[2] - 1) / p->s[2];
        int32_t hi = p->out[2] - off2 <= 0 ? 0 : (p->out[2] - off2 - 1) / p->s[2] + 1;
        if (hi > p->in[2]) hi = p->in[2];
        if (lo >= hi) continue;
        for (i0 = 0; i0 < p->in[0]; i0++) {
          const int32_t o0 = i0 * p->s[0] - p->p[0] + k0 * p->d[0];
          if (o0 < 0 || o0 >= p->out[0]) continue;
          for (i1 = 0; i1 < p->in[1]; i1++) {
            const int32_t o1 = i1 * p->s[1] - p->p[1] + k1 * p->d[1];
            const float *xr;
            float *yr;
            if (o1 < 0 || o1 >= p->out[1]) continue;
            /* first valid input and its output position; both stay inside their rows */
            xr = xc + ((size_t)i0 * p->in[1] + i1) * p->in[2] + lo;
            yr = yc + ((size_t)o0 * p->out[1] + o1) * p->out[2] + (lo * p->s[2] + off2);
            if (p->s[2] == 1) {
              for (i2 = 0; i2 < hi - lo; i2++) yr[i2] += wv * xr[i2];
            } else {
              for (i2 = 0; i2 < hi - lo; i2++) yr[(size_t)i2 * p->s[2]] += wv * xr[i2];
            }
          }
        }
      }
}

/* Bias, the scatter of every (input, output) channel pair of each group, the fused clamp. */
static void convt_run(const float *x, const float *w, const float *b, float *y, const dnnc_convt_params *p, convt_pair_fn pair) {
  const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group;
  const int32_t isz = p->in[0] * p->in[1] * p->in[2], osz = p->out[0] * p->out[1] * p->out[2];
  const int32_t ksz = p->k[0] * p->k[1] * p->k[2];
  int32_t n, g, ic, oc, s;
  for (n = 0; n < p->n; n++) {
    float *yn = y + (size_t)n * p->cout * osz;
    for (oc = 0; oc < p->cout; oc++) {
      const float bias = b ? b[oc] : 0.0f;
      for (s = 0; s < osz; s++) yn[(size_t)oc * osz + s] = bias;
    }
    for (g = 0; g < p->group; g++) {
      for (ic = 0; ic < cin_g; ic++) {
        const int32_t ci = g * cin_g + ic;
        const float *xc = x + ((size_t)n * p->cin + ci) * isz;
        for (oc = 0; oc < cout_g; oc++)
          pair(xc, w + ((size_t)ci * cout_g + oc) * ksz, yn + (size_t)(g * cout_g + oc) * osz, p);
      }
    }
    if (p->act_min > -INFINITY || p->act_max < INFINITY) {
      for (s = 0; s < p->cout * osz; s++) yn[s] = yn[s] < p->act_min ? p->act_min : (yn[s] > p->act_max ? p->act_max : yn[s]);
    }
  }
}

void dnnc_convtranspose_f32_ref(const float *x, const float *w, const float *b, float *y, const dnnc_convt_params *p) {
  convt_run(x, w, b, y, p, convt_pair_ref);
}

void dnnc_convtranspose_f32(const float *x, const float *w, const float *b, float *y, const dnnc_convt_params *p) {
  convt_run(x, w, b, y, p, convt_pair_taps);
}
