/* Convolution kernels (NCHW, float32). */
#include "conv.h"

static float clampf(float v, float lo, float hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

void dnnc_conv2d_f32_ref(const float *x, const float *w, const float *b, float *y, const dnnc_conv2d_params *p) {
  int32_t n, g, oc, oy, ox, ic, ky, kx;
  const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group;
  for (n = 0; n < p->n; n++) {
    for (g = 0; g < p->group; g++) {
      for (oc = 0; oc < cout_g; oc++) {
        const int32_t co = g * cout_g + oc;
        const float *wc = w + (size_t)co * cin_g * p->kh * p->kw;
        float *yc = y + ((size_t)n * p->cout + co) * p->oh * p->ow;
        for (oy = 0; oy < p->oh; oy++) {
          for (ox = 0; ox < p->ow; ox++) {
            float acc = b ? b[co] : 0.0f;
            for (ic = 0; ic < cin_g; ic++) {
              const float *xc = x + ((size_t)n * p->cin + g * cin_g + ic) * p->ih * p->iw;
              const float *wk = wc + (size_t)ic * p->kh * p->kw;
              for (ky = 0; ky < p->kh; ky++) {
                const int32_t iy = oy * p->sh - p->pt + ky * p->dh;
                if (iy < 0 || iy >= p->ih) continue;
                for (kx = 0; kx < p->kw; kx++) {
                  const int32_t ix = ox * p->sw - p->pl + kx * p->dw;
                  if (ix < 0 || ix >= p->iw) continue;
                  acc += xc[iy * p->iw + ix] * wk[ky * p->kw + kx];
                }
              }
            }
            yc[oy * p->ow + ox] = clampf(acc, p->act_min, p->act_max);
          }
        }
      }
    }
  }
}

/* Pointwise GEMM over a span of S positions, 4 output channels at a time:
   Y[co][s] = clamp(b[co] + sum_ci W[co][ci] X[ci][s]); input channel ci starts at
   x + ci * xplane, output channel co at y + co * yplane. */
void dnnc_conv_pointwise_span(const float *DNNC_RESTRICT x, size_t xplane, const float *DNNC_RESTRICT w, const float *b,
                              float *DNNC_RESTRICT y, size_t yplane, int32_t S, const dnnc_conv2d_params *p) {
  int32_t co, ci, s;
  for (co = 0; co + 4 <= p->cout; co += 4) {
    float *y0 = y + (size_t)co * yplane, *y1 = y0 + yplane, *y2 = y1 + yplane, *y3 = y2 + yplane;
    const float *w0 = w + (size_t)co * p->cin, *w1 = w0 + p->cin, *w2 = w1 + p->cin, *w3 = w2 + p->cin;
    const float b0 = b ? b[co] : 0.0f, b1 = b ? b[co + 1] : 0.0f, b2 = b ? b[co + 2] : 0.0f, b3 = b ? b[co + 3] : 0.0f;
    for (s = 0; s < S; s++) { y0[s] = b0; y1[s] = b1; y2[s] = b2; y3[s] = b3; }
    for (ci = 0; ci < p->cin; ci++) {
      const float *xc = x + (size_t)ci * xplane;
      const float a0 = w0[ci], a1 = w1[ci], a2 = w2[ci], a3 = w3[ci];
      for (s = 0; s < S; s++) {
        const float v = xc[s];
        y0[s] += a0 * v; y1[s] += a1 * v; y2[s] += a2 * v; y3[s] += a3 * v;
      }
    }
    for (s = 0; s < S; s++) {
      y0[s] = clampf(y0[s], p->act_min, p->act_max); y1[s] = clampf(y1[s], p->act_min, p->act_max);
      y2[s] = clampf(y2[s], p->act_min, p->act_max); y3[s] = clampf(y3[s], p->act_min, p->act_max);
    }
  }
  for (; co < p->cout; co++) {
    float *y0 = y + (size_t)co * yplane;
    const float *w0 = w + (size_t)co * p->cin;
    const float b0 = b ? b[co] : 0.0f;
    for (s = 0; s < S; s++) y0[s] = b0;
    for (ci = 0; ci < p->cin; ci++) {
      const float *xc = x + (size_t)ci * xplane;
      const float a0 = w0[ci];
      for (s = 0; s < S; s++) y0[s] += a0 * xc[s];
    }
    for (s = 0; s < S; s++) y0[s] = clampf(y0[s], p->act_min, p->act_max);
  }
}

/* 1x1, stride 1, no padding, one group: a GEMM  Y[co][s] = sum_ci W[co][ci] X[ci][s]. */
static void conv_pointwise(const float *DNNC_RESTRICT x, const float *DNNC_RESTRICT w, const float *b, float *DNNC_RESTRICT y,
                           const dnnc_conv2d_params *p) {
  const int32_t S = p->oh * p->ow;
  int32_t n;
  for (n = 0; n < p->n; n++)
    dnnc_conv_pointwise_span(x + (size_t)n * p->cin * S, (size_t)S, w, b, y + (size_t)n * p->cout * S, (size_t)S, S, p);
}

/* Valid tap range [lo, hi) of a kernel axis for output index o: the taps
   k with 0 <= o*s - pad + k*d < in. */
static void tap_range(int32_t o, int32_t s, int32_t pad, int32_t d, int32_t k, int32_t in, int32_t *lo, int32_t *hi) {
  const int32_t base = o * s - pad;
  int32_t a = 0, b = k;
  if (base < 0) a = (-base + d - 1) / d;
  if (base >= in) b = 0; /* the window starts past the input (large padding) */
  else if (base + (k - 1) * d >= in) b = (in - 1 - base) / d + 1;
  if (b < a) b = a;
  *lo = a;
  *hi = b;
}

/* One output pixel for nb (1..4) output channels, taps clipped to the input
   (no per-tap checks): the borders and leftovers of the blocked path. */
static void px_clipped(const float *xg, const float *w0, const float *b, float *y0, int32_t nb, int32_t oy, int32_t ox,
                       int32_t ky0, int32_t ky1, const dnnc_conv2d_params *p, int32_t cin_g, int32_t S) {
  const int32_t kk = p->kh * p->kw, ws = cin_g * kk, plane = p->ih * p->iw;
  float a[4];
  int32_t j, ic, ky, kx, kx0, kx1;
  tap_range(ox, p->sw, p->pl, p->dw, p->kw, p->iw, &kx0, &kx1);
  for (j = 0; j < nb; j++) a[j] = b ? b[j] : 0.0f;
  for (ic = 0; ic < cin_g; ic++) {
    const float *xi = xg + (size_t)ic * plane + (oy * p->sh - p->pt) * p->iw + (ox * p->sw - p->pl);
    const float *wi = w0 + ic * kk;
    for (ky = ky0; ky < ky1; ky++) {
      const float *xr = xi + ky * p->dh * p->iw;
      for (kx = kx0; kx < kx1; kx++) {
        const float v = xr[kx * p->dw];
        const int32_t t = ky * p->kw + kx;
        for (j = 0; j < nb; j++) a[j] += v * wi[(size_t)j * ws + t];
      }
    }
  }
  for (j = 0; j < nb; j++) y0[(size_t)j * S + oy * p->ow + ox] = clampf(a[j], p->act_min, p->act_max);
}

/* Register-blocked direct convolution: 4 output channels x 4 output pixels
   of a row accumulate in 16 registers over every input channel and tap, so
   each input value loaded serves 4 channels and each weight 4 pixels. Rows
   clip their kernel rows once; pixels whose taps leave the input on the
   left or right (and leftovers) take px_clipped. No per-tap checks, no
   scratch memory. Groups with fewer than 4 channels per group
   (depthwise) use 1 channel x 4 pixels. */
static void conv_blocked(const float *DNNC_RESTRICT x, const float *DNNC_RESTRICT w, const float *b, float *DNNC_RESTRICT y,
                         const dnnc_conv2d_params *p) {
  const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group;
  const int32_t S = p->oh * p->ow, kk = p->kh * p->kw, ws = cin_g * kk, plane = p->ih * p->iw;
  const int32_t sw = p->sw, dw = p->dw, dhw = p->dh * p->iw, kw = p->kw;
  int32_t n, g, oc, oy, ox, ic, ky, kx;
  int32_t ox0 = (p->pl + p->sw - 1) / p->sw;
  int32_t ox1 = (p->iw + p->pl - (p->kw - 1) * p->dw - 1) / p->sw + 1;
  if (p->iw + p->pl - (p->kw - 1) * p->dw - 1 < 0) ox1 = 0;
  if (ox1 > p->ow) ox1 = p->ow;
  if (ox0 > ox1) ox0 = ox1;
  for (n = 0; n < p->n; n++) {
    for (g = 0; g < p->group; g++) {
      const float *xg = x + ((size_t)n * p->cin + (size_t)g * cin_g) * plane;
      for (oc = 0; oc < cout_g;) {
        const int32_t nb = cout_g - oc >= 4 ? 4 : 1;
        const int32_t co = g * cout_g + oc;
        const float *w0 = w + (size_t)co * ws;
        const float *bb = b ? b + co : NULL;
        float *y0 = y + ((size_t)n * p->cout + co) * S;
        for (oy = 0; oy < p->oh; oy++) {
          int32_t ky0, ky1;
          tap_range(oy, p->sh, p->pt, p->dh, p->kh, p->ih, &ky0, &ky1);
          for (ox = 0; ox < ox0; ox++) px_clipped(xg, w0, bb, y0, nb, oy, ox, ky0, ky1, p, cin_g, S);
          for (; ox + 4 <= ox1; ox += 4) {
            const float *xb = xg + (size_t)(oy * p->sh - p->pt) * p->iw + (ox * sw - p->pl);
            float *yo = y0 + oy * p->ow + ox;
            if (nb == 4) {
              const float b0 = bb ? bb[0] : 0.0f, b1 = bb ? bb[1] : 0.0f, b2 = bb ? bb[2] : 0.0f, b3 = bb ? bb[3] : 0.0f;
              float a00 = b0, a01 = b0, a02 = b0, a03 = b0, a10 = b1, a11 = b1, a12 = b1, a13 = b1;
              float a20 = b2, a21 = b2, a22 = b2, a23 = b2, a30 = b3, a31 = b3, a32 = b3, a33 = b3;
              for (ic = 0; ic < cin_g; ic++) {
                const float *xi = xb + (size_t)ic * plane;
                const float *k0 = w0 + ic * kk, *k1 = k0 + ws, *k2 = k1 + ws, *k3 = k2 + ws;
                for (ky = ky0; ky < ky1; ky++) {
                  const float *xr = xi + ky * dhw;
                  const int32_t t0 = ky * kw;
                  for (kx = 0; kx < kw; kx++) {
                    const float *xp = xr + kx * dw;
                    const float x0 = xp[0], x1 = xp[sw], x2 = xp[2 * sw], x3 = xp[3 * sw];
                    const float c0 = k0[t0 + kx], c1 = k1[t0 + kx], c2 = k2[t0 + kx], c3 = k3[t0 + kx];
                    a00 += c0 * x0; a01 += c0 * x1; a02 += c0 * x2; a03 += c0 * x3;
                    a10 += c1 * x0; a11 += c1 * x1; a12 += c1 * x2; a13 += c1 * x3;
                    a20 += c2 * x0; a21 += c2 * x1; a22 += c2 * x2; a23 += c2 * x3;
                    a30 += c3 * x0; a31 += c3 * x1; a32 += c3 * x2; a33 += c3 * x3;
                  }
                }
              }
              yo[0] = clampf(a00, p->act_min, p->act_max); yo[1] = clampf(a01, p->act_min, p->act_max);
              yo[2] = clampf(a02, p->act_min, p->act_max); yo[3] = clampf(a03, p->act_min, p->act_max);
              yo += S;
              yo[0] = clampf(a10, p->act_min, p->act_max); yo[1] = clampf(a11, p->act_min, p->act_max);
              yo[2] = clampf(a12, p->act_min, p->act_max); yo[3] = clampf(a13, p->act_min, p->act_max);
              yo += S;
              yo[0] = clampf(a20, p->act_min, p->act_max); yo[1] = clampf(a21, p->act_min, p->act_max);
              yo[2] = clampf(a22, p->act_min, p->act_max); yo[3] = clampf(a23, p->act_min, p->act_max);
              yo += S;
              yo[0] = clampf(a30, p->act_min, p->act_max); yo[1] = clampf(a31, p->act_min, p->act_max);
              yo[2] = clampf(a32, p->act_min, p->act_max); yo[3] = clampf(a33, p->act_min, p->act_max);
            } else {
              const float b0 = bb ? bb[0] : 0.0f;
              float a0 = b0, a1 = b0, a2 = b0, a3 = b0;
              for (ic = 0; ic < cin_g; ic++) {
                const float *xi = xb + (size_t)ic * plane;
                const float *k0 = w0 + ic * kk;
                for (ky = ky0; ky < ky1; ky++) {
                  const float *xr = xi + ky * dhw;
                  const int32_t t0 = ky * kw;
                  for (kx = 0; kx < kw; kx++) {
                    const float *xp = xr + kx * dw;
                    const float c0 = k0[t0 + kx];
                    a0 += c0 * xp[0]; a1 += c0 * xp[sw]; a2 += c0 * xp[2 * sw]; a3 += c0 * xp[3 * sw];
                  }
                }
              }
              yo[0] = clampf(a0, p->act_min, p->act_max); yo[1] = clampf(a1, p->act_min, p->act_max);
              yo[2] = clampf(a2, p->act_min, p->act_max); yo[3] = clampf(a3, p->act_min, p->act_max);
            }
          }
          for (; ox < p->ow; ox++) px_clipped(xg, w0, bb, y0, nb, oy, ox, ky0, ky1, p, cin_g, S);
        }
        oc += nb;
      }
    }
  }
}

void dnnc_conv2d_f32(const float *x, const float *w, const float *b, float *y, const dnnc_conv2d_params *p) {
  if (p->group == 1 && p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pt == 0 && p->pl == 0 &&
      p->oh == p->ih && p->ow == p->iw) {
    conv_pointwise(x, w, b, y, p);
  } else {
    conv_blocked(x, w, b, y, p);
  }
}

#define DNNC_CONV_ND(SUF, T)                                                                             \
  void dnnc_conv_nd_##SUF(const T *x, const T *w, const T *b, T *y, const dnnc_convnd_params *p) {       \
    const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group;                                \
    const int32_t isz = p->in[0] * p->in[1] * p->in[2], ksz = p->k[0] * p->k[1] * p->k[2];              \
    int32_t n, co, ic, o0, o1, o2, k0, k1, k2;                                                           \
    size_t at = 0;                                                                                       \
    for (n = 0; n < p->n; n++)                                                                           \
      for (co = 0; co < p->cout; co++) {                                                                 \
        const int32_t g = co / cout_g;                                                                   \
        for (o0 = 0; o0 < p->out[0]; o0++)                                                               \
          for (o1 = 0; o1 < p->out[1]; o1++)                                                             \
            for (o2 = 0; o2 < p->out[2]; o2++) {                                                         \
              T acc = b ? b[co] : (T)0;                                                                  \
              for (ic = 0; ic < cin_g; ic++) {                                                           \
                const T *xc = x + ((size_t)n * p->cin + g * cin_g + ic) * isz;                           \
                const T *wk = w + ((size_t)co * cin_g + ic) * ksz;                                       \
                for (k0 = 0; k0 < p->k[0]; k0++) {                                                       \
                  const int32_t i0 = o0 * p->s[0] - p->p[0] + k0 * p->d[0];                              \
                  if (i0 < 0 || i0 >= p->in[0]) continue;                                                \
                  for (k1 = 0; k1 < p->k[1]; k1++) {                                                     \
                    const int32_t i1 = o1 * p->s[1] - p->p[1] + k1 * p->d[1];                            \
                    if (i1 < 0 || i1 >= p->in[1]) continue;                                              \
                    for (k2 = 0; k2 < p->k[2]; k2++) {                                                   \
                      const int32_t i2 = o2 * p->s[2] - p->p[2] + k2 * p->d[2];                          \
                      if (i2 < 0 || i2 >= p->in[2]) continue;                                            \
                      acc += xc[((size_t)i0 * p->in[1] + i1) * p->in[2] + i2] *                          \
                             wk[((size_t)k0 * p->k[1] + k1) * p->k[2] + k2];                             \
                    }                                                                                    \
                  }                                                                                      \
                }                                                                                        \
              }                                                                                          \
              y[at++] = acc < (T)p->act_min ? (T)p->act_min : (acc > (T)p->act_max ? (T)p->act_max : acc); \
            }                                                                                            \
      }                                                                                                  \
  }

DNNC_CONV_ND(f32, float)
DNNC_CONV_ND(f64, double)
