// 48-bit accumulation with a requantization shift below 16 (13..15, one shift
// for all channels of a task: the readout adds the low accumulator word and
// scales by 2^(32-s) in 16384-pairs): simulator == dnnc's CPU int16 kernels
// (int64 accumulator) on full-range weights and inputs, saturating tiles too.
import { describe, it, expect } from 'vitest';
import { gemmKernel } from '../../compiler/rsp/kernels/gemm.js';
import { depthwiseKernel, depthwiseRowWidth } from '../../compiler/rsp/kernels/depthwise.js';
import { conv3x3Kernel } from '../../compiler/rsp/kernels/conv3x3.js';
import { requant48Lanes, chooseAcc, type Requant } from '../../compiler/rsp/kernels/common.js';
import { runTiles } from '../../compiler/rsp/run.js';
import { prng, randInt16, cRef, KIND, mismatches } from './helpers.js';

const prm48 = (rq: Requant[]) => rq.flatMap((q) => requant48Lanes(q).map((x) => (x << 16) >> 16));

describe('RSP 48-bit readout, shift < 16', () => {
  for (const s of [13, 14, 15]) {
    it(`depthwise 3x3, shift ${s}: simulator == CPU qconv2d_i16`, () => {
      const r = prng(100 + s);
      const C = 4, OH = 2, OW = 16, IWp = depthwiseRowWidth(OW);
      const w = randInt16(r, C * 9);
      const rq: Requant[] = Array.from({ length: C }, (_, i) => ({ shift: s, bias: r.int(-100000, 100000), lo: i % 2 ? 0 : -32768, hi: 32767 }));
      const k = depthwiseKernel({ C, OH, OW, weights: w, requant: rq });
      expect(k.description).toMatch(/48-bit/);
      // small inputs (results mostly inside int16, rounding exercised), full range (saturation)
      const tiles = [randInt16(r, C * (OH + 2) * IWp, -40, 40), randInt16(r, C * (OH + 2) * IWp, -300, 300), randInt16(r, C * (OH + 2) * IWp)];
      const run = runTiles(k, tiles);
      let inside = 0;
      for (let t = 0; t < tiles.length; t++) {
        const [, cpu] = cRef(KIND.dw, [C, OH, OW, IWp, -32768, 32767], [tiles[t]!, w, prm48(rq), rq.map((q) => q.shift)]);
        const want = cpu.map((v, i) => Math.max(rq[Math.floor(i / (OH * OW))]!.lo, v));
        inside += want.filter((v) => v > -32768 && v < 32767 && v !== 0).length;
        expect(mismatches(run.out[t]!, want)).toBe(0);
      }
      expect(inside).toBeGreaterThan(50); // not only saturated / zero results
    });
    it(`gemm and conv3x3, shift ${s}: simulator == CPU qconv2d_i16`, () => {
      const r = prng(200 + s);
      const K = 12, P = 16, Co = 3;
      const w = randInt16(r, K * Co);
      const rq: Requant[] = Array.from({ length: Co }, () => ({ shift: s, bias: r.int(-100000, 100000), lo: -32768, hi: 32767 }));
      const g = gemmKernel({ K, P, Co, weights: w, requant: rq, acc: 48 });
      const gt = [randInt16(r, K * P, -30, 30), randInt16(r, K * P)];
      const gr = runTiles(g, gt);
      for (let t = 0; t < gt.length; t++) {
        const [, cpu] = cRef(KIND.gemm, [K, P, Co, -32768, 32767], [gt[t]!, w, prm48(rq), rq.map((q) => q.shift)]);
        expect(mismatches(gr.out[t]!, cpu)).toBe(0);
      }
      const Ci = 2, OH = 2, OW = 8, IWp = depthwiseRowWidth(OW);
      const w3 = randInt16(r, Co * Ci * 9);
      const c3 = conv3x3Kernel({ Ci, Co, OH, OW, weights: w3, requant: rq, acc: 48 });
      const ct = [randInt16(r, Ci * (OH + 2) * IWp, -30, 30), randInt16(r, Ci * (OH + 2) * IWp)];
      const cr = runTiles(c3, ct);
      for (let t = 0; t < ct.length; t++) {
        const [, cpu] = cRef(KIND.conv3x3, [Ci, Co, OH, OW, IWp, -32768, 32767], [ct[t]!, w3, prm48(rq), rq.map((q) => q.shift)]);
        expect(mismatches(cr.out[t]!, cpu)).toBe(0);
      }
    });
  }
  it('refuses mixed shifts below 16 and shifts below 13', () => {
    const q = (shift: number): Requant => ({ shift, bias: 0, lo: -32768, hi: 32767 });
    expect(() => chooseAcc([q(14), q(16)], () => 1e6)).toThrow(/shift 14 < 16 with other shifts/);
    expect(() => chooseAcc([q(12)], () => 1e6)).toThrow(/shift 12 outside \[13, 32\]/);
    expect(chooseAcc([q(14), q(14)], () => 1e6)).toBe(48);
  });
});
