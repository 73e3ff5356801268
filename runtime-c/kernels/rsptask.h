/* The CPU side of a generated RSP kernel task (see README "RSP vector
   kernels"): the microcode image, its const block, and the 64-byte params
   block the CPU writes at DMEM 0x000 before starting the RSP. Words are
   big-endian in DMEM (native on the N64's VR4300). The dispatcher that
   loads IMEM/DMEM through the SP registers and starts the task is
   rspdispatch.c (--rsp). */
#ifndef DNNC_RSPTASK_H
#define DNNC_RSPTASK_H
#include "dnnc.h"

typedef struct {
  uint32_t rdram, stride, len, pad;  /* tile t at rdram + t * stride; len: SP DMA length value */
} dnnc_rsp_stream;

typedef struct {
  uint32_t ntiles, const_rdram, const_len, pad;
  dnnc_rsp_stream in0, in1, out;
} dnnc_rsp_params;   /* 64 bytes, copied to DMEM 0x000 */

typedef struct {
  const uint8_t *text;     /* IMEM image, loaded at IMEM 0x000 */
  uint32_t text_bytes;
  const uint8_t *cdata;    /* const block: DMA'd by the microcode from params.const_rdram */
  uint32_t cdata_bytes;
  uint32_t dmem_bytes;     /* DMEM used (params + const + double buffers) */
  uint32_t in0_bytes, in1_bytes, out_bytes; /* per tile */
} dnnc_rsp_ucode;

/* SP DMA length register: rows of `bytes` (a multiple of 8), `skip` bytes between rows in RDRAM. */
static inline uint32_t dnnc_rsp_dma_len(uint32_t bytes, uint32_t rows, uint32_t skip) {
  return (bytes - 1u) | ((rows - 1u) << 12) | (skip << 20);
}

#endif
