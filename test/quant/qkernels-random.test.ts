// The optimised int8 kernels against their reference kernels, bit for bit,
// on seeded random shapes under ASan/UBSan: convolution (pointwise GEMM
// blocks, 4x4 direct blocks, depthwise 3x3 rows, border patches and the
// pixel-by-pixel fallback without a patch, every stride/dilation/padding/
// group mix), max pooling and the dense kernel; each in both builds of the
// accumulators (64-bit pair accumulators as on the VR4300, plain int32 as on
// rv32) and both requantization paths. Also the integer input quantizer of
// FPU-less targets against the float quantizer on values around every
// threshold, and the requantization helper against the reference rounding.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, runKernelHarness } from '../helpers.js';
import { quantThresholds, floatKey } from '../../compiler/codegen/kernels/quant-thresholds.js';

const HARNESS = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include "qconv.h"
#include "qgemm.h"
#include "qpool.h"
#include "keys.h"
static unsigned s = 2024u;
static int pick(int lo, int hi) { s = s * 1103515245u + 12345u; return lo + (int)((s >> 8) % (unsigned)(hi - lo + 1)); }
static int conv_case(int t) {
  dnnc_qconv2d_params p;
  int g = pick(0, 2) == 0 ? pick(1, 3) : 1, i, nx, nw, ny, bad = 0, kind = pick(0, 5);
  int8_t *x, *w, *y0, *y1, *patch;
  int32_t *b, *mult, *shift, *ya, *yb;
  p.group = g; p.cin = g * pick(1, 9); p.cout = g * pick(1, 10);
  if (kind == 0) { p.group = p.cin = p.cout = pick(1, 12); } /* depthwise */
  p.n = pick(1, 2); p.ih = pick(1, 14); p.iw = pick(1, 19);
  p.kh = pick(1, 4); p.kw = pick(1, 4); p.sh = pick(1, 3); p.sw = pick(1, 3); p.dh = pick(1, 2); p.dw = pick(1, 2);
  if (kind <= 1) { p.kh = p.kw = 3; p.sw = p.sh = pick(1, 2); p.dh = p.dw = 1; }
  if (kind == 2) { p.kh = p.kw = 1; p.sh = p.sw = 1; p.dh = p.dw = 1; }
  p.pt = pick(0, 2); p.pl = pick(0, 2);
  if (kind == 2 && pick(0, 1)) { p.pt = p.pl = 0; p.group = 1; }
  { int pb = pick(0, 2), pr = pick(0, 2), ekh = (p.kh - 1) * p.dh + 1, ekw = (p.kw - 1) * p.dw + 1;
    if (kind == 2 && p.pt == 0 && p.pl == 0) pb = pr = 0;
    if (p.ih + p.pt + pb < ekh || p.iw + p.pl + pr < ekw) return -1;
    p.oh = (p.ih + p.pt + pb - ekh) / p.sh + 1; p.ow = (p.iw + p.pl + pr - ekw) / p.sw + 1; }
  nx = p.n * p.cin * p.ih * p.iw; nw = p.cout * (p.cin / p.group) * p.kh * p.kw; ny = p.n * p.cout * p.oh * p.ow;
  x = malloc(nx); w = malloc(nw); y0 = malloc(ny); y1 = malloc(ny); ya = malloc(4 * ny); yb = malloc(4 * ny);
  b = malloc(4 * p.cout); mult = malloc(4 * p.cout); shift = malloc(4 * p.cout);
  for (i = 0; i < nx; i++) x[i] = (int8_t)pick(-128, 127);
  for (i = 0; i < nw; i++) w[i] = (int8_t)pick(-127, 127);
  for (i = 0; i < p.cout; i++) { b[i] = pick(-30000, 30000); mult[i] = pick(1 << 30, 0x7fffffff); shift[i] = pick(-1, 14); }
  p.x_zp = pick(0, 3) ? pick(-128, 127) : 0; p.y_zp = pick(-20, 20); p.mult = mult; p.shift = shift;
  p.act_min = pick(0, 1) ? -128 : pick(-128, 0); p.act_max = pick(0, 1) ? 127 : pick(1, 127);
  p.wsum = NULL;
  p.patch_bytes = (p.cin / p.group) * p.kh * (3 * p.sw + (p.kw - 1) * p.dw + 1);
  patch = malloc(p.patch_bytes);
  p.patch = pick(0, 4) ? patch : NULL;
  { int withb = pick(0, 3) != 0;
    dnnc_qconv2d_i8_ref(x, w, withb ? b : NULL, y0, &p);
    dnnc_qconv2d_i8(x, w, withb ? b : NULL, y1, &p);
    if (memcmp(y0, y1, ny)) bad++;
    dnnc_qconv2d_i8_i32_ref(x, w, withb ? b : NULL, ya, &p);
    dnnc_qconv2d_i8_i32(x, w, withb ? b : NULL, yb, &p);
    if (memcmp(ya, yb, 4 * ny)) bad++; }
  if (bad) printf("conv case %d: n%d c%d->%d g%d %dx%d k%dx%d s%d,%d d%d,%d p%d,%d zp%d patch%d MISMATCH\n", t, p.n, p.cin, p.cout, p.group, p.ih, p.iw, p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, p.pt, p.pl, p.x_zp, p.patch != NULL);
  free(x); free(w); free(y0); free(y1); free(ya); free(yb); free(b); free(mult); free(shift); free(patch);
  return bad;
}
static int pool_case(void) {
  dnnc_pool2d_params p;
  int8_t x[4000], y0[4000], y1[4000];
  int16_t x16[4000], z0[4000], z1[4000];
  int i, n;
  p.nc = pick(1, 4); p.ih = pick(1, 20); p.iw = pick(1, 20); p.kh = pick(1, 3); p.kw = pick(1, 3);
  p.sh = pick(1, 3); p.sw = pick(1, 3); p.dh = pick(1, 2); p.dw = pick(1, 2); p.pt = pick(0, 1); p.pl = pick(0, 1); p.pb = pick(0, 1); p.pr = pick(0, 1);
  if (pick(0, 1)) { p.kh = p.kw = p.sh = p.sw = 2; p.dh = p.dw = 1; p.pt = p.pl = p.pb = p.pr = 0; }
  p.count_include_pad = 0;
  if (p.ih + p.pt + p.pb < (p.kh - 1) * p.dh + 1 || p.iw + p.pl + p.pr < (p.kw - 1) * p.dw + 1) return -1;
  p.oh = (p.ih + p.pt + p.pb - (p.kh - 1) * p.dh - 1) / p.sh + 1; p.ow = (p.iw + p.pl + p.pr - (p.kw - 1) * p.dw - 1) / p.sw + 1;
  for (i = 0; i < p.nc * p.ih * p.iw; i++) { x[i] = (int8_t)pick(-128, 127); x16[i] = (int16_t)pick(-32768, 32767); }
  n = p.nc * p.oh * p.ow;
  dnnc_maxpool2d_i8_ref(x, y0, &p); dnnc_maxpool2d_i8(x, y1, &p);
  dnnc_maxpool2d_i16_ref(x16, z0, &p); dnnc_maxpool2d_i16(x16, z1, &p);
  return memcmp(y0, y1, n) != 0 || memcmp(z0, z1, 2 * n) != 0;
}
static int gemm_case(void) {
  dnnc_qgemm_params p;
  static int8_t a[4096], w[16384], y0[1024], y1[1024];
  static int32_t b[256], mult[256], shift[256], ya[1024], yb[1024];
  int i;
  p.M = pick(1, 3); p.N = pick(1, 40); p.K = pick(1, 150);
  for (i = 0; i < p.M * p.K; i++) a[i] = (int8_t)pick(-128, 127);
  for (i = 0; i < p.N * p.K; i++) w[i] = (int8_t)pick(-127, 127);
  for (i = 0; i < p.N; i++) { b[i] = pick(-9000, 9000); mult[i] = pick(1 << 30, 0x7fffffff); shift[i] = pick(0, 12); }
  p.a_zp = pick(-128, 127); p.y_zp = pick(-9, 9); p.mult = mult; p.shift = shift; p.act_min = -128; p.act_max = pick(0, 127); p.wsum = NULL;
  dnnc_qgemm_i8_ref(a, w, b, y0, &p); dnnc_qgemm_i8(a, w, b, y1, &p);
  dnnc_qgemm_i8_i32_ref(a, w, NULL, ya, &p); dnnc_qgemm_i8_i32(a, w, NULL, yb, &p);
  return memcmp(y0, y1, p.M * p.N) != 0 || memcmp(ya, yb, 4 * p.M * p.N) != 0;
}
static int rq_case(void) {
  int32_t acc = pick(0, 3) ? pick(-2000000, 2000000) * pick(1, 1000) : pick(-3, 3), mult = pick(1 << 30, 0x7fffffff), shift = pick(-1, 20), zp = pick(-128, 127);
  int32_t ref;
  if (pick(0, 4) == 0) acc = (pick(0, 1) ? 1 : -1) * (1 << pick(0, 30)); /* ties */
  if (pick(0, 4) == 0) mult = 1 << 30;
  ref = dnnc_clamp_i32(dnnc_rq(acc, mult, shift) + zp, -128, 127);
  return ref != dnnc_rq_clamp(acc, mult, shift, zp, -128, 127);
}
static float fromkey(int32_t k) { uint32_t u = (uint32_t)(k >= 0 ? k : k ^ 0x7fffffff); float f; memcpy(&f, &u, 4); return f; }
static int keys_case(int which) {
  const float sc = KEY_SCALE[which]; const int32_t zp = KEY_ZP[which]; const int32_t *t = KEYS[which];
  float xs[2000]; int8_t q0[2000], q1[2000];
  int i, n = 0, bad = 0;
  for (i = 0; i < 255; i++) { int32_t k = t[i]; if (k > -2147483647 && k < 2147483647) { xs[n++] = fromkey(k - 1); xs[n++] = fromkey(k); xs[n++] = fromkey(k + 1); } }
  for (i = 0; i < 200; i++) xs[n++] = (float)pick(-100000, 100000) / (float)pick(1, 1000);
  { uint32_t u = 0x7fc00000u; memcpy(&xs[n++], &u, 4); u = 0xffc00001u; memcpy(&xs[n++], &u, 4); }
  xs[n++] = INFINITY; xs[n++] = -INFINITY; xs[n++] = 0.0f; xs[n++] = -0.0f;
  dnnc_quantize_f32_i8(xs, q0, 1, 1, (size_t)n, &sc, &zp);
  dnnc_quantize_f32_i8_keys(xs, q1, (size_t)n, t);
  for (i = 0; i < n; i++) if (q0[i] != q1[i]) { bad++; printf("keys %d: x=%.9g float %d keys %d\n", which, xs[i], q0[i], q1[i]); break; }
  return bad;
}
int main(void) {
  int t, bad = 0, done = 0;
  for (t = 0; done < 300; t++) { int r = conv_case(t); if (r >= 0) { bad += r; done++; } }
  for (t = 0, done = 0; done < 300; t++) { int r = pool_case(); if (r >= 0) { bad += r; done++; } }
  for (t = 0; t < 200; t++) bad += gemm_case();
  for (t = 0; t < 100000; t++) bad += rq_case();
  for (t = 0; t < KEY_TABLES; t++) bad += keys_case(t);
  printf("%d bad\n", bad);
  return bad != 0;
}
`;

function keysHeader(): string {
  const cases: [number, number][] = [[0.00783862732, -1], [0.1, 0], [3.5e-5, 17], [1.7, -128], [0.0471, 127], [1e-30, 3], [2.5e30, -5]];
  const rows = cases.map(([sc, zp]) => `  { ${quantThresholds(sc, zp, -128, 127).join(', ')} }`);
  return [
    `#define KEY_TABLES ${cases.length}`,
    `static const float KEY_SCALE[] = { ${cases.map(([sc]) => `${Math.fround(sc).toPrecision(9)}f`).join(', ')} };`,
    `static const int32_t KEY_ZP[] = { ${cases.map(([, z]) => z).join(', ')} };`,
    `static const int32_t KEYS[][256] = {\n${rows.join(',\n')}\n};`,
  ].join('\n') + '\n';
}

describe('optimised int8 kernels', () => {
  it.each([['64-bit pair accumulators', ['-DDNNC_Q8_PAIRS=1', '-DDNNC_RQ32=0']], ['int32 accumulators, 32-bit requantization', ['-DDNNC_Q8_PAIRS=0', '-DDNNC_RQ32=1']]] as const)(
    'equal the reference kernels on random shapes (%s), under ASan/UBSan', (_name, defs) => {
      const dir = tmpDir('q8rand');
      fs.writeFileSync(path.join(dir, 't.c'), HARNESS);
      fs.writeFileSync(path.join(dir, 'keys.h'), keysHeader());
      runKernelHarness(dir, ['qconv', 'qgemm', 'qmath', 'qpool'], [...defs, '-I', dir]);
    });

  it('threshold keys: ordered like the floats, one step per level', () => {
    expect(floatKey(-1)).toBeLessThan(floatKey(-0.5));
    expect(floatKey(-0)).toBeLessThan(floatKey(0));
    expect(floatKey(0.5)).toBeLessThan(floatKey(1));
    const t = quantThresholds(0.05, 3, -128, 127);
    expect(t).toHaveLength(256);
    for (let i = 1; i < 256; i++) expect(t[i]!).toBeGreaterThanOrEqual(t[i - 1]!);
  });
});
