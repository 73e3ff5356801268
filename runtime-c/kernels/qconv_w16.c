/* Quantized convolution, int8 activations x int16 weights (see qconv_w16.h). */
#include "qconv_w16.h"

static void w16_conv(const int8_t *x, const int16_t *w, const int32_t *b, void *y, const dnnc_qconv2d_params *p, int raw) {
  int32_t n, g, oc, oy, ox, ic, ky, kx;
  const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group;
  for (n = 0; n < p->n; n++)
    for (g = 0; g < p->group; g++)
      for (oc = 0; oc < cout_g; oc++) {
        const int32_t co = g * cout_g + oc;
        const int16_t *wc = w + (size_t)co * cin_g * p->kh * p->kw;
        const size_t yc = ((size_t)n * p->cout + co) * p->oh * p->ow;
        for (oy = 0; oy < p->oh; oy++)
          for (ox = 0; ox < p->ow; ox++) {
            int32_t acc = b ? b[co] : 0;
            for (ic = 0; ic < cin_g; ic++) {
              const int8_t *xc = x + ((size_t)n * p->cin + g * cin_g + ic) * p->ih * p->iw;
              const int16_t *wk = wc + (size_t)ic * p->kh * p->kw;
              for (ky = 0; ky < p->kh; ky++) {
                const int32_t iy = oy * p->sh - p->pt + ky * p->dh;
                if (iy < 0 || iy >= p->ih) continue;
                for (kx = 0; kx < p->kw; kx++) {
                  const int32_t ix = ox * p->sw - p->pl + kx * p->dw;
                  if (ix < 0 || ix >= p->iw) continue;
                  acc += ((int32_t)xc[iy * p->iw + ix] - p->x_zp) * (int32_t)wk[ky * p->kw + kx];
                }
              }
            }
            if (raw) ((int32_t *)y)[yc + (size_t)oy * p->ow + ox] = acc;
            else ((int8_t *)y)[yc + (size_t)oy * p->ow + ox] = (int8_t)dnnc_clamp_i32(dnnc_rq(acc, p->mult[co], p->shift[co]) + p->y_zp, p->act_min, p->act_max);
          }
      }
}

void dnnc_qconv2d_i8w16(const int8_t *x, const int16_t *w, const int32_t *b, int8_t *y, const dnnc_qconv2d_params *p) {
  w16_conv(x, w, b, y, p, 0);
}

void dnnc_qconv2d_i8w16_i32(const int8_t *x, const int16_t *w, const int32_t *b, int32_t *y, const dnnc_qconv2d_params *p) {
  w16_conv(x, w, b, y, p, 1);
}
