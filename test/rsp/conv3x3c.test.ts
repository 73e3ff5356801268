// The chunked 3x3 convolution kernel (input channels in chunks, partial sums
// kept in DMEM between the tiles of a group) in the simulator against dnnc's
// CPU int16 kernel (dnnc_qconv2d_i16 through test/rsp/rsp_check.c) on random
// layers: chunk counts 1, 2 and odd, both accumulator widths, extreme weights.
import { describe, it, expect } from 'vitest';
import { conv3x3cKernel, conv3x3Weights, conv3x3cWeightBytes } from '../../compiler/rsp/kernels/conv3x3c.js';
import { depthwiseRowWidth } from '../../compiler/rsp/kernels/depthwise.js';
import { chooseAcc, requantLanes, requant48Lanes, fromBe16, type Requant } from '../../compiler/rsp/kernels/common.js';
import { runTiles } from '../../compiler/rsp/run.js';
import { prng, randInt16, cRef, KIND, mismatches } from './helpers.js';

export interface ChunkCase { cc: number; chunks: number; Co: number; OH: number; OW: number; wlo: number; whi: number; xlo: number; xhi: number; shifts: number[]; seed: number; groups: number; lo?: number }

/** A task of the chunked kernel over `groups` padded input tiles: the kernel, its in0 / in1 tiles and the CPU int16 results per group. */
export function chunkTask(c: ChunkCase) {
  const r = prng(c.seed);
  const Ci = c.cc * c.chunks, IWp = depthwiseRowWidth(c.OW), plane = (c.OH + 2) * IWp;
  const w = randInt16(r, c.Co * Ci * 9, c.wlo, c.whi);
  const lo = c.lo ?? -32768;
  const rq: Requant[] = Array.from({ length: c.Co }, (_, i) => ({ shift: c.shifts[i % c.shifts.length]!, bias: r.int(-(2 ** 20), 2 ** 20), lo, hi: 32767 }));
  const acc = chooseAcc(rq, (co) => { let a = 0; for (let i = 0; i < Ci * 9; i++) a += Math.abs(w[co * Ci * 9 + i]!); return a; });
  const k = conv3x3cKernel({ cc: c.cc, chunks: c.chunks, Co: c.Co, OH: c.OH, OW: c.OW, requant: rq, acc });
  const wb = conv3x3Weights(w, c.Co, c.cc, c.chunks, acc), wt = conv3x3cWeightBytes(c.Co, c.cc, acc);
  const xs = Array.from({ length: c.groups }, () => {
    const x = new Int16Array(Ci * plane);
    for (let ci = 0; ci < Ci; ci++) for (let y = 1; y <= c.OH; y++) for (let i = 1; i <= c.OW; i++) x[(ci * (c.OH + 2) + y) * IWp + i] = r.int(c.xlo, c.xhi);
    // halo rows / columns (the neighbouring tile's rows inside a layer): random too
    for (let ci = 0; ci < Ci; ci++) for (const y of [0, c.OH + 1]) for (let i = 0; i <= c.OW + 1; i++) x[(ci * (c.OH + 2) + y) * IWp + i] = r.int(c.xlo, c.xhi);
    return x;
  });
  const in0: Int16Array[] = [], in1: Int16Array[] = [];
  for (const x of xs) for (let ch = 0; ch < c.chunks; ch++) {
    in0.push(x.slice(ch * c.cc * plane, (ch + 1) * c.cc * plane));
    in1.push(fromBe16(wb, ch * wt, wt / 2));
  }
  const prm = rq.flatMap((q) => (acc === 48 ? requant48Lanes(q) : requantLanes(q)).map((v) => (v << 16) >> 16));
  const cpu = xs.map((x) => {
    // rsp_check's conv3x3 reads [Ci][OH+2][IWp] tiles whose columns 0 and OW+1 are the padding
    const [ref, cpuOut] = cRef(KIND.conv3x3, [Ci, c.Co, c.OH, c.OW, IWp, lo, 32767], [x, w, prm, rq.map((q) => q.shift)]);
    expect(mismatches(ref, cpuOut)).toBe(0);
    return cpuOut;
  });
  return { k, in0, in1, cpu, acc };
}

describe('RSP chunked 3x3 conv (partial sums across input-channel chunks)', () => {
  const cases: (ChunkCase & { want: 32 | 48 })[] = [
    { cc: 4, chunks: 1, Co: 3, OH: 2, OW: 8, wlo: -2000, whi: 2000, xlo: -32768, xhi: 32767, shifts: [9, 17], seed: 1, groups: 2, want: 32 },
    { cc: 3, chunks: 2, Co: 2, OH: 3, OW: 16, wlo: -2000, whi: 2000, xlo: -32768, xhi: 32767, shifts: [4, 12, 20], seed: 2, groups: 2, want: 32 },
    { cc: 2, chunks: 3, Co: 4, OH: 2, OW: 8, wlo: -800, whi: 800, xlo: 0, xhi: 32767, shifts: [16, 24, 31], seed: 3, groups: 3, want: 32 },
    { cc: 1, chunks: 5, Co: 2, OH: 1, OW: 24, wlo: -1000, whi: 1000, xlo: -32768, xhi: 32767, shifts: [2, 15], seed: 4, groups: 2, want: 32 },
    { cc: 2, chunks: 2, Co: 3, OH: 2, OW: 8, wlo: -32768, whi: 32767, xlo: -32768, xhi: 32767, shifts: [16, 17, 18, 24], seed: 5, groups: 2, want: 48 },
    { cc: 3, chunks: 3, Co: 2, OH: 2, OW: 16, wlo: -32768, whi: 32767, xlo: -32768, xhi: 32767, shifts: [20, 31], seed: 6, groups: 2, want: 48 },
    // extreme: every weight and input at -32768 / 32767 (largest partial sums, both signs), 48-bit
    { cc: 4, chunks: 3, Co: 2, OH: 1, OW: 8, wlo: -32768, whi: -32768, xlo: -32768, xhi: -32768, shifts: [31, 24], seed: 7, groups: 1, want: 48 },
    { cc: 4, chunks: 3, Co: 2, OH: 1, OW: 8, wlo: 32767, whi: 32767, xlo: -32768, xhi: -32768, shifts: [31, 30], seed: 8, groups: 1, want: 48 },
    { cc: 1, chunks: 1, Co: 2, OH: 2, OW: 8, wlo: -32768, whi: 32767, xlo: -32768, xhi: 32767, shifts: [13, 13], seed: 9, groups: 2, want: 48 },
    // extreme 32-bit: sums close to 2^31 (chooseAcc's bound), shift 31
    { cc: 2, chunks: 3, Co: 1, OH: 1, OW: 8, wlo: 600, whi: 600, xlo: 32767, xhi: 32767, shifts: [31], seed: 10, groups: 1, want: 32 },
    { cc: 2, chunks: 3, Co: 1, OH: 1, OW: 8, wlo: -1100, whi: -1100, xlo: 32767, xhi: 32767, shifts: [28], seed: 11, groups: 1, want: 32, lo: -32768 },
  ];
  for (const c of cases) {
    it(`${c.chunks} chunk(s) of ${c.cc} -> Co=${c.Co}, ${c.OH}x${c.OW}, ${c.want}-bit: simulator == CPU qconv2d_i16`, () => {
      const { k, in0, in1, cpu, acc } = chunkTask(c);
      expect(acc).toBe(c.want);
      const run = runTiles(k, in0, in1);
      for (let g = 0; g < c.groups; g++) {
        expect(new Set(cpu[g]!).size + (c.seed >= 7 ? 1 : 0)).toBeGreaterThan(1);
        expect(mismatches(run.out[g]!, cpu[g]!)).toBe(0);
      }
    });
  }
});
