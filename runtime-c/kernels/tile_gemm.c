/* Tiled float32 Gemm: tiles of tm rows x tn columns of Y, K in chunks of
   tk. Per tile and chunk the A block [tm][tk] and the B block ([tk][tn], or
   [tn][tk] when B is transposed) go into scratch and dnnc_gemm_f32 computes
   the chunk product there; chunks add up in the accumulator; (A^T blocks [tk][tm] when A is transposed); the last step
   applies alpha, beta * C (its block copied into scratch) and the clamp in
   the same order as the untiled kernel. */
#include "tile_gemm.h"

static int32_t imin(int32_t a, int32_t b) { return a < b ? a : b; }

int dnnc_tiled_gemm_f32(const float *a, const float *b, const float *c, float *y, const dnnc_gemm_params *p,
                        const dnnc_tile_params *t, uint8_t *scratch) {
  dnnc_tile_scratch s;
  const float zero = 0.0f;
  uint32_t step = 0;
  int32_t m0, n0, k0, i, j;
  s.base = scratch; s.cap = t->bytes; s.dma = t->dma; s.err = 0;
  for (n0 = 0; n0 < p->N; n0 += t->t_oc) {
    const int32_t tn = imin(t->t_oc, p->N - n0);
    for (m0 = 0; m0 < p->M; m0 += t->t_oh) {
      const int32_t tm = imin(t->t_oh, p->M - m0);
      float *acc = (float *)dnnc_tile_region(&s, t->off_acc, (uint32_t)(tm * tn) * 4u);
      if (!acc) return s.err;
      for (k0 = 0; k0 < p->K; k0 += t->t_ic) {
        const int32_t set = (int32_t)(step++ & 1u);
        const int32_t tk = imin(t->t_ic, p->K - k0);
        dnnc_gemm_params gp;
        dnnc_tile_desc d;
        float *as, *bs, *out = acc;
        as = (float *)dnnc_tile_region(&s, t->off_x[set], (uint32_t)(tm * tk) * 4u);
        if (!as) return s.err;
        if (p->trans_a) dnnc_tile_gather(as, a, 4, 1, 1, tk, tm, k0, m0, tk, tm, p->K, p->M, 0, &zero); /* A^T block [tk][tm] */
        else dnnc_tile_gather(as, a, 4, 1, 1, tm, tk, m0, k0, tm, tk, p->M, p->K, 0, &zero);
        bs = (float *)dnnc_tile_region(&s, t->off_w[set], (uint32_t)(tk * tn) * 4u);
        if (!bs) return s.err;
        if (p->trans_b) dnnc_tile_gather(bs, b, 4, 1, 1, tn, tk, n0, k0, tn, tk, p->N, p->K, 0, &zero);
        else dnnc_tile_gather(bs, b, 4, 1, 1, tk, tn, k0, n0, tk, tn, p->K, p->N, 0, &zero);
        if (k0 > 0) {
          out = (float *)dnnc_tile_region(&s, t->off_part, (uint32_t)(tm * tn) * 4u);
          if (!out) return s.err;
        }
        gp.M = tm; gp.N = tn; gp.K = tk; gp.trans_a = p->trans_a; gp.trans_b = p->trans_b;
        gp.alpha = 1.0f; gp.beta = 0.0f; gp.c_sm = 0; gp.c_sn = 0; gp.act_min = -INFINITY; gp.act_max = INFINITY;
        memset(&d, 0, sizeof d);
        d.op = DNNC_TILE_OP_GEMM_F32;
        d.x_off = (int32_t)t->off_x[set]; d.w_off = (int32_t)t->off_w[set]; d.b_off = -1; d.q_off = -1;
        d.acc_off = (int32_t)t->off_acc; d.part_off = k0 > 0 ? (int32_t)t->off_part : -1;
        d.cin = tk; d.oh = tm; d.cout = tn; d.ih = tm; d.iw = tk; d.ow = 1; d.kh = 1; d.kw = 1; d.group = 1;
        d.sh = 1; d.sw = 1; d.dh = 1; d.dw = 1;
        d.first = k0 == 0; d.last = k0 + tk >= p->K;
        dnnc_tile_describe(&s, &d);
        if (s.err) return s.err;
        dnnc_gemm_f32(as, bs, NULL, out, &gp);
        if (k0 > 0) for (i = 0; i < tm * tn; i++) acc[i] += out[i];
      }
      {
        float *cs = NULL;
        if (c) {
          cs = (float *)dnnc_tile_region(&s, t->off_b[0], (uint32_t)(tm * tn) * 4u);
          if (!cs) return s.err;
          for (i = 0; i < tm; i++)
            for (j = 0; j < tn; j++) cs[i * tn + j] = c[(m0 + i) * p->c_sm + (n0 + j) * p->c_sn];
        }
        for (i = 0; i < tm * tn; i++) {
          float v = acc[i] * p->alpha;
          if (cs) v += p->beta * cs[i];
          acc[i] = v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v);
        }
      }
      dnnc_tile_scatter(y, acc, 4, 1, tm, tn, m0, n0, p->N, 0);
    }
  }
  return s.err;
}
