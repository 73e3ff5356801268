/* Tiled float32 pooling: tiles of channels x output rows x columns; the
   input patch is clipped to the input and the tile's own padding passed to
   the untiled kernel (so average pooling counts exactly as untiled). */
#include "tile_pool.h"

static int32_t imin(int32_t a, int32_t b) { return a < b ? a : b; }
static int32_t imax(int32_t a, int32_t b) { return a > b ? a : b; }

int dnnc_tiled_pool2d_f32(const float *x, float *y, const dnnc_pool2d_params *p, int32_t is_max,
                          const dnnc_tile_params *t, uint8_t *scratch) {
  dnnc_tile_scratch s;
  const float zero = 0.0f;
  uint32_t step = 0;
  int32_t c0, oy0, ox0;
  s.base = scratch; s.cap = t->bytes; s.dma = t->dma; s.err = 0;
  for (c0 = 0; c0 < p->nc; c0 += t->t_oc) {
    const int32_t tc = imin(t->t_oc, p->nc - c0);
    for (oy0 = 0; oy0 < p->oh; oy0 += t->t_oh) {
      const int32_t th = imin(t->t_oh, p->oh - oy0);
      const int32_t fy = oy0 * p->sh - p->pt, ly = (oy0 + th - 1) * p->sh - p->pt + (p->kh - 1) * p->dh;
      const int32_t r0 = imax(fy, 0), r1 = imin(ly + 1, p->ih), ph = imax(r1 - r0, 0);
      for (ox0 = 0; ox0 < p->ow; ox0 += t->t_ow) {
        const int32_t set = (int32_t)(step++ & 1u);
        const int32_t tw = imin(t->t_ow, p->ow - ox0);
        const int32_t fx = ox0 * p->sw - p->pl, lx = (ox0 + tw - 1) * p->sw - p->pl + (p->kw - 1) * p->dw;
        const int32_t q0 = imax(fx, 0), q1 = imin(lx + 1, p->iw), pw = imax(q1 - q0, 0);
        dnnc_pool2d_params pp;
        dnnc_tile_desc d;
        float *xs, *ys;
        xs = (float *)dnnc_tile_region(&s, t->off_x[set], (uint32_t)(tc * ph * pw) * 4u);
        if (!xs) return s.err;
        dnnc_tile_gather(xs, x + (size_t)c0 * p->ih * p->iw, 4, tc, tc, ph, pw, r0, q0, ph, pw, p->ih, p->iw, (size_t)p->ih * p->iw, &zero);
        ys = (float *)dnnc_tile_region(&s, t->off_acc, (uint32_t)(tc * th * tw) * 4u);
        if (!ys) return s.err;
        pp = *p;
        pp.nc = tc; pp.ih = ph; pp.iw = pw; pp.oh = th; pp.ow = tw;
        pp.pt = r0 - fy; pp.pl = q0 - fx; pp.pb = p->ih + p->pb - r1; pp.pr = p->iw + p->pr - q1;
        memset(&d, 0, sizeof d);
        d.op = is_max ? DNNC_TILE_OP_MAXPOOL_F32 : DNNC_TILE_OP_AVGPOOL_F32;
        d.x_off = (int32_t)t->off_x[set]; d.w_off = -1; d.b_off = -1; d.q_off = -1; d.acc_off = (int32_t)t->off_acc; d.part_off = -1;
        d.cin = tc; d.ih = ph; d.iw = pw; d.cout = tc; d.oh = th; d.ow = tw;
        d.kh = p->kh; d.kw = p->kw; d.sh = p->sh; d.sw = p->sw; d.dh = p->dh; d.dw = p->dw; d.pt = pp.pt; d.pl = pp.pl; d.group = tc;
        d.first = 1; d.last = 1;
        dnnc_tile_describe(&s, &d);
        if (s.err) return s.err;
        if (is_max) dnnc_maxpool2d_f32(xs, ys, &pp);
        else dnnc_avgpool2d_f32(xs, ys, &pp);
        dnnc_tile_scatter(y + (size_t)c0 * p->oh * p->ow, ys, 4, tc, th, tw, oy0, ox0, p->ow, (size_t)p->oh * p->ow);
      }
    }
  }
  return s.err;
}
