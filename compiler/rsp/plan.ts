// `--rsp`: which int16 layers run as RSP tasks, and the tasks themselves.
// rspDecide() decides per node (QConv pointwise / stride 1 or 2 / pad 0, 3x3 / stride 1 / pad 1 (conv3x3, or conv3x3c
// with input channels in chunks when the tile does not fit DMEM), 3x3 / stride 2 (conv3x3c), depthwise 3x3 / stride 1 or 2 /
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
import { addKernel, mulKernel, liftAdd } from './kernels/eltwise.js';
import { conv3x3cKernel, conv3x3Weights, conv3x3cWeightBytes, conv3x3cInRows, conv3x3cScratchBytes, conv3x3cDeintRow } from './kernels/conv3x3c.js';
import { dmaLen, chooseAcc, type Requant, type RspKernel } from './kernels/common.js';
import { planPointwise, conv3x3Tiling } from './layer.js';
import { DMEM_SIZE } from './asm.js';
import { planPointwiseLayout, poolStaging, decideIm2col, type RspCopy } from './relayout.js';

export interface RspTask {
  kernel: RspKernel;
  ntiles: number;
  /** in0: byte offset from the (padded) input base, stride per tile, SP DMA length value */
  inOff: number; inStride: number; inLen: number;
  outOff: number; outStride: number; outLen: number;
  /** grouped kernels (conv3x3c): in0 step from the last tile of a group to the first of the next (params 0x1C); default 0 */
  inStep2?: number;
  /** second input stream (conv3x3c: the weights of each chunk), from its own RDRAM data; default none */
  in1?: { data: Uint8Array; stride: number; len: number; step2: number };
  /** output written in parts (conv3x3c outParts): RDRAM step between the parts (params 0x3C); default 0 */
  outStep2?: number;
}

export interface RspLayerPlan {
  kind: 'pointwise' | 'conv3x3' | 'depthwise3x3' | 'maxpool2x2' | 'add' | 'mul' | 'im2col';
  acc: 32 | 48;
  tasks: RspTask[];
  /** conv3x3: the zero-padded input copy [C][H+2][IWp] the tasks read (int16 elements); 0: the input tensor itself */
  pad?: { C: number; H: number; W: number; IWp: number };
  inBytes: number; outBytes: number;
  /** stride 2 (depthwise 3x3 / pad 1, pointwise / pad 0): the tasks compute the stride-1 result [C][H][W] (outBytes) into a scratch buffer, the CPU keeps the even rows and columns */
  sub?: { C: number; H: number; W: number };
  /** add / mul: a second input read with in0's geometry (params in1 = the second tensor + inOff, inStride, inLen) */
  in1?: true;
  /** how the layer is split, for `dnnc inspect --rsp` (e.g. the input-channel chunks of conv3x3c) */
  note?: string;
  /**
   * 3x3 / stride 2 (conv3x3c deint): the tasks read a zero-padded, column-deinterleaved copy [C][H+2][ew + W/2]
   * (row: padded columns 0, 2, .., W at 0.., then 1, 3, .., W-1 at ew..; x at row pt, column pl: the begin pads) and write y itself
   */
  deint?: { C: number; H: number; W: number; ew: number; pt: number; pl: number };
  /**
   * 3x3 / stride 1 (conv3x3c): the zero-padded copy [C][H+2][IWp] as `pad`, built by dnnc_rsp_run_layer_pad,
   * which zeroes only the padding the tasks read (rows 0 and H+1, columns 0 and W+1)
   */
  padb?: { C: number; H: number; W: number; IWp: number };
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
export function rowBound(w: number[], at: number, len: number, [lo, hi]: [number, number]): number {
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
  if (n.op === 'QAdd' || n.op === 'QMul') return decideEltwise(n);
  if (n.op !== 'QConv') return { rsp: false, reason: n.op === 'QGemm' ? 'fully connected (matrix-vector at batch 1): no RSP layer kernel; the gemm tile needs 8 positions' : 'no RSP layer kernel' };
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
  // 3x3 / stride 2 full convolution on an even input, pads 1 (or one of begin / end 0, e.g. TF's SAME: [0, 0, 1, 1])
  const cv2 = group === 1 && s.every((v) => v === 2) && d.every((v) => v === 1) && k[0] === 3 && k[1] === 3
    && p.length === 4 && p.every((v) => v === 0 || v === 1) && p[0]! + p[2]! >= 1 && p[1]! + p[3]! >= 1
    && H % 2 === 0 && W % 2 === 0 && ys[2] === H / 2 && ys[3] === W / 2;
  if (!dw2 && !pw2 && !cv2 && (s.some((v) => v !== 1) || d.some((v) => v !== 1))) return { rsp: false, reason: 'stride/dilation != 1' };
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
    if (cv2) return { rsp: true, plan: plan3x3s2(Ci, Co, H, W, wv, rq, xr, p[0]!, p[1]!) };
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
  const IWp = Math.ceil((W + 2) / 8) * 8, rowB = IWp * 2;
  const acc = chooseAcc(rq, (c) => rowBound(w, c * Ci * 9, Ci * 9, xr));
  const chunked = () => narrowed(plan3x3Chunked(Ci, Co, H, W, w, rq, acc), W0);
  if (Ci > 256 || Co > 256) return chunked();
  const best = conv3x3Tiling(Ci, Co, H, W, rowB, acc);
  if (!best) return chunked();
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

const al16 = (x: number) => Math.ceil(x / 16) * 16;

/**
 * 3x3 / stride 1 / pad 1 whose tile does not fit DMEM with all input
 * channels (or with all weights in the const block): conv3x3c tasks (output
 * channel groups) whose tiles are (row block, input-channel chunk) pairs,
 * the chunk's planes by one strided SP DMA (in0), the chunk's weights
 * through in1, partial sums in DMEM across the chunks of a row block. The
 * tiling with the fewest DMA bytes (input re-read per channel group, halo
 * rows, weights re-read per row block, microcode per task; plus the RSP's
 * save/restore and per-tile overhead) that fits DMEM and the SP DMA fields. `acc` is chooseAcc's proof over the whole Ci*9 row.
 */
export function plan3x3Chunked(Ci: number, Co: number, H: number, W: number, w: number[], rq: Requant[], acc: 32 | 48, stride: 1 | 2 = 1, deintOk = true, pt = 1, pl = 1): RspLayerPlan {
  // stride 2, output width a multiple of 8 ('deint'): the CPU's padded copy deinterleaves the columns (even, odd)
  // and the tasks compute exactly the stride-2 outputs, written straight into y. Else ('rows'): the tasks compute
  // the even output rows (all columns) into the even rows of a [Co][H][W] scratch buffer (output DMA rows of
  // W*2 bytes skipping the odd rows) and the CPU keeps the even columns.
  const mode = stride === 1 ? 's1' : deintOk && (W / 2) % 8 === 0 ? 'deint' : 'rows';
  const kOW = mode === 'deint' ? W / 2 : W;
  const IWp = mode === 'deint' ? conv3x3cDeintRow(kOW).rowInts : Math.ceil((W + 2) / 8) * 8, rowB = IWp * 2, planeB = (H + 2) * rowB;
  const lqvReach = 2 * rowB + (mode === 'deint' ? Math.max(16, conv3x3cDeintRow(kOW).ew * 2) : 16);
  const Ho = H / stride;
  /** SP DMAs per output tile: 1 when the co channels' rows fit one DMA (rows <= 256, skip <= 12 bits), else co (outParts) */
  const partsOf = (co: number, OH: number) => {
    if (co === 1) return 1;
    if (mode === 'rows') return OH === Ho && co * OH <= 256 ? 1 : co;
    return (Ho - OH) * kOW * 2 > 0xfff ? co : 1;
  };
  let best: { OH: number; cc: number; co: number; cost: number } | undefined;
  for (let OH = Ho; OH >= 1; OH--) {
    const R = conv3x3cInRows(OH, stride);
    if (Ho % OH || R * rowB > 4096 || OH * kOW * 2 > 4096 || lqvReach > 1008) continue;
    if (mode === 'rows' && (OH > 256 || W * 2 > 0xfff)) continue;
    for (let cc = Math.min(Ci, 256); cc >= 1; cc--) {
      if (Ci % cc || (cc > 1 && planeB - R * rowB > 0xfff)) continue;
      const chunks = Ci / cc;
      for (let co = Math.min(Co, 256); co >= 1; co--) {
        const wB = conv3x3cWeightBytes(co, cc);
        if (wB > 4096) continue;
        const dmem = 64 + al16(co * 16 + 48 + conv3x3cScratchBytes(co, cc, chunks, OH, kOW, acc)) + 2 * al16(cc * R * rowB) + 2 * al16(wB) + 2 * al16(co * OH * kOW * 2);
        if (dmem > DMEM_SIZE) continue;
        const groups = Math.ceil(Co / co), nsp = Ho / OH;
        // DMA bytes (input re-read per channel group, halo rows, weights per row block, output, microcode per task) at ~2 per
        // RSP cycle, plus the RSP's own overhead: accumulator save/restore per output vector and chunk (~20), per tile (~60)
        const dmaB = groups * nsp * Ci * R * rowB + nsp * Co * Ci * 32 + Co * Ho * kOW * 2 + groups * 4096;
        const cost = dmaB / 2 + Co * Ho * (kOW / 8) * chunks * 20 + groups * nsp * chunks * 60;
        if (!best || cost < best.cost) best = { OH, cc, co, cost };
        break;
      }
    }
  }
  if (!best) throw new Error(`conv3x3 ${Ci}->${Co} ${H}x${W}: no tile fits DMEM / the SP DMA skip field, even with input channels in chunks`);
  const { OH, cc, co: coPerTask } = best;
  const chunks = Ci / cc, nsp = Ho / OH, R = conv3x3cInRows(OH, stride);
  const outW = mode === 'rows' ? W : kOW, outH = mode === 'rows' ? H : Ho;
  const tasks: RspTask[] = [];
  for (let c0 = 0; c0 < Co; c0 += coPerTask) {
    const co = Math.min(coPerTask, Co - c0);
    const parts = partsOf(co, OH);
    const kernel = conv3x3cKernel({ cc, chunks, Co: co, OH, OW: kOW, requant: rq.slice(c0, c0 + co), acc, rowStep: stride, outParts: parts, deint: mode === 'deint' });
    const wB = conv3x3cWeightBytes(co, cc);
    const out = mode !== 'rows'
      ? { outStride: OH * kOW * 2, outLen: parts > 1 ? dmaLen(OH * kOW * 2) : dmaLen(OH * kOW * 2, co, co > 1 ? (Ho - OH) * kOW * 2 : 0) }
      : { outStride: 2 * OH * W * 2, outLen: dmaLen(W * 2, parts > 1 ? OH : co * OH, W * 2) };
    tasks.push({
      kernel, ntiles: nsp * chunks, inOff: 0, inStride: chunks > 1 ? cc * planeB : stride * OH * rowB, inLen: dmaLen(R * rowB, cc, cc > 1 ? planeB - R * rowB : 0),
      outOff: c0 * outH * outW * 2, ...out,
      inStep2: stride * OH * rowB - (chunks - 1) * cc * planeB,
      in1: { data: conv3x3Weights(w.slice(c0 * Ci * 9, (c0 + co) * Ci * 9), co, cc, chunks), stride: chunks > 1 ? wB : 0, len: dmaLen(wB), step2: -(chunks - 1) * wB },
      ...(parts > 1 ? { outStep2: outH * outW * 2 } : {}),
    });
  }
  const how = mode === 'deint' ? ', stride 2: column-deinterleaved input, only the stride-2 outputs computed' : mode === 'rows' ? ', stride 2: even rows on the RSP, even columns by the CPU' : '';
  const note = `input channels in ${chunks} chunk(s) of ${cc}, ${coPerTask} output channel(s) x ${OH} row(s) per tile${how}`;
  if (mode === 'deint') {
    const { ew } = conv3x3cDeintRow(kOW);
    return { kind: 'conv3x3', acc, tasks, deint: { C: Ci, H, W, ew, pt, pl }, inBytes: Ci * planeB, outBytes: Co * Ho * kOW * 2, note };
  }
  if (mode === 's1') return { kind: 'conv3x3', acc, tasks, padb: { C: Ci, H, W, IWp }, inBytes: Ci * planeB, outBytes: Co * H * W * 2, note };
  return { kind: 'conv3x3', acc, tasks, pad: { C: Ci, H, W, IWp }, inBytes: Ci * planeB, outBytes: Co * H * W * 2, sub: { C: Co, H, W }, note };
}


/** 3x3 / stride 2 / pad 1 full convolution on an even input: conv3x3c tasks computing the even output rows (plan3x3Chunked). */
function plan3x3s2(Ci: number, Co: number, H: number, W: number, w: number[], rq: Requant[], xr: [number, number], pt = 1, pl = 1): RspLayerPlan {
  // pads other than 1 need the deinterleaved copy (it places x at row pt, column pl)
  if ((pt !== 1 || pl !== 1) && (W / 2) % 8) throw new Error(`stride 2 with pads begin ${pt},${pl}: output width ${W / 2} is not a multiple of 8`);
  const acc = chooseAcc(rq, (c) => rowBound(w, c * Ci * 9, Ci * 9, xr));
  if (W % 8 === 0) return plan3x3Chunked(Ci, Co, H, W, w, rq, acc, 2, true, pt, pl);
  // other widths: the even-rows mode on rows of W rounded up to 8, the CPU keeps the even columns below W
  return narrowed(plan3x3Chunked(Ci, Co, H, Math.ceil(W / 8) * 8, w, rq, acc, 2, false), W);
}

/**
 * A conv3x3c plan computed on rows of W rounded up to 8 (`plan.padb` / `plan.pad` width), for an input of width
 * W0: the padded copy takes W0 columns of x (the tasks' extra output columns read only padding or junk and are
 * dropped), the tasks write rows of the rounded width into the staging buffer (`outWp`), and the CPU's
 * compaction (and stride-2 pick) keeps columns below W0. Unchanged when W0 is already the plan's width.
 */
function narrowed(p: RspLayerPlan, W0: number): RspLayerPlan {
  const geo = p.padb ?? p.pad;
  if (!geo || geo.W === W0) return p;
  if (p.deint) throw new Error('internal: the deinterleaved stride-2 mode needs the real width');
  const Wp = geo.W;
  return {
    ...p, outWp: Wp,
    ...(p.padb ? { padb: { ...p.padb, W: W0 } } : {}),
    ...(p.pad ? { pad: { ...p.pad, W: W0 } } : {}),
    ...(p.sub ? { sub: { ...p.sub, W: W0 } } : {}),
    note: `${p.note ? `${p.note}; ` : ''}rows ${W0} -> ${Wp}`,
  };
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
  const xAt = 0x1000, yAt = xAt + ((plan.inBytes + 63) & ~63), cAt = yAt + ((plan.outBytes + 63) & ~63), wAt = cAt + 0x1000;
  let instructions = 0, dmaBytes = 0, staticInstructions = 0;
  for (const t of plan.tasks) {
    rsp.rdram.set(t.kernel.constData, cAt);
    if (t.in1) rsp.rdram.set(t.in1.data, wAt);
    rsp.dmem.fill(0);
    const dv = new DataView(rsp.dmem.buffer);
    const words = [t.ntiles, cAt, t.kernel.constData.length ? dmaLen(Math.ceil(t.kernel.constData.length / 8) * 8) : 0, 0,
      xAt + t.inOff, t.inStride, t.inLen, t.inStep2 ?? 0,
      ...(plan.in1 ? [xAt + t.inOff, t.inStride, t.inLen] : [t.in1 ? wAt : 0, t.in1?.stride ?? 0, t.in1?.len ?? 0]), t.in1?.step2 ?? 0, yAt + t.outOff, t.outStride, t.outLen, t.outStep2 ?? 0];
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

/** Largest |v| over the int16 range [lo, hi]. */
const absMax = ([lo, hi]: [number, number]) => Math.max(Math.abs(lo), Math.abs(hi));

/**
 * QAdd / QMul (int16, both inputs and the output of one shape: no
 * broadcasting) as the elementwise add / mul kernels over the flat tensor.
 * dnnc's CPU int16 semantics (runtime-c qelementwise.h, zero points unused):
 *   add: y = clamp(rshift_rnd(a * 2^am + b * 2^bm, s)), am, bm >= 0, any s
 *        (s < 2: liftAdd multiplies both terms by 2^(2-s) and shifts by 2, exact);
 *   mul: y = clamp(rshift_rnd(a * b, s)), s >= 2 here (no lift for a product).
 * The kernels form a*ma + b*mb (or a*b) + 2^(s-1) in 32 bits: exact when
 * max|a| * ma + max|b| * mb + 2^(s-1) < 2^31 over the inputs' value ranges.
 * Tiles: as many elements as DMEM holds (double-buffered a, b, y), one SP DMA
 * each; the count rounded down to 8 runs on the RSP (a second task for a
 * remainder of tiles), the last count % 8 elements on the CPU.
 */
function decideEltwise(n: Node): RspDecision {
  const a = n.inputs[0]!, b = n.inputs[1]!, y = n.outputs[0]!;
  if (a.type.dtype !== 'int16' || b.type.dtype !== 'int16') return { rsp: false, reason: `${a.type.dtype} (RSP kernels are int16)` };
  const same = (s: readonly number[]) => s.length === y.type.shape.length && s.every((d, i) => d === y.type.shape[i]);
  if (!same(a.type.shape) || !same(b.type.shape)) return { rsp: false, reason: 'broadcasting (only inputs of the output\'s shape go to the RSP)' };
  const N = y.type.shape.reduce((p, d) => p * d, 1), N8 = N - (N % 8);
  if (N8 === 0) return { rsp: false, reason: `${N} elements (fewer than 8)` };
  const lo = n.int('act_min', -32768), hi = n.int('act_max', 32767);
  const ra = valueRange(a), rb = valueRange(b);
  const s = n.int('shift', 0);
  let make: (count: number) => RspKernel;
  let sum: number;
  try {
    if (n.op === 'QAdd') {
      const am = n.int('a_mult', 0), bm = n.int('b_mult', 0);
      if (am < 0 || bm < 0) return { rsp: false, reason: `negative input shifts ${am}, ${bm}` };
      const l = liftAdd(am, bm, s);
      sum = absMax(ra) * l.ma + absMax(rb) * l.mb + 2 ** (l.shift - 1);
      make = (count) => addKernel({ n: count, ma: l.ma, mb: l.mb, shift: l.shift, lo, hi });
    } else {
      if (s < 2) return { rsp: false, reason: `mul shift ${s} < 2 (no exact RSP rescale of the product)` };
      sum = Math.max(...[ra[0] * rb[0], ra[0] * rb[1], ra[1] * rb[0], ra[1] * rb[1]].map(Math.abs)) + 2 ** (s - 1);
      make = (count) => mulKernel({ n: count, shift: s, lo, hi });
    }
  } catch (e) {
    return { rsp: false, reason: (e as Error).message };
  }
  if (sum >= 2 ** 31) return { rsp: false, reason: `|sum| + 2^(s-1) <= ${sum} >= 2^31 (the 32-bit sum could overflow)` };
  // the largest tile (multiple of 8) the kernel's DMEM map holds
  let pmax = Math.min(N8, Math.floor((DMEM_SIZE - 0x40 - 32) / 96) * 8);
  for (;; pmax -= 8) {
    try { make(pmax); break; } catch (e) { if (pmax <= 8) return { rsp: false, reason: (e as Error).message }; }
  }
  // a tile size dividing the count (at least half the largest; multiples of 32 unroll by 4), else full tiles + a remainder task
  let P = 0;
  for (let p = pmax; p >= pmax / 2; p -= 8) if (N8 % p === 0 && (!P || (p % 32 === 0 && P % 32 !== 0))) P = p;
  if (!P) P = pmax >= 32 ? pmax - (pmax % 32) : pmax;
  const tasks: RspTask[] = [];
  const full = Math.floor(N8 / P), rest = N8 - full * P;
  const task = (count: number, ntiles: number, off: number): RspTask => ({
    kernel: make(count), ntiles, inOff: off, inStride: count * 2, inLen: dmaLen(count * 2), outOff: off, outStride: count * 2, outLen: dmaLen(count * 2),
  });
  if (full) tasks.push(task(P, full, 0));
  if (rest) tasks.push(task(rest, 1, full * P * 2));
  return { rsp: true, plan: { kind: n.op === 'QAdd' ? 'add' : 'mul', acc: 32, tasks, inBytes: N8 * 2, outBytes: N8 * 2, in1: true } };
}
