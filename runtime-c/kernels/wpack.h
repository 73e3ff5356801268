/* Weight pack: weights streamed from a read-only file (cartridge ROM on the N64)
   into two reused buffers, one layer ahead of the computation (double buffering).
   The pack is written by dnnc in the target's byte order:
     header (16 bytes): "DWPK", byte-order mark 0x01020304, tensor count, data bytes
     then every tensor at an offset aligned for DMA and cache lines.
   The platform hooks (platform/pack_*.c) open the file and move bytes. */
#ifndef DNNC_WPACK_H
#define DNNC_WPACK_H

#include "dnnc.h"

#define DNNC_WPACK_HEADER_BYTES 16u
#define DNNC_WPACK_BOM 0x01020304u

/* error codes returned by the model's run function */
#define DNNC_WPACK_ERR_OPEN 10
#define DNNC_WPACK_ERR_HEADER 11
#define DNNC_WPACK_ERR_READ 12
#define DNNC_WPACK_ERR_CRC 13

typedef struct {
  const char *name;
  uint32_t offset; /* in the pack file */
  uint32_t bytes;
  uint32_t crc32;
} dnnc_wpack_tensor;

/* one transfer: pack [offset, offset + bytes) -> buffer + slot_offset */
typedef struct {
  uint32_t offset;
  uint32_t bytes;
  uint32_t slot_offset;
} dnnc_wpack_read;

/* a tensor of a step whose CRC is checked on first load */
typedef struct {
  uint32_t tensor;
  uint32_t slot_offset;
} dnnc_wpack_check;

/* the weights of one layer */
typedef struct {
  uint32_t first_read, n_reads;
  uint32_t first_check, n_checks;
} dnnc_wpack_step;

typedef struct {
  int opened;
  uint32_t handle;
  uint8_t *checked; /* one flag per tensor: CRC verified */
  int prefetched;   /* the first layer's weights of the next run are already loading */
} dnnc_wpack_state;

typedef struct {
  const char *file; /* name in the ROM file system */
  uint32_t pack_bytes;
  uint32_t n_tensors;
  uint32_t n_steps;
  const dnnc_wpack_tensor *tensors;
  const dnnc_wpack_read *reads;
  const dnnc_wpack_check *checks;
  const dnnc_wpack_step *steps;
  dnnc_wpack_state *state;
} dnnc_wpack;

/* Open the pack and check its header (once). 0 on success. */
int dnnc_wpack_open(const dnnc_wpack *p);
/* Start reading the weights of `step` into buf (may return before the data is there). */
void dnnc_wpack_start(const dnnc_wpack *p, uint32_t step, uint8_t *buf);
/* Wait for the weights of `step`; on their first load check their CRC32. 0 on success. */
int dnnc_wpack_finish(const dnnc_wpack *p, uint32_t step, uint8_t *buf);
/* Row tiles: start reading pack bytes [offset, offset + bytes) into buf, widened
   to `align` at both ends (DMA alignment; buf holds bytes + 2 * align); returns
   where byte `offset` will land. Reads may be asynchronous: call
   dnnc_wpack_span_wait before using the data, and start the next tile before
   computing on the current one (double buffering). */
const uint8_t *dnnc_wpack_span_start(const dnnc_wpack *p, uint32_t offset, uint32_t bytes, uint32_t align, uint8_t *buf);
/* Wait for every started read. 0 on success. */
int dnnc_wpack_span_wait(const dnnc_wpack *p);
/* CRC of a tensor read in row tiles, in order, on its first load: call with each
   tile (first = 1 on the first, last = 1 on the last); *run holds the running
   value. Checks against the manifest once; 0 on success (or already checked). */
int dnnc_wpack_tile_check(const dnnc_wpack *p, uint32_t tensor, uint32_t *run, const uint8_t *data, uint32_t bytes, int first, int last);
/* Text of the last error (empty when none). */
const char *dnnc_wpack_error(void);
/* CRC-32 (IEEE 802.3, reflected, as zlib). */
uint32_t dnnc_crc32(const uint8_t *data, uint32_t len);

/* Platform hooks. read may be asynchronous; wait returns 0 when every read completed. */
int dnnc_platform_pack_open(const char *file, uint32_t *handle, uint32_t *size);
void dnnc_platform_pack_read(uint32_t handle, void *dst, uint32_t offset, uint32_t bytes);
int dnnc_platform_pack_wait(void);

#endif /* DNNC_WPACK_H */
