// The generated kernels on a second RSP implementation: mupen64plus-rsp-z64
// (the low-level RSP plugin named by the issue), loaded by a small host
// program. Its outputs must equal this repository's simulator bit for bit
// (and so the C references the simulator is checked against).
import { describe, it, expect } from 'vitest';
import { gemmKernel } from '../../compiler/rsp/kernels/gemm.js';
import { conv3x3Kernel } from '../../compiler/rsp/kernels/conv3x3.js';
import { depthwiseKernel, depthwiseRowWidth } from '../../compiler/rsp/kernels/depthwise.js';
import { addKernel, mulKernel, clampKernel } from '../../compiler/rsp/kernels/eltwise.js';
import { maxpoolKernel, avgpoolKernel } from '../../compiler/rsp/kernels/pool.js';
import type { Requant, RspKernel } from '../../compiler/rsp/kernels/common.js';
import { runTiles } from '../../compiler/rsp/run.js';
import { runOnZ64, runImagesOnZ64, z64Plugin } from '../../compiler/rsp/z64.js';
import { runConv3x3Layer } from '../../compiler/rsp/layer.js';
import { prng, randInt16, mismatches } from './helpers.js';

const r = prng(99);
const rq = (n: number, shifts: number[]): Requant[] => Array.from({ length: n }, (_, i) => ({ shift: shifts[i % shifts.length]!, bias: r.int(-100000, 100000), lo: i % 2 ? 0 : -32768, hi: 32767 }));

const cases: [string, () => [RspKernel, Int16Array[], Int16Array[]]][] = [
  ['gemm, 32-bit, X in registers', () => [gemmKernel({ K: 12, P: 16, Co: 5, weights: randInt16(r, 60, -2000, 2000), requant: rq(5, [2, 9, 16, 17, 24]) }), [randInt16(r, 192), randInt16(r, 192), randInt16(r, 192)], []]],
  ['gemm, 32-bit, X streamed', () => [gemmKernel({ K: 37, P: 16, Co: 3, weights: randInt16(r, 111, -1000, 1000), requant: rq(3, [10, 20]) }), [randInt16(r, 592), randInt16(r, 592)], []]],
  ['gemm, 48-bit', () => [gemmKernel({ K: 72, P: 8, Co: 3, weights: randInt16(r, 216), requant: rq(3, [16, 17, 21]) }), [randInt16(r, 576), randInt16(r, 576)], []]],
  ['conv3x3, 48-bit', () => [conv3x3Kernel({ Ci: 3, Co: 2, OH: 2, OW: 16, weights: randInt16(r, 54), requant: rq(2, [16, 17]) }), [randInt16(r, 3 * 4 * depthwiseRowWidth(16)), randInt16(r, 3 * 4 * depthwiseRowWidth(16))], []]],
  ['depthwise3x3, 32-bit', () => [depthwiseKernel({ C: 2, OH: 3, OW: 16, weights: randInt16(r, 18, -3000, 3000), requant: rq(2, [12, 20]) }), [randInt16(r, 2 * 5 * depthwiseRowWidth(16)), randInt16(r, 2 * 5 * depthwiseRowWidth(16))], []]],
  ['depthwise3x3, 48-bit', () => [depthwiseKernel({ C: 2, OH: 2, OW: 8, weights: randInt16(r, 18), requant: rq(2, [16, 18]) }), [randInt16(r, 2 * 4 * depthwiseRowWidth(8))], []]],
  ['add (vmudm path)', () => [addKernel({ n: 64, ma: 4, mb: 2, shift: 3, lo: -32768, hi: 32767 }), [randInt16(r, 64), randInt16(r, 64)], [randInt16(r, 64), randInt16(r, 64)]]],
  ['add (general path)', () => [addKernel({ n: 40, ma: -300, mb: 77, shift: 5, lo: -20000, hi: 20000 }), [randInt16(r, 40)], [randInt16(r, 40)]]],
  ['mul', () => [mulKernel({ n: 64, shift: 15, lo: -32768, hi: 32767 }), [randInt16(r, 64), randInt16(r, 64)], [randInt16(r, 64), randInt16(r, 64)]]],
  ['clamp', () => [clampKernel({ n: 48, lo: 0, hi: 6144 }), [randInt16(r, 48), randInt16(r, 48)], []]],
  ['maxpool2x2', () => [maxpoolKernel({ rows: 4, OW: 16 }), [randInt16(r, 256), randInt16(r, 256)], []]],
  ['avgpool2x2', () => [avgpoolKernel({ rows: 4, OW: 8 }), [randInt16(r, 128), randInt16(r, 128)], []]],
];

describe.skipIf(!z64Plugin())('RSP kernels on mupen64plus-rsp-z64', () => {
  for (const [name, make] of cases) {
    it(`${name}: z64 == simulator`, () => {
      const [k, a, b] = make();
      const z = runOnZ64(k, a, b);
      const sim = runTiles(k, a, b);
      expect(z.executed).toBeGreaterThan(0);
      for (let t = 0; t < a.length; t++) {
        expect(new Set(z.out[t]!).size).toBeGreaterThan(1); // real outputs, not an untouched buffer
        expect(mismatches(z.out[t]!, sim.out[t]!)).toBe(0);
      }
    });
  }

  it('a whole 3x3 conv layer (the example cnn conv1 shape, full-range weights, 4 tasks x 8 tiles) on z64 == simulator', () => {
    const l = { Ci: 8, Co: 16, H: 8, W: 8, weights: randInt16(r, 16 * 8 * 9), bias: Array.from({ length: 16 }, () => r.int(-(2 ** 20), 2 ** 20)), shift: Array(16).fill(16), lo: 0, hi: 32767 };
    const x = randInt16(r, 8 * 64);
    const sim = runConv3x3Layer(l, x);
    const z = runConv3x3Layer(l, x, { engine: (rd, dm, im) => runImagesOnZ64(rd, dm, im).rdram });
    expect(z.tasks).toBeGreaterThan(1);
    expect(new Set(z.y).size).toBeGreaterThan(1);
    expect(mismatches(z.y, sim.y)).toBe(0);
  });
});
