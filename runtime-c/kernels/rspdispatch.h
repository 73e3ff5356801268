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

/* Two-input elementwise layers (add / mul): the tasks read a and b with the same geometry (task in_*)
   and write y; `bytes` = the elements they cover (the caller's CPU loop does the rest). */
typedef struct {
  const dnnc_rsp_task *tasks;
  uint32_t ntasks;
  uint32_t bytes;
} dnnc_rsp_eltwise;

/* 1: the RSP computed y[0 .. bytes/2); 0: no RSP here (or buffers not 8-byte aligned): run the CPU kernel. */
int dnnc_rsp_run_eltwise(const dnnc_rsp_eltwise *l, const int16_t *a, const int16_t *b, int16_t *y);
/* Per-task extras of grouped / two-stream kernels (the chunked 3x3 conv), parallel to l->tasks. */
typedef struct {
  uint32_t in_step2;        /* in0 step from the last tile of a group to the first of the next (params 0x1C) */
  const uint8_t *in1_data;  /* second input stream (the chunk weights), NULL: none */
  uint32_t in1_bytes, in1_stride, in1_len, in1_step2;
  uint32_t out_step2;       /* output written in parts: RDRAM step between them (params 0x3C) */
} dnnc_rsp_task_ext;

/* dnnc_rsp_run_layer with the tasks' extras (ext: l->ntasks entries). */
int dnnc_rsp_run_layer_ext(const dnnc_rsp_layer *l, const dnnc_rsp_task_ext *ext, const int16_t *x, int16_t *pad, int16_t *y);

/* 3x3 / stride 2 layers (l->pad_c = 0): x [c][h][w] is copied zero-padded and column-deinterleaved into
   buf [c][h + 2][ew + w/2] (x at padded row pt, column pl (the begin pads, 0 or 1); row: padded columns 0, 2, .., w
   at 0.., then 1, 3, .., w-1 at ew..), then the tasks run; 0 where there is no RSP (nothing copied). */
int dnnc_rsp_run_layer_s2(const dnnc_rsp_layer *l, const dnnc_rsp_task_ext *ext, const int16_t *x, int16_t *buf, int16_t *y,
                          uint32_t c, uint32_t h, uint32_t w, uint32_t ew, uint32_t pt, uint32_t pl);

/* 3x3 / stride 1 chunked layers (l->pad_c = 0): x [c][h][w] copied into buf [c][h + 2][wp] at row 1, column 1,
   zeroing only the padding the tasks read (rows 0 and h + 1, columns 0 and w + 1); 0 where there is no RSP. */
int dnnc_rsp_run_layer_pad(const dnnc_rsp_layer *l, const dnnc_rsp_task_ext *ext, const int16_t *x, int16_t *buf, int16_t *y,
                           uint32_t c, uint32_t h, uint32_t w, uint32_t wp);
/* Run n relayout copies src -> dst (the RSP's staged output -> the layer's output). */
void dnnc_rsp_copy_run(const dnnc_rsp_copy *c, uint32_t n, const int16_t *src, int16_t *dst);

/* Stride-2 layers computed at stride 1 (y_full [c][h][w]): y [c][h/2][w/2] = y_full at even rows and columns. */
void dnnc_rsp_subsample2(const int16_t *y_full, int16_t *y, uint32_t c, uint32_t h, uint32_t w);

#endif
