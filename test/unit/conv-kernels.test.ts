// The optimised float convolution (pointwise GEMM path, register-blocked
// 4x4 path with clipped borders, depthwise 1x4 path) against the reference
// kernel, on seeded random shapes, under ASan/UBSan.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, runKernelHarness } from '../helpers.js';

const HARNESS = `
#include <stdio.h>
#include <stdlib.h>
#include "conv.h"
static unsigned s = 12345u;
static float rnd(void) { s = s * 1103515245u + 12345u; return (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f; }
static int pick(int lo, int hi) { s = s * 1103515245u + 12345u; return lo + (int)((s >> 8) % (unsigned)(hi - lo + 1)); }
int main(void) {
  int t, bad = 0;
  for (t = 0; t < 400; t++) {
    dnnc_conv2d_params p;
    int g = pick(0, 3) == 0 ? 1 : pick(1, 3), i, nx, nw, ny;
    float *x, *w, *b, *y0, *y1;
    const float *bp;
    p.group = g;
    p.cin = g * pick(1, 5);
    p.cout = g * pick(1, 9);
    if (pick(0, 4) == 0) { p.group = p.cin = p.cout = pick(1, 9); } /* depthwise */
    p.n = pick(1, 2); p.ih = pick(1, 13); p.iw = pick(1, 13);
    p.kh = pick(1, 4); p.kw = pick(1, 4); p.sh = pick(1, 3); p.sw = pick(1, 3); p.dh = pick(1, 2); p.dw = pick(1, 2);
    p.pt = pick(0, 2); p.pl = pick(0, 2);
    { int pb = pick(0, 2), pr = pick(0, 2);
      int ekh = (p.kh - 1) * p.dh + 1, ekw = (p.kw - 1) * p.dw + 1;
      if (p.ih + p.pt + pb < ekh || p.iw + p.pl + pr < ekw) { t--; continue; }
      p.oh = (p.ih + p.pt + pb - ekh) / p.sh + 1; p.ow = (p.iw + p.pl + pr - ekw) / p.sw + 1; }
    p.act_min = pick(0, 1) ? -INFINITY : 0.0f; p.act_max = pick(0, 2) ? INFINITY : 0.5f;
    nx = p.n * p.cin * p.ih * p.iw; nw = p.cout * (p.cin / p.group) * p.kh * p.kw; ny = p.n * p.cout * p.oh * p.ow;
    x = malloc(sizeof(float) * nx); w = malloc(sizeof(float) * nw); b = malloc(sizeof(float) * p.cout);
    y0 = malloc(sizeof(float) * ny); y1 = malloc(sizeof(float) * ny);
    for (i = 0; i < nx; i++) x[i] = rnd();
    for (i = 0; i < nw; i++) w[i] = rnd();
    for (i = 0; i < p.cout; i++) b[i] = rnd();
    bp = pick(0, 1) ? b : NULL;
    dnnc_conv2d_f32_ref(x, w, bp, y0, &p);
    dnnc_conv2d_f32(x, w, bp, y1, &p);
    for (i = 0; i < ny; i++) {
      float d = y0[i] - y1[i];
      if (d < 0) d = -d;
      if (d > 1e-4f * (1.0f + (y0[i] < 0 ? -y0[i] : y0[i]))) { bad++; printf("case %d: n%d c%d->%d g%d %dx%d k%dx%d s%d,%d d%d,%d p%d,%d at %d: %g vs %g\\n", t, p.n, p.cin, p.cout, p.group, p.ih, p.iw, p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, p.pt, p.pl, i, y0[i], y1[i]); break; }
    }
    free(x); free(w); free(b); free(y0); free(y1);
  }
  printf("%d bad\\n", bad);
  return bad != 0;
}
`;

describe('optimised convolution kernel', () => {
  it('equals the reference kernel on 400 random shapes (groups, depthwise, strides, dilations, pads, clamps)', () => {
    const dir = tmpDir('conv');
    fs.writeFileSync(path.join(dir, 't.c'), HARNESS);
    runKernelHarness(dir, ['conv']);
  });
});
