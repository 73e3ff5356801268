/* Row-range kernels for fused patch execution (see rows.h). The arithmetic
   of every output element is the same as in the whole-layer kernels (bias,
   then input channels, kernel rows, kernel columns, then the clamp). */
#include "rows.h"

static float rclamp(float v, float lo, float hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* Valid taps [lo, hi) of a kernel axis for output index o (inputs 0..in-1). */
static void rows_taps(int32_t o, int32_t s, int32_t pad, int32_t d, int32_t k, int32_t in, int32_t *lo, int32_t *hi) {
  const int32_t base = o * s - pad;
  int32_t a = 0, e = k;
  if (base < 0) a = (-base + d - 1) / d;
  if (base >= in) e = 0;
  else if (base + (k - 1) * d >= in) e = (in - 1 - base) / d + 1;
  if (e < a) e = a;
  *lo = a;
  *hi = e;
}

/* 1x1 stride-1 unpadded single-group rows: per row a small GEMM, 4 output channels at a time. */
static void rows_pointwise(const float *DNNC_RESTRICT x, int32_t xring, const float *DNNC_RESTRICT w, const float *b,
                           float *DNNC_RESTRICT y, int32_t yring, int32_t oy0, int32_t oy1, const dnnc_conv2d_params *p) {
  const size_t xplane = (size_t)xring * p->iw, yplane = (size_t)yring * p->ow;
  int32_t oy;
  for (oy = oy0; oy < oy1; oy++)
    dnnc_conv_pointwise_span(x + (size_t)(oy % xring) * p->iw, xplane, w, b, y + (size_t)(oy % yring) * p->ow, yplane, p->ow, p);
}

/* One output pixel of output row oy for nb (1..4) channels, taps clipped to the input. */
static void rows_px(const float *xg, size_t xplane, const size_t *roff, const float *w0, const float *b, float *y0,
                    size_t yplane, int32_t nb, int32_t ox, int32_t ky0, int32_t ky1, const dnnc_conv2d_params *p, int32_t cin_g) {
  const int32_t kk = p->kh * p->kw, ws = cin_g * kk;
  float a[4];
  int32_t j, ic, ky, kx, kx0, kx1;
  rows_taps(ox, p->sw, p->pl, p->dw, p->kw, p->iw, &kx0, &kx1);
  for (j = 0; j < nb; j++) a[j] = b ? b[j] : 0.0f;
  for (ic = 0; ic < cin_g; ic++) {
    const float *xi = xg + (size_t)ic * xplane + (ox * p->sw - p->pl);
    const float *wi = w0 + ic * kk;
    for (ky = ky0; ky < ky1; ky++) {
      const float *xr = xi + roff[ky];
      for (kx = kx0; kx < kx1; kx++) {
        const float v = xr[kx * p->dw];
        const int32_t t = ky * p->kw + kx;
        for (j = 0; j < nb; j++) a[j] += v * wi[(size_t)j * ws + t];
      }
    }
  }
  for (j = 0; j < nb; j++) y0[(size_t)j * yplane + ox] = rclamp(a[j], p->act_min, p->act_max);
}

void dnnc_conv2d_rows_f32(const float *x, int32_t xring, const float *w, const float *b, float *y, int32_t yring,
                          int32_t oy0, int32_t oy1, const dnnc_conv2d_params *p) {
  const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group;
  const int32_t kk = p->kh * p->kw, ws = cin_g * kk;
  const size_t xplane = (size_t)xring * p->iw, yplane = (size_t)yring * p->ow;
  const int32_t sw = p->sw, dw = p->dw, kw = p->kw;
  size_t roff[DNNC_ROWS_MAXK];
  int32_t g, oc, oy, ox, ic, ky, kx;
  int32_t ox0 = (p->pl + p->sw - 1) / p->sw;
  int32_t ox1 = (p->iw + p->pl - (p->kw - 1) * p->dw - 1) / p->sw + 1;
  if (p->group == 1 && p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pt == 0 && p->pl == 0 &&
      p->oh == p->ih && p->ow == p->iw) {
    rows_pointwise(x, xring, w, b, y, yring, oy0, oy1, p);
    return;
  }
  if (p->iw + p->pl - (p->kw - 1) * p->dw - 1 < 0) ox1 = 0;
  if (ox1 > p->ow) ox1 = p->ow;
  if (ox0 > ox1) ox0 = ox1;
  for (oy = oy0; oy < oy1; oy++) {
    int32_t ky0, ky1;
    rows_taps(oy, p->sh, p->pt, p->dh, p->kh, p->ih, &ky0, &ky1);
    if (ky1 > DNNC_ROWS_MAXK) ky1 = DNNC_ROWS_MAXK; /* the compiler never fuses taller kernels */
    for (ky = ky0; ky < ky1; ky++) roff[ky] = (size_t)((oy * p->sh - p->pt + ky * p->dh) % xring) * p->iw;
    for (g = 0; g < p->group; g++) {
      const float *xg = x + (size_t)g * cin_g * xplane;
      for (oc = 0; oc < cout_g;) {
        const int32_t nb = cout_g - oc >= 4 ? 4 : 1;
        const int32_t co = g * cout_g + oc;
        const float *w0 = w + (size_t)co * ws;
        const float *bb = b ? b + co : NULL;
        float *y0 = y + (size_t)co * yplane + (size_t)(oy % yring) * p->ow;
        for (ox = 0; ox < ox0; ox++) rows_px(xg, xplane, roff, w0, bb, y0, yplane, nb, ox, ky0, ky1, p, cin_g);
        for (; ox + 4 <= ox1; ox += 4) {
          const int32_t xo = ox * sw - p->pl;
          float *yo = y0 + ox;
          if (nb == 4) {
            const float b0 = bb ? bb[0] : 0.0f, b1 = bb ? bb[1] : 0.0f, b2 = bb ? bb[2] : 0.0f, b3 = bb ? bb[3] : 0.0f;
            float a00 = b0, a01 = b0, a02 = b0, a03 = b0, a10 = b1, a11 = b1, a12 = b1, a13 = b1;
            float a20 = b2, a21 = b2, a22 = b2, a23 = b2, a30 = b3, a31 = b3, a32 = b3, a33 = b3;
            for (ic = 0; ic < cin_g; ic++) {
              const float *xi = xg + (size_t)ic * xplane + xo;
              const float *k0 = w0 + ic * kk, *k1 = k0 + ws, *k2 = k1 + ws, *k3 = k2 + ws;
              for (ky = ky0; ky < ky1; ky++) {
                const float *xr = xi + roff[ky];
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
            yo[0] = rclamp(a00, p->act_min, p->act_max); yo[1] = rclamp(a01, p->act_min, p->act_max);
            yo[2] = rclamp(a02, p->act_min, p->act_max); yo[3] = rclamp(a03, p->act_min, p->act_max);
            yo += yplane;
            yo[0] = rclamp(a10, p->act_min, p->act_max); yo[1] = rclamp(a11, p->act_min, p->act_max);
            yo[2] = rclamp(a12, p->act_min, p->act_max); yo[3] = rclamp(a13, p->act_min, p->act_max);
            yo += yplane;
            yo[0] = rclamp(a20, p->act_min, p->act_max); yo[1] = rclamp(a21, p->act_min, p->act_max);
            yo[2] = rclamp(a22, p->act_min, p->act_max); yo[3] = rclamp(a23, p->act_min, p->act_max);
            yo += yplane;
            yo[0] = rclamp(a30, p->act_min, p->act_max); yo[1] = rclamp(a31, p->act_min, p->act_max);
            yo[2] = rclamp(a32, p->act_min, p->act_max); yo[3] = rclamp(a33, p->act_min, p->act_max);
          } else {
            const float b0 = bb ? bb[0] : 0.0f;
            float a0 = b0, a1 = b0, a2 = b0, a3 = b0;
            for (ic = 0; ic < cin_g; ic++) {
              const float *xi = xg + (size_t)ic * xplane + xo;
              const float *k0 = w0 + ic * kk;
              for (ky = ky0; ky < ky1; ky++) {
                const float *xr = xi + roff[ky];
                const int32_t t0 = ky * kw;
                for (kx = 0; kx < kw; kx++) {
                  const float *xp = xr + kx * dw;
                  const float c0 = k0[t0 + kx];
                  a0 += c0 * xp[0]; a1 += c0 * xp[sw]; a2 += c0 * xp[2 * sw]; a3 += c0 * xp[3 * sw];
                }
              }
            }
            yo[0] = rclamp(a0, p->act_min, p->act_max); yo[1] = rclamp(a1, p->act_min, p->act_max);
            yo[2] = rclamp(a2, p->act_min, p->act_max); yo[3] = rclamp(a3, p->act_min, p->act_max);
          }
        }
        for (; ox < p->ow; ox++) rows_px(xg, xplane, roff, w0, bb, y0, yplane, nb, ox, ky0, ky1, p, cin_g);
        oc += nb;
      }
    }
  }
}

void dnnc_maxpool2d_rows_f32(const float *x, int32_t xring, float *y, int32_t yring, int32_t oy0, int32_t oy1,
                             const dnnc_pool2d_params *p) {
  int32_t c, oy, ox, ky, kx;
  for (c = 0; c < p->nc; c++) {
    const float *xc = x + (size_t)c * xring * p->iw;
    float *yc = y + (size_t)c * yring * p->ow;
    for (oy = oy0; oy < oy1; oy++) {
      float *yr = yc + (size_t)(oy % yring) * p->ow;
      for (ox = 0; ox < p->ow; ox++) {
        float m = -INFINITY;
        for (ky = 0; ky < p->kh; ky++) {
          const int32_t iy = oy * p->sh - p->pt + ky * p->dh;
          const float *xr;
          if (iy < 0 || iy >= p->ih) continue;
          xr = xc + (size_t)(iy % xring) * p->iw;
          for (kx = 0; kx < p->kw; kx++) {
            const int32_t ix = ox * p->sw - p->pl + kx * p->dw;
            float v;
            if (ix < 0 || ix >= p->iw) continue;
            v = xr[ix];
            if (v > m || v != v) m = v;
          }
        }
        yr[ox] = m;
      }
    }
  }
}

void dnnc_avgpool2d_rows_f32(const float *x, int32_t xring, float *y, int32_t yring, int32_t oy0, int32_t oy1,
                             const dnnc_pool2d_params *p) {
  int32_t c, oy, ox, ky, kx;
  for (c = 0; c < p->nc; c++) {
    const float *xc = x + (size_t)c * xring * p->iw;
    float *yc = y + (size_t)c * yring * p->ow;
    for (oy = oy0; oy < oy1; oy++) {
      float *yr = yc + (size_t)(oy % yring) * p->ow;
      for (ox = 0; ox < p->ow; ox++) {
        float s = 0.0f;
        int32_t cnt = 0, padded = 0;
        for (ky = 0; ky < p->kh; ky++) {
          const int32_t iy = oy * p->sh - p->pt + ky * p->dh;
          const int32_t y_in_pad = iy >= -p->pt && iy < p->ih + p->pb;
          for (kx = 0; kx < p->kw; kx++) {
            const int32_t ix = ox * p->sw - p->pl + kx * p->dw;
            if (y_in_pad && ix >= -p->pl && ix < p->iw + p->pr) padded++;
            if (iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw) continue;
            s += xc[(size_t)(iy % xring) * p->iw + ix];
            cnt++;
          }
        }
        if (p->count_include_pad) cnt = padded;
        yr[ox] = cnt ? s / (float)cnt : 0.0f;
      }
    }
  }
}

void dnnc_binary_rows_f32(const float *a, int32_t aring, const float *b, int32_t bring, float *y, int32_t yring,
                          int32_t c, int32_t w, int32_t r0, int32_t r1, int32_t op, float lo, float hi) {
  int32_t ch, r, i;
  for (ch = 0; ch < c; ch++) {
    for (r = r0; r < r1; r++) {
      const float *ap = a + ((size_t)ch * aring + (size_t)(r % aring)) * w;
      const float *bp = b + ((size_t)ch * bring + (size_t)(r % bring)) * w;
      float *yp = y + ((size_t)ch * yring + (size_t)(r % yring)) * w;
      if (op == 0) for (i = 0; i < w; i++) yp[i] = rclamp(ap[i] + bp[i], lo, hi);
      else if (op == 1) for (i = 0; i < w; i++) yp[i] = rclamp(ap[i] - bp[i], lo, hi);
      else for (i = 0; i < w; i++) yp[i] = rclamp(ap[i] * bp[i], lo, hi);
    }
  }
}

void dnnc_relu_rows_f32(const float *x, int32_t xring, float *y, int32_t yring, int32_t c, int32_t w, int32_t r0, int32_t r1) {
  int32_t ch, r, i;
  for (ch = 0; ch < c; ch++) {
    for (r = r0; r < r1; r++) {
      const float *xp = x + ((size_t)ch * xring + (size_t)(r % xring)) * w;
      float *yp = y + ((size_t)ch * yring + (size_t)(r % yring)) * w;
      for (i = 0; i < w; i++) yp[i] = xp[i] > 0.0f ? xp[i] : 0.0f;
    }
  }
}
