// `dnnc rsp-listing`: the CLI prints a generated kernel with per-tile counts.
import { describe, it, expect } from 'vitest';
import { dnnc } from '../helpers.js';
import { rspListing } from '../../compiler/rsp/listing.js';

describe('dnnc rsp-listing', () => {
  it('prints the disassembly, per-instruction counts per tile and the per-tile summary', () => {
    const r = dnnc(['rsp-listing', 'gemm', '--k', '16', '--p', '16', '--co', '4', '--tiles', '3']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# RSP kernel gemm: pointwise conv \/ GEMM tile: K=16, P=16, Co=4/m);
    expect(r.stdout).toMatch(/^compute:$/m);
    expect(r.stdout).toMatch(/vmadh \$v15, \$v01, \$v25\.e1/);
    const compute = Number(/compute instructions \(static cycles\)\s+(\d+)/.exec(r.stdout)?.[1]);
    const macs = Number(/MACs \/ element ops\s+(\d+)/.exec(r.stdout)?.[1]);
    expect(macs).toBe(16 * 16 * 4);
    // one vmadh per 8 MACs plus loads, requantization and loop overhead
    expect(compute).toBeGreaterThan(macs / 8);
    expect(compute).toBeLessThan(macs / 2);
    expect(r.stdout).toMatch(/DMA bytes\s+640 \(in 512, out 128\)/);
  });

  it('counts match a direct simulation, and the same tile costs more VR4300 instructions on the CPU (--cpu)', () => {
    const a = rspListing('clamp', { n: 128, tiles: 2, cpu: true });
    expect(a.run.computePerTile).toBeGreaterThan(0);
    expect(a.cpu).toBeGreaterThan(a.run.totalPerTile);
    expect(a.text).toMatch(/VR4300 instructions, same tile/);
  });

  it('rejects unknown kernels and tiles that do not fit with one error line (exit 2)', () => {
    const r = dnnc(['rsp-listing', 'softmax']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown RSP kernel 'softmax'/);
    const big = dnnc(['rsp-listing', 'add', '--n', '4096']);
    expect(big.status).toBe(2);
    expect(big.stderr).toMatch(/DMEM/);
  });
});

describe('RSP kernel as C data', () => {
  it('ucodeC() compiles with -std=c99 -Wall -Wextra -Werror and holds the IMEM image and const block', async () => {
    const { ucodeC } = await import('../../compiler/rsp/emit-c.js');
    const { gemmKernel } = await import('../../compiler/rsp/kernels/gemm.js');
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { spawnSync } = await import('node:child_process');
    const { ROOT, tmpDir } = await import('../helpers.js');
    const k = gemmKernel({ K: 8, P: 8, Co: 2, weights: Array.from({ length: 16 }, (_, i) => i - 8), requant: Array(2).fill({ shift: 8, bias: 0, lo: 0, hi: 32767 }) });
    const dir = tmpDir('rspc');
    fs.writeFileSync(path.join(dir, 'uc.c'), ucodeC(k, 'dnnc_rsp_gemm_0'));
    fs.writeFileSync(path.join(dir, 'main.c'), `#include <stdio.h>
#include "rsptask.h"
extern const dnnc_rsp_ucode dnnc_rsp_gemm_0;
int main(void) { unsigned s = 0, i; for (i = 0; i < dnnc_rsp_gemm_0.text_bytes; i++) s = s * 31u + dnnc_rsp_gemm_0.text[i];
  for (i = 0; i < dnnc_rsp_gemm_0.cdata_bytes; i++) s = s * 31u + dnnc_rsp_gemm_0.cdata[i];
  printf("%u %u %u\\n", s, (unsigned)dnnc_rsp_gemm_0.text_bytes, (unsigned)dnnc_rsp_dma_len(64, 2, 8)); return 0; }
`);
    const exe = path.join(dir, 'a.out');
    const cc = spawnSync('cc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-I', path.join(ROOT, 'runtime-c/include'), '-I', path.join(ROOT, 'runtime-c/kernels'), path.join(dir, 'uc.c'), path.join(dir, 'main.c'), '-o', exe], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    let s = 0;
    for (const b of [...k.image.imem, ...k.constData]) s = (Math.imul(s, 31) + b) >>> 0;
    const out = spawnSync(exe, [], { encoding: 'utf8' }).stdout.trim();
    expect(out).toBe(`${s} ${k.image.imem.length} ${(63 | (1 << 12) | (8 << 20)) >>> 0}`);
  });
});
