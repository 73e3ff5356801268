/* Row-range int8 kernels (see qrows.h). acc = b + sum over the valid taps
   of (x - x_zp) * w, exact in int32 like the whole-layer kernels, then the
   same requantization. */
#include "qrows.h"

#define QROWS_REQ(acc, co) (int8_t)dnnc_clamp_i32(dnnc_rq((acc), p->mult[co], p->shift[co]) + p->y_zp, p->act_min, p->act_max)

static void qrows_taps(int32_t o, int32_t s, int32_t pad, int32_t d, int32_t k, int32_t in, int32_t *lo, int32_t *hi) {
  const int32_t base = o * s - pad;
  int32_t a = 0, e = k;
  if (base < 0) a = (-base + d - 1) / d;
  if (base >= in) e = 0;
  else if (base + (k - 1) * d >= in) e = (in - 1 - base) / d + 1;
  if (e < a) e = a;
  *lo = a;
  *hi = e;
}

/* One output pixel, taps clipped to the input: acc = b + sum (x - x_zp) * w. */
static int32_t qrows_px(const int8_t *xg, size_t xplane, const size_t *roff, const int8_t *wc, int32_t bias, int32_t ox,
                        int32_t ky0, int32_t ky1, const dnnc_qconv2d_params *p, int32_t cin_g) {
  const int32_t kk = p->kh * p->kw, zp = p->x_zp, xo = ox * p->sw - p->pl;
  int32_t acc = bias, kx0, kx1, ic, ky, kx;
  qrows_taps(ox, p->sw, p->pl, p->dw, p->kw, p->iw, &kx0, &kx1);
  for (ic = 0; ic < cin_g; ic++) {
    const int8_t *xi = xg + (size_t)ic * xplane + xo;
    const int8_t *wi = wc + ic * kk;
    for (ky = ky0; ky < ky1; ky++) {
      const int8_t *xr = xi + roff[ky];
      const int8_t *wr = wi + ky * p->kw;
      for (kx = kx0; kx < kx1; kx++) acc += ((int32_t)xr[kx * p->dw] - zp) * (int32_t)wr[kx];
    }
  }
  return acc;
}

void dnnc_qconv2d_rows_i8(const int8_t *x, int32_t xring, const int8_t *w, const int32_t *b, int8_t *y, int32_t yring,
                          int32_t oy0, int32_t oy1, const dnnc_qconv2d_params *p) {
  const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group;
  const int32_t kk = p->kh * p->kw, sw = p->sw, dw = p->dw;
  const size_t xplane = (size_t)xring * p->iw, yplane = (size_t)yring * p->ow;
  const int32_t zp = p->x_zp;
  size_t roff[DNNC_QROWS_MAXK];
  int32_t g, oc, oy, ox, ic, ky, kx;
  /* output columns whose every tap is inside the input */
  int32_t oxa = (p->pl + p->sw - 1) / p->sw;
  int32_t oxb = (p->iw + p->pl - (p->kw - 1) * p->dw - 1) / p->sw + 1;
  if (p->iw + p->pl - (p->kw - 1) * p->dw - 1 < 0) oxb = 0;
  if (oxb > p->ow) oxb = p->ow;
  if (oxa > oxb) oxa = oxb;
  if (p->group == 1 && kk == 1 && p->sh == 1 && p->sw == 1 && p->pt == 0 && p->pl == 0 && p->oh == p->ih && p->ow == p->iw) {
    /* pointwise: the zero point folds into the bias (b - x_zp * sum w), 4 pixels of a row at a time */
    for (oy = oy0; oy < oy1; oy++) {
      const int8_t *xr = x + (size_t)(oy % xring) * p->iw;
      int8_t *yr = y + (size_t)(oy % yring) * p->ow;
      for (oc = 0; oc < p->cout; oc++) {
        const int8_t *wc = w + (size_t)oc * p->cin;
        int32_t wsum = 0, bias;
        int8_t *yc = yr + (size_t)oc * yplane;
        if (p->wsum) wsum = p->wsum[oc];
        else for (ic = 0; ic < p->cin; ic++) wsum += wc[ic];
        bias = (b ? b[oc] : 0) - zp * wsum;
        for (ox = 0; ox + 4 <= p->ow; ox += 4) {
          int32_t a0 = bias, a1 = bias, a2 = bias, a3 = bias;
          for (ic = 0; ic < p->cin; ic++) {
            const int8_t *xp = xr + (size_t)ic * xplane + ox;
            const int32_t wv = wc[ic];
            a0 += (int32_t)xp[0] * wv; a1 += (int32_t)xp[1] * wv; a2 += (int32_t)xp[2] * wv; a3 += (int32_t)xp[3] * wv;
          }
          yc[ox] = QROWS_REQ(a0, oc); yc[ox + 1] = QROWS_REQ(a1, oc); yc[ox + 2] = QROWS_REQ(a2, oc); yc[ox + 3] = QROWS_REQ(a3, oc);
        }
        for (; ox < p->ow; ox++) {
          int32_t a0 = bias;
          for (ic = 0; ic < p->cin; ic++) a0 += (int32_t)xr[(size_t)ic * xplane + ox] * (int32_t)wc[ic];
          yc[ox] = QROWS_REQ(a0, oc);
        }
      }
    }
    return;
  }
  for (oy = oy0; oy < oy1; oy++) {
    int32_t ky0, ky1;
    qrows_taps(oy, p->sh, p->pt, p->dh, p->kh, p->ih, &ky0, &ky1);
    if (ky1 > DNNC_QROWS_MAXK) ky1 = DNNC_QROWS_MAXK; /* the compiler never fuses taller kernels */
    for (ky = ky0; ky < ky1; ky++) roff[ky] = (size_t)((oy * p->sh - p->pt + ky * p->dh) % xring) * p->iw;
    for (g = 0; g < p->group; g++) {
      const int8_t *xg = x + (size_t)g * cin_g * xplane;
      for (oc = 0; oc < cout_g; oc++) {
        const int32_t co = g * cout_g + oc;
        const int8_t *wc = w + (size_t)co * cin_g * kk;
        const int32_t bias = b ? b[co] : 0;
        int32_t wsum = 0, fold;
        int8_t *yr = y + (size_t)co * yplane + (size_t)(oy % yring) * p->ow;
        for (ox = 0; ox < oxa; ox++) yr[ox] = QROWS_REQ(qrows_px(xg, xplane, roff, wc, bias, ox, ky0, ky1, p, cin_g), co);
        /* interior: every column tap is inside, the zero point folds into the bias over this row's kernel rows */
        for (ic = 0; ic < cin_g; ic++)
          for (ky = ky0; ky < ky1; ky++)
            for (kx = 0; kx < p->kw; kx++) wsum += wc[ic * kk + ky * p->kw + kx];
        fold = bias - zp * wsum;
        for (; ox + 4 <= oxb; ox += 4) {
          int32_t a0 = fold, a1 = fold, a2 = fold, a3 = fold;
          const int32_t xo = ox * sw - p->pl;
          for (ic = 0; ic < cin_g; ic++) {
            const int8_t *xi = xg + (size_t)ic * xplane + xo;
            const int8_t *wi = wc + ic * kk;
            for (ky = ky0; ky < ky1; ky++) {
              const int8_t *xr = xi + roff[ky];
              const int8_t *wr = wi + ky * p->kw;
              for (kx = 0; kx < p->kw; kx++) {
                const int8_t *xp = xr + kx * dw;
                const int32_t wv = wr[kx];
                a0 += (int32_t)xp[0] * wv; a1 += (int32_t)xp[sw] * wv; a2 += (int32_t)xp[2 * sw] * wv; a3 += (int32_t)xp[3 * sw] * wv;
              }
            }
          }
          yr[ox] = QROWS_REQ(a0, co); yr[ox + 1] = QROWS_REQ(a1, co); yr[ox + 2] = QROWS_REQ(a2, co); yr[ox + 3] = QROWS_REQ(a3, co);
        }
        for (; ox < p->ow; ox++) yr[ox] = QROWS_REQ(qrows_px(xg, xplane, roff, wc, bias, ox, ky0, ky1, p, cin_g), co);
      }
    }
  }
}

void dnnc_qmaxpool2d_rows_i8(const int8_t *x, int32_t xring, int8_t *y, int32_t yring, int32_t oy0, int32_t oy1,
                             const dnnc_pool2d_params *p) {
  int32_t c, oy, ox, ky, kx;
  for (c = 0; c < p->nc; c++) {
    const int8_t *xc = x + (size_t)c * xring * p->iw;
    int8_t *yc = y + (size_t)c * yring * p->ow;
    for (oy = oy0; oy < oy1; oy++) {
      int8_t *yr = yc + (size_t)(oy % yring) * p->ow;
      for (ox = 0; ox < p->ow; ox++) {
        int8_t m = INT8_MIN;
        for (ky = 0; ky < p->kh; ky++) {
          const int32_t iy = oy * p->sh - p->pt + ky * p->dh;
          const int8_t *xr;
          if (iy < 0 || iy >= p->ih) continue;
          xr = xc + (size_t)(iy % xring) * p->iw;
          for (kx = 0; kx < p->kw; kx++) {
            const int32_t ix = ox * p->sw - p->pl + kx * p->dw;
            if (ix < 0 || ix >= p->iw) continue;
            if (xr[ix] > m) m = xr[ix];
          }
        }
        yr[ox] = m;
      }
    }
  }
}

void dnnc_qbinary_rows_i8(const int8_t *a, int32_t aring, const int8_t *b, int32_t bring, int8_t *y, int32_t yring,
                          int32_t c, int32_t w, int32_t r0, int32_t r1, int32_t op, const dnnc_qbinary_params *p) {
  int32_t ch, r, i;
  for (ch = 0; ch < c; ch++) {
    for (r = r0; r < r1; r++) {
      const int8_t *ap = a + ((size_t)ch * aring + (size_t)(r % aring)) * w;
      const int8_t *bp = b + ((size_t)ch * bring + (size_t)(r % bring)) * w;
      int8_t *yp = y + ((size_t)ch * yring + (size_t)(r % yring)) * w;
      if (op == 0) for (i = 0; i < w; i++) yp[i] = dnnc_qadd_i8(ap[i], bp[i], p);
      else for (i = 0; i < w; i++) yp[i] = dnnc_qmul_i8(ap[i], bp[i], p);
    }
  }
}

void dnnc_quantize_rows_f32_i8(const float *x, int32_t xring, int8_t *y, int32_t yring, int32_t c, int32_t w, int32_t r0, int32_t r1,
                               const float *scale, const int32_t *zp) {
  int32_t ch, r;
  for (ch = 0; ch < c; ch++) {
    for (r = r0; r < r1; r++) {
      dnnc_quantize_f32_i8(x + ((size_t)ch * xring + (size_t)(r % xring)) * w, y + ((size_t)ch * yring + (size_t)(r % yring)) * w,
                           1u, 1, (size_t)w, scale, zp);
    }
  }
}
