/* Tiled quantized convolution. Per output tile and input-channel chunk the
   input patch (padding written as the input zero point, so padded taps add
   nothing), the weight block, the bias and the requantisation block go into
   scratch; the raw kernel (int32 / int64 accumulators) computes the chunk,
   chunks add up exactly, and the last one is requantised in place exactly
   as the untiled kernel does, then copied out. int16 tiles pad channels to
   t->cpad (8: the RSP lanes) with zeros. */
#include "tile_qconv.h"

static int32_t imin(int32_t a, int32_t b) { return a < b ? a : b; }
static int32_t rup(int32_t a, int32_t m) { return (a + m - 1) / m * m; }

#define REQ_TILE_I8(acc, c) (int8_t)dnnc_clamp_i32(dnnc_rq((acc), qm[c], qs[c]) + p->y_zp, p->act_min, p->act_max)
#define REQ_TILE_I16(acc, c) (int16_t)dnnc_clamp_i64(dnnc_rshift_rnd((acc), qs[c]) + p->y_zp, p->act_min, p->act_max)

#define DEFINE_TILED_QCONV(NAME, XT, BT, ACC, RAW, REQ, OP, HAS_MULT) \
  int NAME(const XT *x, const XT *w, const BT *b, XT *y, const dnnc_qconv2d_params *p, const dnnc_tile_params *t, uint8_t *scratch) { \
    dnnc_tile_scratch s; \
    const int32_t kk = p->kh * p->kw, cin_g = p->cin / p->group, cout_g = p->cout / p->group; \
    const int32_t grouped = p->group > 1; \
    const XT xfill = (XT)p->x_zp, zero = 0; \
    const BT bzero = 0; \
    const int32_t izero = 0; \
    uint32_t step = 0; \
    int32_t n, oc0, oy0, ox0, ic0; \
    s.base = scratch; s.cap = t->bytes; s.dma = t->dma; s.err = 0; \
    for (n = 0; n < p->n; n++) { \
      const XT *xn = x + (size_t)n * p->cin * p->ih * p->iw; \
      XT *yn = y + (size_t)n * p->cout * p->oh * p->ow; \
      for (oc0 = 0; oc0 < p->cout; oc0 += t->t_oc) { \
        const int32_t toc = imin(t->t_oc, p->cout - oc0); \
        const int32_t gb = grouped ? toc / cout_g : 1; \
        const int32_t icb = grouped ? (oc0 / cout_g) * cin_g : 0; \
        const int32_t icn = grouped ? gb * cin_g : p->cin; \
        /* depthwise tiles pad whole groups (one channel each) */ \
        const int32_t dw1 = grouped && cin_g == 1 && cout_g == 1; \
        const int32_t tocp = grouped ? (dw1 ? rup(toc, t->cpad) : toc) : rup(toc, t->cpad); \
        for (oy0 = 0; oy0 < p->oh; oy0 += t->t_oh) { \
          const int32_t th = imin(t->t_oh, p->oh - oy0), ph = (th - 1) * p->sh + (p->kh - 1) * p->dh + 1; \
          for (ox0 = 0; ox0 < p->ow; ox0 += t->t_ow) { \
            const int32_t tw = imin(t->t_ow, p->ow - ox0), pw = (tw - 1) * p->sw + (p->kw - 1) * p->dw + 1; \
            const int32_t S = th * tw; \
            ACC *acc = (ACC *)dnnc_tile_region(&s, t->off_acc, (uint32_t)(tocp * S * (int32_t)sizeof(ACC))); \
            const int32_t *qm = NULL, *qs = NULL; \
            XT *yt; \
            int32_t i, c; \
            if (!acc) return s.err; \
            /* requantisation block of the tile: mult (int8) and shift per output channel */ \
            if (HAS_MULT) { \
              int32_t *q = (int32_t *)dnnc_tile_region(&s, t->off_q[0], (uint32_t)tocp * 4u); \
              if (!q) return s.err; \
              dnnc_tile_gather(q, p->mult, 4, 1, 1, 1, tocp, 0, oc0, 1, toc, 1, p->cout, 0, &izero); \
              qm = q; \
            } \
            { \
              int32_t *q = (int32_t *)dnnc_tile_region(&s, t->off_q[1], (uint32_t)tocp * 4u); \
              if (!q) return s.err; \
              dnnc_tile_gather(q, p->shift, 4, 1, 1, 1, tocp, 0, oc0, 1, toc, 1, p->cout, 0, &izero); \
              qs = q; \
            } \
            for (ic0 = 0; ic0 < icn; ic0 += t->t_ic) { \
              const int32_t set = (int32_t)(step++ & 1u); \
              const int32_t tic = imin(t->t_ic, icn - ic0); \
              const int32_t ticp = grouped ? (dw1 ? tocp : tic) : rup(tic, p->cin >= t->cpad ? t->cpad : 1); \
              const int32_t wcols = grouped ? cin_g * kk : ticp * kk; \
              dnnc_qconv2d_params cp; \
              dnnc_tile_desc d; \
              XT *xs, *ws; \
              BT *bs = NULL; \
              ACC *out = acc; \
              xs = (XT *)dnnc_tile_region(&s, t->off_x[set], (uint32_t)(ticp * ph * pw * (int32_t)sizeof(XT))); \
              if (!xs) return s.err; \
              dnnc_tile_gather(xs, xn + (size_t)(icb + ic0) * p->ih * p->iw, sizeof(XT), ticp, tic, ph, pw, \
                               oy0 * p->sh - p->pt, ox0 * p->sw - p->pl, ph, pw, p->ih, p->iw, (size_t)p->ih * p->iw, &xfill); \
              ws = (XT *)dnnc_tile_region(&s, t->off_w[set], (uint32_t)(tocp * wcols * (int32_t)sizeof(XT))); \
              if (!ws) return s.err; \
              if (grouped) dnnc_tile_gather(ws, w, sizeof(XT), 1, 1, tocp, wcols, oc0, 0, toc, wcols, p->cout, cin_g * kk, 0, &zero); \
              else dnnc_tile_gather(ws, w, sizeof(XT), 1, 1, tocp, wcols, oc0, ic0 * kk, toc, tic * kk, p->cout, p->cin * kk, 0, &zero); \
              if (ic0 == 0 && b) { \
                bs = (BT *)dnnc_tile_region(&s, t->off_b[set], (uint32_t)(tocp * (int32_t)sizeof(BT))); \
                if (!bs) return s.err; \
                dnnc_tile_gather(bs, b, sizeof(BT), 1, 1, 1, tocp, 0, oc0, 1, toc, 1, p->cout, 0, &bzero); \
              } \
              if (ic0 > 0) { \
                out = (ACC *)dnnc_tile_region(&s, t->off_part, (uint32_t)(tocp * S * (int32_t)sizeof(ACC))); \
                if (!out) return s.err; \
              } \
              cp = *p; \
              cp.n = 1; cp.cin = grouped ? (dw1 ? tocp : icn) : ticp; cp.ih = ph; cp.iw = pw; \
              cp.cout = tocp; cp.oh = th; cp.ow = tw; cp.pt = 0; cp.pl = 0; \
              cp.group = grouped ? (dw1 ? tocp : gb) : 1; \
              cp.mult = NULL; cp.shift = NULL; cp.wsum = NULL; cp.patch = NULL; cp.patch_bytes = 0; \
              memset(&d, 0, sizeof d); \
              d.op = OP; \
              d.x_off = (int32_t)t->off_x[set]; d.w_off = (int32_t)t->off_w[set]; d.b_off = bs ? (int32_t)t->off_b[set] : -1; \
              d.q_off = (int32_t)(HAS_MULT ? t->off_q[0] : t->off_q[1]); d.acc_off = (int32_t)t->off_acc; d.part_off = ic0 > 0 ? (int32_t)t->off_part : -1; \
              d.cin = cp.cin; d.ih = ph; d.iw = pw; d.cout = tocp; d.oh = th; d.ow = tw; \
              d.kh = p->kh; d.kw = p->kw; d.sh = p->sh; d.sw = p->sw; d.dh = p->dh; d.dw = p->dw; d.group = cp.group; \
              d.first = ic0 == 0; d.last = ic0 + tic >= icn; \
              d.x_zp = p->x_zp; d.y_zp = p->y_zp; d.act_min = p->act_min; d.act_max = p->act_max; \
              dnnc_tile_describe(&s, &d); \
              if (s.err) return s.err; \
              RAW(xs, ws, bs, out, &cp); \
              if (ic0 > 0) for (i = 0; i < tocp * S; i++) acc[i] += out[i]; \
            } \
            (void)qm; \
            yt = (XT *)acc; /* in place: element i is read before bytes of it are written */ \
            for (c = 0; c < tocp; c++) for (i = 0; i < S; i++) { const ACC v = acc[c * S + i]; yt[c * S + i] = REQ(v, c); } \
            dnnc_tile_scatter(yn + (size_t)oc0 * p->oh * p->ow, yt, sizeof(XT), toc, th, tw, oy0, ox0, p->ow, (size_t)p->oh * p->ow); \
          } \
        } \
      } \
    } \
    return s.err; \
  }

DEFINE_TILED_QCONV(dnnc_tiled_qconv2d_i8, int8_t, int32_t, int32_t, dnnc_qconv2d_i8_i32, REQ_TILE_I8, DNNC_TILE_OP_CONV_I8, 1)
DEFINE_TILED_QCONV(dnnc_tiled_qconv2d_i16, int16_t, int64_t, int64_t, dnnc_qconv2d_i16_i64, REQ_TILE_I16, DNNC_TILE_OP_CONV_I16, 0)
