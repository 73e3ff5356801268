/* Quantized pooling kernels (see qpool.h). */
#include "qpool.h"

#define DEFINE_QMAXPOOL(NAME, XT, XMIN) \
  void NAME(const XT *x, XT *y, const dnnc_pool2d_params *p) { \
    int32_t c, oy, ox, ky, kx; \
    for (c = 0; c < p->nc; c++) { \
      const XT *xc = x + (size_t)c * p->ih * p->iw; \
      XT *yc = y + (size_t)c * p->oh * p->ow; \
      for (oy = 0; oy < p->oh; oy++) \
        for (ox = 0; ox < p->ow; ox++) { \
          XT m = XMIN; \
          for (ky = 0; ky < p->kh; ky++) { \
            const int32_t iy = oy * p->sh - p->pt + ky * p->dh; \
            if (iy < 0 || iy >= p->ih) continue; \
            for (kx = 0; kx < p->kw; kx++) { \
              const int32_t ix = ox * p->sw - p->pl + kx * p->dw; \
              if (ix < 0 || ix >= p->iw) continue; \
              if (xc[iy * p->iw + ix] > m) m = xc[iy * p->iw + ix]; \
            } \
          } \
          yc[oy * p->ow + ox] = m; \
        } \
    } \
  }
DEFINE_QMAXPOOL(dnnc_maxpool2d_i8_ref, int8_t, INT8_MIN)
DEFINE_QMAXPOOL(dnnc_maxpool2d_i16_ref, int16_t, INT16_MIN)

/* Optimised: window taps clipped to the input once per row and column (no
   per-tap tests); 2x2 stride 2 windows without padding read straight. */
#define DEFINE_QMAXPOOL_OPT(NAME, XT, XMIN) \
  void NAME(const XT *x, XT *y, const dnnc_pool2d_params *p) { \
    const int32_t ih = p->ih, iw = p->iw, oh = p->oh, ow = p->ow; \
    int32_t c, oy, ox, ky, kx; \
    if (p->kh == 2 && p->kw == 2 && p->sh == 2 && p->sw == 2 && p->dh == 1 && p->dw == 1 && p->pt == 0 && p->pl == 0 && \
        2 * oh <= ih && 2 * ow <= iw) { \
      for (c = 0; c < p->nc; c++) { \
        const XT *xc = x + (size_t)c * ih * iw; \
        XT *yc = y + (size_t)c * oh * ow; \
        for (oy = 0; oy < oh; oy++) { \
          const XT *r0 = xc + (size_t)(2 * oy) * iw, *r1 = r0 + iw; \
          for (ox = 0; ox < ow; ox++) { \
            const XT a = r0[2 * ox] > r0[2 * ox + 1] ? r0[2 * ox] : r0[2 * ox + 1]; \
            const XT b = r1[2 * ox] > r1[2 * ox + 1] ? r1[2 * ox] : r1[2 * ox + 1]; \
            yc[oy * ow + ox] = a > b ? a : b; \
          } \
        } \
      } \
      return; \
    } \
    for (c = 0; c < p->nc; c++) { \
      const XT *xc = x + (size_t)c * ih * iw; \
      XT *yc = y + (size_t)c * oh * ow; \
      for (oy = 0; oy < oh; oy++) { \
        const int32_t by = oy * p->sh - p->pt; \
        int32_t ky0 = 0, ky1 = p->kh; \
        if (by < 0) ky0 = (-by + p->dh - 1) / p->dh; \
        if (by >= ih) ky1 = 0; else if (by + (p->kh - 1) * p->dh >= ih) ky1 = (ih - 1 - by) / p->dh + 1; \
        for (ox = 0; ox < ow; ox++) { \
          const int32_t bx = ox * p->sw - p->pl; \
          int32_t kx0 = 0, kx1 = p->kw; \
          XT m = XMIN; \
          if (bx < 0) kx0 = (-bx + p->dw - 1) / p->dw; \
          if (bx >= iw) kx1 = 0; else if (bx + (p->kw - 1) * p->dw >= iw) kx1 = (iw - 1 - bx) / p->dw + 1; \
          for (ky = ky0; ky < ky1; ky++) { \
            const XT *xr = xc + (size_t)(by + ky * p->dh) * iw; \
            for (kx = kx0; kx < kx1; kx++) if (xr[bx + kx * p->dw] > m) m = xr[bx + kx * p->dw]; \
          } \
          yc[oy * ow + ox] = m; \
        } \
      } \
    } \
  }
DEFINE_QMAXPOOL_OPT(dnnc_maxpool2d_i8, int8_t, INT8_MIN)
DEFINE_QMAXPOOL_OPT(dnnc_maxpool2d_i16, int16_t, INT16_MIN)

#define DEFINE_QAVGPOOL(NAME, XT, LO, HI) \
  void NAME(const XT *x, XT *y, const dnnc_pool2d_params *p, int32_t zp) { \
    int32_t c, oy, ox, ky, kx; \
    for (c = 0; c < p->nc; c++) { \
      const XT *xc = x + (size_t)c * p->ih * p->iw; \
      XT *yc = y + (size_t)c * p->oh * p->ow; \
      for (oy = 0; oy < p->oh; oy++) \
        for (ox = 0; ox < p->ow; ox++) { \
          int64_t s = 0; \
          int32_t cnt = 0, padded = 0; \
          for (ky = 0; ky < p->kh; ky++) { \
            const int32_t iy = oy * p->sh - p->pt + ky * p->dh; \
            const int32_t y_in_pad = iy >= -p->pt && iy < p->ih + p->pb; \
            for (kx = 0; kx < p->kw; kx++) { \
              const int32_t ix = ox * p->sw - p->pl + kx * p->dw; \
              if (iy >= 0 && iy < p->ih && ix >= 0 && ix < p->iw) { s += (int32_t)xc[iy * p->iw + ix] - zp; cnt++; } \
              else if (y_in_pad && ix >= -p->pl && ix < p->iw + p->pr) padded++; \
            } \
          } \
          if (p->count_include_pad) cnt += padded; \
          yc[oy * p->ow + ox] = (XT)dnnc_clamp_i64(dnnc_div_round(s, cnt > 0 ? cnt : 1) + zp, LO, HI); \
        } \
    } \
  }
DEFINE_QAVGPOOL(dnnc_avgpool2d_i8, int8_t, -128, 127)
DEFINE_QAVGPOOL(dnnc_avgpool2d_i16, int16_t, -32768, 32767)

#define DEFINE_QGLOBAL(NAME, XT, LO, HI, XMIN) \
  void dnnc_global_avgpool_##NAME(const XT *x, XT *y, int32_t nc, int32_t hw, int32_t zp) { \
    int32_t c, i; \
    for (c = 0; c < nc; c++) { \
      int64_t s = 0; \
      for (i = 0; i < hw; i++) s += (int32_t)x[(size_t)c * hw + i] - zp; \
      y[c] = (XT)dnnc_clamp_i64(dnnc_div_round(s, hw) + zp, LO, HI); \
    } \
  } \
  void dnnc_global_maxpool_##NAME(const XT *x, XT *y, int32_t nc, int32_t hw) { \
    int32_t c, i; \
    for (c = 0; c < nc; c++) { \
      XT m = XMIN; \
      for (i = 0; i < hw; i++) if (x[(size_t)c * hw + i] > m) m = x[(size_t)c * hw + i]; \
      y[c] = m; \
    } \
  }
DEFINE_QGLOBAL(i8, int8_t, -128, 127, INT8_MIN)
DEFINE_QGLOBAL(i16, int16_t, -32768, 32767, INT16_MIN)
