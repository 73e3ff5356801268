/* Tiled execution: scratch bookkeeping, gathers and scatters (see tile.h). */
#include "tile.h"

uint32_t dnnc_tile_hwm = 0;
uint32_t dnnc_tile_transfers = 0;
uint32_t dnnc_tile_moved = 0;

void *dnnc_tile_region(dnnc_tile_scratch *s, uint32_t off, uint32_t bytes) {
  const uint32_t len = (bytes + 7u) & ~7u;
  if (s->err) return NULL;
  if (s->dma && ((off & 7u) != 0u || (((uintptr_t)(s->base + off)) & 7u) != 0u)) { s->err = 5; return NULL; }
  if (off > s->cap || len > s->cap - off) { s->err = 6; return NULL; }
  if (len > bytes) memset(s->base + off + bytes, 0, len - bytes);
  if (off + len > dnnc_tile_hwm) dnnc_tile_hwm = off + len;
  dnnc_tile_transfers++;
  dnnc_tile_moved += len;
  return s->base + off;
}

void dnnc_tile_gather(void *dst, const void *src, size_t esz, int32_t np, int32_t vp, int32_t R, int32_t Q,
                      int32_t r0, int32_t q0, int32_t vr, int32_t vq, int32_t H, int32_t W, size_t plane, const void *fill) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  int32_t p, r, q;
  for (p = 0; p < np; p++) {
    for (r = 0; r < R; r++) {
      const int32_t sr = r0 + r;
      const int32_t row_ok = p < vp && r < vr && sr >= 0 && sr < H;
      uint8_t *dr = d + ((size_t)p * R + r) * Q * esz;
      int32_t a = 0, b = 0;
      if (row_ok) {
        /* source columns q0 + q in [0, W) with q < vq: q in [a, b) */
        a = q0 < 0 ? -q0 : 0;
        b = vq < W - q0 ? vq : W - q0;
        if (b > Q) b = Q;
        if (b < a) b = a;
      }
      for (q = 0; q < a; q++) memcpy(dr + (size_t)q * esz, fill, esz);
      if (b > a) memcpy(dr + (size_t)a * esz, s + ((size_t)p * plane + (size_t)sr * W + (size_t)(q0 + a)) * esz, (size_t)(b - a) * esz);
      for (q = b; q < Q; q++) memcpy(dr + (size_t)q * esz, fill, esz);
    }
  }
}

void dnnc_tile_scatter(void *dst, const void *src, size_t esz, int32_t vp, int32_t R, int32_t Q,
                       int32_t r0, int32_t q0, int32_t W, size_t plane) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  int32_t p, r;
  for (p = 0; p < vp; p++)
    for (r = 0; r < R; r++)
      memcpy(d + ((size_t)p * plane + (size_t)(r0 + r) * W + q0) * esz, s + ((size_t)p * R + r) * Q * esz, (size_t)Q * esz);
}

void dnnc_tile_describe(dnnc_tile_scratch *s, const dnnc_tile_desc *d) {
  void *p = dnnc_tile_region(s, 0u, (uint32_t)sizeof(*d));
  if (p) memcpy(p, d, sizeof(*d));
}
