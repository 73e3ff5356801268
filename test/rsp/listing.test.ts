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
