/* Tiled float32 convolution: for every output tile (channels x rows x
   columns) and input-channel chunk, the input patch with its halo (padding
   written as zeros), the weight block and the bias go into scratch,
   dnnc_conv2d_f32 computes the tile there (no padding), chunks after the
   first are added into the accumulator, and the finished tile is copied
   out. Grouped convolutions (depthwise) tile whole groups. */
#include "tile_conv.h"

static int32_t imin(int32_t a, int32_t b) { return a < b ? a : b; }
static int32_t rup(int32_t a, int32_t m) { return (a + m - 1) / m * m; }

int dnnc_tiled_conv2d_f32(const float *x, const float *w, const float *b, float *y, const dnnc_conv2d_params *p,
                          const dnnc_tile_params *t, uint8_t *scratch) {
  dnnc_tile_scratch s;
  const int32_t kk = p->kh * p->kw, cin_g = p->cin / p->group, cout_g = p->cout / p->group;
  const int32_t grouped = p->group > 1;
  const float zero = 0.0f;
  uint32_t step = 0;
  int32_t n, oc0, oy0, ox0, ic0;
  s.base = scratch; s.cap = t->bytes; s.dma = t->dma; s.err = 0;
  for (n = 0; n < p->n; n++) {
    const float *xn = x + (size_t)n * p->cin * p->ih * p->iw;
    float *yn = y + (size_t)n * p->cout * p->oh * p->ow;
    for (oc0 = 0; oc0 < p->cout; oc0 += t->t_oc) {
      const int32_t toc = imin(t->t_oc, p->cout - oc0);
      const int32_t gb = grouped ? toc / cout_g : 1;            /* groups in the tile */
      const int32_t icb = grouped ? (oc0 / cout_g) * cin_g : 0;  /* first input channel */
      const int32_t icn = grouped ? gb * cin_g : p->cin;         /* input channels of the tile */
      const int32_t tocp = grouped ? toc : rup(toc, t->cpad);
      for (oy0 = 0; oy0 < p->oh; oy0 += t->t_oh) {
        const int32_t th = imin(t->t_oh, p->oh - oy0), ph = (th - 1) * p->sh + (p->kh - 1) * p->dh + 1;
        for (ox0 = 0; ox0 < p->ow; ox0 += t->t_ow) {
          const int32_t tw = imin(t->t_ow, p->ow - ox0), pw = (tw - 1) * p->sw + (p->kw - 1) * p->dw + 1;
          const int32_t single = t->t_ic >= icn;
          float *acc = (float *)dnnc_tile_region(&s, t->off_acc, (uint32_t)(tocp * th * tw) * 4u);
          if (!acc) return s.err;
          for (ic0 = 0; ic0 < icn; ic0 += t->t_ic) {
            const int32_t set = (int32_t)(step++ & 1u);
            const int32_t tic = imin(t->t_ic, icn - ic0), ticp = grouped ? tic : rup(tic, t->cpad);
            const int32_t wcols = grouped ? cin_g * kk : ticp * kk;
            dnnc_conv2d_params cp;
            dnnc_tile_desc d;
            float *xs, *ws, *bs = NULL, *out;
            xs = (float *)dnnc_tile_region(&s, t->off_x[set], (uint32_t)(ticp * ph * pw) * 4u);
            if (!xs) return s.err;
            dnnc_tile_gather(xs, xn + (size_t)(icb + ic0) * p->ih * p->iw, 4, ticp, tic, ph, pw,
                             oy0 * p->sh - p->pt, ox0 * p->sw - p->pl, ph, pw, p->ih, p->iw, (size_t)p->ih * p->iw, &zero);
            ws = (float *)dnnc_tile_region(&s, t->off_w[set], (uint32_t)(tocp * wcols) * 4u);
            if (!ws) return s.err;
            if (grouped) dnnc_tile_gather(ws, w, 4, 1, 1, tocp, wcols, oc0, 0, toc, wcols, p->cout, cin_g * kk, 0, &zero);
            else dnnc_tile_gather(ws, w, 4, 1, 1, tocp, wcols, oc0, ic0 * kk, toc, tic * kk, p->cout, p->cin * kk, 0, &zero);
            if (ic0 == 0 && b) {
              bs = (float *)dnnc_tile_region(&s, t->off_b[set], (uint32_t)tocp * 4u);
              if (!bs) return s.err;
              dnnc_tile_gather(bs, b, 4, 1, 1, 1, tocp, 0, oc0, 1, toc, 1, p->cout, 0, &zero);
            }
            out = acc;
            if (ic0 > 0) {
              out = (float *)dnnc_tile_region(&s, t->off_part, (uint32_t)(tocp * th * tw) * 4u);
              if (!out) return s.err;
            }
            cp.n = 1; cp.cin = grouped ? icn : ticp; cp.ih = ph; cp.iw = pw;
            cp.cout = tocp; cp.oh = th; cp.ow = tw; cp.kh = p->kh; cp.kw = p->kw;
            cp.sh = p->sh; cp.sw = p->sw; cp.dh = p->dh; cp.dw = p->dw; cp.pt = 0; cp.pl = 0;
            cp.group = grouped ? gb : 1;
            cp.act_min = single ? p->act_min : -INFINITY;
            cp.act_max = single ? p->act_max : INFINITY;
            memset(&d, 0, sizeof d);
            d.op = DNNC_TILE_OP_CONV_F32;
            d.x_off = (int32_t)t->off_x[set]; d.w_off = (int32_t)t->off_w[set]; d.b_off = bs ? (int32_t)t->off_b[set] : -1;
            d.q_off = -1; d.acc_off = (int32_t)t->off_acc; d.part_off = ic0 > 0 ? (int32_t)t->off_part : -1;
            d.cin = cp.cin; d.ih = ph; d.iw = pw; d.cout = tocp; d.oh = th; d.ow = tw;
            d.kh = p->kh; d.kw = p->kw; d.sh = p->sh; d.sw = p->sw; d.dh = p->dh; d.dw = p->dw; d.group = cp.group;
            d.first = ic0 == 0; d.last = ic0 + tic >= icn;
            dnnc_tile_describe(&s, &d);
            if (s.err) return s.err;
            dnnc_conv2d_f32(xs, ws, bs, out, &cp);
            if (ic0 > 0) {
              int32_t i;
              for (i = 0; i < tocp * th * tw; i++) acc[i] += out[i];
            }
          }
          if (!single) {
            int32_t i;
            for (i = 0; i < tocp * th * tw; i++) acc[i] = acc[i] < p->act_min ? p->act_min : (acc[i] > p->act_max ? p->act_max : acc[i]);
          }
          dnnc_tile_scatter(yn + (size_t)oc0 * p->oh * p->ow, acc, 4, toc, th, tw, oy0, ox0, p->ow, (size_t)p->oh * p->ow);
        }
      }
    }
  }
  return s.err;
}
