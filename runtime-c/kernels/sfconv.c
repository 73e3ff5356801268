/* Float32 convolution and dense kernels for targets without an FPU.

   Every float is decoded into a signed 31-bit mantissa m (hidden bit at bit
   30, value = m * 2^(e - 157), e the biased exponent, 1 for zeros and
   denormals) and its exponent distance d = emax - e to the largest exponent
   of its tensor. A product is the high word of the 62-bit mantissa product
   (one mulh on rv32), shifted right by dx + dw, added to an int64
   accumulator in units of 2^(xemax + wemax - 282). Each term is truncated
   by less than one unit (the largest product is >= 2^28 units), so an output
   of K products is within 2 * K units of the exact sum; converted to float
   once (round to nearest), then bias, alpha/beta and the clamp in float.
   Zero inputs (ReLU outputs) are skipped: their terms are exactly 0.
   Tensors holding inf or nan take plain float loops (sf_conv_float, sf_gemm_float). */
#include <string.h>
#include <math.h>
#include "sfconv.h"

/* the bits of *p (a union read: one aligned load; memcpy from a float
   pointer compiles to byte loads on rv32imc) */
static uint32_t fbits(const float *p) {
  union {
    float f;
    uint32_t u;
  } v;
  v.f = *p;
  return v.u;
}

static float clampf(float v, float lo, float hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* plain float loops for tensors holding inf or nan (same order of sums as the reference kernels) */
static void sf_conv_float(const float *x, const float *w, const float *b, float *y, const dnnc_sfconv2d_params *p) {
  const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group;
  int32_t n, co, oy, ox, ic, ky, kx;
  for (n = 0; n < p->n; n++)
    for (co = 0; co < p->cout; co++) {
      const int32_t g = co / cout_g;
      for (oy = 0; oy < p->oh; oy++)
        for (ox = 0; ox < p->ow; ox++) {
          float acc = b ? b[co] : 0.0f;
          for (ic = 0; ic < cin_g; ic++) {
            const float *xc = x + ((size_t)n * p->cin + g * cin_g + ic) * p->ih * p->iw;
            const float *wk = w + ((size_t)co * cin_g + ic) * p->kh * p->kw;
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
          y[(((size_t)n * p->cout + co) * p->oh + oy) * p->ow + ox] = clampf(acc, p->act_min, p->act_max);
        }
    }
}

static void sf_gemm_float(const float *a, const float *b, const float *c, float *y, const dnnc_sfgemm_params *p) {
  int32_t m, n, k;
  for (m = 0; m < p->M; m++)
    for (n = 0; n < p->N; n++) {
      float acc = 0.0f;
      for (k = 0; k < p->K; k++) {
        const float av = p->trans_a ? a[(size_t)k * p->M + m] : a[(size_t)m * p->K + k];
        const float bv = p->trans_b ? b[(size_t)n * p->K + k] : b[(size_t)k * p->N + n];
        acc += av * bv;
      }
      acc *= p->alpha;
      if (c) acc += p->beta * c[m * p->c_sm + n * p->c_sn];
      y[(size_t)m * p->N + n] = clampf(acc, p->act_min, p->act_max);
    }
}

/* decode the float bits B into signed mantissa M and exponent distance D to EMAX */
#define SF_DEC(B, M, D, EMAX)                                                   \
  do {                                                                          \
    const uint32_t b_ = (B);                                                    \
    uint32_t e_ = (b_ >> 23) & 255u;                                            \
    const uint32_t s_ = (uint32_t)0 - (b_ >> 31);                               \
    const uint32_t m_ = ((b_ << 7) & 0x3fffff80u) | (e_ ? 0x40000000u : 0u);   \
    e_ += (e_ == 0u);                                                           \
    (M) = (int32_t)((m_ ^ s_) - s_);                                            \
    (D) = (uint32_t)(EMAX) - e_;                                                \
  } while (0)

/* ACC += (XM * WM / 2^32) >> (XD + WD), arithmetic shift (floor) */
#define SF_MAC(ACC, XM, XD, WM, WD)                                             \
  do {                                                                          \
    const uint32_t d_ = (XD) + (WD);                                            \
    const int32_t t_ = (int32_t)(((int64_t)(XM) * (int64_t)(WM)) >> 32);        \
    (ACC) += (int64_t)(t_ >> (d_ < 31u ? d_ : 31u));                            \
  } while (0)

/* acc * 2^e2 rounded to the nearest float */
static float sf_tof(int64_t acc, int32_t e2) {
  uint64_t u;
  uint32_t sign = 0, m, bits;
  int32_t msb = 0, eb;
  float f;
  if (acc == 0) return 0.0f;
  if (acc < 0) {
    sign = 0x80000000u;
    u = (uint64_t)0 - (uint64_t)acc;
  } else {
    u = (uint64_t)acc;
  }
  if (u >> 32) msb += 32;
  if (u >> (msb + 16)) msb += 16;
  if (u >> (msb + 8)) msb += 8;
  if (u >> (msb + 4)) msb += 4;
  if (u >> (msb + 2)) msb += 2;
  if (u >> (msb + 1)) msb += 1;
  if (msb > 23) {
    const int32_t sh = msb - 23;
    const uint64_t rem = u & (((uint64_t)1 << sh) - 1u), half = (uint64_t)1 << (sh - 1);
    m = (uint32_t)(u >> sh);
    if (rem > half || (rem == half && (m & 1u))) m++;
    if (m >> 24) {
      m >>= 1;
      msb++;
    }
  } else {
    m = (uint32_t)u << (23 - msb);
  }
  eb = e2 + msb + 127;
  if (eb >= 1 && eb <= 254) {
    bits = sign | ((uint32_t)eb << 23) | (m & 0x7fffffu);
    memcpy(&f, &bits, sizeof f);
    return f;
  }
  f = ldexpf((float)m, e2 + msb - 23); /* overflow to inf, or a denormal */
  return sign ? -f : f;
}

/* largest biased exponent of n floats (at least 1); -1 when one is inf or nan */
static int32_t sf_emax(const float *x, size_t n) {
  uint32_t mx = 0;
  size_t i;
  for (i = 0; i < n; i++) {
    const uint32_t e = fbits(x + i) & 0x7f800000u;
    if (e > mx) mx = e;
  }
  mx >>= 23;
  if (mx == 255u) return -1;
  return mx ? (int32_t)mx : 1;
}

static void tap_range(int32_t o, int32_t s, int32_t pad, int32_t d, int32_t k, int32_t in, int32_t *lo, int32_t *hi) {
  const int32_t base = o * s - pad;
  int32_t a = 0, b = k;
  if (base < 0) a = (-base + d - 1) / d;
  if (base >= in) b = 0;
  else if (base + (k - 1) * d >= in) b = (in - 1 - base) / d + 1;
  if (b < a) b = a;
  *lo = a;
  *hi = b;
}

static float sf_out(int64_t acc, int32_t e2, const float *b, int32_t j, const dnnc_sfconv2d_params *p) {
  float v = sf_tof(acc, e2);
  if (b) v += b[j];
  return clampf(v, p->act_min, p->act_max);
}

/* one output pixel for nb (1..4) channels, taps clipped to the input */
static void sf_px(const float *xg, const float *w0, const float *b, float *y0, int32_t nb, int32_t oy, int32_t ox, int32_t ky0,
                  int32_t ky1, const dnnc_sfconv2d_params *p, int32_t cin_g, int32_t S, int32_t xe, int32_t we) {
  const int32_t kk = p->kh * p->kw, ws = cin_g * kk, plane = p->ih * p->iw;
  int64_t a[4] = {0, 0, 0, 0};
  int32_t j, ic, ky, kx, kx0, kx1;
  tap_range(ox, p->sw, p->pl, p->dw, p->kw, p->iw, &kx0, &kx1);
  for (ic = 0; ic < cin_g; ic++) {
    const float *xi = xg + (size_t)ic * plane + (oy * p->sh - p->pt) * p->iw + (ox * p->sw - p->pl);
    const float *wi = w0 + ic * kk;
    for (ky = ky0; ky < ky1; ky++) {
      const float *xr = xi + ky * p->dh * p->iw;
      for (kx = kx0; kx < kx1; kx++) {
        int32_t xm, wm;
        uint32_t xd, wd;
        const int32_t t = ky * p->kw + kx;
        SF_DEC(fbits(xr + kx * p->dw), xm, xd, xe);
        for (j = 0; j < nb; j++) {
          SF_DEC(fbits(wi + (size_t)j * ws + t), wm, wd, we);
          SF_MAC(a[j], xm, xd, wm, wd);
        }
      }
    }
  }
  for (j = 0; j < nb; j++) y0[(size_t)j * S + oy * p->ow + ox] = sf_out(a[j], xe + we - 282, b, j, p);
}

void dnnc_sfconv2d_f32(const float *x, const float *w, const float *b, float *y, const dnnc_sfconv2d_params *p, int32_t wemax) {
  const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group;
  const int32_t S = p->oh * p->ow, kk = p->kh * p->kw, ws = cin_g * kk, plane = p->ih * p->iw;
  const int32_t sw = p->sw, dw = p->dw, dhw = p->dh * p->iw, kw = p->kw;
  const int32_t xe = sf_emax(x, (size_t)p->n * p->cin * plane);
  const int32_t we = wemax >= 0 ? wemax : sf_emax(w, (size_t)p->cout * ws);
  const int32_t e2 = xe + we - 282;
  int32_t n, g, oc, oy, ox, ic, ky, kx;
  int32_t ox0 = (p->pl + p->sw - 1) / p->sw;
  int32_t ox1 = (p->iw + p->pl - (p->kw - 1) * p->dw - 1) / p->sw + 1;
  if (xe < 0 || we < 0) {
    sf_conv_float(x, w, b, y, p);
    return;
  }
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
          for (ox = 0; ox < ox0; ox++) sf_px(xg, w0, bb, y0, nb, oy, ox, ky0, ky1, p, cin_g, S, xe, we);
          for (; ox + 2 <= ox1; ox += 2) {
            const float *xb = xg + (size_t)(oy * p->sh - p->pt) * p->iw + (ox * sw - p->pl);
            float *yo = y0 + oy * p->ow + ox;
            if (nb == 4) {
              int64_t a00 = 0, a01 = 0, a10 = 0, a11 = 0, a20 = 0, a21 = 0, a30 = 0, a31 = 0;
              for (ic = 0; ic < cin_g; ic++) {
                const float *xi = xb + (size_t)ic * plane;
                const float *k0 = w0 + ic * kk;
                for (ky = ky0; ky < ky1; ky++) {
                  const float *xr = xi + ky * dhw;
                  const float *kr = k0 + ky * kw;
                  for (kx = 0; kx < kw; kx++) {
                    const float *xp = xr + kx * dw;
                    const uint32_t u0 = fbits(xp), u1 = fbits(xp + sw);
                    int32_t x0, x1, c;
                    uint32_t d0, d1, cd;
                    if (((u0 | u1) << 1) == 0u) continue; /* both zero (ReLU outputs): no term */
                    SF_DEC(u0, x0, d0, xe);
                    SF_DEC(u1, x1, d1, xe);
                    SF_DEC(fbits(kr + kx), c, cd, we);
                    SF_MAC(a00, x0, d0, c, cd); SF_MAC(a01, x1, d1, c, cd);
                    SF_DEC(fbits(kr + kx + ws), c, cd, we);
                    SF_MAC(a10, x0, d0, c, cd); SF_MAC(a11, x1, d1, c, cd);
                    SF_DEC(fbits(kr + kx + 2 * ws), c, cd, we);
                    SF_MAC(a20, x0, d0, c, cd); SF_MAC(a21, x1, d1, c, cd);
                    SF_DEC(fbits(kr + kx + 3 * ws), c, cd, we);
                    SF_MAC(a30, x0, d0, c, cd); SF_MAC(a31, x1, d1, c, cd);
                  }
                }
              }
              yo[0] = sf_out(a00, e2, bb, 0, p); yo[1] = sf_out(a01, e2, bb, 0, p);
              yo += S;
              yo[0] = sf_out(a10, e2, bb, 1, p); yo[1] = sf_out(a11, e2, bb, 1, p);
              yo += S;
              yo[0] = sf_out(a20, e2, bb, 2, p); yo[1] = sf_out(a21, e2, bb, 2, p);
              yo += S;
              yo[0] = sf_out(a30, e2, bb, 3, p); yo[1] = sf_out(a31, e2, bb, 3, p);
            } else {
              int64_t a0 = 0, a1 = 0;
              for (ic = 0; ic < cin_g; ic++) {
                const float *xi = xb + (size_t)ic * plane;
                const float *k0 = w0 + ic * kk;
                for (ky = ky0; ky < ky1; ky++) {
                  const float *xr = xi + ky * dhw;
                  const float *kr = k0 + ky * kw;
                  for (kx = 0; kx < kw; kx++) {
                    const float *xp = xr + kx * dw;
                    const uint32_t u0 = fbits(xp), u1 = fbits(xp + sw);
                    int32_t x0, x1, c;
                    uint32_t d0, d1, cd;
                    if (((u0 | u1) << 1) == 0u) continue; /* both zero (ReLU outputs): no term */
                    SF_DEC(u0, x0, d0, xe);
                    SF_DEC(u1, x1, d1, xe);
                    SF_DEC(fbits(kr + kx), c, cd, we);
                    SF_MAC(a0, x0, d0, c, cd); SF_MAC(a1, x1, d1, c, cd);
                  }
                }
              }
              yo[0] = sf_out(a0, e2, bb, 0, p); yo[1] = sf_out(a1, e2, bb, 0, p);
            }
          }
          for (; ox < p->ow; ox++) sf_px(xg, w0, bb, y0, nb, oy, ox, ky0, ky1, p, cin_g, S, xe, we);
        }
        oc += nb;
      }
    }
  }
}

/* Y = alpha * A x B + beta * C; 4 output columns per pass, each A value decoded once per pass. */
void dnnc_sfgemm_f32(const float *a, const float *b, const float *c, float *y, const dnnc_sfgemm_params *p, int32_t wemax) {
  const int32_t M = p->M, N = p->N, K = p->K;
  const size_t bk = p->trans_b ? 1u : (size_t)N, bn = p->trans_b ? (size_t)K : 1u;
  const int32_t xe = sf_emax(a, (size_t)M * K);
  const int32_t we = wemax >= 0 ? wemax : sf_emax(b, (size_t)K * N);
  const int32_t e2 = xe + we - 282;
  int32_t m, n, k, j;
  if (xe < 0 || we < 0 || p->trans_a) {
    sf_gemm_float(a, b, c, y, p);
    return;
  }
  for (m = 0; m < M; m++) {
    const float *ar = a + (size_t)m * K;
    float *yr = y + (size_t)m * N;
    for (n = 0; n < N; n += 4) {
      const int32_t nb = N - n >= 4 ? 4 : N - n;
      int64_t acc[4] = {0, 0, 0, 0};
      const float *bc = b + (size_t)n * bn;
      if (nb == 4) {
        int64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (k = 0; k < K; k++) {
          const float *br = bc + (size_t)k * bk;
          const uint32_t u = fbits(ar + k);
          int32_t xm, wm;
          uint32_t xd, wd;
          if ((u << 1) == 0u) continue; /* zero: no term */
          SF_DEC(u, xm, xd, xe);
          SF_DEC(fbits(br), wm, wd, we); SF_MAC(a0, xm, xd, wm, wd);
          SF_DEC(fbits(br + bn), wm, wd, we); SF_MAC(a1, xm, xd, wm, wd);
          SF_DEC(fbits(br + 2 * bn), wm, wd, we); SF_MAC(a2, xm, xd, wm, wd);
          SF_DEC(fbits(br + 3 * bn), wm, wd, we); SF_MAC(a3, xm, xd, wm, wd);
        }
        acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
      } else {
        for (k = 0; k < K; k++) {
          const float *br = bc + (size_t)k * bk;
          int32_t xm, wm;
          uint32_t xd, wd;
          SF_DEC(fbits(ar + k), xm, xd, xe);
          for (j = 0; j < nb; j++) {
            SF_DEC(fbits(br + (size_t)j * bn), wm, wd, we);
            SF_MAC(acc[j], xm, xd, wm, wd);
          }
        }
      }
      for (j = 0; j < nb; j++) {
        float v = sf_tof(acc[j], e2);
        if (p->alpha != 1.0f) v *= p->alpha;
        if (c) v += p->beta == 1.0f ? c[m * p->c_sm + (n + j) * p->c_sn] : p->beta * c[m * p->c_sm + (n + j) * p->c_sn];
        yr[n + j] = clampf(v, p->act_min, p->act_max);
      }
    }
  }
}

/* Output rows [oy0, oy1) of a convolution whose input and output may be row
   rings (kernels/rows.h: row r of a channel at (r % ring) * width), for fused
   patch execution. The activation exponent is the largest over the input rows
   these output rows read; one pixel x up to 4 channels per block. */
void dnnc_sfconv2d_rows_f32(const float *x, int32_t xring, const float *w, const float *b, float *y, int32_t yring,
                            int32_t oy0, int32_t oy1, const dnnc_sfconv2d_params *p, int32_t wemax) {
  const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group;
  const int32_t kk = p->kh * p->kw, ws = cin_g * kk;
  const size_t xplane = (size_t)xring * p->iw, yplane = (size_t)yring * p->ow;
  const int32_t we = wemax >= 0 ? wemax : sf_emax(w, (size_t)p->cout * ws);
  int32_t xe = 0, r0, r1, r, c, g, oc, oy, ox, ic, ky, kx, j, e2;
  if (oy1 <= oy0) return;
  r0 = oy0 * p->sh - p->pt;
  r1 = (oy1 - 1) * p->sh - p->pt + (p->kh - 1) * p->dh + 1;
  if (r0 < 0) r0 = 0;
  if (r1 > p->ih) r1 = p->ih;
  for (c = 0; c < p->cin; c++)
    for (r = r0; r < r1; r++) {
      const int32_t e = sf_emax(x + (size_t)c * xplane + (size_t)(r % xring) * p->iw, (size_t)p->iw);
      if (e < 0) xe = -1;
      if (xe >= 0 && e > xe) xe = e;
    }
  if (xe == 0) xe = 1;
  if (we < 0) xe = -1;
  e2 = xe + we - 282;
  for (oy = oy0; oy < oy1; oy++) {
    int32_t ky0, ky1;
    tap_range(oy, p->sh, p->pt, p->dh, p->kh, p->ih, &ky0, &ky1);
    for (g = 0; g < p->group; g++) {
      const float *xg = x + (size_t)g * cin_g * xplane;
      for (oc = 0; oc < cout_g;) {
        const int32_t nb = cout_g - oc >= 4 ? 4 : cout_g - oc;
        const int32_t co = g * cout_g + oc;
        const float *w0 = w + (size_t)co * ws;
        float *y0 = y + (size_t)co * yplane + (size_t)(oy % yring) * p->ow;
        for (ox = 0; ox < p->ow; ox++) {
          int32_t kx0, kx1;
          const int32_t ix0 = ox * p->sw - p->pl;
          tap_range(ox, p->sw, p->pl, p->dw, p->kw, p->iw, &kx0, &kx1);
          if (xe < 0) {
            /* inf or nan in the rows read: plain float sums */
            float f[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (ic = 0; ic < cin_g; ic++)
              for (ky = ky0; ky < ky1; ky++) {
                const float *xr = xg + (size_t)ic * xplane + (size_t)((oy * p->sh - p->pt + ky * p->dh) % xring) * p->iw + ix0;
                for (kx = kx0; kx < kx1; kx++)
                  for (j = 0; j < nb; j++) f[j] += xr[kx * p->dw] * w0[(size_t)j * ws + ic * kk + ky * p->kw + kx];
              }
            for (j = 0; j < nb; j++) {
              float v = b ? b[co + j] + f[j] : f[j];
              y0[(size_t)j * yplane + ox] = clampf(v, p->act_min, p->act_max);
            }
          } else {
            int64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (ic = 0; ic < cin_g; ic++) {
              const float *wi = w0 + ic * kk;
              for (ky = ky0; ky < ky1; ky++) {
                const float *xr = xg + (size_t)ic * xplane + (size_t)((oy * p->sh - p->pt + ky * p->dh) % xring) * p->iw + ix0;
                const float *kr = wi + ky * p->kw;
                for (kx = kx0; kx < kx1; kx++) {
                  const uint32_t u = fbits(xr + kx * p->dw);
                  int32_t xm, c0;
                  uint32_t xd, cd;
                  if ((u << 1) == 0u) continue; /* zero: no term */
                  SF_DEC(u, xm, xd, xe);
                  SF_DEC(fbits(kr + kx), c0, cd, we);
                  SF_MAC(a0, xm, xd, c0, cd);
                  if (nb == 4) {
                    SF_DEC(fbits(kr + kx + ws), c0, cd, we); SF_MAC(a1, xm, xd, c0, cd);
                    SF_DEC(fbits(kr + kx + 2 * ws), c0, cd, we); SF_MAC(a2, xm, xd, c0, cd);
                    SF_DEC(fbits(kr + kx + 3 * ws), c0, cd, we); SF_MAC(a3, xm, xd, c0, cd);
                  } else {
                    for (j = 1; j < nb; j++) {
                      SF_DEC(fbits(kr + kx + (size_t)j * ws), c0, cd, we);
                      if (j == 1) SF_MAC(a1, xm, xd, c0, cd);
                      else SF_MAC(a2, xm, xd, c0, cd);
                    }
                  }
                }
              }
            }
            {
              const int64_t acc[4] = {a0, a1, a2, a3};
              for (j = 0; j < nb; j++) {
                float v = sf_tof(acc[j], e2);
                if (b) v += b[co + j];
                y0[(size_t)j * yplane + ox] = clampf(v, p->act_min, p->act_max);
              }
            }
          }
        }
        oc += nb;
      }
    }
  }
}
