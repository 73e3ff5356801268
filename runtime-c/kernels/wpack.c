/* Weight pack streaming (see wpack.h). */
#include <stdio.h>
#include "wpack.h"

static char g_error[160];
static uint32_t g_crc_table[256];
static int g_crc_ready;

const char *dnnc_wpack_error(void) {
  return g_error;
}

static uint32_t crc_update(uint32_t crc, const uint8_t *data, uint32_t len);

uint32_t dnnc_crc32(const uint8_t *data, uint32_t len) {
  return crc_update(0xffffffffu, data, len) ^ 0xffffffffu;
}

/* the CRC register before the final inversion (so it can continue over several pieces) */
static uint32_t crc_update(uint32_t crc, const uint8_t *data, uint32_t len) {
  uint32_t i;
  if (!g_crc_ready) {
    uint32_t n, k, c;
    for (n = 0; n < 256u; n++) {
      c = n;
      for (k = 0; k < 8u; k++) c = (c & 1u) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      g_crc_table[n] = c;
    }
    g_crc_ready = 1;
  }
  for (i = 0; i < len; i++) crc = g_crc_table[(crc ^ data[i]) & 0xffu] ^ (crc >> 8);
  return crc;
}

static uint32_t get_u32(const uint8_t *b) {
  uint32_t v;
  memcpy(&v, b, 4); /* native byte order: the pack is written in the target's */
  return v;
}

int dnnc_wpack_open(const dnnc_wpack *p) {
  static uint8_t hdr[DNNC_WPACK_HEADER_BYTES] DNNC_ALIGN(16);
  uint32_t size = 0;
  dnnc_wpack_state *st = p->state;
  if (st->opened) return 0;
  if (dnnc_platform_pack_open(p->file, &st->handle, &size) != 0) {
    snprintf(g_error, sizeof g_error, "weight pack '%s': cannot open", p->file);
    return DNNC_WPACK_ERR_OPEN;
  }
  dnnc_platform_pack_read(st->handle, hdr, 0, DNNC_WPACK_HEADER_BYTES);
  if (dnnc_platform_pack_wait() != 0) {
    snprintf(g_error, sizeof g_error, "weight pack '%s': cannot read the header", p->file);
    return DNNC_WPACK_ERR_READ;
  }
  if (memcmp(hdr, "DWPK", 4) != 0) {
    snprintf(g_error, sizeof g_error, "weight pack '%s': not a dnnc weight pack", p->file);
    return DNNC_WPACK_ERR_HEADER;
  }
  if (get_u32(hdr + 4) != DNNC_WPACK_BOM) {
    snprintf(g_error, sizeof g_error, "weight pack '%s': byte order does not match this CPU (mark %08lx)", p->file,
             (unsigned long)get_u32(hdr + 4));
    return DNNC_WPACK_ERR_HEADER;
  }
  if (get_u32(hdr + 8) != p->n_tensors || size < p->pack_bytes) {
    snprintf(g_error, sizeof g_error, "weight pack '%s': %lu tensors in %lu bytes, the model expects %lu in %lu", p->file,
             (unsigned long)get_u32(hdr + 8), (unsigned long)size, (unsigned long)p->n_tensors, (unsigned long)p->pack_bytes);
    return DNNC_WPACK_ERR_HEADER;
  }
  st->opened = 1;
  return 0;
}

void dnnc_wpack_start(const dnnc_wpack *p, uint32_t step, uint8_t *buf) {
  const dnnc_wpack_step *s = &p->steps[step];
  uint32_t i;
  for (i = 0; i < s->n_reads; i++) {
    const dnnc_wpack_read *r = &p->reads[s->first_read + i];
    dnnc_platform_pack_read(p->state->handle, buf + r->slot_offset, r->offset, r->bytes);
  }
}

int dnnc_wpack_finish(const dnnc_wpack *p, uint32_t step, uint8_t *buf) {
  const dnnc_wpack_step *s = &p->steps[step];
  uint32_t i;
  if (dnnc_platform_pack_wait() != 0) {
    snprintf(g_error, sizeof g_error, "weight pack '%s': read failed in step %lu", p->file, (unsigned long)step);
    return DNNC_WPACK_ERR_READ;
  }
  for (i = 0; i < s->n_checks; i++) {
    const dnnc_wpack_check *c = &p->checks[s->first_check + i];
    const dnnc_wpack_tensor *t = &p->tensors[c->tensor];
    uint32_t crc;
    if (p->state->checked[c->tensor]) continue;
    crc = dnnc_crc32(buf + c->slot_offset, t->bytes);
    if (crc != t->crc32) {
      snprintf(g_error, sizeof g_error, "weight pack '%s': CRC mismatch in '%s' (crc32 %08lx, manifest %08lx)", p->file, t->name,
               (unsigned long)crc, (unsigned long)t->crc32);
      return DNNC_WPACK_ERR_CRC;
    }
    p->state->checked[c->tensor] = 1;
  }
  return 0;
}

const uint8_t *dnnc_wpack_span_start(const dnnc_wpack *p, uint32_t offset, uint32_t bytes, uint32_t align, uint8_t *buf) {
  const uint32_t start = offset / align * align;
  const uint32_t end = (offset + bytes + align - 1u) / align * align;
  dnnc_platform_pack_read(p->state->handle, buf, start, end - start);
  return buf + (offset - start);
}

int dnnc_wpack_span_wait(const dnnc_wpack *p) {
  if (dnnc_platform_pack_wait() != 0) {
    snprintf(g_error, sizeof g_error, "weight pack '%s': row tile read failed", p->file);
    return DNNC_WPACK_ERR_READ;
  }
  return 0;
}

int dnnc_wpack_tile_check(const dnnc_wpack *p, uint32_t tensor, uint32_t *run, const uint8_t *data, uint32_t bytes, int first, int last) {
  const dnnc_wpack_tensor *t = &p->tensors[tensor];
  uint32_t crc;
  if (p->state->checked[tensor]) return 0;
  *run = crc_update(first ? 0xffffffffu : *run, data, bytes);
  if (!last) return 0;
  crc = *run ^ 0xffffffffu;
  if (crc != t->crc32) {
    snprintf(g_error, sizeof g_error, "weight pack '%s': CRC mismatch in '%s' (crc32 %08lx, manifest %08lx)", p->file, t->name,
             (unsigned long)crc, (unsigned long)t->crc32);
    return DNNC_WPACK_ERR_CRC;
  }
  p->state->checked[tensor] = 1;
  return 0;
}
