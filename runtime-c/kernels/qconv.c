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

DEFINE_QCONV_OPT(dnnc_qconv2d_i16, int16_t, int16_t, int64_t, int64_t, REQ_I16)

/* ConvInteger: the int32 accumulator itself (no requantization). */
DEFINE_QCONV_REF(dnnc_qconv2d_i8_i32_ref, int8_t, int32_t, int32_t, int32_t, REQ_RAW)

/* int16 accumulators as int64 (no requantization): the tiled int16 path
   adds input-channel chunks before requantizing (runtime-c/kernels/tile_qconv.c). */
DEFINE_QCONV_OPT(dnnc_qconv2d_i16_i64, int16_t, int64_t, int64_t, int64_t, REQ_RAW)

/* ---------------------------------------------------------------------------
   Optimised int8 convolution (int8 requantized and int32 raw outputs).

   - The input zero point is folded into the bias once per output channel:
     b' = b - x_zp * sum(w), so inner loops multiply raw int8 values. Rows
     whose kernel rows are clipped by padding use the sum over the valid
     kernel rows only; border pixels (clipped kernel columns) subtract x_zp
     per tap on their few taps.
   - Padding is handled by clipping tap ranges (no per-tap tests).
   - Register blocking: 4 output channels x 4 output pixels accumulate in
     registers over every input channel and tap (each loaded input serves 4
     channels, each weight 4 pixels). Pointwise convolution runs as a GEMM
     with the same 4x4 blocks; depthwise 3x3 stride 1 reads 6 inputs per
     kernel row for 4 pixels.
   - Where general registers are 64 bits wide (DNNC_Q8_PAIRS), two pixels
     share one 64-bit accumulator: x0 + x1 * 2^32 times a weight adds both
     products at once, and the exact int32 sums are split apart at the end
     (the low half, sign-extended, then the rest shifted down). Requires
     |sum| < 2^31 per pixel, which holds for K * 128 * 128 < 2^31; larger
     kernels take the reference loops.
   - Requantization (fixed-point multiplier and shift) happens once per
     output, after the accumulation.
   --------------------------------------------------------------------------- */
#ifndef DNNC_Q8_PAIRS
#if defined(__mips64) || defined(__LP64__) || defined(_LP64)
#define DNNC_Q8_PAIRS 1
#else
#define DNNC_Q8_PAIRS 0
#endif
#endif

#define Q8_KMAX 131071 /* K * 128 * 128 < 2^31 */

#if DNNC_Q8_PAIRS
typedef uint64_t q8acc;
#define Q8P(lo, hi) ((uint64_t)(int64_t)(lo) + ((uint64_t)(int64_t)(hi) << 32))
#define Q8MUL(c, X) ((uint64_t)(int64_t)(c) * (X))
static inline int32_t q8_lo(uint64_t a) { return (int32_t)(uint32_t)a; }
static inline int32_t q8_hi(uint64_t a) { return (int32_t)(uint32_t)((a - (uint64_t)(int64_t)q8_lo(a)) >> 32); }
/* 4 pixels of one channel: two pair accumulators */
#define Q8_ACC4(n) q8acc n##01 = 0, n##23 = 0
#define Q8_MAC4(n, c, X01, X23) (n##01 += Q8MUL(c, X01), n##23 += Q8MUL(c, X23))
#define Q8_PACK4(X01, X23, x0, x1, x2, x3) const uint64_t X01 = Q8P(x0, x1), X23 = Q8P(x2, x3)
#define Q8_GET4(a, n) (a[0] = q8_lo(n##01), a[1] = q8_hi(n##01), a[2] = q8_lo(n##23), a[3] = q8_hi(n##23))
#else
#define Q8_ACC4(n) int32_t n##0 = 0, n##1 = 0, n##2 = 0, n##3 = 0
#define Q8_PACK4(X01, X23, x0, x1, x2, x3) const int32_t X01##a = (x0), X01##b = (x1), X23##a = (x2), X23##b = (x3)
#define Q8_MAC4(n, c, X01, X23) (n##0 += (int32_t)(c) * X01##a, n##1 += (int32_t)(c) * X01##b, n##2 += (int32_t)(c) * X23##a, n##3 += (int32_t)(c) * X23##b)
#define Q8_GET4(a, n) (a[0] = n##0, a[1] = n##1, a[2] = n##2, a[3] = n##3)
#endif

/* Valid tap range [lo, hi) of a kernel axis for output index o. */
static void q8_taps(int32_t o, int32_t s, int32_t pad, int32_t d, int32_t k, int32_t in, int32_t *lo, int32_t *hi) {
  const int32_t base = o * s - pad;
  int32_t a = 0, b = k;
  if (base < 0) a = (-base + d - 1) / d;
  if (base >= in) b = 0;
  else if (base + (k - 1) * d >= in) b = (in - 1 - base) / d + 1;
  if (b < a) b = a;
  *lo = a;
  *hi = b;
}

/* Output stage of one channel: requantize (int8) or store the raw int32. */
typedef struct {
  int32_t mult, shift, zp, lo, hi, raw;
} q8_out;

static inline void q8_put(void *y, size_t at, int32_t acc, const q8_out *o) {
  if (o->raw) ((int32_t *)y)[at] = acc;
  else ((int8_t *)y)[at] = (int8_t)dnnc_rq_clamp(acc, o->mult, o->shift, o->zp, o->lo, o->hi);
}

/* 4 consecutive outputs of one channel, acc[j] + bias */
static inline void q8_put4(void *y, size_t at, const int32_t *acc, int32_t bias, const q8_out *o) {
  const int32_t m = o->mult, sh = o->shift, zp = o->zp, lo = o->lo, hi = o->hi;
  if (o->raw) {
    int32_t *yy = (int32_t *)y + at;
    yy[0] = acc[0] + bias; yy[1] = acc[1] + bias; yy[2] = acc[2] + bias; yy[3] = acc[3] + bias;
  } else {
    int8_t *yy = (int8_t *)y + at;
    const int8_t v0 = (int8_t)dnnc_rq_clamp(acc[0] + bias, m, sh, zp, lo, hi), v1 = (int8_t)dnnc_rq_clamp(acc[1] + bias, m, sh, zp, lo, hi);
    const int8_t v2 = (int8_t)dnnc_rq_clamp(acc[2] + bias, m, sh, zp, lo, hi), v3 = (int8_t)dnnc_rq_clamp(acc[3] + bias, m, sh, zp, lo, hi);
    yy[0] = v0; yy[1] = v1; yy[2] = v2; yy[3] = v3;
  }
}

static void q8_outs(q8_out *o, int32_t co, int32_t nb, const dnnc_qconv2d_params *p, int raw) {
  int32_t j;
  for (j = 0; j < nb; j++) {
    o[j].mult = raw ? 0 : p->mult[co + j];
    o[j].shift = raw ? 0 : p->shift[co + j];
    o[j].zp = p->y_zp; o[j].lo = p->act_min; o[j].hi = p->act_max; o[j].raw = raw;
  }
}

/* sum of a channel's weights over kernel rows [ky0, ky1) of every input channel */
static int32_t q8_wsum(const int8_t *wc, int32_t cin_g, int32_t kh, int32_t kw, int32_t ky0, int32_t ky1) {
  int32_t s = 0, ic, t;
  for (ic = 0; ic < cin_g; ic++)
    for (t = ky0 * kw; t < ky1 * kw; t++) s += wc[(size_t)ic * kh * kw + t];
  return s;
}

/* One row segment of blocks: everything the inner loops need, so that the
   block functions below keep their accumulators in registers. */
typedef struct {
  const int8_t *w0;           /* weights of the first channel of the block */
  int32_t ws;                 /* weights per output channel */
  int32_t cin_g, plane, kk, kw, dhw, dw, sw;
  int32_t ky0, ky1;           /* valid kernel rows */
  int32_t S;                  /* output channel stride */
  int32_t rb[4];              /* bias (zero point folded over the valid rows) */
  int32_t b[4];               /* bias as given (pixels with clipped columns) */
  int32_t zp;                 /* input zero point */
  int32_t ih, iw, pl, sx, dx, kh; /* geometry of the clipped pixels */
  int32_t dh, iy0;            /* kernel row dilation; input row of kernel row 0 (may be < 0) */
  const int8_t *xg;           /* input of the group */
  int32_t cnt;                /* pixels stored per block (4, fewer at a row's end) */
  q8_out o[4];
} q8_seg;


/* the 4 outputs of channel j of a block (c->cnt of them at the row's end) */
static inline void q8_put_blk(const q8_seg *c, void *y, size_t at, const int32_t *acc, int32_t j) {
  int32_t i;
  if (c->cnt == 4) q8_put4(y, at, acc, c->rb[j], &c->o[j]);
  else for (i = 0; i < c->cnt; i++) q8_put(y, at + i, acc[i] + c->rb[j], &c->o[j]);
}

/* One output pixel of 4 channels (column ox of the row c->iy0), taps clipped to the input: acc = b + sum (x - x_zp) * w. */
static DNNC_NOINLINE void q8_px4(const q8_seg *c, void *y, size_t at, int32_t ox) {
  const int32_t base = ox * c->sx - c->pl, dw = c->dw, kw = c->kw, zp = c->zp;
  int32_t kx0 = 0, kx1 = kw, ic, ky, kx;
  int32_t a0 = c->b[0], a1 = c->b[1], a2 = c->b[2], a3 = c->b[3];
  if (base < 0) kx0 = (-base + dw - 1) / dw;
  if (base >= c->iw) kx1 = 0;
  else if (base + (kw - 1) * dw >= c->iw) kx1 = (c->iw - 1 - base) / dw + 1;
  if (kx1 < kx0) kx1 = kx0;
  for (ic = 0; ic < c->cin_g; ic++) {
    const int8_t *xi = c->xg + (size_t)ic * c->plane;
    const int8_t *k0 = c->w0 + ic * c->kk, *k1 = k0 + c->ws, *k2 = k1 + c->ws, *k3 = k2 + c->ws;
    for (ky = c->ky0; ky < c->ky1; ky++) {
      const int8_t *xp = xi + ((ptrdiff_t)(c->iy0 + ky * c->dh) * c->iw + base + kx0 * dw);
      const int32_t t0 = ky * kw;
      for (kx = kx0; kx < kx1; kx++, xp += dw) {
        const int32_t v = *xp - zp;
        a0 += v * k0[t0 + kx]; a1 += v * k1[t0 + kx]; a2 += v * k2[t0 + kx]; a3 += v * k3[t0 + kx];
      }
    }
  }
  q8_put(y, at, a0, &c->o[0]); q8_put(y, at + (size_t)c->S, a1, &c->o[1]);
  q8_put(y, at + 2 * (size_t)c->S, a2, &c->o[2]); q8_put(y, at + 3 * (size_t)c->S, a3, &c->o[3]);
}

/* The same for one channel. */
static DNNC_NOINLINE void q8_px1(const q8_seg *c, void *y, size_t at, int32_t ox) {
  const int32_t base = ox * c->sx - c->pl, dw = c->dw, kw = c->kw, zp = c->zp;
  int32_t kx0 = 0, kx1 = kw, ic, ky, kx;
  int32_t a0 = c->b[0];
  if (base < 0) kx0 = (-base + dw - 1) / dw;
  if (base >= c->iw) kx1 = 0;
  else if (base + (kw - 1) * dw >= c->iw) kx1 = (c->iw - 1 - base) / dw + 1;
  if (kx1 < kx0) kx1 = kx0;
  for (ic = 0; ic < c->cin_g; ic++) {
    const int8_t *xi = c->xg + (size_t)ic * c->plane;
    const int8_t *k0 = c->w0 + ic * c->kk;
    for (ky = c->ky0; ky < c->ky1; ky++) {
      const int8_t *xp = xi + ((ptrdiff_t)(c->iy0 + ky * c->dh) * c->iw + base + kx0 * dw);
      const int8_t *kp = k0 + ky * kw + kx0;
      for (kx = kx0; kx < kx1; kx++, xp += dw) a0 += (*xp - zp) * *kp++;
    }
  }
  q8_put(y, at, a0, &c->o[0]);
}

/* 4 channels x 4 pixels, nblk blocks along a row (pixel stride SW in the
   input): raw products over every input channel and valid tap. */
#define Q8_ROW44(NAME, SW_EXPR)                                                                                \
  static DNNC_NOINLINE void NAME(const q8_seg *c, const int8_t *xb, void *y, size_t at, int32_t nblk) {       \
    const int32_t cin_g = c->cin_g, plane = c->plane, kk = c->kk, ws = c->ws, kw = c->kw, dhw = c->dhw;      \
    const int32_t dw = c->dw, ky0 = c->ky0, ky1 = c->ky1, S = c->S, sw = c->sw;                              \
    int32_t bl, ic, ky, kx;                                                                                    \
    (void)sw;                                                                                                  \
    for (bl = 0; bl < nblk; bl++, xb += 4 * (SW_EXPR), at += 4) {                                             \
      int32_t acc[4][4];                                                                                       \
      Q8_ACC4(c0); Q8_ACC4(c1); Q8_ACC4(c2); Q8_ACC4(c3);                                                      \
      for (ic = 0; ic < cin_g; ic++) {                                                                         \
        const int8_t *xi = xb + (size_t)ic * plane;                                                            \
        const int8_t *k0 = c->w0 + ic * kk, *k1 = k0 + ws, *k2 = k1 + ws, *k3 = k2 + ws;                       \
        for (ky = ky0; ky < ky1; ky++) {                                                                       \
          const int8_t *xr = xi + ky * dhw;                                                                    \
          const int32_t t0 = ky * kw;                                                                          \
          for (kx = 0; kx < kw; kx++) {                                                                        \
            const int8_t *xp = xr + kx * dw;                                                                   \
            Q8_PACK4(X01, X23, xp[0], xp[SW_EXPR], xp[2 * (SW_EXPR)], xp[3 * (SW_EXPR)]);                      \
            const int32_t w_0 = k0[t0 + kx], w_1 = k1[t0 + kx], w_2 = k2[t0 + kx], w_3 = k3[t0 + kx];          \
            Q8_MAC4(c0, w_0, X01, X23); Q8_MAC4(c1, w_1, X01, X23);                                            \
            Q8_MAC4(c2, w_2, X01, X23); Q8_MAC4(c3, w_3, X01, X23);                                            \
          }                                                                                                    \
        }                                                                                                      \
      }                                                                                                        \
      Q8_GET4(acc[0], c0); Q8_GET4(acc[1], c1); Q8_GET4(acc[2], c2); Q8_GET4(acc[3], c3);                      \
      q8_put_blk(c, y, at, acc[0], 0); q8_put_blk(c, y, at + (size_t)S, acc[1], 1);                           \
      q8_put_blk(c, y, at + 2 * (size_t)S, acc[2], 2); q8_put_blk(c, y, at + 3 * (size_t)S, acc[3], 3);       \
    }                                                                                                          \
  }

/* 1 channel x 4 pixels */
#define Q8_ROW14(NAME, SW_EXPR)                                                                                \
  static DNNC_NOINLINE void NAME(const q8_seg *c, const int8_t *xb, void *y, size_t at, int32_t nblk) {       \
    const int32_t cin_g = c->cin_g, plane = c->plane, kk = c->kk, kw = c->kw, dhw = c->dhw;                  \
    const int32_t dw = c->dw, ky0 = c->ky0, ky1 = c->ky1, sw = c->sw;                                        \
    int32_t bl, ic, ky, kx;                                                                                    \
    (void)sw;                                                                                                  \
    for (bl = 0; bl < nblk; bl++, xb += 4 * (SW_EXPR), at += 4) {                                             \
      int32_t acc[4];                                                                                          \
      Q8_ACC4(c0);                                                                                             \
      for (ic = 0; ic < cin_g; ic++) {                                                                         \
        const int8_t *xi = xb + (size_t)ic * plane;                                                            \
        const int8_t *k0 = c->w0 + ic * kk;                                                                    \
        for (ky = ky0; ky < ky1; ky++) {                                                                       \
          const int8_t *xr = xi + ky * dhw;                                                                    \
          const int32_t t0 = ky * kw;                                                                          \
          for (kx = 0; kx < kw; kx++) {                                                                        \
            const int8_t *xp = xr + kx * dw;                                                                   \
            Q8_PACK4(X01, X23, xp[0], xp[SW_EXPR], xp[2 * (SW_EXPR)], xp[3 * (SW_EXPR)]);                      \
            Q8_MAC4(c0, k0[t0 + kx], X01, X23);                                                                \
          }                                                                                                    \
        }                                                                                                      \
      }                                                                                                        \
      Q8_GET4(acc, c0);                                                                                        \
      q8_put_blk(c, y, at, acc, 0);                                                                            \
    }                                                                                                          \
  }

Q8_ROW44(q8_row44_s1, 1)
Q8_ROW44(q8_row44_sn, sw)
Q8_ROW14(q8_row14_s1, 1)
Q8_ROW14(q8_row14_sn, sw)

/* 4 channels x 4 pixels for 3-wide kernel rows at stride and dilation 1:
   the 6 inputs of a kernel row serve all 12 taps of the 4 pixels. */
#if DNNC_Q8_PAIRS
static DNNC_NOINLINE void q8_row44_k3(const q8_seg *c, const int8_t *xb, void *y, size_t at, int32_t nblk) {
  const int32_t cin_g = c->cin_g, plane = c->plane, kk = c->kk, ws = c->ws, dhw = c->dhw;
  const int32_t ky0 = c->ky0, ky1 = c->ky1, S = c->S;
  int32_t bl, ic, ky;
  for (bl = 0; bl < nblk; bl++, xb += 4, at += 4) {
    int32_t acc[4][4];
    Q8_ACC4(c0); Q8_ACC4(c1); Q8_ACC4(c2); Q8_ACC4(c3);
    for (ic = 0; ic < cin_g; ic++) {
      const int8_t *xi = xb + (size_t)ic * plane;
      const int8_t *k0 = c->w0 + ic * kk + ky0 * 3;
      for (ky = ky0; ky < ky1; ky++, k0 += 3) {
        const int8_t *xp = xi + ky * dhw;
        const int8_t *k1 = k0 + ws, *k2 = k1 + ws, *k3 = k2 + ws;
        const int32_t e0 = xp[0], e1 = xp[1], e2 = xp[2], e3 = xp[3], e4 = xp[4], e5 = xp[5];
        Q8_PACK4(A, B, e0, e1, e2, e3);
        Q8_PACK4(C, D, e1, e2, e3, e4);
        Q8_PACK4(E, F, e2, e3, e4, e5);
        Q8_MAC4(c0, k0[0], A, B); Q8_MAC4(c0, k0[1], C, D); Q8_MAC4(c0, k0[2], E, F);
        Q8_MAC4(c1, k1[0], A, B); Q8_MAC4(c1, k1[1], C, D); Q8_MAC4(c1, k1[2], E, F);
        Q8_MAC4(c2, k2[0], A, B); Q8_MAC4(c2, k2[1], C, D); Q8_MAC4(c2, k2[2], E, F);
        Q8_MAC4(c3, k3[0], A, B); Q8_MAC4(c3, k3[1], C, D); Q8_MAC4(c3, k3[2], E, F);
      }
    }
    Q8_GET4(acc[0], c0); Q8_GET4(acc[1], c1); Q8_GET4(acc[2], c2); Q8_GET4(acc[3], c3);
    q8_put_blk(c, y, at, acc[0], 0); q8_put_blk(c, y, at + (size_t)S, acc[1], 1);
    q8_put_blk(c, y, at + 2 * (size_t)S, acc[2], 2); q8_put_blk(c, y, at + 3 * (size_t)S, acc[3], 3);
  }
}
#else
/* 32-bit registers: two passes of 2 channels keep the 8 accumulators, the
   6 inputs and the weights of a kernel row in registers (16 accumulators
   would spill). */
static DNNC_NOINLINE void q8_row44_k3(const q8_seg *c, const int8_t *xb, void *y, size_t at, int32_t nblk) {
  const int32_t cin_g = c->cin_g, plane = c->plane, kk = c->kk, ws = c->ws, dhw = c->dhw;
  const int32_t ky0 = c->ky0, ky1 = c->ky1, S = c->S;
  int32_t bl, ic, ky, h;
  for (bl = 0; bl < nblk; bl++, xb += 4, at += 4) {
    for (h = 0; h < 4; h += 2) {
      int32_t acc[2][4];
      int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (ic = 0; ic < cin_g; ic++) {
        const int8_t *xi = xb + (size_t)ic * plane;
        const int8_t *k0 = c->w0 + (size_t)h * ws + ic * kk + ky0 * 3;
        for (ky = ky0; ky < ky1; ky++, k0 += 3) {
          const int8_t *xp = xi + ky * dhw, *k1 = k0 + ws;
          const int32_t e0 = xp[0], e1 = xp[1], e2 = xp[2], e3 = xp[3], e4 = xp[4], e5 = xp[5];
          const int32_t u0 = k0[0], u1 = k0[1], u2 = k0[2], v0 = k1[0], v1 = k1[1], v2 = k1[2];
          a0 += u0 * e0 + u1 * e1 + u2 * e2; a1 += u0 * e1 + u1 * e2 + u2 * e3;
          a2 += u0 * e2 + u1 * e3 + u2 * e4; a3 += u0 * e3 + u1 * e4 + u2 * e5;
          b0 += v0 * e0 + v1 * e1 + v2 * e2; b1 += v0 * e1 + v1 * e2 + v2 * e3;
          b2 += v0 * e2 + v1 * e3 + v2 * e4; b3 += v0 * e3 + v1 * e4 + v2 * e5;
        }
      }
      acc[0][0] = a0; acc[0][1] = a1; acc[0][2] = a2; acc[0][3] = a3;
      acc[1][0] = b0; acc[1][1] = b1; acc[1][2] = b2; acc[1][3] = b3;
      q8_put_blk(c, y, at + (size_t)h * S, acc[0], h); q8_put_blk(c, y, at + (size_t)(h + 1) * S, acc[1], h + 1);
    }
  }
}
#endif

/* depthwise 3x3, stride and dilation 1 along the row: 6 inputs of a kernel
   row serve 4 pixels */
static DNNC_NOINLINE void q8_row_dw3(const q8_seg *c, const int8_t *xb, void *y, size_t at, int32_t nblk) {
  const int32_t dhw = c->dhw, ky0 = c->ky0, ky1 = c->ky1;
  const int8_t *w0 = c->w0;
  int32_t bl, ky;
  for (bl = 0; bl < nblk; bl++, xb += 4, at += 4) {
    int32_t acc[4];
    Q8_ACC4(c0);
    for (ky = ky0; ky < ky1; ky++) {
      const int8_t *xp = xb + ky * dhw;
      const int32_t w_0 = w0[ky * 3], w_1 = w0[ky * 3 + 1], w_2 = w0[ky * 3 + 2];
      const int32_t e0 = xp[0], e1 = xp[1], e2 = xp[2], e3 = xp[3], e4 = xp[4], e5 = xp[5];
      { Q8_PACK4(X01, X23, e0, e1, e2, e3); Q8_MAC4(c0, w_0, X01, X23); }
      { Q8_PACK4(X01, X23, e1, e2, e3, e4); Q8_MAC4(c0, w_1, X01, X23); }
      { Q8_PACK4(X01, X23, e2, e3, e4, e5); Q8_MAC4(c0, w_2, X01, X23); }
    }
    Q8_GET4(acc, c0);
    q8_put_blk(c, y, at, acc, 0);
  }
}

/* Short copies and fills of patch rows, kept as plain loops (gcc would
   otherwise call memcpy/memset for a handful of bytes). */
#if defined(__GNUC__) && !defined(__clang__)
#define Q8_PLAIN_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define Q8_PLAIN_LOOPS
#endif
static Q8_PLAIN_LOOPS void q8_copy(int8_t *d, const int8_t *src, int32_t n) {
  int32_t i;
  for (i = 0; i < n; i++) d[i] = src[i];
}
static Q8_PLAIN_LOOPS void q8_fill(int8_t *d, int8_t v, int32_t n) {
  int32_t i;
  for (i = 0; i < n; i++) d[i] = v;
}

/* Per channel block: weights, output stages, bias as given and with the
   zero point folded over the whole kernel (fb). */
static void q8_chan(q8_seg *c, int32_t *fb, const int8_t *w, const int32_t *b, int32_t co, int32_t nb, const dnnc_qconv2d_params *p, int raw) {
  int32_t j;
  c->w0 = w + (size_t)co * c->ws;
  q8_outs(c->o, co, nb, p, raw);
  for (j = 0; j < 4; j++) c->b[j] = b && j < nb ? b[co + j] : 0;
  for (j = 0; j < nb; j++) {
    int32_t sum = 0;
    if (c->zp != 0) sum = p->wsum ? p->wsum[co + j] : q8_wsum(c->w0 + (size_t)j * c->ws, c->cin_g, p->kh, p->kw, 0, p->kh);
    fb[j] = c->b[j] - c->zp * sum;
  }
}

static void q8_row(const q8_seg *c, int32_t nb, int dw3, const int8_t *xb, void *y, size_t at, int32_t run) {
  if (nb == 4) {
    if (c->sw == 1 && c->kw == 3 && c->dw == 1) q8_row44_k3(c, xb, y, at, run);
    else if (c->sw == 1) q8_row44_s1(c, xb, y, at, run);
    else q8_row44_sn(c, xb, y, at, run);
  }
  else if (dw3) q8_row_dw3(c, xb, y, at, run);
  else if (c->sw == 1) q8_row14_s1(c, xb, y, at, run);
  else q8_row14_sn(c, xb, y, at, run);
}

/* Direct convolution. Output rows are cut into blocks of 4 pixels from
   column 0. Blocks whose taps all fall inside the input (interior) read the
   input in place; the others (borders, and the row's last partial block)
   read a copy of their input patch -- cin_g x kh rows of the span the 4
   pixels cover -- with x_zp in the padding, made once in p->patch (arena
   scratch planned by the compiler) and used by every channel block; without
   it they go pixel by pixel over clipped taps. Kernel rows cut by the top/bottom padding are skipped in
   place (bias corrected over the valid rows). */
static void q8_direct(const int8_t *DNNC_RESTRICT x, const int8_t *DNNC_RESTRICT w, const int32_t *b, void *DNNC_RESTRICT y,
                      const dnnc_qconv2d_params *p, int raw) {
  const int32_t cin_g = p->cin / p->group, cout_g = p->cout / p->group;
  const int32_t S = p->oh * p->ow, kk = p->kh * p->kw, ws = cin_g * kk, plane = p->ih * p->iw;
  const int32_t zp = p->x_zp;
  const int dw3 = cout_g == 1 && cin_g == 1 && p->kh == 3 && p->kw == 3 && p->sw == 1 && p->dw == 1;
  const int32_t span = 3 * p->sw + (p->kw - 1) * p->dw + 1, iw = p->iw, ih = p->ih, kh = p->kh, dh = p->dh;
  const int patch_ok = p->patch != NULL && (int64_t)cin_g * p->kh * span <= p->patch_bytes;
  int8_t *const patch = p->patch;
  int32_t n, g, oc, oy, ox, j;
  int32_t ox0 = (p->pl + p->sw - 1) / p->sw;
  int32_t ox1 = (p->iw + p->pl - (p->kw - 1) * p->dw - 1) / p->sw + 1;
  q8_seg c;
  if (p->iw + p->pl - (p->kw - 1) * p->dw - 1 < 0) ox1 = 0;
  if (ox1 > p->ow) ox1 = p->ow;
  if (ox0 > ox1) ox0 = ox1;
  c.ws = ws; c.cin_g = cin_g; c.plane = plane; c.kk = kk; c.kw = p->kw; c.dhw = p->dh * p->iw; c.dw = p->dw; c.sw = p->sw; c.S = S;
  c.zp = zp; c.ih = p->ih; c.iw = p->iw; c.pl = p->pl; c.sx = p->sw; c.kh = p->kh; c.dh = p->dh;
  for (n = 0; n < p->n; n++) {
    for (g = 0; g < p->group; g++) {
      const int8_t *xg = x + ((size_t)n * p->cin + (size_t)g * cin_g) * plane;
      c.xg = xg;
      /* interior blocks (and, without a patch, the border pixels one by one) */
      for (oc = 0; oc < cout_g;) {
        const int32_t nb = cout_g - oc >= 4 ? 4 : 1;
        const int32_t co = g * cout_g + oc;
        const size_t y0 = ((size_t)n * p->cout + co) * S;
        int32_t fb[4];
        q8_chan(&c, fb, w, b, co, nb, p, raw);
        c.cnt = 4;
        for (oy = 0; oy < p->oh; oy++) {
          q8_taps(oy, p->sh, p->pt, p->dh, p->kh, p->ih, &c.ky0, &c.ky1);
          for (j = 0; j < nb; j++)
            c.rb[j] = (c.ky0 == 0 && c.ky1 == p->kh) || zp == 0 ? fb[j]
                    : fb[j] + zp * (q8_wsum(c.w0 + (size_t)j * ws, cin_g, p->kh, p->kw, 0, DNNC_MIN(c.ky0, p->kh)) +
                                    q8_wsum(c.w0 + (size_t)j * ws, cin_g, p->kh, p->kw, DNNC_MIN(c.ky1, p->kh), p->kh));
          c.iy0 = oy * p->sh - p->pt;
          for (ox = 0; ox < p->ow; ox += 4) {
            const size_t at = y0 + (size_t)oy * p->ow + ox;
            int32_t run = 0;
            if (ox >= ox0) while (ox + 4 * (run + 1) <= ox1) run++;
            if (run > 0) {
              q8_row(&c, nb, dw3, xg + ((ptrdiff_t)c.iy0 * p->iw + (ox * p->sw - p->pl)), y, at, run);
              ox += 4 * (run - 1);
            } else if (!patch_ok) {
              const int32_t cnt = p->ow - ox < 4 ? p->ow - ox : 4;
              for (j = 0; j < cnt; j++) (nb == 4 ? q8_px4 : q8_px1)(&c, y, at + j, ox + j);
            }
          }
        }
        oc += nb;
      }
      if (!patch_ok) continue;
      /* border blocks through their zero-point-padded patch; per block
         column the padding columns are filled once, then per output row
         only the input columns are copied */
      for (ox = 0; ox < p->ow; ox += 4) {
        const int32_t base = ox * p->sw - p->pl;
        int32_t i0 = base < 0 ? -base : 0, i1 = iw - base, ic, r;
        if (ox >= ox0 && ox + 4 <= ox1) continue;
        if (i0 > span) i0 = span;
        if (i1 > span) i1 = span;
        if (i1 < i0) i1 = i0;
        for (r = 0; r < cin_g * kh; r++) {
          q8_fill(patch + (size_t)r * span, (int8_t)zp, i0);
          q8_fill(patch + (size_t)r * span + i1, (int8_t)zp, span - i1);
        }
        for (oy = 0; oy < p->oh; oy++) {
          const int32_t iy0 = oy * p->sh - p->pt;
          for (ic = 0; ic < cin_g; ic++)
            for (r = 0; r < kh; r++) {
              const int32_t iy = iy0 + r * dh;
              int8_t *row = patch + ((size_t)ic * kh + r) * span + i0;
              if (iy < 0 || iy >= ih) q8_fill(row, (int8_t)zp, i1 - i0);
              else q8_copy(row, xg + ((size_t)ic * plane + (size_t)iy * iw + (size_t)(base + i0)), i1 - i0);
            }
          c.plane = kh * span; c.dhw = span; c.ky0 = 0; c.ky1 = kh;
          c.cnt = p->ow - ox < 4 ? p->ow - ox : 4;
          for (oc = 0; oc < cout_g;) {
            const int32_t nb = cout_g - oc >= 4 ? 4 : 1;
            const int32_t co = g * cout_g + oc;
            q8_chan(&c, c.rb, w, b, co, nb, p, raw);
            q8_row(&c, nb, dw3, patch, y, ((size_t)n * p->cout + co) * S + (size_t)oy * p->ow + ox, 1);
            oc += nb;
          }
          c.plane = plane; c.dhw = p->dh * p->iw;
        }
      }
    }
  }
}

/* Pointwise 4 channels x 4 consecutive pixels, nblk blocks. */
static DNNC_NOINLINE void q8_pw44(const q8_seg *c, const int8_t *xs, void *y, size_t at, int32_t nblk) {
  const int32_t K = c->ws, S = c->S;
  const int8_t *k0 = c->w0, *k1 = k0 + K, *k2 = k1 + K, *k3 = k2 + K;
  int32_t bl, ci;
  for (bl = 0; bl < nblk; bl++, xs += 4, at += 4) {
    const int8_t *xc = xs;
    int32_t acc[4][4];
    Q8_ACC4(c0); Q8_ACC4(c1); Q8_ACC4(c2); Q8_ACC4(c3);
    for (ci = 0; ci < K; ci++, xc += S) {
      Q8_PACK4(X01, X23, xc[0], xc[1], xc[2], xc[3]);
      const int32_t w_0 = k0[ci], w_1 = k1[ci], w_2 = k2[ci], w_3 = k3[ci];
      Q8_MAC4(c0, w_0, X01, X23); Q8_MAC4(c1, w_1, X01, X23);
      Q8_MAC4(c2, w_2, X01, X23); Q8_MAC4(c3, w_3, X01, X23);
    }
    Q8_GET4(acc[0], c0); Q8_GET4(acc[1], c1); Q8_GET4(acc[2], c2); Q8_GET4(acc[3], c3);
    q8_put4(y, at, acc[0], c->rb[0], &c->o[0]); q8_put4(y, at + (size_t)S, acc[1], c->rb[1], &c->o[1]);
    q8_put4(y, at + 2 * (size_t)S, acc[2], c->rb[2], &c->o[2]); q8_put4(y, at + 3 * (size_t)S, acc[3], c->rb[3], &c->o[3]);
  }
}

/* Pointwise 1 channel x 4 pixels, nblk blocks. */
static DNNC_NOINLINE void q8_pw14(const q8_seg *c, const int8_t *xs, void *y, size_t at, int32_t nblk) {
  const int32_t K = c->ws, S = c->S;
  const int8_t *k0 = c->w0;
  int32_t bl, ci;
  for (bl = 0; bl < nblk; bl++, xs += 4, at += 4) {
    const int8_t *xc = xs;
    int32_t acc[4];
    Q8_ACC4(c0);
    for (ci = 0; ci < K; ci++, xc += S) {
      Q8_PACK4(X01, X23, xc[0], xc[1], xc[2], xc[3]);
      Q8_MAC4(c0, k0[ci], X01, X23);
    }
    Q8_GET4(acc, c0);
    q8_put4(y, at, acc, c->rb[0], &c->o[0]);
  }
}

/* 1x1, stride 1, no padding, one group: Y[co][s] = b'[co] + sum_ci W[co][ci] X[ci][s]
   in 4x4 blocks (4 channels x 4 consecutive pixels); leftovers 4x1 and 1x4/1x1. */
static void q8_pointwise(const int8_t *DNNC_RESTRICT x, const int8_t *DNNC_RESTRICT w, const int32_t *b, void *DNNC_RESTRICT y,
                         const dnnc_qconv2d_params *p, int raw) {
  const int32_t S = p->oh * p->ow, K = p->cin, zp = p->x_zp;
  int32_t n, co, ci, s, j;
  q8_seg c;
  c.ws = K; c.S = S;
  for (n = 0; n < p->n; n++) {
    const int8_t *xn = x + (size_t)n * K * S;
    const size_t yn = (size_t)n * p->cout * S;
    for (co = 0; co < p->cout;) {
      const int32_t nb = p->cout - co >= 4 ? 4 : 1;
      const int8_t *k0 = w + (size_t)co * K, *k1 = k0 + K, *k2 = k1 + K, *k3 = k2 + K;
      c.w0 = k0;
      q8_outs(c.o, co, nb, p, raw);
      for (j = 0; j < nb; j++) {
        int32_t sum = 0;
        if (zp != 0) sum = p->wsum ? p->wsum[co + j] : q8_wsum(k0 + (size_t)j * K, K, 1, 1, 0, 1);
        c.rb[j] = (b ? b[co + j] : 0) - zp * sum;
      }
      if (S >= 4) {
        if (nb == 4) q8_pw44(&c, xn, y, yn + (size_t)co * S, S / 4);
        else q8_pw14(&c, xn, y, yn + (size_t)co * S, S / 4);
      }
      for (s = S / 4 * 4; s < S; s++) {
        const int8_t *xs = xn + s;
        const size_t at = yn + (size_t)co * S + s;
        int32_t a0 = c.rb[0], a1 = nb == 4 ? c.rb[1] : 0, a2 = nb == 4 ? c.rb[2] : 0, a3 = nb == 4 ? c.rb[3] : 0;
        if (nb == 4) {
          for (ci = 0; ci < K; ci++, xs += S) {
            const int32_t v = xs[0];
            a0 += v * k0[ci]; a1 += v * k1[ci]; a2 += v * k2[ci]; a3 += v * k3[ci];
          }
          q8_put(y, at, a0, &c.o[0]); q8_put(y, at + (size_t)S, a1, &c.o[1]);
          q8_put(y, at + 2 * (size_t)S, a2, &c.o[2]); q8_put(y, at + 3 * (size_t)S, a3, &c.o[3]);
        } else {
          for (ci = 0; ci < K; ci++, xs += S) a0 += xs[0] * k0[ci];
          q8_put(y, at, a0, &c.o[0]);
        }
      }
      co += nb;
    }
  }
}

static void q8_conv(const int8_t *x, const int8_t *w, const int32_t *b, void *y, const dnnc_qconv2d_params *p, int raw) {
  if (p->group == 1 && p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pt == 0 && p->pl == 0 &&
      p->oh == p->ih && p->ow == p->iw)
    q8_pointwise(x, w, b, y, p, raw);
  else
    q8_direct(x, w, b, y, p, raw);
}

void dnnc_qconv2d_i8(const int8_t *x, const int8_t *w, const int32_t *b, int8_t *y, const dnnc_qconv2d_params *p) {
  if ((int64_t)(p->cin / p->group) * p->kh * p->kw > Q8_KMAX) dnnc_qconv2d_i8_ref(x, w, b, y, p);
  else q8_conv(x, w, b, y, p, 0);
}

void dnnc_qconv2d_i8_i32(const int8_t *x, const int8_t *w, const int32_t *b, int32_t *y, const dnnc_qconv2d_params *p) {
  if ((int64_t)(p->cin / p->group) * p->kh * p->kw > Q8_KMAX) dnnc_qconv2d_i8_i32_ref(x, w, b, y, p);
  else q8_conv(x, w, b, y, p, 1);
}
