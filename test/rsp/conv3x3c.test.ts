// The chunked 3x3 convolution kernel (input channels in chunks, partial sums
// kept in DMEM between the tiles of a group) in the simulator against dnnc's
// CPU int16 kernel (dnnc_qconv2d_i16 through test/rsp/rsp_check.c) on random
// layers: chunk counts 1, 2 and odd, both accumulator widths, extreme weights.
import { describe, it, expect } from 'vitest';
import { conv3x3cKernel, conv3x3Weights, conv3x3cWeightBytes, accSaveAsm, accRestoreAsm } from '../../compiler/rsp/kernels/conv3x3c.js';
import { assemble } from '../../compiler/rsp/asm.js';
import { Rsp } from '../../compiler/rsp/sim.js';
import { rspListing } from '../../compiler/rsp/listing.js';
import { depthwiseRowWidth } from '../../compiler/rsp/kernels/depthwise.js';
import { chooseAcc, requantLanes, requant48Lanes, fromBe16, be16, type Requant } from '../../compiler/rsp/kernels/common.js';
import { runTiles } from '../../compiler/rsp/run.js';
import { plan3x3Chunked } from '../../compiler/rsp/plan.js';
import { runLayerPlan } from '../../compiler/rsp/runplan.js';
import { runOnZ64, runImagesOnZ64, z64Plugin } from '../../compiler/rsp/z64.js';
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
  const wb = conv3x3Weights(w, c.Co, c.cc, c.chunks), wt = conv3x3cWeightBytes(c.Co, c.cc);
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

describe('conv3x3 layers planned with input-channel chunks (plan3x3Chunked) in the simulator', () => {
  const layers = [
    { Ci: 32, Co: 6, H: 8, W: 16, wmax: 32767, seed: 21, acc: 48 as const },
    { Ci: 24, Co: 5, H: 6, W: 8, wmax: 250, seed: 22, acc: 32 as const },
    { Ci: 3, Co: 4, H: 6, W: 96, wmax: 32767, seed: 23, acc: 48 as const }, // rows of 208 B: one plane per chunk (cc = 1)
    // stride 2, output width not a multiple of 8 (or forced): even output rows on the RSP, even columns by the CPU
    { Ci: 16, Co: 6, H: 16, W: 16, wmax: 32767, seed: 24, acc: 48 as const, stride: 2 as const, parts: true, rows: true },
    { Ci: 3, Co: 8, H: 12, W: 96, wmax: 32767, seed: 25, acc: 48 as const, stride: 2 as const, parts: true, rows: true }, // MobileNet's first conv shape, fewer rows
    { Ci: 8, Co: 3, H: 8, W: 8, wmax: 400, seed: 26, acc: 32 as const, stride: 2 as const },
    // stride 2 on the column-deinterleaved copy: only the stride-2 outputs computed
    { Ci: 16, Co: 6, H: 16, W: 16, wmax: 32767, seed: 34, acc: 48 as const, stride: 2 as const, deint: true },
    { Ci: 3, Co: 8, H: 12, W: 96, wmax: 32767, seed: 35, acc: 48 as const, stride: 2 as const, deint: true },
    { Ci: 12, Co: 5, H: 8, W: 32, wmax: 300, seed: 36, acc: 32 as const, stride: 2 as const, deint: true },
    { Ci: 1, Co: 3, H: 80, W: 128, wmax: 32767, seed: 37, acc: 48 as const, stride: 2 as const, deint: true, parts: true },
    // begin pads 0 (TF SAME on even inputs: pads [0, 0, 1, 1]) and mixed
    { Ci: 6, Co: 4, H: 16, W: 32, wmax: 32767, seed: 38, acc: 48 as const, stride: 2 as const, deint: true, pads: [0, 0] },
    { Ci: 5, Co: 3, H: 12, W: 16, wmax: 32767, seed: 39, acc: 48 as const, stride: 2 as const, deint: true, pads: [0, 1] },
    { Ci: 4, Co: 2, H: 8, W: 16, wmax: 500, seed: 40, acc: 32 as const, stride: 2 as const, deint: true, pads: [1, 0] },
    // planes of 40x64: the channels' output rows need a skip over 12 bits, so one output DMA per channel (outParts, also the stride-2 cases above)
    { Ci: 4, Co: 3, H: 40, W: 64, wmax: 32767, seed: 27, acc: 48 as const, parts: true },
  ];
  for (const l of layers) {
    const st: 1 | 2 = 'stride' in l && l.stride ? l.stride : 1;
    it(`${l.Ci}->${l.Co} at ${l.H}x${l.W}, stride ${st}, ${l.acc}-bit: whole layer == CPU qconv2d_i16`, () => {
      const r = prng(l.seed);
      const w = Array.from(randInt16(r, l.Co * l.Ci * 9, -l.wmax, l.wmax));
      const rq: Requant[] = Array.from({ length: l.Co }, (_, i) => ({ shift: l.acc === 48 ? [16, 20, 31][i % 3]! : [10, 20][i % 2]!, bias: r.int(-(2 ** 20), 2 ** 20), lo: i % 2 ? 0 : -32768, hi: 32767 }));
      const acc = chooseAcc(rq, (c) => { let a = 0; for (let i = 0; i < l.Ci * 9; i++) a += Math.abs(w[c * l.Ci * 9 + i]!); return a; });
      expect(acc).toBe(l.acc);
      const [pt, pl] = 'pads' in l && l.pads ? l.pads : [1, 1];
      const plan = plan3x3Chunked(l.Ci, l.Co, l.H, l.W, w, rq, acc, st, !('rows' in l), pt, pl);
      expect(plan.tasks[0]!.kernel.name).toBe('conv3x3c');
      expect(plan.tasks.some((t) => t.outStep2)).toBe('parts' in l);
      expect(!!plan.deint).toBe('deint' in l);
      if ('deint' in l) expect(plan.tasks[0]!.kernel.description).toMatch(/column-deinterleaved/);
      const x = randInt16(r, l.Ci * l.H * l.W);
      const { y } = runLayerPlan(plan, x);
      const IWp = depthwiseRowWidth(l.W), xp = new Int16Array(l.Ci * (l.H + 2) * IWp);
      for (let c = 0; c < l.Ci; c++) for (let y0 = 0; y0 < l.H; y0++) for (let i = 0; i < l.W; i++) xp[(c * (l.H + 2) + y0 + 1) * IWp + i + 1] = x[(c * l.H + y0) * l.W + i]!;
      // per output channel (its own clamp): the CPU kernel on the whole layer
      for (let c = 0; c < l.Co; c++) {
        const q = rq[c]!;
        const [, cpu] = cRef(KIND.conv3x3, [l.Ci, 1, l.H, l.W, IWp, q.lo, q.hi], [xp, w.slice(c * l.Ci * 9, (c + 1) * l.Ci * 9), requantLanes(q).map((v) => (v << 16) >> 16), [q.shift]]);
        const oh = l.H / st, ow = l.W / st;
        // stride 2 with begin pads pt, pl: the pad-1 stride-1 result at rows 2j + 1 - pt, columns 2i + 1 - pl
        const r0 = st === 2 ? 1 - pt! : 0, c0 = st === 2 ? 1 - pl! : 0;
        const want = Int16Array.from({ length: oh * ow }, (_, i) => cpu[(Math.floor(i / ow) * st + r0) * l.W + (i % ow) * st + c0]!);
        expect(mismatches(y.subarray(c * oh * ow, (c + 1) * oh * ow), want)).toBe(0);
      }
    });
  }
});

describe.skipIf(!z64Plugin())('chunked 3x3 conv on mupen64plus-rsp-z64', () => {
  const cases: ChunkCase[] = [
    { cc: 3, chunks: 3, Co: 2, OH: 2, OW: 16, wlo: -800, whi: 800, xlo: -32768, xhi: 32767, shifts: [12, 20], seed: 31, groups: 2 },
    { cc: 2, chunks: 2, Co: 3, OH: 2, OW: 8, wlo: -32768, whi: 32767, xlo: -32768, xhi: 32767, shifts: [16, 31], seed: 32, groups: 2 },
  ];
  for (const c of cases) {
    it(`${c.chunks} chunks of ${c.cc}, Co=${c.Co}: z64 == simulator == CPU`, () => {
      const { k, in0, in1, cpu } = chunkTask(c);
      const z = runOnZ64(k, in0, in1);
      const sim = runTiles(k, in0, in1);
      expect(z.executed).toBeGreaterThan(0);
      for (let g = 0; g < c.groups; g++) {
        expect(mismatches(z.out[g]!, sim.out[g]!)).toBe(0);
        expect(mismatches(z.out[g]!, cpu[g]!)).toBe(0);
      }
    });
  }

  it('a whole chunked layer (32->6 at 8x16, 48-bit, several tasks) on z64 == simulator', () => {
    const r = prng(41);
    const Ci = 32, Co = 6, H = 8, W = 16;
    const w = Array.from(randInt16(r, Co * Ci * 9));
    const rq: Requant[] = Array.from({ length: Co }, (_, i) => ({ shift: [16, 24, 31][i % 3]!, bias: r.int(-(2 ** 20), 2 ** 20), lo: 0, hi: 32767 }));
    const plan = plan3x3Chunked(Ci, Co, H, W, w, rq, 48);
    const x = randInt16(r, Ci * H * W);
    const sim = runLayerPlan(plan, x);
    const z = runLayerPlan(plan, x, (rd, dm, im) => runImagesOnZ64(rd, dm, im).rdram);
    expect(new Set(z.y).size).toBeGreaterThan(1);
    expect(mismatches(z.y, sim.y)).toBe(0);
  });
});

describe('accumulator save / restore of the chunked kernel (accSaveAsm / accRestoreAsm)', () => {
  // Build an accumulator from lane vectors with MACs, read it (vsar), save, clear, restore, read it again:
  // the two reads must be equal on every lane, for extreme and random values, in the simulator and on z64.
  const program = (wide: boolean, macs: string[]) => assemble([
    '.text',
    ...[1, 2, 3, 4, 5, 6].map((i) => `lqv $v0${i}[0], ${(i - 1) * 16}($zero)`),
    'lqv $v31[0], 0x60($zero)', 'lqv $v26[0], 0x70($zero)', 'lqv $v25[0], 0x80($zero)', 'vxor $v27, $v27, $v27',
    ...macs,
    'vsar $v20, COP2_ACC_HI', 'vsar $v21, COP2_ACC_MD', 'vsar $v22, COP2_ACC_LO',
    'sqv $v20[0], 0x100($zero)', 'sqv $v21[0], 0x110($zero)', 'sqv $v22[0], 0x120($zero)',
    'li $t2, 0x200',
    ...accSaveAsm(wide),
    'vmudh $v15, $v27, $v27',
    ...accRestoreAsm(wide),
    'vsar $v20, COP2_ACC_HI', 'vsar $v21, COP2_ACC_MD', 'vsar $v22, COP2_ACC_LO',
    'sqv $v20[0], 0x130($zero)', 'sqv $v21[0], 0x140($zero)', 'sqv $v22[0], 0x150($zero)',
    'li $t0, 0x100', 'mtc0 $t0, SP_MEM_ADDR', 'mtc0 $zero, SP_DRAM_ADDR', 'li $t0, 95', 'mtc0 $t0, SP_WR_LEN',
    'wait: mfc0 $t8, SP_DMA_BUSY', 'bnez $t8, wait', 'nop',
    'break', 'nop',
  ].join('\n') + '\n');
  const EXT = [-32768, 32767, 0, -1, 1, -32767, 16384, -16384];
  const r = prng(77);
  const lanes = (extreme: boolean) => Array.from({ length: 6 }, (_, v) => Array.from({ length: 8 }, (_, i) => (extreme ? EXT[(i + 3 * v) % 8]! : r.int(-32768, 32767))));
  const cases: [string, boolean, string[]][] = [
    ['48-bit: vmudh + vmadh x3 + vmadm + vmadn (near and past 2^47)', true, ['vmudh $v15, $v01, $v02', 'vmadh $v15, $v01, $v02', 'vmadh $v15, $v01, $v02', 'vmadh $v15, $v03, $v04', 'vmadm $v15, $v03, $v04', 'vmadn $v15, $v05, $v06']],
    ['48-bit: vmadm / vmadn only (LO and MD both signs)', true, ['vmudm $v15, $v01, $v02', 'vmadm $v15, $v03, $v04', 'vmadn $v15, $v05, $v06', 'vmadn $v15, $v01, $v06']],
    ['32-bit: vmudh + vmadh (LO = 0)', false, ['vmudh $v15, $v01, $v02', 'vmadh $v15, $v03, $v04', 'vmadh $v15, $v05, $v06']],
  ];
  for (const [name, wide, macs] of cases) {
    for (const extreme of [true, false]) {
      it(`${name}, ${extreme ? 'extreme' : 'random'} lanes: restored == saved (simulator${z64Plugin() ? ' and z64' : ''})`, () => {
        const img = program(wide, macs);
        const dmem = new Uint8Array(4096);
        dmem.set(be16([...lanes(extreme).flat(), ...Array(8).fill(1), ...Array(8).fill(0x4000), ...Array(8).fill(2)]), 0);
        const imem = new Uint8Array(4096);
        imem.set(img.imem);
        const rsp = new Rsp(1 << 20);
        rsp.dmem.set(dmem);
        rsp.loadImem(imem);
        rsp.run(0);
        rsp.drain();
        const results = [rsp.rdram.slice(0, 96)];
        if (z64Plugin()) results.push(runImagesOnZ64(new Uint8Array(1 << 20), dmem, imem).rdram.slice(0, 96));
        for (const out of results) {
          const before = fromBe16(out, 0, 24), after = fromBe16(out, 48, 24);
          if (!wide) expect(Array.from(before.subarray(16))).toEqual(Array(8).fill(0));
          expect(Array.from(after)).toEqual(Array.from(before));
        }
        // the values were large: some lane's HI word is far from 0 (both signs in the extreme case)
        expect(Math.max(...Array.from(fromBe16(results[0]!, 0, 8), Math.abs))).toBeGreaterThan(wide && macs.length > 4 ? 8192 : 0);
      });
    }
  }
});

describe('dnnc rsp-listing conv3x3c', () => {
  it('lists the chunked kernel with per-tile counts (save / restore executed on the middle chunks)', () => {
    const l = rspListing('conv3x3c', { c: 2, n: 3, co: 2, oh: 1, ow: 8, tiles: 2 });
    expect(l.text).toMatch(/RSP kernel conv3x3c: .*3 x 2 channels -> Co=2/);
    expect(l.text).toMatch(/vsubc/);
    expect(l.run.stats.instructions).toBeGreaterThan(0);
  });
});
