/* RSP task dispatcher (see rspdispatch.h). */
#include "rspdispatch.h"

/* n int16 from s to d: 32-bit words when both have the same alignment mod 4 */
static void dnnc_rsp_copy_row(int16_t *d, const int16_t *s, uint32_t n) {
  if (n >= 8u && !(((uintptr_t)d ^ (uintptr_t)s) & 3u)) {
    if ((uintptr_t)d & 3u) { *d++ = *s++; n--; }
    memcpy(d, s, (size_t)n * 2u);
  } else {
    while (n--) *d++ = *s++;
  }
}

void dnnc_rsp_copy_run(const dnnc_rsp_copy *c, uint32_t n, const int16_t *src, int16_t *dst) {
  uint32_t k, a, b, e, i;
  for (k = 0; k < n; k++, c++) {
    for (a = 0; a < c->n0; a++)
      for (b = 0; b < c->n1; b++)
        for (e = 0; e < c->n2; e++) {
          const int16_t *s = src + c->soff + a * c->s0 + b * c->s1 + e * c->s2;
          int16_t *d = dst + c->doff + a * c->d0 + b * c->d1 + e * c->d2;
          const uint32_t m = c->n3;
          if (c->fill) for (i = 0; i < m; i++) d[i] = (int16_t)c->value;
          else if (c->s3 == 1u) dnnc_rsp_copy_row(d, s, m);
          else if (c->s3 == 2u) for (i = 0; i < m; i++) d[i] = s[2u * i];
          else for (i = 0; i < m; i++) d[i] = s[i * c->s3];
        }
  }
}

#if defined(DNNC_N64BARE)
void n64_dcache_writeback_invalidate(const void *p, uint32_t bytes); /* platform/n64bare */
void n64_printf(const char *fmt, ...);

#define SP_REG(o) (*(volatile uint32_t *)(0xA4040000u + (o)))
#define SP_MEM_ADDR SP_REG(0x00)
#define SP_DRAM_ADDR SP_REG(0x04)
#define SP_RD_LEN SP_REG(0x08)   /* RDRAM -> SP memory */
#define SP_STATUS SP_REG(0x10)
#define SP_DMA_BUSY SP_REG(0x18)
#define SP_PC (*(volatile uint32_t *)0xA4080000u)
#define SP_DMEM ((volatile uint32_t *)0xA4000000u)
/* SP_STATUS read bits */
#define ST_HALT 0x001u
#define ST_BROKE 0x002u
#define ST_DMA_BUSY 0x004u
#define ST_DMA_FULL 0x008u
/* SP_STATUS write bits */
#define W_CLR_HALT 0x001u
#define W_SET_HALT 0x002u
#define W_CLR_BROKE 0x004u
#define W_CLR_INTR 0x008u
#define W_CLR_SSTEP 0x020u
#define W_CLR_INTBREAK 0x080u
#define W_SET_INTBREAK 0x100u

static uint32_t phys(const void *p) { return (uint32_t)(uintptr_t)p & 0x1FFFFFFFu; }

/* bounded waits: a stuck RSP is reported (DNNC-RSP line) and the layer runs on the CPU */
static int spin_until_set(uint32_t bits) {
  uint32_t n;
  for (n = 0; n < (1u << 24); n++) if (SP_STATUS & bits) return 1;
  n64_printf("DNNC-RSP timeout waiting for status %x (status %x, pc %x)\n", (unsigned)bits, (unsigned)SP_STATUS, (unsigned)SP_PC);
  return 0;
}

static int sp_wait_dma(void) {
  uint32_t n;
  for (n = 0; n < (1u << 24); n++) if (!(SP_STATUS & (ST_DMA_BUSY | ST_DMA_FULL))) return 1;
  n64_printf("DNNC-RSP timeout waiting for SP DMA (status %x)\n", (unsigned)SP_STATUS);
  return 0;
}

/* in1_base != 0: two-input elementwise kernels, the second tensor read with in0's geometry; else e's in1 stream */
static int sp_run_task(const dnnc_rsp_task *t, const dnnc_rsp_task_ext *e, uint32_t in_base, uint32_t out_base, uint32_t in1_base) {
  const dnnc_rsp_ucode *u = t->ucode;
  uint32_t w[16];
  uint32_t i;
  SP_STATUS = W_SET_HALT;
  if (!spin_until_set(ST_HALT)) return 0;
  /* microcode -> IMEM (SP_MEM_ADDR bit 12 selects IMEM) */
  if (!sp_wait_dma()) return 0;
  SP_MEM_ADDR = 0x1000u;
  SP_DRAM_ADDR = phys(u->text);
  SP_RD_LEN = ((u->text_bytes + 7u) & ~7u) - 1u;
  if (!sp_wait_dma()) return 0;
  /* params block -> DMEM 0x000 (the const block follows by the microcode's own DMA) */
  w[0] = t->ntiles; w[1] = phys(u->cdata); w[2] = u->cdata_bytes ? ((u->cdata_bytes + 7u) & ~7u) - 1u : 0u; w[3] = 0;
  w[4] = in_base + t->in_off; w[5] = t->in_stride; w[6] = t->in_len; w[7] = e ? e->in_step2 : 0u;
  if (in1_base) { w[8] = in1_base + t->in_off; w[9] = t->in_stride; w[10] = t->in_len; w[11] = 0u; }
  else { w[8] = e && e->in1_data ? phys(e->in1_data) : 0u; w[9] = e ? e->in1_stride : 0u; w[10] = e ? e->in1_len : 0u; w[11] = e ? e->in1_step2 : 0u; }
  w[12] = out_base + t->out_off; w[13] = t->out_stride; w[14] = t->out_len; w[15] = e ? e->out_step2 : 0u;
  for (i = 0; i < 16; i++) SP_DMEM[i] = w[i];
  SP_PC = 0;
  /* interrupt on break: the MI SP interrupt line is raised at the BREAK (the CPU keeps it masked;
     mupen64plus only reports HALT/BROKE in SP_STATUS after it), cleared again below */
  SP_STATUS = W_CLR_HALT | W_CLR_BROKE | W_CLR_INTR | W_CLR_SSTEP | W_SET_INTBREAK;
  /* the microcode ends with BREAK, which sets both BROKE and HALT */
  i = spin_until_set(ST_BROKE) && spin_until_set(ST_HALT);
  SP_STATUS = W_CLR_INTR | W_CLR_INTBREAK;
  return (int)i;
}

/* the zero-padded copy [c][h + 2][wp] of x (x at row 1, column 1): each element written once */
static void pad_copy(const dnnc_rsp_layer *l, const int16_t *x, int16_t *pad) {
  const uint32_t wp = l->pad_wp, w = l->pad_w, h = l->pad_h;
  uint32_t c, r, i;
  int16_t *p = pad;
  for (c = 0; c < l->pad_c; c++) {
    for (i = 0; i < wp; i++) p[i] = 0;
    p += wp;
    for (r = 0; r < h; r++, p += wp, x += w) {
      p[0] = 0;
      dnnc_rsp_copy_row(p + 1, x, w);
      for (i = w + 1u; i < wp; i++) p[i] = 0;
    }
    for (i = 0; i < wp; i++) p[i] = 0;
    p += wp;
  }
}

int dnnc_rsp_run_layer(const dnnc_rsp_layer *l, const int16_t *x, int16_t *pad, int16_t *y) {
  return dnnc_rsp_run_layer_ext(l, NULL, x, pad, y);
}

int dnnc_rsp_run_layer_ext(const dnnc_rsp_layer *l, const dnnc_rsp_task_ext *ext, const int16_t *x, int16_t *pad, int16_t *y) {
  const int16_t *in = x;
  uint32_t t;
  if (l->pad_c || l->n_in_copies) {
    if (((uintptr_t)pad | (uintptr_t)y) & 7u) return 0;
    if (l->pad_c) pad_copy(l, x, pad);
    else dnnc_rsp_copy_run(l->in_copies, l->n_in_copies, x, pad);
    in = pad;
  } else if (((uintptr_t)x | (uintptr_t)y) & 7u) return 0;
  /* the RSP reads RDRAM: write the input back; the output lines must not be written back over its results later */
  n64_dcache_writeback_invalidate(in, l->in_bytes);
  n64_dcache_writeback_invalidate(y, l->out_bytes);
  for (t = 0; t < l->ntasks; t++) {
    const dnnc_rsp_ucode *u = l->tasks[t].ucode;
    n64_dcache_writeback_invalidate(u->text, u->text_bytes);
    n64_dcache_writeback_invalidate(u->cdata, u->cdata_bytes);
    if (ext && ext[t].in1_data) n64_dcache_writeback_invalidate(ext[t].in1_data, ext[t].in1_bytes);
    if (!sp_run_task(&l->tasks[t], ext ? &ext[t] : NULL, phys(in), phys(y), 0u)) return 0;
  }
  return 1;
}

int dnnc_rsp_run_eltwise(const dnnc_rsp_eltwise *l, const int16_t *a, const int16_t *b, int16_t *y) {
  uint32_t t;
  if (((uintptr_t)a | (uintptr_t)b | (uintptr_t)y) & 7u) return 0;
  n64_dcache_writeback_invalidate(a, l->bytes);
  n64_dcache_writeback_invalidate(b, l->bytes);
  n64_dcache_writeback_invalidate(y, l->bytes);
  for (t = 0; t < l->ntasks; t++) {
    const dnnc_rsp_ucode *u = l->tasks[t].ucode;
    n64_dcache_writeback_invalidate(u->text, u->text_bytes);
    n64_dcache_writeback_invalidate(u->cdata, u->cdata_bytes);
    if (!sp_run_task(&l->tasks[t], NULL, phys(a), phys(y), phys(b))) return 0;
  }
  return 1;
}

int dnnc_rsp_run_layer_s2(const dnnc_rsp_layer *l, const dnnc_rsp_task_ext *ext, const int16_t *x, int16_t *buf, int16_t *y,
                          uint32_t c, uint32_t h, uint32_t w, uint32_t ew, uint32_t pt, uint32_t pl) {
  uint32_t k, r, i, rw = ew + w / 2u, hp = h + 2u;
  /* the tasks read padded rows 0..h, E[0..w/2] and O[0..w/2-1] of a row: only the padding rows and E[0] (pl = 1)
     or E[w/2] (pl = 0) need zeros */
  for (k = 0; k < c; k++) {
    int16_t *plane = buf + k * hp * rw;
    for (r = 0; r < hp; r++)
      if (r < pt || r >= pt + h) for (i = 0; i < rw; i++) plane[r * rw + i] = 0;
    for (r = 0; r < h; r++) {
      int16_t *row = plane + (r + pt) * rw;
      const int16_t *src = x + (k * h + r) * w;
      if (pl) {
        row[0] = 0;
        for (i = 0; i + 1u < w; i += 2u) { row[ew + i / 2u] = src[i]; row[i / 2u + 1u] = src[i + 1u]; }
      } else {
        row[w / 2u] = 0;
        for (i = 0; i + 1u < w; i += 2u) { row[i / 2u] = src[i]; row[ew + i / 2u] = src[i + 1u]; }
      }
    }
  }
  return dnnc_rsp_run_layer_ext(l, ext, buf, NULL, y);
}

int dnnc_rsp_run_layer_pad(const dnnc_rsp_layer *l, const dnnc_rsp_task_ext *ext, const int16_t *x, int16_t *buf, int16_t *y,
                           uint32_t c, uint32_t h, uint32_t w, uint32_t wp) {
  uint32_t k, r, i, hp = h + 2u;
  for (k = 0; k < c; k++) {
    int16_t *plane = buf + k * hp * wp;
    for (i = 0; i < wp; i++) { plane[i] = 0; plane[(hp - 1u) * wp + i] = 0; }
    for (r = 0; r < h; r++) {
      int16_t *row = plane + (r + 1u) * wp;
      const int16_t *src = x + (k * h + r) * w;
      row[0] = 0;
      row[w + 1u] = 0;
      for (i = 0; i < w; i++) row[i + 1u] = src[i];
    }
  }
  return dnnc_rsp_run_layer_ext(l, ext, buf, NULL, y);
}

#else

int dnnc_rsp_run_eltwise(const dnnc_rsp_eltwise *l, const int16_t *a, const int16_t *b, int16_t *y) {
  (void)l; (void)a; (void)b; (void)y;
  return 0;
}

int dnnc_rsp_run_layer(const dnnc_rsp_layer *l, const int16_t *x, int16_t *pad, int16_t *y) {
  (void)l; (void)x; (void)pad; (void)y;
  return 0;
}

int dnnc_rsp_run_layer_ext(const dnnc_rsp_layer *l, const dnnc_rsp_task_ext *ext, const int16_t *x, int16_t *pad, int16_t *y) {
  (void)l; (void)ext; (void)x; (void)pad; (void)y;
  return 0;
}

int dnnc_rsp_run_layer_s2(const dnnc_rsp_layer *l, const dnnc_rsp_task_ext *ext, const int16_t *x, int16_t *buf, int16_t *y,
                          uint32_t c, uint32_t h, uint32_t w, uint32_t ew, uint32_t pt, uint32_t pl) {
  (void)l; (void)ext; (void)x; (void)buf; (void)y; (void)c; (void)h; (void)w; (void)ew; (void)pt; (void)pl;
  return 0;
}

int dnnc_rsp_run_layer_pad(const dnnc_rsp_layer *l, const dnnc_rsp_task_ext *ext, const int16_t *x, int16_t *buf, int16_t *y,
                           uint32_t c, uint32_t h, uint32_t w, uint32_t wp) {
  (void)l; (void)ext; (void)x; (void)buf; (void)y; (void)c; (void)h; (void)w; (void)wp;
  return 0;
}

#endif

void dnnc_rsp_subsample2(const int16_t *y_full, int16_t *y, uint32_t c, uint32_t h, uint32_t w) {
  uint32_t k, r, i, oh = h / 2u, ow = w / 2u;
  for (k = 0; k < c; k++)
    for (r = 0; r < oh; r++)
      for (i = 0; i < ow; i++) y[(k * oh + r) * ow + i] = y_full[(k * h + 2u * r) * w + 2u * i];
}
