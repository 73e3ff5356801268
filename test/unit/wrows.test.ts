// runtime-c/kernels/wrows.c: the optimised row kernel equals the reference one
// (and a plain float product) on random shapes, float32 and half weights,
// transposed or not, with the rows split into random tiles.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tmpDir, ccSanitized, kernelSource, RUNTIME_INCLUDES } from '../helpers.js';

const harness = `
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include "wrows.h"
static uint32_t s = 12345u;
static uint32_t rnd(void) { s = s * 1664525u + 1013904223u; return s >> 8; }
static float frand(void) { return (float)(rnd() % 20001u) / 10000.0f - 1.0f; }
/* float -> half bits, round to nearest (normal range only: |x| < 2) */
static uint16_t f2h(float f) {
  union { float f; uint32_t u; } v;
  uint32_t sign, e, m;
  v.f = f;
  sign = (v.u >> 16) & 0x8000u;
  e = (v.u >> 23) & 0xffu;
  m = v.u & 0x7fffffu;
  if (e < 103u) return (uint16_t)sign;
  if (e < 113u) return (uint16_t)(sign | ((m | 0x800000u) >> (126u - e)));
  return (uint16_t)(sign | ((e - 112u) << 10) | ((m + 0x1000u) >> 13));
}
int main(void) {
  int it, bad = 0;
  for (it = 0; it < 300; it++) {
    dnnc_wrows_params p;
    int32_t M = 1 + (int32_t)(rnd() % 7u), N = 1 + (int32_t)(rnd() % 70u), K = 1 + (int32_t)(rnd() % 70u);
    int32_t rows, r0, i, nw;
    float *a, *wf, *y1, *y2, *yd;
    uint16_t *wh;
    void *w;
    p.M = M; p.N = N; p.K = K; p.trans = (int32_t)(rnd() & 1u); p.half = (int32_t)(rnd() & 1u);
    p.alpha = 1.0f; p.beta = 1.0f; p.bias_n = 0; p.act_min = -INFINITY; p.act_max = INFINITY;
    rows = p.trans ? N : K;
    nw = N * K;
    a = malloc(sizeof(float) * (size_t)(M * K)); wf = malloc(sizeof(float) * (size_t)nw); wh = malloc(2u * (size_t)nw);
    y1 = malloc(sizeof(float) * (size_t)(M * N)); y2 = malloc(sizeof(float) * (size_t)(M * N)); yd = malloc(sizeof(float) * (size_t)(M * N));
    for (i = 0; i < M * K; i++) a[i] = frand();
    for (i = 0; i < nw; i++) { wf[i] = frand(); wh[i] = f2h(wf[i]); if (p.half) wf[i] = dnnc_half_to_float(wh[i]); }
    w = p.half ? (void *)wh : (void *)wf;
    /* plain product with the (rounded) float weights */
    for (i = 0; i < M * N; i++) {
      int32_t m = i / N, n = i % N, k;
      double acc = 0.0;
      for (k = 0; k < K; k++) acc += (double)a[m * K + k] * (p.trans ? wf[n * K + k] : wf[k * N + n]);
      yd[i] = (float)acc;
    }
    /* tiles of random sizes, in order */
    for (r0 = 0; r0 < rows;) {
      int32_t nr = 1 + (int32_t)(rnd() % (uint32_t)rows);
      const size_t es = p.half ? 2u : 4u;
      const size_t len = (size_t)(p.trans ? K : N);
      if (r0 + nr > rows) nr = rows - r0;
      dnnc_wrows_matmul(a, (const uint8_t *)w + (size_t)r0 * len * es, y1, r0, nr, &p);
      dnnc_wrows_matmul_ref(a, (const uint8_t *)w + (size_t)r0 * len * es, y2, r0, nr, &p);
      r0 += nr;
    }
    for (i = 0; i < M * N; i++) {
      if (fabsf(y1[i] - yd[i]) > 1e-4f * (float)K || fabsf(y2[i] - yd[i]) > 1e-4f * (float)K) {
        if (bad++ < 5) printf("M=%d N=%d K=%d trans=%d half=%d i=%d opt=%g ref=%g want=%g\\n", (int)M, (int)N, (int)K, (int)p.trans, (int)p.half, (int)i, (double)y1[i], (double)y2[i], (double)yd[i]);
      }
    }
    free(a); free(wf); free(wh); free(y1); free(y2); free(yd);
  }
  printf("bad %d\\n", bad);
  return bad != 0;
}
`;

describe('row kernels (fp16 weights, row tiles)', () => {
  it('optimised == reference == float product on 300 random shapes, tiled at random', () => {
    const dir = tmpDir('wrows');
    const src = path.join(dir, 'w.c');
    fs.writeFileSync(src, harness);
    const exe = path.join(dir, 'w');
    const b = ccSanitized([...RUNTIME_INCLUDES, src, kernelSource('wrows')], exe);
    expect(b.status, b.stderr).toBe(0);
    const r = spawnSync(exe, { encoding: 'utf8' });
    expect(r.stdout).toMatch(/bad 0/);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
