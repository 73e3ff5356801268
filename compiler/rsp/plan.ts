// `--rsp`: which int16 layers run as RSP tasks, and the tasks themselves.
// rspDecide() decides per node (QConv pointwise / stride 1 or 2 / pad 0, 3x3 / stride 1 and depthwise 3x3 / stride 1 or 2 /
// pad 1, int16, batch 1) whether an RSP kernel gives exactly the CPU int16
// result (the eligibility checks of compiler/rsp) and returns the tasks:
// one generated microcode per output-channel group plus the params block
// words relative to the layer's input / output base addresses (the
// dispatcher adds the RDRAM addresses at run time). Every other node stays
// on the CPU with the reason. rspSimulate() runs the tasks in the
// bit-exact simulator for the cost figures of `dnnc inspect --rsp`.
import type { Node, Value } from '../../ir/graph.js';
import { Rsp } from './sim.js';
import { gemmKernel } from './kernels/gemm.js';
import { conv3x3Kernel } from './kernels/conv3x3.js';
import { maxpoolKernel } from './kernels/pool.js';
import { depthwiseKernel } from './kernels/depthwise.js';
import { dmaLen, chooseAcc, type Requant, type RspKernel } from './kernels/common.js';
import { planPointwise } from './layer.js';
import { DMEM_SIZE } from './asm.js';
import { planPointwiseLayout, poolStaging, decideIm2col, type RspCopy } from './relayout.js';

export interface RspTask {
  kernel: RspKernel;
  ntiles: number;
  /** in0: byte offset from the (padded) input base, stride per tile, SP DMA length value */
  inOff: number; inStride: number; inLen: number;
  outOff: number; outStride: number; outLen: number;
}

export interface RspLayerPlan {
  kind: 'pointwise' | 'conv3x3' | 'depthwise3x3' | 'maxpool2x2' | 'im2col';
  acc: 32 | 48;
  tasks: RspTask[];
  /** conv3x3: the zero-padded input copy [C][H+2][IWp] the tasks read (int16 elements); 0: the input tensor itself */
  pad?: { C: number; H: number; W: number; IWp: number };
  inBytes: number; outBytes: number;
  /** stride 2 (depthwise 3x3 / pad 1, pointwise / pad 0): the tasks compute the stride-1 result [C][H][W] (outBytes) into a scratch buffer, the CPU keeps the even rows and columns */
  sub?: { C: number; H: number; W: number };
  /** widths not a multiple of 8 (3x3 / depthwise): the tasks write rows of outWp into a staging buffer [C][H][outWp] that the CPU compacts (relayout.ts) */
  outWp?: number;
  /** CPU copies (relayout.ts): x -> the staged input the tasks read, the staged output the tasks write -> y */
  stageIn?: RspCopy[];
  stageOut?: RspCopy[];
}

export type RspDecision = { rsp: true; plan: RspLayerPlan } | { rsp: false; reason: string };

const RSP_OPS = new Set(['QConv', 'QGemm', 'QAdd', 'QMul', 'QMaxPool', 'QAveragePool', 'Relu', 'Clip']);

/** Whether the node is one --rsp considers (others are not listed in the report). */
export function rspCandidate(n: Node): boolean {
  return RSP_OPS.has(n.op);
}

function requants(n: Node, Co: number): Requant[] {
  const sh = n.ints('shift') ?? [];
  const b = n.inputs[2]?.const;
  const lo = n.int('act_min', -32768), hi = n.int('act_max', 32767);
  return Array.from({ length: Co }, (_, c) => ({ shift: sh.length === 1 ? sh[0]! : sh[c]!, bias: b ? Number(b.get(c)) : 0, lo, hi }));
}

/**
 * The int16 range [lo, hi] the value's producer guarantees: the clamp of a
 * Q* layer (act_min/act_max, e.g. [0, 32767] after a fused ReLU), through
 * max pooling; else the whole int16 range.
 */
export function valueRange(v: Value): [number, number] {
  const p = v.producer;
  if (p && p.op === 'QMaxPool' && p.inputs[0]) return valueRange(p.inputs[0]);
  if (p && (p.op === 'QConv' || p.op === 'QGemm' || p.op === 'QAdd') && p.outputs[0] === v && v.type.dtype === 'int16' && !p.int('y_zp', 0)) {
    const lo = p.int('act_min', -32768), hi = p.int('act_max', 32767);
    if (lo >= -32768 && hi <= 32767 && lo <= hi) return [lo, hi];
  }
  return [-32768, 32767];
}

/**
 * |sum_k w_k x_k| bound over x in [lo, hi], divided by 32768 (chooseAcc
 * multiplies its row sum by 32768; division by a power of 2 is exact).
 */
function rowBound(w: number[], at: number, len: number, [lo, hi]: [number, number]): number {
  let up = 0, dn = 0;
  for (let i = at; i < at + len; i++) {
    const v = w[i]!;
    if (v > 0) { up += v * hi; dn += v * lo; } else { up += v * lo; dn += v * hi; }
  }
  return Math.max(Math.abs(up), Math.abs(dn)) / 32768;
}

/** The plan has checked 32-bit exactness with the input's range: the kernel must not redo it for the whole int16 range. */
const kacc = (acc: 32 | 48): 48 | 'wrap32' => (acc === 32 ? 'wrap32' : 48);

export function rspDecide(n: Node): RspDecision {
  const d = rspDecideKernel(n);
  if (d.rsp || n.op !== 'QConv') return d;
  // a full convolution no direct kernel takes: the gemm kernel on an im2col copy (relayout.ts)
  const im = decideIm2col(n, rowBound);
  return im.rsp ? im : d;
}

function rspDecideKernel(n: Node): RspDecision {
  if (n.op === 'QMaxPool') return decidePool(n);
  if (n.op !== 'QConv') return { rsp: false, reason: n.op === 'QGemm' || n.op === 'QAdd' || n.op === 'QMul' ? 'RSP kernel exists, layer dispatcher not wired yet' : 'no RSP layer kernel' };
  const x = n.inputs[0]!, w = n.inputs[1]!, y = n.outputs[0]!;
  if (x.type.dtype !== 'int16') return { rsp: false, reason: `${x.type.dtype} (RSP kernels are int16)` };
  if (n.int('raw', 0) || n.ints('mult')) return { rsp: false, reason: 'not the int16 shift requantization' };
  if (!w.const) return { rsp: false, reason: 'weights are not constant' };
  if (n.inputs[2] && !n.inputs[2].const) return { rsp: false, reason: 'bias is not constant' };
  if (n.int('x_zp', 0) || n.int('y_zp', 0)) return { rsp: false, reason: 'zero points' };
  const xs = x.type.shape, ys = y.type.shape, ws = w.type.shape;
  if (xs.length !== 4 || xs[0] !== 1) return { rsp: false, reason: 'only 2-D, batch 1' };
  const group = n.int('group', 1);
  const k = n.ints('kernel_shape') ?? ws.slice(2);
  const s = n.ints('strides') ?? [1, 1], d = n.ints('dilations') ?? [1, 1], p = n.ints('pads') ?? [0, 0, 0, 0];
  const Ci = xs[1]!, H = xs[2]!, W = xs[3]!, Co = ys[1]!;
  // 3x3 depthwise / stride 2 / pad 1 on an even input: the stride-1 result at even rows and columns
  const dw2 = group !== 1 && group === Ci && Co === Ci && s.every((v) => v === 2) && d.every((v) => v === 1) && k[0] === 3 && k[1] === 3
    && p.every((v) => v === 1) && H % 2 === 0 && W % 2 === 0 && ys[2] === H / 2 && ys[3] === W / 2;
  // 1x1 / stride 2 / no padding on an even input: the stride-1 result at even rows and columns
  const pw2 = group === 1 && s.every((v) => v === 2) && d.every((v) => v === 1) && k[0] === 1 && k[1] === 1
    && p.every((v) => v === 0) && H % 2 === 0 && W % 2 === 0 && ys[2] === H / 2 && ys[3] === W / 2;
  if (!dw2 && !pw2 && (s.some((v) => v !== 1) || d.some((v) => v !== 1))) return { rsp: false, reason: 'stride/dilation != 1' };
  if (group !== 1 && !(group === Ci && Co === Ci)) return { rsp: false, reason: `group ${group}` };
  const wv = Array.from({ length: w.const.size }, (_, i) => Number(w.const!.get(i)));
  const rq = requants(n, Co);
  const xr = valueRange(x);
  try {
    if (group !== 1) {
      if (dw2) return { rsp: true, plan: { ...planDw(Ci, H, W, wv, rq, xr), sub: { C: Ci, H, W } } };
      if (k[0] === 3 && k[1] === 3 && p.every((v) => v === 1)) return { rsp: true, plan: planDw(Ci, H, W, wv, rq, xr) };
      return { rsp: false, reason: `depthwise ${k.join('x')} pads ${p.join(',')}: no RSP kernel` };
    }
    if (pw2 || (k[0] === 1 && k[1] === 1 && p.every((v) => v === 0))) {
      const acc = chooseAcc(rq, (c) => rowBound(wv, c * Ci, Ci, xr));
      return { rsp: true, plan: planPointwiseLayout(Ci, H, W, pw2 ? 2 : 1, Co, wv, rq, acc, (K, HW) => planPw(K, HW, Co, wv, rq, xr), xr) };
    }
    if (k[0] === 3 && k[1] === 3 && p.every((v) => v === 1)) return { rsp: true, plan: plan3x3(Ci, Co, H, W, wv, rq, xr) };
  } catch (e) {
    return { rsp: false, reason: (e as Error).message };
  }
  return { rsp: false, reason: `kernel ${k.join('x')} pads ${p.join(',')}: no RSP kernel` };
}

function planPw(K: number, HW: number, Co: number, w: number[], rq: Requant[], xr: [number, number]): RspLayerPlan {
  if (HW % 8) throw new Error(`HW=${HW} is not a multiple of 8`);
  if (K > 256) throw new Error(`K=${K} rows exceed one SP DMA (256)`);
  const acc = chooseAcc(rq, (c) => rowBound(w, c * K, K, xr));
  const { P, coPerTask } = planPointwise(K, HW, Co, acc);
  const tasks: RspTask[] = [];
  const skip = (HW - P) * 2;
  for (let c0 = 0; c0 < Co; c0 += coPerTask) {
    const co = Math.min(coPerTask, Co - c0);
    const kernel = gemmKernel({ K, P, Co: co, weights: w.slice(c0 * K, (c0 + co) * K), requant: rq.slice(c0, c0 + co), acc: kacc(acc) });
    tasks.push({ kernel, ntiles: HW / P, inOff: 0, inStride: P * 2, inLen: dmaLen(P * 2, K, skip), outOff: c0 * HW * 2, outStride: P * 2, outLen: dmaLen(P * 2, co, skip) });
  }
  return { kind: 'pointwise', acc, tasks, inBytes: K * HW * 2, outBytes: Co * HW * 2 };
}

function plan3x3(Ci: number, Co: number, H: number, W: number, w: number[], rq: Requant[], xr: [number, number]): RspLayerPlan {
  const W0 = W; // rows of W rounded up to 8, compacted by the CPU (relayout.ts)
  W = Math.ceil(W / 8) * 8;
  if (Ci > 256 || Co > 256) throw new Error('more than 256 channels (one SP DMA)');
  const IWp = Math.ceil((W + 2) / 8) * 8, rowB = IWp * 2;
  const acc = chooseAcc(rq, (c) => rowBound(w, c * Ci * 9, Ci * 9, xr));
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
  if (!best) throw new Error(`conv3x3 ${Ci}->${Co} ${H}x${W}: no tile fits DMEM / the SP DMA skip field`);
  const { OH, co: coPerTask } = best;
  const planeB = (H + 2) * rowB;
  const tasks: RspTask[] = [];
  for (let c0 = 0; c0 < Co; c0 += coPerTask) {
    const co = Math.min(coPerTask, Co - c0);
    const kernel = conv3x3Kernel({ Ci, Co: co, OH, OW: W, weights: w.slice(c0 * Ci * 9, (c0 + co) * Ci * 9), requant: rq.slice(c0, c0 + co), acc: kacc(acc) });
    tasks.push({ kernel, ntiles: H / OH, inOff: 0, inStride: OH * rowB, inLen: dmaLen((OH + 2) * rowB, Ci, planeB - (OH + 2) * rowB),
      outOff: c0 * H * W * 2, outStride: OH * W * 2, outLen: dmaLen(OH * W * 2, co, (H - OH) * W * 2) });
  }
  return { kind: 'conv3x3', acc, tasks, pad: { C: Ci, H, W: W0, IWp }, ...(W0 !== W ? { outWp: W } : {}), inBytes: Ci * (H + 2) * IWp * 2, outBytes: Co * H * W * 2 };
}

/** 3x3 depthwise / stride 1 / pad 1 on the zero-padded copy: channel groups x row blocks, as plan3x3. */
function planDw(C: number, H: number, W: number, w: number[], rq: Requant[], xr: [number, number]): RspLayerPlan {
  const W0 = W; // rows of W rounded up to 8, compacted by the CPU (relayout.ts)
  W = Math.ceil(W / 8) * 8;
  const IWp = Math.ceil((W + 2) / 8) * 8, rowB = IWp * 2, planeB = (H + 2) * rowB;
  const acc = chooseAcc(rq, (c) => rowBound(w, c * 9, 9, xr));
  const wmul = acc === 48 ? 2 : 1;
  let best: { OH: number; cg: number; tiles: number } | undefined;
  for (let OH = H; OH >= 1; OH--) {
    if (H % OH || (OH + 2) * rowB > 4096 || OH * W * 2 > 4096) continue;
    // one channel per task needs no row skip (single-row SP DMAs); more need the skips within 12 bits
    const skipOk = (planeB - (OH + 2) * rowB) <= 0xfff && (H - OH) * W * 2 <= 0xfff;
    for (let cg = Math.min(C, 256); cg >= 1; cg--) {
      if (C % cg || (cg > 1 && !skipOk)) continue;
      const constB = cg * 32 * wmul + cg * 16 + 16;
      if (64 + Math.ceil(constB / 16) * 16 + 2 * cg * (OH + 2) * rowB + 2 * cg * OH * W * 2 > DMEM_SIZE) continue;
      // each task reloads its microcode and const block: fewer tasks first, then fewer tiles
      const tiles = 4 * (C / cg) + (C / cg) * (H / OH);
      if (!best || tiles < best.tiles) best = { OH, cg, tiles };
      break;
    }
  }
  if (!best) throw new Error(`depthwise ${C}ch ${H}x${W}: no tile fits DMEM / the SP DMA skip field`);
  const { OH, cg } = best;
  const tasks: RspTask[] = [];
  for (let c0 = 0; c0 < C; c0 += cg) {
    const kernel = depthwiseKernel({ C: cg, OH, OW: W, weights: w.slice(c0 * 9, (c0 + cg) * 9), requant: rq.slice(c0, c0 + cg), acc: kacc(acc) });
    tasks.push({ kernel, ntiles: H / OH, inOff: c0 * planeB, inStride: OH * rowB, inLen: dmaLen((OH + 2) * rowB, cg, cg > 1 ? planeB - (OH + 2) * rowB : 0),
      outOff: c0 * H * W * 2, outStride: OH * W * 2, outLen: dmaLen(OH * W * 2, cg, cg > 1 ? (H - OH) * W * 2 : 0) });
  }
  return { kind: 'depthwise3x3', acc, tasks, pad: { C, H, W: W0, IWp }, ...(W0 !== W ? { outWp: W } : {}), inBytes: C * planeB, outBytes: C * H * W * 2 };
}

/** 2x2 / stride 2 max pooling (no padding): the N*C*OH output rows in tiles of whole row pairs, one contiguous SP DMA each. */
function decidePool(n: Node): RspDecision {
  const x = n.inputs[0]!, y = n.outputs[0]!;
  if (x.type.dtype !== 'int16') return { rsp: false, reason: `${x.type.dtype} (RSP kernels are int16)` };
  const xs = x.type.shape, ys = y.type.shape;
  const k = n.ints('kernel_shape') ?? [], s = n.ints('strides') ?? [], p = n.ints('pads') ?? [0, 0, 0, 0], d = n.ints('dilations') ?? [1, 1];
  if (xs.length !== 4 || k.join() !== '2,2' || s.join() !== '2,2' || p.some((v) => v) || d.some((v) => v !== 1)) return { rsp: false, reason: 'only 2x2 / stride 2 / no padding' };
  const H = xs[2]!, W = xs[3]!, OH = ys[2]!, OW = ys[3]!;
  if (H !== 2 * OH || W !== 2 * OW) return { rsp: false, reason: 'odd input size' };
  // output widths not a multiple of 8: the CPU stages the input rows at 2 * OWp, the tasks write rows of OWp (relayout.ts)
  const OWp = Math.ceil(OW / 8) * 8;
  const R = xs[0]! * xs[1]! * OH, rowB = 2 * OWp * 2;
  for (let rows = R; rows >= 1; rows--) {
    if (R % rows || rows * 2 * rowB > 4096) continue;
    let kernel: RspKernel;
    try { kernel = maxpoolKernel({ rows, OW: OWp }); } catch { continue; }
    const task: RspTask = { kernel, ntiles: R / rows, inOff: 0, inStride: rows * 2 * rowB, inLen: dmaLen(rows * 2 * rowB), outOff: 0, outStride: rows * OWp * 2, outLen: dmaLen(rows * OWp * 2) };
    return { rsp: true, plan: { kind: 'maxpool2x2', acc: 32, tasks: [task], inBytes: R * 2 * rowB, outBytes: R * OWp * 2, ...poolStaging(R, OW, OWp) } };
  }
  return { rsp: false, reason: 'no tile fits DMEM' };
}

export interface RspCost { instructions: number; dmaBytes: number; staticInstructions: number }

/** Run the layer's tasks on zero input in the simulator: executed instructions (= static cycles of the model) and DMA bytes. */
export function rspSimulate(plan: RspLayerPlan): RspCost {
  const rsp = new Rsp(1 << 21);
  const xAt = 0x1000, yAt = xAt + ((plan.inBytes + 63) & ~63), cAt = yAt + ((plan.outBytes + 63) & ~63);
  let instructions = 0, dmaBytes = 0, staticInstructions = 0;
  for (const t of plan.tasks) {
    rsp.rdram.set(t.kernel.constData, cAt);
    rsp.dmem.fill(0);
    const dv = new DataView(rsp.dmem.buffer);
    const words = [t.ntiles, cAt, t.kernel.constData.length ? dmaLen(Math.ceil(t.kernel.constData.length / 8) * 8) : 0, 0,
      xAt + t.inOff, t.inStride, t.inLen, 0, 0, 0, 0, 0, yAt + t.outOff, t.outStride, t.outLen, 0];
    words.forEach((v, i) => dv.setUint32(4 * i, v >>> 0, false));
    rsp.loadImem(t.kernel.image.imem);
    rsp.stats.instructions = 0; rsp.stats.dmaReadBytes = 0; rsp.stats.dmaWriteBytes = 0;
    rsp.run(0);
    rsp.drain();
    instructions += rsp.stats.instructions;
    dmaBytes += rsp.stats.dmaReadBytes + rsp.stats.dmaWriteBytes;
    staticInstructions += t.kernel.image.imem.length / 4;
  }
  return { instructions, dmaBytes, staticInstructions };
}
