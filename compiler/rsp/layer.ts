// A whole pointwise convolution layer (NCHW, N=1: X [K][HW] -> Y [Co][HW])
// as RSP tasks, the way the `--rsp` wiring will dispatch it: output
// channels split into groups whose weights fit the const block, positions
// split into tiles of P columns gathered straight from the NCHW tensor with
// one strided SP DMA each (K rows of P*2 bytes, skip (HW-P)*2), results
// scattered back the same way. Also the eligibility check (why a layer
// stays on the CPU), used by tests and reports.
import { DnncError } from '../../ir/errors.js';
import { Rsp } from './sim.js';
import { gemmKernel } from './kernels/gemm.js';
import { conv3x3Kernel } from './kernels/conv3x3.js';
import { dmaLen, be16, fromBe16, chooseAcc, type Requant } from './kernels/common.js';
import { DMEM_SIZE } from './asm.js';

export interface PointwiseLayer {
  K: number; HW: number; Co: number;
  weights: ArrayLike<number>; // [Co][K]
  bias: ArrayLike<number>;    // [Co]
  shift: ArrayLike<number>;   // [Co]
  lo: number; hi: number;
}

/** Whether the RSP gives exactly the CPU int16 result for this layer (and with which accumulator), and why not. */
export function pointwiseEligibility(l: PointwiseLayer): { ok: true; acc: 32 | 48 } | { ok: false; reason: string } {
  if (l.HW % 8) return { ok: false, reason: `HW=${l.HW} is not a multiple of 8` };
  if (l.K > 256) return { ok: false, reason: `K=${l.K} rows exceed one SP DMA (256)` };
  const qs: Requant[] = Array.from({ length: l.Co }, (_, c) => ({ shift: l.shift[c]!, bias: l.bias[c]!, lo: l.lo, hi: l.hi }));
  try {
    return { ok: true, acc: chooseAcc(qs, (c) => { let a = 0; for (let k = 0; k < l.K; k++) a += Math.abs(l.weights[c * l.K + k]!); return a; }) };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/** Largest tile (P positions, Co channels per task) that fits DMEM. */
export function planPointwise(K: number, HW: number, Co: number, acc: 32 | 48 = 32): { P: number; coPerTask: number } {
  const Kp = Math.ceil(K / 8) * 8, wmul = acc === 48 ? 2 : 1;
  const dmem = (P: number, co: number) => 64 + Math.ceil((co * Kp * 2 * wmul + co * 16 + (acc === 48 ? 16 : 0)) / 16) * 16 + 2 * K * P * 2 + 2 * co * P * 2;
  for (const P of [64, 48, 32, 24, 16, 8]) {
    if (HW % P) continue;
    for (let co = Co; co >= 1; co--) if (dmem(P, co) <= DMEM_SIZE && (HW - P) * 2 <= 0xfff) return { P, coPerTask: co };
  }
  throw new DnncError(`pointwise K=${K}, HW=${HW}: no tile fits DMEM`);
}

export interface LayerRun { y: Int16Array; tasks: number; instructions: number; dmaBytes: number }

/** Run the layer on the simulated RSP; x is [K][HW] int16. */
export function runPointwiseLayer(l: PointwiseLayer, x: Int16Array, opts: { P?: number; coPerTask?: number } = {}): LayerRun {
  const el = pointwiseEligibility(l);
  if (!el.ok) throw new DnncError(`pointwise layer cannot run exactly on the RSP: ${el.reason}`);
  const plan = planPointwise(l.K, l.HW, l.Co, el.acc);
  const P = opts.P ?? plan.P, coPerTask = opts.coPerTask ?? plan.coPerTask;
  const rsp = new Rsp(1 << 20);
  const xAt = 0x10000, yAt = xAt + ((l.K * l.HW * 2 + 63) & ~63), cAt = yAt + ((l.Co * l.HW * 2 + 63) & ~63);
  rsp.rdram.set(be16(x), xAt);
  let tasks = 0;
  for (let c0 = 0; c0 < l.Co; c0 += coPerTask) {
    const co = Math.min(coPerTask, l.Co - c0);
    const rq: Requant[] = [];
    for (let c = c0; c < c0 + co; c++) rq.push({ shift: l.shift[c]!, bias: l.bias[c]!, lo: l.lo, hi: l.hi });
    const w = Array.from({ length: co * l.K }, (_, i) => l.weights[c0 * l.K + i]!);
    const k = gemmKernel({ K: l.K, P, Co: co, weights: w, requant: rq });
    rsp.rdram.set(k.constData, cAt);
    rsp.dmem.fill(0);
    const dv = new DataView(rsp.dmem.buffer);
    const skip = (l.HW - P) * 2;
    const words = [l.HW / P, cAt, dmaLen(Math.ceil(k.constData.length / 8) * 8), 0,
      xAt, P * 2, dmaLen(P * 2, l.K, skip), 0,
      0, 0, 0, 0,
      yAt + c0 * l.HW * 2, P * 2, dmaLen(P * 2, co, skip), 0];
    words.forEach((v, i) => dv.setUint32(4 * i, v >>> 0, false));
    rsp.loadImem(k.image.imem);
    rsp.run(0);
    rsp.drain();
    tasks++;
  }
  return {
    y: fromBe16(rsp.rdram, yAt, l.Co * l.HW), tasks,
    instructions: rsp.stats.instructions, dmaBytes: rsp.stats.dmaReadBytes + rsp.stats.dmaWriteBytes,
  };
}

/**
 * The 3x3 (all input channels per tile) tiling with the fewest DMA bytes:
 * OH output rows per tile (a divisor of H) and co output channels per task,
 * the input re-read per channel group, halo rows and const blocks counted;
 * undefined when no tile fits DMEM and the SP DMA fields.
 */
export function conv3x3Tiling(Ci: number, Co: number, H: number, W: number, rowB: number, acc: 32 | 48): { OH: number; co: number } | undefined {
  const wmul = acc === 48 ? 2 : 1;
  let best: { OH: number; co: number; cost: number } | undefined;
  for (let OH = H; OH >= 1; OH--) {
    if (H % OH) continue;
    const inB = Ci * (OH + 2) * rowB;
    if ((OH + 2) * rowB > 4096 || (H - OH) * rowB > 0xfff || (H - OH) * W * 2 > 0xfff || OH * W * 2 > 4096) continue;
    for (let co = Co; co >= 1; co--) {
      const constB = co * Ci * 32 * wmul + co * 16 + 16;
      const dmem = 64 + Math.ceil(constB / 16) * 16 + 2 * inB + 2 * co * OH * W * 2;
      if (dmem > DMEM_SIZE) continue;
      const groups = Math.ceil(Co / co), cost = groups * ((H / OH) * inB + constB) + Co * H * W * 2;
      if (!best || cost < best.cost) best = { OH, co, cost };
      break;
    }
  }
  return best && { OH: best.OH, co: best.co };
}

/** Another RSP implementation for a task: RDRAM, DMEM, IMEM images in, RDRAM out (e.g. runImagesOnZ64). */
export type TaskEngine = (rdram: Uint8Array, dmem: Uint8Array, imem: Uint8Array) => Uint8Array;

export interface Conv3x3Layer {
  Ci: number; Co: number; H: number; W: number; // stride 1, padding 1: output H x W
  weights: ArrayLike<number>; // [Co][Ci][9]
  bias: ArrayLike<number>;    // [Co]
  shift: ArrayLike<number>;   // [Co]
  lo: number; hi: number;
}

/**
 * A whole 3x3 / stride 1 / padding 1 convolution as RSP tasks. The input
 * sits in RDRAM zero-padded, [Ci][H+2][IWp]; a tile is OH output rows of
 * all planes, gathered by ONE SP DMA (Ci "rows" of (OH+2)*IWp*2 bytes, the
 * RDRAM skip jumping to the next plane), and its output (Co planes of OH
 * rows) scattered back the same way; output channels in groups that fit
 * DMEM, one task per group.
 */
export function runConv3x3Layer(l: Conv3x3Layer, x: Int16Array /* [Ci][H][W] */, opts: { engine?: TaskEngine } = {}): LayerRun & { OH: number; coPerTask: number; acc: 32 | 48 } {
  const { Ci, Co, H, W } = l;
  if (W % 8) throw new DnncError(`conv3x3 layer: W=${W} must be a multiple of 8`);
  const IWp = Math.ceil((W + 2) / 8) * 8, rowB = IWp * 2;
  const qs: Requant[] = Array.from({ length: Co }, (_, c) => ({ shift: l.shift[c]!, bias: l.bias[c]!, lo: l.lo, hi: l.hi }));
  const acc = chooseAcc(qs, (c) => { let a = 0; for (let i = 0; i < Ci * 9; i++) a += Math.abs(l.weights[c * Ci * 9 + i]!); return a; });
  const best = conv3x3Tiling(Ci, Co, H, W, rowB, acc);
  if (!best) throw new DnncError(`conv3x3 layer ${Ci}->${Co} ${H}x${W}: no tile fits DMEM`);
  const { OH, co: coPerTask } = best;
  const rsp = new Rsp(1 << 20);
  const xAt = 0x10000, planeB = (H + 2) * rowB;
  const padded = new Int16Array(Ci * (H + 2) * IWp);
  for (let c = 0; c < Ci; c++) for (let y = 0; y < H; y++) for (let i = 0; i < W; i++) padded[(c * (H + 2) + y + 1) * IWp + i + 1] = x[(c * H + y) * W + i]!;
  rsp.rdram.set(be16(padded), xAt);
  const yAt = xAt + ((padded.length * 2 + 63) & ~63), cAt = yAt + ((Co * H * W * 2 + 63) & ~63);
  let tasks = 0;
  for (let c0 = 0; c0 < Co; c0 += coPerTask) {
    const co = Math.min(coPerTask, Co - c0);
    const w = Array.from({ length: co * Ci * 9 }, (_, i) => l.weights[c0 * Ci * 9 + i]!);
    const k = conv3x3Kernel({ Ci, Co: co, OH, OW: W, weights: w, requant: qs.slice(c0, c0 + co), acc });
    rsp.rdram.set(k.constData, cAt);
    rsp.dmem.fill(0);
    const dv = new DataView(rsp.dmem.buffer);
    const words = [H / OH, cAt, dmaLen(Math.ceil(k.constData.length / 8) * 8), 0,
      xAt, OH * rowB, dmaLen((OH + 2) * rowB, Ci, planeB - (OH + 2) * rowB), 0,
      0, 0, 0, 0,
      yAt + c0 * H * W * 2, OH * W * 2, dmaLen(OH * W * 2, co, (H - OH) * W * 2), 0];
    words.forEach((v, i) => dv.setUint32(4 * i, v >>> 0, false));
    if (opts.engine) {
      const imem = new Uint8Array(4096);
      imem.set(k.image.imem);
      rsp.rdram.set(opts.engine(rsp.rdram, rsp.dmem, imem));
    } else {
      rsp.loadImem(k.image.imem);
      rsp.run(0);
      rsp.drain();
    }
    tasks++;
  }
  return { y: fromBe16(rsp.rdram, yAt, Co * H * W), tasks, instructions: rsp.stats.instructions, dmaBytes: rsp.stats.dmaReadBytes + rsp.stats.dmaWriteBytes, OH, coPerTask, acc };
}
