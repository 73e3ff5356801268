/* The CPU side of `--rsp` layers: a layer is a list of RSP tasks (a
   generated microcode + its params block, with the input / output RDRAM
   addresses relative to the layer's tensors). dnnc_rsp_run_layer() runs
   them on the RSP of the N64 (bare-metal ROM build, DNNC_N64BARE: SP DMA of
   the microcode into IMEM, the params block into DMEM, start, wait for the
   BREAK) and returns 1; everywhere else (host, qemu-mips64, libdragon
   builds) it returns 0 and the caller runs the CPU int16 kernel, which the
   compiler has checked gives the RSP's result bit for bit. */
#ifndef DNNC_RSPDISPATCH_H
#define DNNC_RSPDISPATCH_H
#include "dnnc.h"
#include "rsptask.h"

typedef struct {
  const dnnc_rsp_ucode *ucode;
  uint32_t ntiles;
  uint32_t in_off, in_stride, in_len;    /* in0: byte offset from the input base, per-tile stride, SP DMA length */
  uint32_t out_off, out_stride, out_len; /* out: byte offset from the output base */
} dnnc_rsp_task;

/* A CPU-side relayout of int16 elements (compiler/rsp/relayout.ts), 4 nested loops:
   dst[doff + a*d0 + b*d1 + c*d2 + i] = src[soff + a*s0 + b*s1 + c*s2 + i*s3], a < n0, b < n1, c < n2, i < n3. */
typedef struct {
  uint32_t n0, n1, n2, n3;
  uint32_t s0, s1, s2, s3;
  uint32_t d0, d1, d2;
  uint32_t soff, doff;
  uint32_t fill;  /* 1: write value instead of reading src (constant rows of a folded bias) */
  int32_t value;
} dnnc_rsp_copy;

typedef struct {
  const dnnc_rsp_task *tasks;
  uint32_t ntasks;
  /* 3x3 layers read a zero-padded copy [c][h + 2][wp] of the input (x at row 1, column 1); c = 0: the input itself */
  uint32_t pad_c, pad_h, pad_w, pad_wp;
  uint32_t in_bytes, out_bytes;
  /* pointwise layers may read a staged copy of x (width padding, stride-2 subsampling, tile-contiguous rows) */
  const dnnc_rsp_copy *in_copies;
  uint32_t n_in_copies;
} dnnc_rsp_layer;

/* 1: the RSP computed y; 0: no RSP here (or buffers not 8-byte aligned): run the CPU kernel.
   pad: the staged input (pad copy or in_copies of x; NULL: the tasks read x); y: the tasks' output. */
int dnnc_rsp_run_layer(const dnnc_rsp_layer *l, const int16_t *x, int16_t *pad, int16_t *y);

/* Run n relayout copies src -> dst (the RSP's staged output -> the layer's output). */
void dnnc_rsp_copy_run(const dnnc_rsp_copy *c, uint32_t n, const int16_t *src, int16_t *dst);

/* Stride-2 layers computed at stride 1 (y_full [c][h][w]): y [c][h/2][w/2] = y_full at even rows and columns. */
void dnnc_rsp_subsample2(const int16_t *y_full, int16_t *y, uint32_t c, uint32_t h, uint32_t w);

#endif
