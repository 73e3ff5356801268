// runtime-c/kernels/sample.c: the seeded PRNG and next-token sampling used by
// the --generate mains (and by the training helper), built and run on host.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, tmpDir } from '../helpers.js';

const HARNESS = `
#include <stdio.h>
#include <math.h>
#include "sample.h"
int main(void) {
  uint32_t s = 1u, z = 0u;
  int i, counts[4] = {0, 0, 0, 0}, topk[4] = {0, 0, 0, 0};
  const float logits[4] = {0.5f, 2.0f, 1.0f, -1.0f};
  {
    unsigned long a = dnnc_rng_next(&s), b = dnnc_rng_next(&s), c = dnnc_rng_next(&s);
    printf("rng %lu %lu %lu\\n", a, b, c);
  }
  printf("zero %d\\n", dnnc_rng_next(&z) != 0u);
  {
    long g0 = (long)dnnc_sample(logits, 4, 0.0f, 0, &s), g1 = (long)dnnc_sample(logits, 4, 1.0f, 1, &s);
    printf("greedy %ld %ld\\n", g0, g1);
  }
  s = 42u;
  for (i = 0; i < 40000; i++) counts[dnnc_sample(logits, 4, 1.0f, 0, &s)]++;
  printf("freq %d %d %d %d\\n", counts[0], counts[1], counts[2], counts[3]);
  for (i = 0; i < 20000; i++) topk[dnnc_sample(logits, 4, 1.0f, 2, &s)]++;
  printf("topk %d %d %d %d\\n", topk[0], topk[1], topk[2], topk[3]);
  {
    float u, lo = 1.0f, hi = 0.0f;
    for (i = 0; i < 10000; i++) { u = dnnc_rng_uniform(&s); if (u < lo) lo = u; if (u > hi) hi = u; }
    printf("uniform %d\\n", lo >= 0.0f && hi < 1.0f && lo < 0.01f && hi > 0.99f);
  }
  return 0;
}
`;

describe('runtime-c sample.c', () => {
  const dir = tmpDir('sample');
  fs.writeFileSync(path.join(dir, 'h.c'), HARNESS);
  const k = path.join(ROOT, 'runtime-c', 'kernels');
  const b = spawnSync('cc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-I', k, path.join(dir, 'h.c'), path.join(k, 'sample.c'), '-o', path.join(dir, 'h'), '-lm'], { encoding: 'utf8' });
  const out = b.status === 0 ? spawnSync(path.join(dir, 'h'), { encoding: 'utf8' }).stdout : '';
  const line = (tag: string) => (new RegExp(`^${tag} (.*)$`, 'm').exec(out)?.[1] ?? '').split(' ').map(Number);

  it('builds', () => expect(b.status, b.stderr).toBe(0));

  it('is xorshift32 (13, 17, 5); a zero state still moves', () => {
    // xorshift32 from 1, computed here
    let x = 1;
    const want: number[] = [];
    for (let i = 0; i < 3; i++) {
      x = (x ^ (x << 13)) >>> 0; x = (x ^ (x >>> 17)) >>> 0; x = (x ^ (x << 5)) >>> 0;
      want.push(x);
    }
    expect(line('rng')).toEqual(want);
    expect(line('zero')).toEqual([1]);
    expect(line('uniform')).toEqual([1]);
  });

  it('greedy when temperature <= 0 or top_k == 1', () => expect(line('greedy')).toEqual([1, 1]));

  it('temperature 1 draws with the softmax probabilities; top-k keeps only the k largest', () => {
    const l = [0.5, 2.0, 1.0, -1.0];
    const e = l.map((v) => Math.exp(v));
    const z = e.reduce((a, b) => a + b, 0);
    line('freq').forEach((c, i) => expect(Math.abs(c / 40000 - e[i]! / z)).toBeLessThan(0.01));
    const t = line('topk');
    expect(t[0]).toBe(0);
    expect(t[3]).toBe(0);
    expect(Math.abs(t[1]! / 20000 - e[1]! / (e[1]! + e[2]!))).toBeLessThan(0.015);
  });
});
