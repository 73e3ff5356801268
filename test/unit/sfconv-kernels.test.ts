// The no-FPU float kernels (runtime-c/kernels/sfconv.c: integer mantissa
// products in an int64 accumulator) against the float reference kernels on
// seeded random shapes and value ranges (zeros, denormals, mixed magnitudes),
// under ASan/UBSan on host and built for rv32imc under qemu-system-riscv32. Tolerance: |err| <= 1e-5 * (1 + max|y_ref|) per output tensor,
// tighter than verify's 1e-4.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, tmpDir, runKernelHarness } from '../helpers.js';
import { getTarget } from '../../compiler/targets/target.js';
import { rv32LinkFlags } from '../../compiler/runners/qemu-riscv32.js';
import type { Compiled } from '../../compiler/driver.js';

const HARNESS = `
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include "conv.h"
#include "gemm.h"
#include "sfconv.h"
static unsigned s = 4242u;
static int pick(int lo, int hi) { s = s * 1103515245u + 12345u; return lo + (int)((s >> 8) % (unsigned)(hi - lo + 1)); }
/* values in [-1, 1) scaled by 2^sc, with some zeros and (rarely) denormals */
static float rnd(int sc) {
  float v;
  s = s * 1103515245u + 12345u;
  v = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
  if (pick(0, 9) == 0) return 0.0f;
  if (pick(0, 199) == 0) return 1e-40f;
  return ldexpf(v, sc + pick(-6, 0));
}
static int cmp(const float *y0, const float *y1, int ny, const char *what, int t) {
  int i; float mx = 0.0f, me = 0.0f;
  for (i = 0; i < ny; i++) { float a = fabsf(y0[i]), d = fabsf(y0[i] - y1[i]); if (a > mx) mx = a; if (d > me) me = d; }
  if (!(me <= 1e-5f * (1.0f + mx))) { printf("%s case %d: max err %g, max |y| %g\\n", what, t, me, mx); return 1; }
  return 0;
}
int main(void) {
  int t, bad = 0, i;
  if (sizeof(dnnc_sfconv2d_params) != sizeof(dnnc_conv2d_params) || sizeof(dnnc_sfgemm_params) != sizeof(dnnc_gemm_params)) { printf("params layout differs\\n"); return 1; }
  for (t = 0; t < 300; t++) {
    dnnc_conv2d_params p;
    int g = pick(0, 3) == 0 ? 1 : pick(1, 3), nx, nw, ny, xs = pick(-20, 20), wsc = pick(-10, 3);
    float *x, *w, *b, *y0, *y1;
    const float *bp;
    p.group = g;
    p.cin = g * pick(1, 6);
    p.cout = g * pick(1, 9);
    if (pick(0, 4) == 0) { p.group = p.cin = p.cout = pick(1, 9); }
    p.n = pick(1, 2); p.ih = pick(1, 13); p.iw = pick(1, 13);
    p.kh = pick(1, 4); p.kw = pick(1, 4); p.sh = pick(1, 3); p.sw = pick(1, 3); p.dh = pick(1, 2); p.dw = pick(1, 2);
    if (pick(0, 3) == 0) { p.kh = p.kw = p.sh = p.sw = p.dh = p.dw = 1; }
    p.pt = pick(0, 2); p.pl = pick(0, 2);
    { int pb = pick(0, 2), pr = pick(0, 2);
      int ekh = (p.kh - 1) * p.dh + 1, ekw = (p.kw - 1) * p.dw + 1;
      if (p.ih + p.pt + pb < ekh || p.iw + p.pl + pr < ekw) { t--; continue; }
      p.oh = (p.ih + p.pt + pb - ekh) / p.sh + 1; p.ow = (p.iw + p.pl + pr - ekw) / p.sw + 1; }
    p.act_min = pick(0, 1) ? -INFINITY : 0.0f; p.act_max = pick(0, 2) ? INFINITY : 0.5f;
    nx = p.n * p.cin * p.ih * p.iw; nw = p.cout * (p.cin / p.group) * p.kh * p.kw; ny = p.n * p.cout * p.oh * p.ow;
    x = malloc(sizeof(float) * nx); w = malloc(sizeof(float) * nw); b = malloc(sizeof(float) * p.cout);
    y0 = malloc(sizeof(float) * ny); y1 = malloc(sizeof(float) * ny);
    for (i = 0; i < nx; i++) x[i] = rnd(xs);
    for (i = 0; i < nw; i++) w[i] = rnd(wsc);
    for (i = 0; i < p.cout; i++) b[i] = rnd(xs + wsc);
    if (t % 50 == 7) x[pick(0, nx - 1)] = INFINITY; /* falls back to the float kernel */
    bp = pick(0, 1) ? b : NULL;
    dnnc_conv2d_f32_ref(x, w, bp, y0, &p);
    { dnnc_sfconv2d_params q; /* the same fields in the same order */
      memcpy(&q, &p, sizeof q);
      dnnc_sfconv2d_f32(x, w, bp, y1, &q, pick(0, 1) ? -1 : 127 + wsc);
      if (p.n == 1 && t % 50 != 7) { /* the row-range variant over whole tensors (ring = height), in two ranges */
        float *y2 = malloc(sizeof(float) * ny);
        const int mid = pick(0, p.oh);
        dnnc_sfconv2d_rows_f32(x, p.ih, w, bp, y2, p.oh, 0, mid, &q, -1);
        dnnc_sfconv2d_rows_f32(x, p.ih, w, bp, y2, p.oh, mid, p.oh, &q, 127 + wsc);
        bad += cmp(y0, y2, ny, "conv rows", t);
        free(y2);
      } }
    if (t % 50 == 7) { for (i = 0; i < ny; i++) if (!(y0[i] == y1[i]) && !(isnan(y0[i]) && isnan(y1[i]))) { bad++; printf("inf case %d\\n", t); break; } }
    else bad += cmp(y0, y1, ny, "conv", t);
    free(x); free(w); free(b); free(y0); free(y1);
  }
  for (t = 0; t < 200; t++) {
    dnnc_gemm_params p;
    int nb_, xs = pick(-20, 20), wsc = pick(-10, 3), crow = pick(0, 1);
    float *a, *b, *c, *y0, *y1;
    p.M = pick(1, 5); p.N = pick(1, 19); p.K = pick(1, 300); p.trans_a = 0; p.trans_b = pick(0, 1);
    p.alpha = pick(0, 2) ? 1.0f : 0.5f; p.beta = pick(0, 2) ? 1.0f : 2.0f;
    p.c_sm = crow ? 0 : p.N; p.c_sn = 1;
    p.act_min = pick(0, 1) ? -INFINITY : 0.0f; p.act_max = INFINITY;
    nb_ = p.K * p.N;
    a = malloc(sizeof(float) * p.M * p.K); b = malloc(sizeof(float) * nb_); c = malloc(sizeof(float) * p.M * p.N);
    y0 = malloc(sizeof(float) * p.M * p.N); y1 = malloc(sizeof(float) * p.M * p.N);
    for (i = 0; i < p.M * p.K; i++) a[i] = rnd(xs);
    for (i = 0; i < nb_; i++) b[i] = rnd(wsc);
    for (i = 0; i < p.M * p.N; i++) c[i] = rnd(xs + wsc);
    { const float *cp = pick(0, 3) ? c : NULL;
      dnnc_gemm_f32_ref(a, b, cp, y0, &p);
      dnnc_sfgemm_params q;
      memcpy(&q, &p, sizeof q);
      dnnc_sfgemm_f32(a, b, cp, y1, &q, pick(0, 1) ? -1 : 127 + wsc); }
    bad += cmp(y0, y1, p.M * p.N, "gemm", t);
    free(a); free(b); free(c);
    free(y0); free(y1);
  }
  printf("%d bad\\n", bad);
  return bad != 0;
}
`;

describe('no-FPU float kernels (sfconv)', () => {
  it('match the float reference kernels on random conv and gemm shapes within 1e-5 of the output range', () => {
    const dir = tmpDir('sfconv');
    fs.writeFileSync(path.join(dir, 't.c'), HARNESS);
    runKernelHarness(dir, ['sfconv', 'conv', 'gemm']);
  });
});

describe('no-FPU float kernels on rv32imc (qemu-system-riscv32)', () => {
  it('match the float reference kernels (libgcc soft-float) on the same random shapes', () => {
    const t = getTarget('esp32c3')!;
    const dir = tmpDir('sfconv-rv32');
    fs.writeFileSync(path.join(dir, 't.c'), HARNESS);
    const rt = path.join(ROOT, 'runtime-c');
    const k = (f: string) => path.join(rt, 'kernels', f);
    // the verify build of the C3 (picolibc, semihosting) with the memory map of an empty model
    const none = { golden: { inputs: [], expected: [] }, code: { weightBytes: 0, arenaBytes: 0, outputs: [] } } as unknown as Compiled;
    const [cc, ...ccArgs] = t.cc;
    const b = spawnSync(cc!, [...ccArgs, ...t.cflags, '-I', path.join(rt, 'include'), '-I', path.join(rt, 'kernels'),
      path.join(dir, 't.c'), k('sfconv.c'), k('conv.c'), k('gemm.c'), '-o', path.join(dir, 't.elf'), ...rv32LinkFlags(none), ...t.ldflags, '-lm'],
    { encoding: 'utf8' });
    expect(b.status, b.stderr).toBe(0);
    const [qemu, ...qargs] = t.run;
    const r = spawnSync(qemu!, [...qargs, path.join(dir, 't.elf')], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stdout + r.stderr).toMatch(/^0 bad$/m);
    expect(r.status).toBe(0);
  }, 150_000);
});
