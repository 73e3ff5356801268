// Generated RSP kernels run in the simulator on random int16 tiles (several
// tiles per task, so the double-buffered DMA loop is exercised) and are
// compared bit for bit with the RSP-exact C reference (runtime-c/kernels/
// rspref.c, built with ASan/UBSan) and, inside the documented contract,
// with dnnc's CPU int16 kernels (qconv, qelementwise, qpool).
import { describe, it, expect } from 'vitest';
import { gemmKernel } from '../../compiler/rsp/kernels/gemm.js';
import { depthwiseKernel, depthwiseRowWidth } from '../../compiler/rsp/kernels/depthwise.js';
import { conv3x3Kernel } from '../../compiler/rsp/kernels/conv3x3.js';
import { addKernel, mulKernel, clampKernel, liftAdd } from '../../compiler/rsp/kernels/eltwise.js';
import { maxpoolKernel, avgpoolKernel } from '../../compiler/rsp/kernels/pool.js';
import { requantLanes, requant48Lanes, type Requant } from '../../compiler/rsp/kernels/common.js';
import { runTiles } from '../../compiler/rsp/run.js';
import { prng, randInt16, cRef, KIND, mismatches } from './helpers.js';

const TILES = 3;

function prmOf(rq: Requant[]): number[] {
  return rq.flatMap((q) => requantLanes(q).map((x) => (x << 16) >> 16));
}

describe('RSP GEMM / pointwise tile', () => {
  const cases = [
    { K: 12, P: 16, Co: 5, wmax: 3000, seed: 1 },
    { K: 8, P: 8, Co: 3, wmax: 8000, seed: 2 },
    { K: 37, P: 16, Co: 4, wmax: 1500, seed: 3 },
    { K: 116, P: 8, Co: 1, wmax: 400, seed: 4 }, // weights streamed per 8 k (K > 112)
  ];
  for (const c of cases) {
    it(`K=${c.K} P=${c.P} Co=${c.Co}: simulator == RSP-exact C == CPU qconv2d_i16`, () => {
      const r = prng(c.seed);
      const w = randInt16(r, c.K * c.Co, -c.wmax, c.wmax);
      const lo = r.int(0, 1) ? 0 : -32768, hi = lo === 0 ? r.int(100, 32767) : 32767;
      const rq: Requant[] = Array.from({ length: c.Co }, (_, i) => ({ shift: [2, 9, 16, 17, 24, 31][(i + c.seed) % 6]!, bias: r.int(-1_000_000, 1_000_000), lo, hi }));
      const k = gemmKernel({ K: c.K, P: c.P, Co: c.Co, weights: w, requant: rq });
      const tiles = Array.from({ length: TILES }, () => randInt16(r, c.K * c.P));
      const run = runTiles(k, tiles);
      for (let t = 0; t < TILES; t++) {
        const [ref, cpu] = cRef(KIND.gemm, [c.K, c.P, c.Co, lo, hi], [tiles[t]!, w, prmOf(rq), rq.map((q) => q.shift)]);
        expect(mismatches(run.out[t]!, ref)).toBe(0);
        expect(mismatches(ref, cpu)).toBe(0);
      }
      expect(run.stats.instructions).toBeGreaterThan(0);
    });
  }

  it('outside the |sum| < 2^31 contract (refused by default, forced here) the simulator still equals the RSP-exact C, which models the 32-bit wrap', () => {
    const r = prng(9);
    const K = 16, P = 8, Co = 4;
    const w = randInt16(r, K * Co, 20000, 32767);
    const rq: Requant[] = Array.from({ length: Co }, (_, i) => ({ shift: [4, 12, 20, 28][i]!, bias: r.int(-(2 ** 30), 2 ** 30), lo: -32768, hi: 32767 }));
    expect(() => gemmKernel({ K, P, Co, weights: w, requant: rq })).toThrow(/could overflow.*48-bit accumulation: channel 0: shift 4 outside \[13, 32\]/);
    const k = gemmKernel({ K, P, Co, weights: w, requant: rq, acc: 'wrap32' });
    const tiles = [randInt16(r, K * P, 20000, 32767), randInt16(r, K * P, -32768, -20000)];
    const run = runTiles(k, tiles);
    let cpuDiff = 0;
    for (let t = 0; t < tiles.length; t++) {
      const [ref, cpu] = cRef(KIND.gemm, [K, P, Co, -32768, 32767], [tiles[t]!, w, prmOf(rq), rq.map((q) => q.shift)]);
      expect(mismatches(run.out[t]!, ref)).toBe(0);
      cpuDiff += mismatches(ref, cpu);
    }
    expect(cpuDiff).toBeGreaterThan(0); // the CPU's int64 accumulator does not wrap: documented difference
  });

  it('rejects shifts the RSP sequence cannot do and tiles that do not fit DMEM', () => {
    expect(() => gemmKernel({ K: 8, P: 8, Co: 1, weights: new Int16Array(8), requant: [{ shift: 1, bias: 0, lo: -32768, hi: 32767 }] })).toThrow(/shift 1 outside \[2, 31\].*shift 1 outside \[13, 32\]/);
    expect(() => gemmKernel({ K: 64, P: 64, Co: 8, weights: new Int16Array(512), requant: Array(8).fill({ shift: 8, bias: 0, lo: -32768, hi: 32767 }) })).toThrow(/DMEM/);
  });
});

describe('RSP 48-bit accumulation (full-range int16 weights and inputs)', () => {
  const prm48 = (rq: Requant[]) => rq.flatMap((q) => requant48Lanes(q).map((x) => (x << 16) >> 16));
  for (const c of [{ K: 27, P: 16, Co: 6, seed: 61 }, { K: 72, P: 8, Co: 4, seed: 62 }, { K: 110, P: 8, Co: 1, seed: 63 }, { K: 5, P: 8, Co: 3, seed: 64 }]) {
    it(`gemm K=${c.K} P=${c.P} Co=${c.Co}: simulator == CPU qconv2d_i16 (int64 accumulator)`, () => {
      const r = prng(c.seed);
      const w = randInt16(r, c.K * c.Co);
      const rq: Requant[] = Array.from({ length: c.Co }, (_, i) => ({ shift: [16, 17, 18, 24, 31, 20][i % 6]!, bias: r.int(-(2 ** 29), 2 ** 29), lo: i % 2 ? 0 : -32768, hi: 32767 }));
      const k = gemmKernel({ K: c.K, P: c.P, Co: c.Co, weights: w, requant: rq });
      expect(k.description).toMatch(/48-bit accumulation/);
      const tiles = [randInt16(r, c.K * c.P), randInt16(r, c.K * c.P, 30000, 32767)];
      const run = runTiles(k, tiles);
      for (let t = 0; t < tiles.length; t++) {
        const [, cpu] = cRef(KIND.gemm, [c.K, c.P, c.Co, -32768, 32767], [tiles[t]!, w, prm48(rq), rq.map((q) => q.shift)]);
        // the harness clamps to one range for all channels: apply each channel's own clamp to the CPU result
        const want = cpu.map((v, i) => Math.max(rq[Math.floor(i / c.P)]!.lo, v));
        expect(mismatches(run.out[t]!, want)).toBe(0);
      }
    });
  }
  it('depthwise 3x3 with full-range weights: simulator == CPU qconv2d_i16 (group=C)', () => {
    const r = prng(65);
    const C = 3, OH = 4, OW = 16, IWp = depthwiseRowWidth(OW);
    const w = randInt16(r, C * 9);
    const rq: Requant[] = Array.from({ length: C }, (_, i) => ({ shift: [16, 17, 22][i]!, bias: r.int(-1000000, 1000000), lo: -32768, hi: 32767 }));
    const k = depthwiseKernel({ C, OH, OW, weights: w, requant: rq });
    expect(k.description).toMatch(/48-bit/);
    const tiles = [randInt16(r, C * (OH + 2) * IWp), randInt16(r, C * (OH + 2) * IWp)];
    const run = runTiles(k, tiles);
    for (let t = 0; t < 2; t++) {
      const [, cpu] = cRef(KIND.dw, [C, OH, OW, IWp, -32768, 32767], [tiles[t]!, w, prm48(rq), rq.map((q) => q.shift)]);
      expect(mismatches(run.out[t]!, cpu)).toBe(0);
    }
  });
  it('chooses 32-bit accumulation when the weights allow it, and refuses what neither can do exactly', () => {
    const small = gemmKernel({ K: 8, P: 8, Co: 1, weights: new Int16Array(8).fill(100), requant: [{ shift: 12, bias: 0, lo: 0, hi: 32767 }] });
    expect(small.description).toMatch(/32-bit/);
    expect(() => gemmKernel({ K: 8, P: 8, Co: 1, weights: new Int16Array(8).fill(30000), requant: [{ shift: 12, bias: 0, lo: 0, hi: 32767 }] })).toThrow(/48-bit accumulation: channel 0: shift 12 outside \[13, 32\]/);
    expect(() => gemmKernel({ K: 8, P: 8, Co: 1, weights: new Int16Array(8).fill(30000), requant: [{ shift: 20, bias: 0, lo: 0, hi: 32767 }], acc: 32 })).toThrow(/could overflow/);
  });
});

describe('RSP 3x3 depthwise tile', () => {
  for (const c of [{ C: 3, OH: 4, OW: 8, seed: 11 }, { C: 2, OH: 3, OW: 16, seed: 12 }, { C: 1, OH: 6, OW: 24, seed: 13 }]) {
    it(`C=${c.C} OH=${c.OH} OW=${c.OW}: simulator == RSP-exact C == CPU qconv2d_i16 (group=C)`, () => {
      const r = prng(c.seed);
      const IWp = depthwiseRowWidth(c.OW);
      const w = randInt16(r, c.C * 9, -7000, 7000);
      const rq: Requant[] = Array.from({ length: c.C }, (_, i) => ({ shift: [14, 3, 20][i % 3]!, bias: r.int(-50000, 50000), lo: 0, hi: 6 << 10 }));
      const k = depthwiseKernel({ C: c.C, OH: c.OH, OW: c.OW, weights: w, requant: rq });
      const tiles = Array.from({ length: TILES }, () => randInt16(r, c.C * (c.OH + 2) * IWp));
      const run = runTiles(k, tiles);
      for (let t = 0; t < TILES; t++) {
        const [ref, cpu] = cRef(KIND.dw, [c.C, c.OH, c.OW, IWp, 0, 6 << 10], [tiles[t]!, w, prmOf(rq), rq.map((q) => q.shift)]);
        expect(mismatches(run.out[t]!, ref)).toBe(0);
        expect(mismatches(ref, cpu)).toBe(0);
      }
    });
  }
});

describe('RSP 3x3 convolution tile (all input channels)', () => {
  const cases = [
    { Ci: 3, Co: 4, OH: 3, OW: 16, full: true, seed: 71 },   // like the example cnn's first layer: 48-bit
    { Ci: 8, Co: 3, OH: 2, OW: 8, full: true, seed: 72 },    // like its second layer
    { Ci: 2, Co: 2, OH: 2, OW: 8, full: false, seed: 73 },   // small weights: 32-bit
  ];
  for (const c of cases) {
    it(`Ci=${c.Ci} Co=${c.Co} OH=${c.OH} OW=${c.OW}: simulator == CPU qconv2d_i16 and its reference`, () => {
      const r = prng(c.seed);
      const IWp = depthwiseRowWidth(c.OW);
      const w = c.full ? randInt16(r, c.Co * c.Ci * 9) : randInt16(r, c.Co * c.Ci * 9, -300, 300);
      const rq: Requant[] = Array.from({ length: c.Co }, (_, i) => ({ shift: c.full ? [16, 17, 19][i % 3]! : 9, bias: r.int(-100000, 100000), lo: 0, hi: 32767 }));
      const k = conv3x3Kernel({ Ci: c.Ci, Co: c.Co, OH: c.OH, OW: c.OW, weights: w, requant: rq });
      expect(k.description).toMatch(c.full ? /48-bit/ : /32-bit/);
      const tiles = [randInt16(r, c.Ci * (c.OH + 2) * IWp), randInt16(r, c.Ci * (c.OH + 2) * IWp, 0, 32767)];
      const run = runTiles(k, tiles);
      const prm = rq.flatMap((q) => (c.full ? requant48Lanes(q) : requantLanes(q)).map((x) => (x << 16) >> 16));
      for (let t = 0; t < tiles.length; t++) {
        const [ref, cpu] = cRef(KIND.conv3x3, [c.Ci, c.Co, c.OH, c.OW, IWp, 0, 32767], [tiles[t]!, w, prm, rq.map((q) => q.shift)]);
        expect(mismatches(ref, cpu)).toBe(0);
        expect(mismatches(run.out[t]!, cpu)).toBe(0);
      }
    });
  }
});

describe('RSP elementwise tiles', () => {
  it('add with rescale (dnnc int16 Add shifts, lifted when s < 2) == RSP-exact C == CPU dnnc_qadd_i16', () => {
    const r = prng(21);
    let fastSeen = 0;
    for (const [am, bm, s] of [[0, 0, 0], [0, 3, 1], [2, 0, 6], [1, 1, 13], [12, 13, 14], [3, 0, 20]] as const) {
      const n = am === 0 ? 24 : 64;
      const { ma, mb, shift } = liftAdd(am, bm, s);
      const lo = -32768, hi = 32767;
      const k = addKernel({ n, ma, mb, shift, lo, hi });
      const A = [randInt16(r, n), randInt16(r, n)], B = [randInt16(r, n), randInt16(r, n)];
      const run = runTiles(k, A, B);
      const prm = requantLanes({ shift, bias: 0, lo, hi });
      prm[6] = ma; prm[7] = mb;
      if (/vmudm/.test(k.description)) fastSeen++;
      for (let t = 0; t < 2; t++) {
        const [ref, cpu] = cRef(KIND.add, [n, am, bm, s, lo, hi], [A[t]!, B[t]!, prm]);
        expect(mismatches(run.out[t]!, ref)).toBe(0);
        expect(mismatches(ref, cpu)).toBe(0);
      }
    }
    expect(fastSeen).toBeGreaterThan(0); // both the vmudm path and the general one ran
    expect(fastSeen).toBeLessThan(6);
  });

  it('mul with rescale == RSP-exact C == CPU dnnc_qmul_i16', () => {
    const r = prng(22);
    for (const s of [2, 7, 15, 16, 17, 30]) {
      const n = 40, lo = -1000, hi = 30000;
      const k = mulKernel({ n, shift: s, lo, hi });
      const A = [randInt16(r, n), randInt16(r, n), randInt16(r, n)], B = [randInt16(r, n), randInt16(r, n), randInt16(r, n)];
      const run = runTiles(k, A, B);
      for (let t = 0; t < 3; t++) {
        const [ref, cpu] = cRef(KIND.mul, [n, s, lo, hi], [A[t]!, B[t]!, requantLanes({ shift: s, bias: 0, lo, hi })]);
        expect(mismatches(run.out[t]!, ref)).toBe(0);
        expect(mismatches(ref, cpu)).toBe(0);
      }
    }
  });

  it('clamp (ReLU, ReLU6 in Q10) == C', () => {
    const r = prng(23);
    for (const [lo, hi] of [[0, 32767], [0, 6 << 10], [-128, 127]] as const) {
      const n = 48;
      const k = clampKernel({ n, lo, hi });
      const X = Array.from({ length: TILES }, () => randInt16(r, n));
      const run = runTiles(k, X);
      for (let t = 0; t < TILES; t++) {
        const [ref, cpu] = cRef(KIND.clamp, [n, lo, hi], [X[t]!]);
        expect(mismatches(run.out[t]!, ref)).toBe(0);
        expect(mismatches(ref, cpu)).toBe(0);
      }
    }
  });
});

describe('RSP 2x2 pooling tiles', () => {
  it('max pool == RSP-exact C == CPU dnnc_maxpool2d_i16', () => {
    const r = prng(31);
    const OH = 2, OW = 16, rows = 3 * OH;
    const k = maxpoolKernel({ rows, OW });
    const X = Array.from({ length: TILES }, () => randInt16(r, rows * 4 * OW));
    const run = runTiles(k, X);
    for (let t = 0; t < TILES; t++) {
      const [ref, cpu] = cRef(KIND.maxpool, [rows, OW, OH], [X[t]!]);
      expect(mismatches(run.out[t]!, ref)).toBe(0);
      expect(mismatches(ref, cpu)).toBe(0);
    }
  });

  it('avg pool == RSP-exact C; equals the CPU for non-negative inputs, differs only on negative ties', () => {
    const r = prng(32);
    const OH = 2, OW = 8, rows = 2 * OH;
    const k = avgpoolKernel({ rows, OW });
    const pos = randInt16(r, rows * 4 * OW, 0, 32767), signed = randInt16(r, rows * 4 * OW, -40, 40);
    const run = runTiles(k, [pos, signed]);
    const [refP, cpuP] = cRef(KIND.avgpool, [rows, OW, OH], [pos]);
    expect(mismatches(run.out[0]!, refP)).toBe(0);
    expect(mismatches(refP, cpuP)).toBe(0);
    const [refS, cpuS] = cRef(KIND.avgpool, [rows, OW, OH], [signed]);
    expect(mismatches(run.out[1]!, refS)).toBe(0);
    for (let i = 0; i < refS.length; i++) if (refS[i] !== cpuS[i]) expect(cpuS[i]! - refS[i]!).toBe(-1);
    expect(mismatches(refS, cpuS)).toBeGreaterThan(0);
  });
});

describe('RSP pointwise layer (NCHW tensor, strided SP DMA gather/scatter, several tasks)', () => {
  it('equals dnnc_qconv2d_i16 on the whole layer, and eligibility explains refusals', async () => {
    const { runPointwiseLayer, pointwiseEligibility, planPointwise } = await import('../../compiler/rsp/layer.js');
    const r = prng(41);
    const K = 24, HW = 96, Co = 40;
    const w = randInt16(r, K * Co, -1200, 1200);
    const bias = Array.from({ length: Co }, () => r.int(-100000, 100000));
    const shift = Array.from({ length: Co }, () => r.int(8, 22));
    const layer = { K, HW, Co, weights: w, bias, shift, lo: 0, hi: 32767 };
    expect(pointwiseEligibility(layer)).toEqual({ ok: true, acc: 32 });
    const plan = planPointwise(K, HW, Co);
    expect(plan.coPerTask).toBeLessThan(Co); // the weights need more than one task
    const x = randInt16(r, K * HW);
    const run = runPointwiseLayer(layer, x);
    expect(run.tasks).toBe(Math.ceil(Co / plan.coPerTask));
    const prm = bias.flatMap((b, c) => requantLanes({ shift: shift[c]!, bias: b, lo: 0, hi: 32767 }).map((v) => (v << 16) >> 16));
    const [ref, cpu] = cRef(KIND.gemm, [K, HW, Co, 0, 32767], [x, w, prm, shift]);
    expect(mismatches(run.y, ref)).toBe(0);
    expect(mismatches(run.y, cpu)).toBe(0);
    expect(pointwiseEligibility({ ...layer, shift: shift.map(() => 1) })).toMatchObject({ ok: false, reason: expect.stringMatching(/shift 1/) });
    expect(pointwiseEligibility({ ...layer, weights: w.map(() => 32767) })).toMatchObject({ ok: false, reason: expect.stringMatching(/could overflow.*shift \d+ outside \[13, 32\]/) });
    // full-range weights with shifts >= 16: 48-bit accumulation, still equal to the CPU
    const wide = { ...layer, weights: randInt16(r, K * Co), shift: shift.map(() => r.int(16, 24)) };
    expect(pointwiseEligibility(wide)).toEqual({ ok: true, acc: 48 });
    const runW = runPointwiseLayer(wide, x);
    const prmW = bias.flatMap((b, c) => requant48Lanes({ shift: wide.shift[c]!, bias: b, lo: 0, hi: 32767 }).map((v) => (v << 16) >> 16));
    expect(mismatches(runW.y, cRef(KIND.gemm, [K, HW, Co, 0, 32767], [x, wide.weights, prmW, wide.shift])[1])).toBe(0);
  });
});

describe('the simulator catches a broken double-buffering protocol', () => {
  it('without the DMA_BUSY waits, a tile is read before its DMA lands: wrong results', async () => {
    // (with several tiles the DMA_FULL waits before each prefetch happen to order the
    // queue; a single-tile task has no prefetch, so only DMA_BUSY protects it)
    const { assemble } = await import('../../compiler/rsp/asm.js');
    const r = prng(51);
    const n = 64;
    const good = addKernel({ n, ma: 1, mb: 1, shift: 2, lo: -32768, hi: 32767 });
    const A = [randInt16(r, n)], B = [randInt16(r, n)];
    const ok = runTiles(good, A, B);
    // drop every DMA_BUSY wait before the compute body (the DMA_FULL waits stay, so no DMA overflows)
    const lines = good.asm.split('\n');
    const end = lines.findIndex((l) => l.startsWith('compute:'));
    let dropped = 0;
    for (let i = 0; i < end; i++) if (/bnez \$t8, wait_idle/.test(lines[i]!)) { lines[i] = '  nop'; dropped++; }
    expect(dropped).toBe(2);
    const broken = { ...good, asm: lines.join('\n'), image: assemble(lines.join('\n')) };
    const bad = runTiles(broken, A, B);
    const diff = bad.out.reduce((s, o, t) => s + mismatches(o, ok.out[t]!), 0);
    expect(diff).toBeGreaterThan(0);
  });
});

describe('RSP 3x3 convolution layer (row-block tiles gathered by one strided DMA each)', () => {
  for (const c of [{ Ci: 8, Co: 16, H: 8, W: 8, s: 16, seed: 81 }, { Ci: 3, Co: 8, H: 16, W: 16, s: 17, seed: 82 }]) {
    it(`${c.Ci}->${c.Co} channels, ${c.H}x${c.W}, padding 1, full-range int16 weights, shift ${c.s}: equal to dnnc_qconv2d_i16`, async () => {
      const { runConv3x3Layer } = await import('../../compiler/rsp/layer.js');
      const r = prng(c.seed);
      const w = randInt16(r, c.Co * c.Ci * 9);
      const bias = Array.from({ length: c.Co }, () => r.int(-(2 ** 24), 2 ** 24));
      const shift = Array.from({ length: c.Co }, () => c.s);
      const x = randInt16(r, c.Ci * c.H * c.W);
      const run = runConv3x3Layer({ Ci: c.Ci, Co: c.Co, H: c.H, W: c.W, weights: w, bias, shift, lo: 0, hi: 32767 }, x);
      expect(run.acc).toBe(48);
      expect(run.tasks * run.coPerTask).toBeGreaterThanOrEqual(c.Co);
      expect(c.H / run.OH).toBeGreaterThan(1); // several row-block tiles per task
      const IWp = depthwiseRowWidth(c.W);
      const padded = new Int16Array(c.Ci * (c.H + 2) * IWp);
      for (let ci = 0; ci < c.Ci; ci++) for (let y = 0; y < c.H; y++) for (let i = 0; i < c.W; i++) padded[(ci * (c.H + 2) + y + 1) * IWp + i + 1] = x[(ci * c.H + y) * c.W + i]!;
      const prm = bias.flatMap((b) => requant48Lanes({ shift: c.s, bias: b, lo: 0, hi: 32767 }).map((v) => (v << 16) >> 16));
      const [, cpu] = cRef(KIND.conv3x3, [c.Ci, c.Co, c.H, c.W, IWp, 0, 32767], [padded, w, prm, shift]);
      expect(mismatches(run.y, cpu)).toBe(0);
    });
  }
});
