/* Tiled quantized Gemm: tiles of tm rows x tn output columns, K in chunks;
   A block [tm][tk], W block [tn][tk] and the bias go into scratch, the raw
   kernel accumulates exactly, the last chunk is requantised in place as the
   untiled kernel does. int16 pads tk and tn to t->cpad (8) with zeros. */
#include "tile_qgemm.h"

static int32_t imin(int32_t a, int32_t b) { return a < b ? a : b; }
static int32_t rup(int32_t a, int32_t m) { return (a + m - 1) / m * m; }

#define REQ_TILE_I8(acc, c) (int8_t)dnnc_clamp_i32(dnnc_rq((acc), qm[c], qs[c]) + p->y_zp, p->act_min, p->act_max)
#define REQ_TILE_I16(acc, c) (int16_t)dnnc_clamp_i64(dnnc_rshift_rnd((acc), qs[c]) + p->y_zp, p->act_min, p->act_max)

#define DEFINE_TILED_QGEMM(NAME, XT, BT, ACC, RAW, REQ, OP, HAS_MULT) \
  int NAME(const XT *a, const XT *w, const BT *b, XT *y, const dnnc_qgemm_params *p, const dnnc_tile_params *t, uint8_t *scratch) { \
    dnnc_tile_scratch s; \
    const XT afill = (XT)p->a_zp, zero = 0; \
    const BT bzero = 0; \
    const int32_t izero = 0; \
    uint32_t step = 0; \
    int32_t m0, n0, k0, i, j; \
    s.base = scratch; s.cap = t->bytes; s.dma = t->dma; s.err = 0; \
    for (n0 = 0; n0 < p->N; n0 += t->t_oc) { \
      const int32_t tn = imin(t->t_oc, p->N - n0), tnp = rup(tn, t->cpad); \
      for (m0 = 0; m0 < p->M; m0 += t->t_oh) { \
        const int32_t tm = imin(t->t_oh, p->M - m0); \
        ACC *acc = (ACC *)dnnc_tile_region(&s, t->off_acc, (uint32_t)(tm * tnp * (int32_t)sizeof(ACC))); \
        const int32_t *qm = NULL, *qs = NULL; \
        XT *yt; \
        if (!acc) return s.err; \
        if (HAS_MULT) { \
          int32_t *q = (int32_t *)dnnc_tile_region(&s, t->off_q[0], (uint32_t)tnp * 4u); \
          if (!q) return s.err; \
          dnnc_tile_gather(q, p->mult, 4, 1, 1, 1, tnp, 0, n0, 1, tn, 1, p->N, 0, &izero); \
          qm = q; \
        } \
        { \
          int32_t *q = (int32_t *)dnnc_tile_region(&s, t->off_q[1], (uint32_t)tnp * 4u); \
          if (!q) return s.err; \
          dnnc_tile_gather(q, p->shift, 4, 1, 1, 1, tnp, 0, n0, 1, tn, 1, p->N, 0, &izero); \
          qs = q; \
        } \
        for (k0 = 0; k0 < p->K; k0 += t->t_ic) { \
          const int32_t set = (int32_t)(step++ & 1u); \
          const int32_t tk = imin(t->t_ic, p->K - k0), tkp = rup(tk, p->K >= t->cpad ? t->cpad : 1); \
          dnnc_qgemm_params gp; \
          dnnc_tile_desc d; \
          XT *as, *ws; \
          BT *bs = NULL; \
          ACC *out = acc; \
          as = (XT *)dnnc_tile_region(&s, t->off_x[set], (uint32_t)(tm * tkp * (int32_t)sizeof(XT))); \
          if (!as) return s.err; \
          /* padded K columns of A hold the zero point: (a_zp - a_zp) * 0 adds nothing */ \
          dnnc_tile_gather(as, a, sizeof(XT), 1, 1, tm, tkp, m0, k0, tm, tk, p->M, p->K, 0, &afill); \
          ws = (XT *)dnnc_tile_region(&s, t->off_w[set], (uint32_t)(tnp * tkp * (int32_t)sizeof(XT))); \
          if (!ws) return s.err; \
          dnnc_tile_gather(ws, w, sizeof(XT), 1, 1, tnp, tkp, n0, k0, tn, tk, p->N, p->K, 0, &zero); \
          if (k0 == 0 && b) { \
            bs = (BT *)dnnc_tile_region(&s, t->off_b[set], (uint32_t)(tnp * (int32_t)sizeof(BT))); \
            if (!bs) return s.err; \
            dnnc_tile_gather(bs, b, sizeof(BT), 1, 1, 1, tnp, 0, n0, 1, tn, 1, p->N, 0, &bzero); \
          } \
          if (k0 > 0) { \
            out = (ACC *)dnnc_tile_region(&s, t->off_part, (uint32_t)(tm * tnp * (int32_t)sizeof(ACC))); \
            if (!out) return s.err; \
          } \
          gp = *p; gp.M = tm; gp.N = tnp; gp.K = tkp; gp.mult = NULL; gp.shift = NULL; gp.wsum = NULL; \
          memset(&d, 0, sizeof d); \
          d.op = OP; \
          d.x_off = (int32_t)t->off_x[set]; d.w_off = (int32_t)t->off_w[set]; d.b_off = bs ? (int32_t)t->off_b[set] : -1; \
          d.q_off = (int32_t)(HAS_MULT ? t->off_q[0] : t->off_q[1]); d.acc_off = (int32_t)t->off_acc; d.part_off = k0 > 0 ? (int32_t)t->off_part : -1; \
          d.cin = tkp; d.oh = tm; d.cout = tnp; d.ih = tm; d.iw = tkp; d.ow = 1; d.kh = 1; d.kw = 1; d.group = 1; \
          d.sh = 1; d.sw = 1; d.dh = 1; d.dw = 1; \
          d.first = k0 == 0; d.last = k0 + tk >= p->K; \
          d.x_zp = p->a_zp; d.y_zp = p->y_zp; d.act_min = p->act_min; d.act_max = p->act_max; \
          dnnc_tile_describe(&s, &d); \
          if (s.err) return s.err; \
          RAW(as, ws, bs, out, &gp); \
          if (k0 > 0) for (i = 0; i < tm * tnp; i++) acc[i] += out[i]; \
        } \
        (void)qm; \
        yt = (XT *)acc; /* in place, ascending */ \
        for (i = 0; i < tm; i++) for (j = 0; j < tnp; j++) { const ACC v = acc[i * tnp + j]; yt[i * tnp + j] = REQ(v, j); } \
        { \
          /* rows of tnp in scratch, tn of them valid */ \
          for (i = 0; i < tm; i++) memcpy(y + (size_t)(m0 + i) * p->N + n0, yt + (size_t)i * tnp, (size_t)tn * sizeof(XT)); \
        } \
      } \
    } \
    return s.err; \
  }

DEFINE_TILED_QGEMM(dnnc_tiled_qgemm_i8, int8_t, int32_t, int32_t, dnnc_qgemm_i8_i32, REQ_TILE_I8, DNNC_TILE_OP_GEMM_I8, 1)
DEFINE_TILED_QGEMM(dnnc_tiled_qgemm_i16, int16_t, int64_t, int64_t, dnnc_qgemm_i16_i64, REQ_TILE_I16, DNNC_TILE_OP_GEMM_I16, 0)
