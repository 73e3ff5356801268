// Random tile shapes for every RSP kernel generator (seeded): whatever fits
// DMEM must run in the simulator and equal the RSP-exact C bit for bit.
import { describe, it, expect } from 'vitest';
import { gemmKernel } from '../../compiler/rsp/kernels/gemm.js';
import { depthwiseKernel, depthwiseRowWidth } from '../../compiler/rsp/kernels/depthwise.js';
import { conv3x3Kernel } from '../../compiler/rsp/kernels/conv3x3.js';
import { addKernel, mulKernel } from '../../compiler/rsp/kernels/eltwise.js';
import { maxpoolKernel, avgpoolKernel } from '../../compiler/rsp/kernels/pool.js';
import { requantLanes, requant48Lanes, type Requant, type RspKernel } from '../../compiler/rsp/kernels/common.js';
import { runTiles } from '../../compiler/rsp/run.js';
import { prng, randInt16, cRef, KIND, mismatches } from './helpers.js';

const prmOf = (rq: Requant[]) => rq.flatMap((q) => requantLanes(q).map((x) => (x << 16) >> 16));

function fits(make: () => RspKernel): RspKernel | undefined {
  try { return make(); } catch (e) { if (/DMEM/.test(String(e))) return undefined; throw e; }
}

describe('RSP kernels on random shapes', () => {
  it('gemm, depthwise, add, mul, max/avg pool: 40 random shapes, bit-exact', () => {
    const r = prng(2026);
    let ran = 0;
    for (let it = 0; it < 40; it++) {
      const kind = it % 5;
      if (kind === 0 && it % 10 === 5) {
        // 48-bit accumulation: full-range weights, shifts in [16, 31], checked against the CPU kernel
        const K = r.int(1, 60), P = 8 * r.int(1, 3), Co = r.int(1, 8);
        const w = randInt16(r, K * Co);
        const rq: Requant[] = Array.from({ length: Co }, () => ({ shift: r.int(16, 31), bias: r.int(-(2 ** 28), 2 ** 28), lo: -32768, hi: 32767 }));
        const k = fits(() => gemmKernel({ K, P, Co, weights: w, requant: rq, acc: 48 }));
        if (!k) continue;
        const x = [randInt16(r, K * P)];
        const run = runTiles(k, x);
        const prm = rq.flatMap((q) => requant48Lanes(q).map((v) => (v << 16) >> 16));
        expect(mismatches(run.out[0]!, cRef(KIND.gemm, [K, P, Co, -32768, 32767], [x[0]!, w, prm, rq.map((q) => q.shift)])[1]), `gemm48 K=${K} P=${P} Co=${Co}`).toBe(0);
      } else if (kind === 0) {
        const K = r.int(1, 40), P = 8 * r.int(1, 4), Co = r.int(1, 12);
        const w = randInt16(r, K * Co, -500, 500);
        const rq: Requant[] = Array.from({ length: Co }, () => ({ shift: r.int(2, 31), bias: r.int(-(2 ** 20), 2 ** 20), lo: r.int(-32768, 0), hi: r.int(1, 32767) }));
        const k = fits(() => gemmKernel({ K, P, Co, weights: w, requant: rq }));
        if (!k) continue;
        const x = [randInt16(r, K * P), randInt16(r, K * P)];
        const run = runTiles(k, x);
        for (let t = 0; t < 2; t++) expect(mismatches(run.out[t]!, cRef(KIND.gemm, [K, P, Co, -32768, 32767], [x[t]!, w, prmOf(rq), rq.map((q) => q.shift)])[0]), `gemm K=${K} P=${P} Co=${Co}`).toBe(0);
      } else if (kind === 1 && it % 10 === 6) {
        // 3x3 convolution over all input channels, full-range weights (48-bit) or small ones (32-bit)
        const Ci = r.int(1, 4), Co = r.int(1, 3), OH = r.int(1, 3), OW = 8 * r.int(1, 2), full = r.int(0, 1) === 1;
        const w = full ? randInt16(r, Co * Ci * 9) : randInt16(r, Co * Ci * 9, -200, 200);
        const rq: Requant[] = Array.from({ length: Co }, () => ({ shift: full ? r.int(16, 31) : r.int(2, 20), bias: r.int(-5000, 5000), lo: -32768, hi: 32767 }));
        const k = fits(() => conv3x3Kernel({ Ci, Co, OH, OW, weights: w, requant: rq }));
        if (!k) continue;
        const IWp = depthwiseRowWidth(OW);
        const x = [randInt16(r, Ci * (OH + 2) * IWp)];
        const run = runTiles(k, x);
        const prm = rq.flatMap((q) => (full ? requant48Lanes(q) : requantLanes(q)).map((v) => (v << 16) >> 16));
        expect(mismatches(run.out[0]!, cRef(KIND.conv3x3, [Ci, Co, OH, OW, IWp, -32768, 32767], [x[0]!, w, prm, rq.map((q) => q.shift)])[1]), `conv3x3 Ci=${Ci} Co=${Co} OH=${OH} OW=${OW} full=${full}`).toBe(0);
      } else if (kind === 1) {
        const C = r.int(1, 4), OH = r.int(1, 6), OW = 8 * r.int(1, 3);
        const w = randInt16(r, C * 9, -3000, 3000);
        const rq: Requant[] = Array.from({ length: C }, () => ({ shift: r.int(2, 31), bias: r.int(-5000, 5000), lo: -32768, hi: 32767 }));
        const k = fits(() => depthwiseKernel({ C, OH, OW, weights: w, requant: rq }));
        if (!k) continue;
        const x = [randInt16(r, C * (OH + 2) * depthwiseRowWidth(OW))];
        const run = runTiles(k, x);
        expect(mismatches(run.out[0]!, cRef(KIND.dw, [C, OH, OW, depthwiseRowWidth(OW), -32768, 32767], [x[0]!, w, prmOf(rq), rq.map((q) => q.shift)])[0]), `dw C=${C} OH=${OH} OW=${OW}`).toBe(0);
      } else if (kind === 2 || kind === 3) {
        const n = 8 * r.int(1, 40), s = r.int(2, 30), lo = r.int(-32768, 0), hi = r.int(0, 32767);
        const ma = r.int(-32768, 32767), mb = r.int(0, 300);
        const k = kind === 2 ? addKernel({ n, ma, mb, shift: s, lo, hi }) : mulKernel({ n, shift: s, lo, hi });
        const a = [randInt16(r, n), randInt16(r, n)], b = [randInt16(r, n), randInt16(r, n)];
        const run = runTiles(k, a, b);
        const prm = requantLanes({ shift: s, bias: 0, lo, hi });
        if (kind === 2) { prm[6] = ma & 0xffff; prm[7] = mb; }
        for (let t = 0; t < 2; t++) {
          const p = kind === 2 ? [n, 0, 0, s, lo, hi] : [n, s, lo, hi];
          expect(mismatches(run.out[t]!, cRef(kind === 2 ? KIND.add : KIND.mul, p, [a[t]!, b[t]!, prm.map((x) => (x << 16) >> 16)])[0]), `${kind === 2 ? 'add' : 'mul'} n=${n} s=${s} ma=${ma} mb=${mb}`).toBe(0);
        }
      } else {
        const OH = r.int(1, 3), C = r.int(1, 3), OW = 8 * r.int(1, 3), rows = OH * C;
        const avg = r.int(0, 1) === 1;
        const k = fits(() => (avg ? avgpoolKernel : maxpoolKernel)({ rows, OW }));
        if (!k) continue;
        const x = [randInt16(r, rows * 4 * OW)];
        const run = runTiles(k, x);
        expect(mismatches(run.out[0]!, cRef(avg ? KIND.avgpool : KIND.maxpool, [rows, OW, OH], [x[0]!])[0]), `pool rows=${rows} OW=${OW}`).toBe(0);
      }
      ran++;
    }
    expect(ran).toBeGreaterThan(30);
  });
});
