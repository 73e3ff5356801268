// `--rsp` layouts the tile ABI cannot read or write in place, made by CPU
// copies around the RSP tasks (one mechanism for every layer kind):
// - feature-map widths that are not a multiple of 8: the 3x3 / depthwise
//   tasks compute rows of Wp = W rounded up to 8 (the zero-padded input copy
//   is made that much wider) into a staging buffer [C][H][Wp]; pointwise
//   tasks compute N positions rounded up to 8 from a staged copy [K][Np] of
//   the input into [Co][Np];
// - stride 2: depthwise / 3x3 compute the stride-1 result, the CPU keeps
//   even rows and columns while it compacts; pointwise takes the even rows
//   and columns of its input when it stages it (4x less RSP work);
// - pointwise rows whose SP DMA skip (Np - P) * 2 exceeds 12 bits: the input
//   is staged tile-contiguous [T][K][P] (one SP DMA row per channel, no
//   skip), the output comes back as [T][Co][P] and the CPU puts it in place.
// The copies are RspCopy descriptions (4 nested loops of int16 element
// copies) that runtime-c/kernels/rspdispatch.c runs; the staging buffers
// live in the node's arena scratch (rspScratch(): input at 0, output at the
// next 16-byte boundary), which the rsp pass declares with `scratch_bytes`.
import { DnncError } from '../../ir/errors.js';
import { gemmKernel } from './kernels/gemm.js';
import { gemmChunkKernel } from './kernels/gemmchunk.js';
import { dmaLen, chooseAcc, type Requant } from './kernels/common.js';
import { planPointwise } from './layer.js';
import { DMEM_SIZE } from './asm.js';
import { valueRange, type RspLayerPlan, type RspTask, type RspDecision } from './plan.js';
import type { Node } from '../../ir/graph.js';

/**
 * dst[dOff + a*d[0] + b*d[1] + c*d[2] + i] = src[sOff + a*s[0] + b*s[1] + c*s[2] + i*s[3]]
 * for a < n[0], b < n[1], c < n[2], i < n[3] (int16 elements).
 */
export interface RspCopy {
  n: [number, number, number, number];
  s: [number, number, number, number];
  d: [number, number, number];
  sOff: number;
  dOff: number;
  /** set: write this value instead of reading src (the constant rows of a bias folded into the weights) */
  fill?: number;
}

const up8 = (v: number) => Math.ceil(v / 8) * 8;
const al16 = (v: number) => Math.ceil(v / 16) * 16;

/** A copy from nested loops written outermost first; missing levels count 1. */
function copy(levels: Array<[n: number, s: number, d: number]>, inner: [n: number, s: number], sOff = 0, dOff = 0): RspCopy {
  const l = [...levels];
  while (l.length < 3) l.unshift([1, 0, 0]);
  if (l.length > 3) throw new DnncError('internal: RspCopy has 3 outer levels');
  return { n: [l[0]![0], l[1]![0], l[2]![0], inner[0]], s: [l[0]![1], l[1]![1], l[2]![1], inner[1]], d: [l[0]![2], l[1]![2], l[2]![2]], sOff, dOff };
}

/** A dnnc_rsp_copy C initializer. */
export function copyInit(c: RspCopy): string {
  return `{ ${[...c.n, ...c.s, ...c.d, c.sOff, c.dOff, c.fill === undefined ? 0 : 1].map((v) => `${v}u`).join(', ')}, ${c.fill ?? 0} }`;
}

/** Elements a copy list moves (the CPU-side cost). */
export function copyElements(cs: RspCopy[]): number {
  return cs.reduce((a, c) => a + c.n[0] * c.n[1] * c.n[2] * c.n[3], 0);
}

/** Run copies in TypeScript (tests: the C routine's contract). */
export function runCopies(cs: RspCopy[], src: ArrayLike<number>, dst: { [i: number]: number }): void {
  for (const c of cs)
    for (let a = 0; a < c.n[0]; a++) for (let b = 0; b < c.n[1]; b++) for (let e = 0; e < c.n[2]; e++) {
      const so = c.sOff + a * c.s[0] + b * c.s[1] + e * c.s[2], dd = c.dOff + a * c.d[0] + b * c.d[1] + e * c.d[2];
      for (let i = 0; i < c.n[3]; i++) dst[dd + i] = c.fill ?? src[so + i * c.s[3]]!;
    }
}

export interface RspStaging {
  /** copies x -> staging input (the pad copy of 3x3 layers is `plan.pad`, done by the dispatcher) */
  inCopies: RspCopy[];
  /** copies staging output -> y, after the tasks */
  outCopies: RspCopy[];
  /** staging input bytes (pad copy or staged input; 0: the tasks read x) */
  inBytes: number;
  /** staging output bytes (0: the tasks write y) */
  outBytes: number;
  /** byte offsets of the buffers in the node's scratch, and the scratch it needs */
  inAt: number; outAt: number; scratchBytes: number;
}

/**
 * The staging of a plan: the input buffer (the zero-padded copy `pad` or the
 * copies `stageIn`), the output buffer (when the RSP's result is not y
 * itself: `stageOut`, or the widened rows `outWp` and the stride-2 `sub`
 * composed into one compaction).
 */
export function rspStaging(p: RspLayerPlan): RspStaging {
  const inCopies = p.stageIn ?? [];
  let outCopies = p.stageOut ?? [];
  if (!p.stageOut && (p.outWp || p.sub)) {
    // the RSP wrote [C][H][Wp]: keep columns < W (and even rows / columns for stride 2)
    const geo = (p.pad ?? p.padb)!;
    const H = p.sub?.H ?? geo.H, W = p.sub?.W ?? geo.W, Wp = p.outWp ?? W;
    // output channels: the RSP's [C][H][Wp] (not the pad copy's input channels: a 3x3 conv has Ci != Co)
    const C = p.sub?.C ?? p.outBytes / (2 * H * Wp);
    outCopies = p.sub
      ? [copy([[C, H * Wp, (H / 2) * (W / 2)], [H / 2, 2 * Wp, W / 2]], [W / 2, 2])]
      : [copy([[C, H * Wp, H * W], [H, Wp, W]], [W, 1])];
  }
  // the pad copy (plan.pad, conv3x3c's padb / deint copies) or the staged input: p.inBytes
  const inBytes = p.pad || p.padb || p.deint || inCopies.length ? p.inBytes : 0;
  const outBytes = outCopies.length ? p.outBytes : 0;
  const inAt = 0, outAt = al16(inBytes);
  return { inCopies, outCopies, inBytes, outBytes, inAt, outAt, scratchBytes: outBytes ? outAt + al16(outBytes) : al16(inBytes) };
}

const kacc = (acc: 32 | 48): 48 | 'wrap32' => (acc === 32 ? 'wrap32' : 48);

/** Tile positions and output channels per task of a pointwise layer when the rows need no SP DMA skip (tile-contiguous staging). */
function planPwTiles(K: number, Np: number, Co: number, acc: 32 | 48, single = false, okP: (P: number) => boolean = () => true): { P: number; coPerTask: number } {
  const Kp = up8(K), wmul = acc === 48 && Kp / 8 > 7 ? 2 : 1; // sign rows (gemm.ts)
  const dmem = (P: number, co: number) => 64 + al16(co * Kp * 2 * wmul + co * 16 + (acc === 48 ? 16 : 0)) + (single ? 1 : 2) * K * P * 2 + 2 * co * P * 2;
  let best: { P: number; coPerTask: number; cost: number } | undefined;
  for (let P = Math.min(Np, 256); P >= 8; P -= 8) {
    if (Np % P || !okP(P)) continue;
    for (let co = Co; co >= 1; co--) {
      if (dmem(P, co) > DMEM_SIZE) continue;
      // per task: microcode + const block; per tile: two DMAs and the loop overhead
      const tasks = Math.ceil(Co / co), cost = tasks * 400 + tasks * (Np / P) * 40;
      if (!best || cost < best.cost) best = { P, coPerTask: co, cost };
      break;
    }
  }
  if (!best) throw new DnncError(`pointwise K=${K}, N=${Np}: no tile fits DMEM${single ? ' (even with one input buffer)' : ''}`);
  return best;
}

/**
 * Pointwise (1x1, no padding) at stride 1 or 2 on [K][H][W]: the tasks and
 * their staging. Stride 1 with H*W a multiple of 8 and a row skip that fits
 * the SP DMA: the layer's own tensors (planPw, as before).
 */
export function planPointwiseLayout(
  K0: number, H: number, W: number, stride: 1 | 2, Co: number, w0: number[], rq0: Requant[], acc: 32 | 48,
  flat: (K: number, HW: number) => RspLayerPlan, xr: [number, number] = [-32768, 32767], conv?: ConvGeom,
): RspLayerPlan {
  const OH = conv ? conv.OH : stride === 2 ? H / 2 : H, OW = conv ? conv.OW : stride === 2 ? W / 2 : W, N = OH * OW, HW = H * W;
  // a bias + rounding beyond 32 bits: J constant input rows of FOLD carry it (weights' extra columns), the rest stays the bias
  const fold = foldBias(K0, w0, rq0, xr);
  const { K, w, rq } = fold ?? { K: K0, w: w0, rq: rq0 };
  if (fold) acc = fold.acc;
  const chunked = () => planChunked(K0, K, N, Co, w, rq, acc, stride, OW, conv);
  if (K > 256) return chunked();
  if (!fold && !conv && stride === 1 && N % 8 === 0) {
    try { return flat(K, N); } catch { /* the row skip does not fit: tile-contiguous staging below */ }
  }
  const Np = up8(N);
  // stage [K][Np] (rows Np apart) when its skips fit, else tile-contiguous [T][K][P]
  // else tiles of large K with one input buffer (no prefetch of the next tile)
  let P: number, coPerTask: number, tiled = false, single = false;
  try {
    ({ P, coPerTask } = planPointwise(K, Np, Co, acc));
  } catch {
    try {
      // im2col into tiles: whole tiles per output row (OW % P == 0) keep each tap's copy uniform
      ({ P, coPerTask } = planPwTiles(K, Np, Co, acc, false, (P) => !conv || OW % P === 0));
      tiled = true;
    } catch {
      try {
        ({ P, coPerTask } = planPwTiles(K, Np, Co, acc, true, (P) => !conv || OW % P === 0));
      } catch {
        return chunked();
      }
      single = true;
      tiled = (Np - P) * 2 > 0xfff;
    }
  }
  const T = Np / P;
  const tasks: RspTask[] = [];
  for (let c0 = 0; c0 < Co; c0 += coPerTask) {
    const co = Math.min(coPerTask, Co - c0);
    const kernel = gemmKernel({ K, P, Co: co, weights: w.slice(c0 * K, (c0 + co) * K), requant: rq.slice(c0, c0 + co), acc: kacc(acc), ...(single ? { singleIn: true } : {}) });
    tasks.push(tiled
      ? { kernel, ntiles: T, inOff: 0, inStride: K * P * 2, inLen: dmaLen(P * 2, K, 0), outOff: c0 * P * 2, outStride: Co * P * 2, outLen: dmaLen(P * 2, co, 0) }
      : { kernel, ntiles: T, inOff: 0, inStride: P * 2, inLen: dmaLen(P * 2, K, (Np - P) * 2), outOff: c0 * Np * 2, outStride: P * 2, outLen: dmaLen(P * 2, co, (Np - P) * 2) });
  }
  let stageIn: RspCopy[], stageOut: RspCopy[];
  if (conv) {
    stageIn = im2colCopies(conv, K, Np, tiled ? P : 0);
    if (fold) stageIn.push(tiled ? { ...copy([[T, 0, K * P], [K - K0, 0, P]], [P, 0], 0, K0 * P), fill: FOLD } : { ...copy([[K - K0, 0, Np]], [Np, 0], 0, K0 * Np), fill: FOLD });
    stageOut = tiled ? [copy([[T, Co * P, P], [Co, P, N]], [P, 1])] : Np === N ? [] : [copy([[Co, Np, N]], [N, 1])];
    return { kind: 'im2col', acc, tasks, inBytes: (tiled ? T * K * P : K * Np) * 2, outBytes: (tiled ? T * Co * P : Co * Np) * 2, stageIn, stageOut };
  }
  if (!fold && !tiled && stride === 1 && Np === N) {
    // the tasks read x and write y in place
    stageIn = []; stageOut = [];
  } else if (!tiled) {
    stageIn = stride === 2 ? [copy([[K0, HW, Np], [OH, 2 * W, OW]], [OW, 2])] : [copy([[K0, HW, Np]], [N, 1])];
    if (fold) stageIn.push({ ...copy([[K - K0, 0, Np]], [Np, 0], 0, K0 * Np), fill: FOLD });
    stageOut = Np === N ? [] : [copy([[Co, Np, N]], [N, 1])];
  } else {
    if (stride === 2) throw new DnncError(`pointwise stride 2, ${N} positions: no staging (row skip > 12 bits)`);
    const full = Math.floor(N / P), rest = N - full * P;
    // staged position p of channel k at (p / P) * K * P + k * P + p % P
    stageIn = [copy([[full, P, K * P], [K0, N, P]], [P, 1])];
    stageOut = [copy([[full, Co * P, P], [Co, P, N]], [P, 1])];
    if (rest) {
      stageIn.push(copy([[K0, N, P]], [rest, 1], full * P, full * K * P));
      stageOut.push(copy([[Co, P, N]], [rest, 1], full * Co * P, full * P));
    }
  }
  if (fold && tiled) stageIn.push({ ...copy([[T, 0, K * P], [K - K0, 0, P]], [P, 0], 0, K0 * P), fill: FOLD });
  if (!stageIn.length) return { kind: 'pointwise', acc, tasks, inBytes: K * N * 2, outBytes: Co * N * 2 };
  return { kind: 'pointwise', acc, tasks, inBytes: (tiled ? T * K * P : K * Np) * 2, outBytes: (tiled ? T * Co * P : Co * Np) * 2, stageIn, stageOut };
}

/** `dnnc inspect --rsp`: the CPU-side copies of a layer (pad copy, staged input / output), '' when none. */
export function stagingNote(p: RspLayerPlan): string {
  const st = rspStaging(p);
  const pad = p.pad ? p.pad.C * (p.pad.H + 2) * p.pad.IWp : 0;
  const n = pad + copyElements(st.inCopies) + copyElements(st.outCopies);
  if (!n) return '';
  const what = [
    ...(p.pad ? ['padded input'] : []), ...(st.inCopies.length ? ['staged input'] : []),
    ...(p.outWp ? [`rows ${p.pad!.W} -> ${p.outWp}`] : []), ...(p.sub || (p.stageIn && p.stageIn.some((c) => c.s[3] === 2)) ? ['stride 2'] : []),
    ...(p.tasks.some((t) => p.stageIn?.length && (t.inLen >>> 20) === 0 && (t.inLen >>> 12 & 0xff) > 0 && t.inStride !== ((t.inLen & 0xfff) + 1)) ? ['tile-contiguous'] : []),
    ...(st.outBytes ? ['staged output'] : []),
    ...(p.stageIn?.some((c) => c.fill !== undefined) ? [`bias folded into ${p.stageIn.filter((c) => c.fill !== undefined).reduce((a, c) => a + c.n[2], 0)} constant rows`] : []),
    ...(p.tasks.some((t) => t.kernel.layout.singleIn) ? ['one input buffer'] : []),
  ];
  return `; CPU copies ${n} int16 (${what.join(', ')})`;
}

/** 2x2 max pooling with R output rows of OW (not a multiple of 8): input rows staged at 2 * OWp, output rows of OWp compacted. */
export function poolStaging(R: number, OW: number, OWp: number): Pick<RspLayerPlan, 'stageIn' | 'stageOut'> {
  if (OW === OWp) return {};
  return { stageIn: [copy([[2 * R, 2 * OW, 2 * OWp]], [2 * OW, 1])], stageOut: [copy([[R, OWp, OW]], [OW, 1])] };
}

/** Value of the constant input rows that carry a folded bias. */
const FOLD = -32768;

/**
 * When some channel's bias + 2^(s-1) does not fit 32 bits (the RSP adds it as
 * two 16-bit halves): write bias = sum_j w_j * FOLD + r with |r| <= 16384
 * and int16 w_j, append J constant rows of FOLD to the input and the w_j as
 * extra weight columns; the kernel then adds r. Exact: the sum is the same
 * integer. The accumulator mode is chosen again with the constant rows'
 * exact contribution in the bound. undefined: no channel needs it.
 */
function foldBias(K: number, w: number[], rq: Requant[], xr: [number, number]): { K: number; w: number[]; rq: Requant[]; acc: 32 | 48 } | undefined {
  const fits = (q: Requant) => { const c = q.bias + 2 ** (q.shift - 1); return c >= -(2 ** 31) && c < 2 ** 31; };
  if (rq.every(fits)) return undefined;
  const cols = rq.map((q) => {
    const ws: number[] = [];
    let rem = q.bias;
    while (Math.abs(rem) > 16384) {
      const wj = Math.max(-32767, Math.min(32767, Math.round(rem / FOLD)));
      ws.push(wj);
      rem -= wj * FOLD;
    }
    return { ws, r: rem };
  });
  const J = Math.max(...cols.map((c) => c.ws.length));
  const K2 = K + J;
  const w2: number[] = [];
  rq.forEach((_, c) => {
    for (let k = 0; k < K; k++) w2.push(w[c * K + k]!);
    for (let j = 0; j < J; j++) w2.push(cols[c]!.ws[j] ?? 0);
  });
  const rq2 = rq.map((q, c) => ({ ...q, bias: cols[c]!.r }));
  // |sum| bound / 32768 (chooseAcc's unit): the x rows over their range, the constant rows exactly
  const bound = (c: number) => {
    let up = 0, dn = 0;
    for (let k = 0; k < K; k++) { const v = w2[c * K2 + k]!; if (v > 0) { up += v * xr[1]; dn += v * xr[0]; } else { up += v * xr[0]; dn += v * xr[1]; } }
    let f = 0;
    for (let j = 0; j < J; j++) f += w2[c * K2 + K + j]! * FOLD;
    return Math.max(Math.abs(up + f), Math.abs(dn + f)) / 32768;
  };
  return { K: K2, w: w2, rq: rq2, acc: chooseAcc(rq2, bound) };
}

/** Largest im2col staging (arena scratch) a layer may take: the copy is Ci*kh*kw times the output plane. */
const IM2COL_MAX_BYTES = 512 * 1024;

/** A full convolution's geometry for im2col staging (NCHW, batch 1, zero padding). */
export interface ConvGeom { Ci: number; H: number; W: number; kh: number; kw: number; sh: number; sw: number; pt: number; pl: number; OH: number; OW: number }

/**
 * im2col: the staged input row k = (ci * kh + ky) * kw + kx holds, at output
 * position p = oy * OW + ox, x[ci][oy*sh - pt + ky][ox*sw - pl + kx] (0 outside:
 * the buffer is zeroed first). Flat rows of Np (P = 0) or tiles [T][K][P]
 * with OW % P == 0 (an output row is OW / P whole tiles). One to three copies per tap.
 */
export function im2colCopies(g: ConvGeom, K: number, Np: number, P: number): RspCopy[] {
  const { Ci, H, W, kh, kw, sh, sw, pt, pl, OH, OW } = g;
  const kk = kh * kw, T = P ? Np / P : 0;
  const out: RspCopy[] = [{ ...copy([], [P ? T * K * P : K * Np, 0]), fill: 0 }];
  const at = (k: number, p: number) => (P ? Math.floor(p / P) * K * P + k * P + (p % P) : k * Np + p);
  for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
    // output rows / columns whose tap falls inside the input
    let oy0 = 0, oy1 = OH, ox0 = 0, ox1 = OW;
    while (oy0 < OH && oy0 * sh - pt + ky < 0) oy0++;
    while (oy1 > oy0 && (oy1 - 1) * sh - pt + ky >= H) oy1--;
    while (ox0 < OW && ox0 * sw - pl + kx < 0) ox0++;
    while (ox1 > ox0 && (ox1 - 1) * sw - pl + kx >= W) ox1--;
    if (oy0 >= oy1 || ox0 >= ox1) continue;
    const k = ky * kw + kx;
    const src = (oy: number, ox: number) => (oy * sh - pt + ky) * W + ox * sw - pl + kx;
    if (!P) {
      out.push(copy([[Ci, H * W, kk * Np], [oy1 - oy0, sh * W, OW]], [ox1 - ox0, sw], src(oy0, ox0), at(k, oy0 * OW + ox0)));
      continue;
    }
    // columns: a partial first tile, whole tiles, a partial last tile
    const segs: Array<[number, number]> = [];
    const b0 = Math.ceil(ox0 / P) * P, b1 = Math.floor(ox1 / P) * P;
    if (b0 > b1) segs.push([ox0, ox1]);
    else {
      if (ox0 < b0) segs.push([ox0, b0]);
      if (b1 > b0) segs.push([b0, b1]);
      if (b1 < ox1) segs.push([b1, ox1]);
    }
    const rowStep = (OW / P) * K * P;
    for (const [a, b] of segs) {
      const whole = a % P === 0 && b - a >= P && (b - a) % P === 0;
      out.push(whole
        ? copy([[Ci, H * W, kk * P], [oy1 - oy0, sh * W, rowStep], [(b - a) / P, P * sw, K * P]], [P, sw], src(oy0, a), at(k, oy0 * OW + a))
        : copy([[Ci, H * W, kk * P], [oy1 - oy0, sh * W, rowStep]], [b - a, sw], src(oy0, a), at(k, oy0 * OW + a)));
    }
  }
  return out;
}

/**
 * A full (group 1) int16 QConv of any kernel size, stride and padding
 * (dilation 1) as the gemm kernel on an im2col copy: K = Ci * kh * kw <= 256
 * rows. The exactness bound counts the padding zeros in the input range.
 */
export function decideIm2col(n: Node, rowBound: (w: number[], at: number, len: number, r: [number, number]) => number): RspDecision {
  const no = (reason: string): RspDecision => ({ rsp: false, reason });
  const x = n.inputs[0]!, w = n.inputs[1]!, y = n.outputs[0]!;
  if (x.type.dtype !== 'int16' || n.int('raw', 0) || n.ints('mult') || !w.const || (n.inputs[2] && !n.inputs[2].const)) return no('im2col: not an int16 shift-requantized conv with constant weights');
  if (n.int('x_zp', 0) || n.int('y_zp', 0) || n.int('group', 1) !== 1) return no('im2col: zero points or groups');
  const xs = x.type.shape, ys = y.type.shape, ws = w.type.shape;
  if (xs.length !== 4 || xs[0] !== 1) return no('im2col: only 2-D, batch 1');
  const [kh, kw] = (n.ints('kernel_shape') ?? ws.slice(2)) as [number, number];
  const [sh, sw] = (n.ints('strides') ?? [1, 1]) as [number, number];
  const d = n.ints('dilations') ?? [1, 1], p = n.ints('pads') ?? [0, 0, 0, 0];
  if (d.some((v) => v !== 1)) return no('im2col: dilation');
  const Ci = xs[1]!, H = xs[2]!, W = xs[3]!, Co = ys[1]!, OH = ys[2]!, OW = ys[3]!;
  const K = Ci * kh * kw;
  const wv = Array.from({ length: w.const.size }, (_, i) => Number(w.const!.get(i)));
  const sh1 = n.ints('shift') ?? [], b = n.inputs[2]?.const;
  const lo = n.int('act_min', -32768), hi = n.int('act_max', 32767);
  const rq: Requant[] = Array.from({ length: Co }, (_, c) => ({ shift: sh1.length === 1 ? sh1[0]! : sh1[c]!, bias: b ? Number(b.get(c)) : 0, lo, hi }));
  const [xlo, xhi] = valueRange(x);
  const xr: [number, number] = [Math.min(xlo, 0), Math.max(xhi, 0)]; // the padding zeros
  try {
    const acc = chooseAcc(rq, (c) => rowBound(wv, c * K, K, xr));
    const geom: ConvGeom = { Ci, H, W, kh, kw, sh, sw, pt: p[0]!, pl: p[1]!, OH, OW };
    const plan = planPointwiseLayout(K, H, W, 1, Co, wv, rq, acc, () => { throw new DnncError('unused'); }, xr, geom);
    const bytes = rspStaging(plan).scratchBytes;
    if (bytes > IM2COL_MAX_BYTES) return no(`im2col: staging ${bytes} B > ${IM2COL_MAX_BYTES} B`);
    return { rsp: true, plan };
  } catch (e) {
    return no(`im2col: ${(e as Error).message}`);
  }
}

/**
 * Input rows that do not fit a tile (K > 256, or 8 positions of K rows over
 * DMEM): one task per output channel (gemmchunk.ts), tiles of Kc rows x 8
 * positions from the staged input [T][Kt][8] (Kt = K rounded up to Kc, the
 * extra rows zero), the accumulator kept across a group's C = Kt / Kc tiles;
 * the staged output [Co][T * C][8] holds the result in each group's last tile.
 */
function planChunked(K0: number, K: number, N: number, Co: number, w: number[], rq: Requant[], acc: 32 | 48,
  stride: 1 | 2, OW: number, conv?: ConvGeom): RspLayerPlan {
  const Np = up8(N), T = Np / 8;
  if (!conv && stride === 2) throw new DnncError(`pointwise stride 2, K=${K}: no chunked staging`);
  if (conv && OW % 8) throw new DnncError(`im2col K=${K}: chunks need OW % 8 == 0 (OW=${OW})`);
  const wide = acc === 48;
  let Kc = 0, Kt = 0;
  for (const kc of [64, 32, 16, 8]) {
    const kt = Math.ceil(K / kc) * kc;
    if (64 + al16(kt * 2 * (wide ? 2 : 1) + 16 + (wide ? 16 : 0)) + 2 * kc * 16 + 2 * 16 <= DMEM_SIZE) { Kc = kc; Kt = kt; break; }
  }
  if (!Kc) throw new DnncError(`pointwise K=${K}: the weights of one channel do not fit DMEM`);
  const C = Kt / Kc;
  const tasks: RspTask[] = [];
  for (let co = 0; co < Co; co++) {
    const wc = Array.from({ length: Kt }, (_, k) => (k < K ? w[co * K + k]! : 0));
    const kernel = gemmChunkKernel({ K: Kt, Kc, weights: wc, requant: rq[co]!, acc: kacc(acc) });
    tasks.push({ kernel, ntiles: T * C, inOff: 0, inStride: Kc * 16, inLen: dmaLen(Kc * 16), outOff: co * T * C * 16, outStride: 16, outLen: dmaLen(16) });
  }
  // staged input [T][Kt][8]: x rows, folded-bias rows (K0..K-1), zero rows (K..Kt-1)
  const stageIn: RspCopy[] = [];
  if (conv) stageIn.push(...im2colCopies(conv, Kt, Np, 8));
  else {
    const full = Math.floor(N / 8), rest = N - full * 8;
    if (Np !== N) stageIn.push({ ...copy([], [T * Kt * 8, 0]), fill: 0 });
    stageIn.push(copy([[full, 8, Kt * 8], [K0, N, 8]], [8, 1]));
    if (rest) stageIn.push(copy([[K0, N, 8]], [rest, 1], full * 8, full * Kt * 8));
    if (Kt > K) stageIn.push({ ...copy([[T, 0, Kt * 8], [Kt - K, 0, 8]], [8, 0], 0, K * 8), fill: 0 });
  }
  if (K > K0) stageIn.push({ ...copy([[T, 0, Kt * 8], [K - K0, 0, 8]], [8, 0], 0, K0 * 8), fill: FOLD });
  // y[co][t*8 + i] = staged[co][t*C + C-1][i]
  const full = Math.floor(N / 8), rest = N - full * 8;
  const stageOut = [copy([[Co, T * C * 8, N], [full, C * 8, 8]], [8, 1], (C - 1) * 8, 0)];
  if (rest) stageOut.push(copy([[Co, T * C * 8, N]], [rest, 1], (full * C + C - 1) * 8, full * 8));
  return { kind: conv ? 'im2col' : 'pointwise', acc, tasks, inBytes: T * Kt * 8 * 2, outBytes: Co * T * C * 16, stageIn, stageOut };
}
