/* Tiled execution through a small scratch memory (the tile ABI).

   A tiled layer runs tile by tile. For every tile (and every input-channel
   chunk of it) the data the kernel needs is copied into a scratch buffer,
   the kernel computes on the scratch buffer only, and the finished output
   tile is copied back out. On the N64 the scratch buffer models the RSP's
   4 KB DMEM: with `--rsp-model` every copy obeys the RSP DMA rules
   (8-byte aligned DMEM offsets, lengths a multiple of 8 bytes) and the
   high-water mark of the buffer is tracked, so an RSP microcode kernel can
   later replace the C kernel of a tile without changing anything around it.

   Scratch layout (offsets in dnnc_tile_params, computed by the compiler,
   passes/tile.ts tileLayout(); every region starts 8-byte aligned):
     0        dnnc_tile_desc (DNNC_TILE_DESC_BYTES): what the kernel of this
              tile step computes, written before every kernel call
     off_x[s] input patch, set s = step & 1 (double buffering: the next
              step's inputs can load while this step computes)
                conv:  [cin_t][ph][pw] with the halo; padding materialised
                       (0, or the int8 input zero point); pool: clipped
                       patch, padding left to the kernel's local pads
                gemm:  A block [tm][tk] ([tk][tm] when A is transposed)
     off_w[s] weights: conv [cout_t][cin_t][kh][kw] (grouped: [cout_t][cin/group][kh][kw]);
              gemm B block [tk][tn] (float, transB=0), [tn][tk] (transB=1, and
              every quantized gemm: w is stored [N][K])
     off_b[s] bias block [cout_t] (int32 for int8, int64 for int16), or the
              float Gemm's C block [tm][tn]
     off_acc  accumulator [cout_t][th][tw] (gemm [tm][tn]): float, int32
              (int8) or int64 (int16); the quantized result is written in
              place over it (int8 / int16), then copied out
     off_part partial sums of input-channel chunks after the first
     off_q    {mult, shift}: int8 mult[cout_t] at off_q[0], shift[cout_t] at
              off_q[1] (int16: shift only); loaded once per output tile, before
              its first chunk; the descriptor's q_off points at mult (int8) or
              shift (int16), int8's shift block follows its mult block
   int16 tiles pad output channels (cout_t; gemm tn) to multiples of cpad = 8,
   the RSP's 8 lanes, and input channels (cin_t; gemm tk) too when the layer
   has at least 8 of them; padded channels hold zeros (weights and inputs). */
#ifndef DNNC_TILE_H
#define DNNC_TILE_H
#include "dnnc.h"

#define DNNC_TILE_DESC_BYTES 128u

/* Per-layer tile parameters (static const, computed by the compiler). */
typedef struct {
  int32_t t_oc, t_oh, t_ow, t_ic;  /* tile: output channels (gemm: N), rows (gemm: M), columns, input-channel chunk (gemm: K) */
  int32_t cpad;                    /* channels padded to a multiple of this in scratch (8: int16 RSP lanes) */
  uint32_t off_x[2], off_w[2], off_b[2], off_q[2];
  uint32_t off_acc, off_part;
  uint32_t bytes;                  /* scratch bytes planned (the compile-time high-water mark) */
  int32_t dma;                     /* 1: enforce the RSP DMA rules on every copy */
} dnnc_tile_params;

/* The tile descriptor at scratch offset 0 (all fields int32, target byte order).
   An RSP kernel reads it from DMEM; the C kernels get the same numbers as arguments. */
typedef struct {
  int32_t op;                                  /* DNNC_TILE_OP_* */
  int32_t x_off, w_off, b_off, q_off, acc_off, part_off; /* scratch offsets of this step (-1: none) */
  int32_t cin, ih, iw, cout, oh, ow;           /* conv: patch and output tile; gemm: cin=K, oh=M, cout=N */
  int32_t kh, kw, sh, sw, dh, dw, pt, pl, group;
  int32_t first, last;                         /* first / last input-channel chunk of this output tile */
  int32_t x_zp, y_zp, act_min, act_max;        /* integer tiles */
} dnnc_tile_desc;

enum { DNNC_TILE_OP_CONV_F32 = 1, DNNC_TILE_OP_CONV_I8 = 2, DNNC_TILE_OP_CONV_I16 = 3,
       DNNC_TILE_OP_GEMM_F32 = 4, DNNC_TILE_OP_GEMM_I8 = 5, DNNC_TILE_OP_GEMM_I16 = 6,
       DNNC_TILE_OP_MAXPOOL_F32 = 7, DNNC_TILE_OP_AVGPOOL_F32 = 8 };

/* Run-time state of one tiled layer's scratch buffer. */
typedef struct {
  uint8_t *base;
  uint32_t cap;
  int32_t dma;
  int32_t err;
} dnnc_tile_scratch;

/* Largest scratch offset + length touched by any tile since start (bytes),
   transfers and bytes moved in and out. */
extern uint32_t dnnc_tile_hwm;
extern uint32_t dnnc_tile_transfers;
extern uint32_t dnnc_tile_moved;

/* Claim `bytes` at scratch offset `off` for one transfer: checks bounds (and
   the DMA rules when s->dma), zeroes the bytes up to the next multiple of 8,
   updates the high-water mark; NULL and s->err set on a violation. */
void *dnnc_tile_region(dnnc_tile_scratch *s, uint32_t off, uint32_t bytes);

/* Copy a window of a tensor into scratch (dense):
   dst[p][r][q] for p < np, r < R, q < Q is src[p][r0 + r][q0 + q] when
   p < vp, r < vr, q < vq and the source row/column is inside [0,H) x [0,W);
   otherwise the `fill` element. Source planes are `plane` elements apart,
   rows W elements. */
void dnnc_tile_gather(void *dst, const void *src, size_t esz, int32_t np, int32_t vp, int32_t R, int32_t Q,
                      int32_t r0, int32_t q0, int32_t vr, int32_t vq, int32_t H, int32_t W, size_t plane, const void *fill);
/* Copy a dense scratch block [np][R][Q] (only the first vp planes) out to
   dst[p][r0 + r][q0 + q] (planes `plane` elements apart, rows W elements). */
void dnnc_tile_scatter(void *dst, const void *src, size_t esz, int32_t vp, int32_t R, int32_t Q,
                       int32_t r0, int32_t q0, int32_t W, size_t plane);
/* Write the descriptor of one kernel call at scratch offset 0. */
void dnnc_tile_describe(dnnc_tile_scratch *s, const dnnc_tile_desc *d);

#endif
