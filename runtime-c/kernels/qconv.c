/* Quantized convolution kernels; the int8 and int16 variants share their
   loop structure through macros and differ in types and requantization. */
#include "qconv.h"

#define REQ_I8(acc, co) (int8_t)dnnc_clamp_i32(dnnc_rq((acc), p->mult[co], p->shift[co]) + p->y_zp, p->act_min, p->act_max)
#define REQ_RAW(acc, co) (acc)
#define QCHUNK 16 /* output columns accumulated together */
#define REQ_I16(acc, co) (int16_t)dnnc_clamp_i64(dnnc_rshift_rnd((acc), p->shift[co]) + p->y_zp, p->act_min, p->act_max)

#define DEFINE_QCONV_REF(NAME, XT, YT, BT, ACC, REQ) \
  void NAME(const XT *x, const XT *w, const BT *b, YT *y, const dnnc_qconv2d_params *p) { \
    int32_t n, g, oc, oy, ox, ic, ky, kx; \
    const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group; \
    for (n = 0; n < p->n; n++) \
      for (g = 0; g < p->group; g++) \
        for (oc = 0; oc < cout_g; oc++) { \
          const int32_t co = g * cout_g + oc; \
          const XT *wc = w + (size_t)co * cin_g * p->kh * p->kw; \
          YT *yc = y + ((size_t)n * p->cout + co) * p->oh * p->ow; \
          for (oy = 0; oy < p->oh; oy++) \
            for (ox = 0; ox < p->ow; ox++) { \
              ACC acc = b ? (ACC)b[co] : 0; \
              for (ic = 0; ic < cin_g; ic++) { \
                const XT *xc = x + ((size_t)n * p->cin + g * cin_g + ic) * p->ih * p->iw; \
                const XT *wk = wc + (size_t)ic * p->kh * p->kw; \
                for (ky = 0; ky < p->kh; ky++) { \
                  const int32_t iy = oy * p->sh - p->pt + ky * p->dh; \
                  if (iy < 0 || iy >= p->ih) continue; \
                  for (kx = 0; kx < p->kw; kx++) { \
                    const int32_t ix = ox * p->sw - p->pl + kx * p->dw; \
                    if (ix < 0 || ix >= p->iw) continue; \
                    acc += (ACC)((int32_t)xc[iy * p->iw + ix] - p->x_zp) * (ACC)wk[ky * p->kw + kx]; \
                  } \
                } \
              } \
              yc[oy * p->ow + ox] = REQ(acc, co); \
            } \
        } \
  }

DEFINE_QCONV_REF(dnnc_qconv2d_i8_ref, int8_t, int8_t, int32_t, int32_t, REQ_I8)
DEFINE_QCONV_REF(dnnc_qconv2d_i16_ref, int16_t, int16_t, int64_t, int64_t, REQ_I16)

/* Optimised variant. Per output channel the bias becomes
   b' = b - x_zp * sum(w); padded taps read x_zp, so the result equals the
   reference exactly. */
#define DEFINE_QCONV_OPT(NAME, XT, YT, BT, ACC, REQ) \
  static void NAME##_pointwise(const XT *DNNC_RESTRICT x, const XT *DNNC_RESTRICT w, const BT *b, YT *DNNC_RESTRICT y, const dnnc_qconv2d_params *p) { \
    const int32_t S = p->oh * p->ow; \
    int32_t n, co, ci, s; \
    for (n = 0; n < p->n; n++) { \
      const XT *xn = x + (size_t)n * p->cin * S; \
      YT *yn = y + (size_t)n * p->cout * S; \
      for (co = 0; co < p->cout; co++) { \
        const XT *wc = w + (size_t)co * p->cin; \
        ACC bias = b ? (ACC)b[co] : 0, wsum = 0; \
        YT *yc = yn + (size_t)co * S; \
        if (p->x_zp == 0) wsum = 0; else if (p->wsum) wsum = p->wsum[co]; else for (ci = 0; ci < p->cin; ci++) wsum += wc[ci]; \
        bias -= (ACC)p->x_zp * wsum; \
        for (s = 0; s + 4 <= S; s += 4) { \
          ACC a0 = bias, a1 = bias, a2 = bias, a3 = bias; \
          const XT *xs = xn + s; \
          for (ci = 0; ci < p->cin; ci++) { \
            const ACC wv = wc[ci]; \
            const XT *xr = xs + (size_t)ci * S; \
            a0 += wv * xr[0]; a1 += wv * xr[1]; a2 += wv * xr[2]; a3 += wv * xr[3]; \
          } \
          yc[s] = REQ(a0, co); yc[s + 1] = REQ(a1, co); yc[s + 2] = REQ(a2, co); yc[s + 3] = REQ(a3, co); \
        } \
        for (; s < S; s++) { \
          ACC a0 = bias; \
          for (ci = 0; ci < p->cin; ci++) a0 += (ACC)wc[ci] * xn[(size_t)ci * S + s]; \
          yc[s] = REQ(a0, co); \
        } \
      } \
    } \
  } \
  static void NAME##_direct(const XT *DNNC_RESTRICT x, const XT *DNNC_RESTRICT w, const BT *b, YT *DNNC_RESTRICT y, const dnnc_qconv2d_params *p) { \
    const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group; \
    const int32_t K = cin_g * p->kh * p->kw; \
    const XT zx = (XT)p->x_zp; \
    int32_t n, g, oc, ic, ky, kx, oy, ox0, j, k; \
    /* output columns whose every tap is inside the input */ \
    int32_t oxa = (p->pl + p->sw - 1) / p->sw; \
    int32_t oxb = (p->iw + p->pl - (p->kw - 1) * p->dw - 1) / p->sw + 1; \
    if (p->iw + p->pl - (p->kw - 1) * p->dw - 1 < 0) oxb = 0; \
    if (oxb > p->ow) oxb = p->ow; \
    for (n = 0; n < p->n; n++) \
      for (g = 0; g < p->group; g++) \
        for (oc = 0; oc < cout_g; oc++) { \
          const int32_t co = g * cout_g + oc; \
          const XT *wc = w + (size_t)co * K; \
          const XT *xg = x + ((size_t)n * p->cin + (size_t)g * cin_g) * p->ih * p->iw; \
          YT *yc = y + ((size_t)n * p->cout + co) * p->oh * p->ow; \
          ACC bias = b ? (ACC)b[co] : 0, wsum = 0; \
          if (p->x_zp == 0) wsum = 0; else if (p->wsum) wsum = p->wsum[co]; else for (k = 0; k < K; k++) wsum += wc[k]; \
          bias -= (ACC)p->x_zp * wsum; \
          for (oy = 0; oy < p->oh; oy++) { \
            const int32_t by = oy * p->sh - p->pt; \
            for (ox0 = 0; ox0 < p->ow; ox0 += QCHUNK) { \
              const int32_t cnt = p->ow - ox0 < QCHUNK ? p->ow - ox0 : QCHUNK; \
              /* columns [jlo, jhi) of this chunk read no padding */ \
              const int32_t jlo = oxa - ox0 < 0 ? 0 : (oxa - ox0 > cnt ? cnt : oxa - ox0); \
              const int32_t jhi = oxb - ox0 < 0 ? 0 : (oxb - ox0 > cnt ? cnt : oxb - ox0); \
              const XT *wk = wc; \
              ACC acc[QCHUNK]; \
              for (j = 0; j < cnt; j++) acc[j] = bias; \
              for (ic = 0; ic < cin_g; ic++) { \
                const XT *xc = xg + (size_t)ic * p->ih * p->iw; \
                for (ky = 0; ky < p->kh; ky++, wk += p->kw) { \
                  const int32_t iy = by + ky * p->dh; \
                  const XT *xr; \
                  if (iy < 0 || iy >= p->ih) { \
                    for (kx = 0; kx < p->kw; kx++) { const ACC wz = (ACC)zx * wk[kx]; for (j = 0; j < cnt; j++) acc[j] += wz; } \
                    continue; \
                  } \
                  xr = xc + (size_t)iy * p->iw; \
                  for (kx = 0; kx < p->kw; kx++) { \
                    const ACC wv = wk[kx]; \
                    const int32_t bx = ox0 * p->sw - p->pl + kx * p->dw; \
                    int32_t jj; \
                    for (j = 0; j < jlo; j++) { \
                      const int32_t ix = bx + j * p->sw; \
                      acc[j] += (ACC)((ix >= 0 && ix < p->iw) ? xr[ix] : zx) * wv; \
                    } \
                    if (jhi > jlo) { \
                      const XT *xs = xr + (bx + jlo * p->sw); \
                      if (p->sw == 1) { for (j = jlo, jj = 0; j < jhi; j++, jj++) acc[j] += (ACC)xs[jj] * wv; } \
                      else { for (j = jlo, jj = 0; j < jhi; j++, jj += p->sw) acc[j] += (ACC)xs[jj] * wv; } \
                    } \
                    for (j = jhi > jlo ? jhi : jlo; j < cnt; j++) { \
                      const int32_t ix = bx + j * p->sw; \
                      acc[j] += (ACC)((ix >= 0 && ix < p->iw) ? xr[ix] : zx) * wv; \
                    } \
                  } \
                } \
              } \
              for (j = 0; j < cnt; j++) yc[oy * p->ow + ox0 + j] = REQ(acc[j], co); \
            } \
          } \
        } \
  } \
  void NAME(const XT *x, const XT *w, const BT *b, YT *y, const dnnc_qconv2d_params *p) { \
    if (p->group == 1 && p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pt == 0 && p->pl == 0 && \
        p->oh == p->ih && p->ow == p->iw) \
      NAME##_pointwise(x, w, b, y, p); \
    else \
      NAME##_direct(x, w, b, y, p); /* depthwise is the group == cin case: K = kh * kw */ \
  }

DEFINE_QCONV_OPT(dnnc_qconv2d_i8, int8_t, int8_t, int32_t, int32_t, REQ_I8)
DEFINE_QCONV_OPT(dnnc_qconv2d_i16, int16_t, int16_t, int64_t, int64_t, REQ_I16)

/* ConvInteger: the int32 accumulator itself (no requantization). */
DEFINE_QCONV_REF(dnnc_qconv2d_i8_i32_ref, int8_t, int32_t, int32_t, int32_t, REQ_RAW)
DEFINE_QCONV_OPT(dnnc_qconv2d_i8_i32, int8_t, int32_t, int32_t, int32_t, REQ_RAW)

/* int16 accumulators as int64 (no requantization): the tiled int16 path
   adds input-channel chunks before requantizing (runtime-c/kernels/tile_qconv.c). */
DEFINE_QCONV_OPT(dnnc_qconv2d_i16_i64, int16_t, int64_t, int64_t, int64_t, REQ_RAW)
