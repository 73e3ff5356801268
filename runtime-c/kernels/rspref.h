/* RSP-exact C references of the generated RSP vector kernels (int16 tiles)
   with 32-bit accumulation. (The 48-bit kernels compute exactly what
   dnnc's CPU int16 kernels compute, e.g. dnnc_qconv2d_i16, so those are
   their reference.)
   They compute what the RSP microcode computes, bit for bit, including the
   cases where the RSP differs from dnnc's CPU int16 kernels:
   - accumulation: the sum of int16 x int16 products is kept at
     ACC(47..16), i.e. modulo 2^32 (the CPU kernels use int64). Equal to the
     CPU whenever |sum| < 2^31, which the compiler checks from the weights
     (32768 * sum|w| + |bias| + 2^(s-1) < 2^31).
   - requantization y = floor((acc + c) / 2^s), c = bias + 2^(s-1), s in
     [2, 32] (round half up, saturated to int16, then clamped to [lo, hi]):
     the CPU's dnnc_rshift_rnd for s >= 2; the RSP has no sequence here for
     s < 2 (the compiler keeps such layers on the CPU, or lifts Add inputs).
     The (acc + c) high half saturates to int16 (VADD): outside the contract
     above only.
   - average pooling 2x2: (sum + 2) >> 2, ties up; the CPU rounds ties away
     from zero: equal for sum >= 0 only.
   prm is the channel's param vector of 8 int16 lanes:
     [c & 0xffff, c >> 16, mA, mB, lo, hi, ma, mb]
   with mA = 2^(16-s) for s <= 16 (else 0), mB = 2^(32-s) for s > 16 (else 0,
   read as unsigned); ma, mb only for Add. */
#ifndef DNNC_RSPREF_H
#define DNNC_RSPREF_H
#include "dnnc.h"

static inline int32_t dnnc_rsp_sat16(int64_t v) { return v < -32768 ? -32768 : (v > 32767 ? 32767 : (int32_t)v); }

/* The 9-instruction RSP readout (vsar, vaddc/vadd, vmudn/vmadh/vmadm, vge/vlt). */
static inline int16_t dnnc_rsp_requant(int64_t acc, const int16_t *prm) {
  const uint32_t v = (uint32_t)(uint64_t)acc;                 /* ACC(47..16) */
  const int32_t hi = (int16_t)(uint16_t)(v >> 16);
  const uint32_t ms = (v & 0xffffu) + (uint16_t)prm[0];       /* vaddc */
  const int32_t hs = dnnc_rsp_sat16((int64_t)hi + prm[1] + (int32_t)(ms >> 16)); /* vadd with carry */
  const int64_t m = ms & 0xffffu;
  const int64_t a = m * prm[2] + (int64_t)hs * prm[2] * 65536 + (int64_t)hs * (uint16_t)prm[3];
  int32_t y = dnnc_rsp_sat16(a >= 0 ? a / 65536 : -((-a + 65535) / 65536)); /* floor */
  if (y < prm[4]) y = prm[4];
  if (y > prm[5]) y = prm[5];
  return (int16_t)y;
}

/* GEMM tile: y[co][p] = rq(sum_k w[co][k] * x[k][p]); x [K][P], w [Co][K], prm [Co][8]. */
void dnnc_rsp_gemm_ref(const int16_t *x, const int16_t *w, const int16_t *prm, int16_t *y, int32_t K, int32_t P, int32_t Co);
/* 3x3 depthwise, stride 1, pre-padded input [C][OH+2][IWp], w [C][9], y [C][OH][OW]. */
void dnnc_rsp_dw3x3_ref(const int16_t *x, const int16_t *w, const int16_t *prm, int16_t *y, int32_t C, int32_t OH, int32_t OW, int32_t IWp);
/* y = rq(a * prm[6] + b * prm[7]) */
void dnnc_rsp_add_ref(const int16_t *a, const int16_t *b, int16_t *y, size_t n, const int16_t *prm);
/* y = rq(a * b) */
void dnnc_rsp_mul_ref(const int16_t *a, const int16_t *b, int16_t *y, size_t n, const int16_t *prm);
void dnnc_rsp_clamp_ref(const int16_t *x, int16_t *y, size_t n, int32_t lo, int32_t hi);
/* 2x2 stride-2 pooling of `rows` row pairs of width 2*ow into rows of ow. */
void dnnc_rsp_maxpool2_ref(const int16_t *x, int16_t *y, int32_t rows, int32_t ow);
void dnnc_rsp_avgpool2_ref(const int16_t *x, int16_t *y, int32_t rows, int32_t ow);

#endif
