// The tile pass's pure parts: level choice, the scratch layout (tile ABI)
// and the tile search.
import { describe, it, expect } from 'vitest';
import { getTarget } from '../../compiler/targets/target.js';
import { tileLevel, levelBudget, tileLayout, chooseTile, tiledPipeline, TILE_DESC_BYTES, type TileProblem } from '../../passes/tile.js';
import { DEFAULT_PIPELINE, QUANT_PIPELINE } from '../../passes/index.js';

const conv = (over: Partial<TileProblem> = {}): TileProblem => ({
  kind: 'conv', dtype: 'f32', n: 1, cin: 64, ih: 25, iw: 5, cout: 64, oh: 25, ow: 5, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, group: 1,
  xe: 4, we: 4, be: 4, ae: 4, hasBias: true, requant: 0, gemmC: false, transA: 0, transB: 0, ...over,
});

describe('tile levels', () => {
  it('takes the levels from the target description', () => {
    const n64 = getTarget('n64')!, host = getTarget('host')!, esp = getTarget('esp32')!;
    const dmem = tileLevel(n64, { rspModel: true });
    expect(dmem.name).toBe('RSP DMEM');
    expect(levelBudget(dmem)).toBe(4096 - 512);
    expect(tileLevel(n64, { level: 'dcache' }).bytes).toBe(8192);
    expect(tileLevel(host, {}).bytes).toBe(32 * 1024);
    expect(tileLevel(esp, { level: 'sram' }).name).toBe('internal DRAM');
    expect(tileLevel(host, { level: '2k' }).bytes).toBe(2048);
    expect(() => tileLevel(host, { rspModel: true })).toThrow(/no DMA scratch memory/);
  });

  it('runs the pass after quantization and before the schedule and memory plan', () => {
    for (const p of [DEFAULT_PIPELINE, QUANT_PIPELINE]) {
      const t = tiledPipeline(p);
      expect(t.length).toBe(p.length + 1);
      expect(t.indexOf('tile')).toBe(t.lastIndexOf('schedule') - 1);
      expect(t.indexOf('tile')).toBeGreaterThan(p.indexOf('fuse-activation'));
    }
    expect(DEFAULT_PIPELINE).not.toContain('tile');
  });
});

describe('tile layout and search', () => {
  it('lays out the descriptor, two input sets, accumulator and partial sums, 8-byte aligned', () => {
    const L = tileLayout(conv(), { oc: 8, oh: 2, ow: 5, ic: 8 }, 1, 8);
    expect(L.offX[0]).toBe(TILE_DESC_BYTES);
    const ph = 4, pw = 7;
    expect(L.offW[0] - L.offX[0]).toBe(8 * ph * pw * 4);
    expect(L.offB[0] - L.offW[0]).toBe(8 * 8 * 9 * 4);
    expect(L.offX[1]).toBe(L.offB[0] + 32);
    expect(L.offPart - L.offAcc).toBe(8 * 2 * 5 * 4);
    expect(L.bytes).toBe(L.offPart + 8 * 2 * 5 * 4);
    for (const o of [...L.offX, ...L.offW, ...L.offB, L.offAcc, L.offPart, L.bytes]) expect(o % 8).toBe(0);
  });

  it('pads int16 channels to the 8 RSP lanes', () => {
    const p = conv({ dtype: 'i16', xe: 2, we: 2, be: 8, ae: 8, requant: 2 });
    const a = tileLayout(p, { oc: 5, oh: 1, ow: 5, ic: 3 }, 8, 8);
    const b = tileLayout(p, { oc: 8, oh: 1, ow: 5, ic: 8 }, 8, 8);
    expect(a.bytes).toBe(b.bytes);
  });

  it('finds the tile moving the fewest bytes within the budget, or none', () => {
    const c = chooseTile(conv(), 3584, 1, 8)!;
    expect(c.layout.bytes).toBeLessThanOrEqual(3584);
    expect(c.chunks).toBe(Math.ceil(64 / c.shape.ic));
    // every smaller budget still fits a tile, down to a point
    expect(chooseTile(conv(), 1024, 1, 8)!.layout.bytes).toBeLessThanOrEqual(1024);
    expect(chooseTile(conv({ kh: 11, kw: 11, ih: 40, iw: 40, oh: 30, ow: 30 }), 600, 1, 8)).toBeNull();
  });
});
