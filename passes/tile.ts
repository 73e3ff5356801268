// Tiling: split Conv (incl. depthwise / pointwise), Gemm / MatMul and
// pooling (float32, and the int8 / int16 QConv / QGemm) into tiles whose
// working set fits one of the target's memory levels (TargetDesc.levels):
// output channels x output rows x output columns x input-channel chunks
// (accumulated across chunks). A tile's working set is the input patch with
// its halo, the weight block, bias / requantisation blocks, the accumulator
// and the partial sums of a chunk, with a second set of input buffers for
// double buffering, plus the tile descriptor; its scratch layout (the tile
// ABI, runtime-c/kernels/tile.h) is computed here by tileLayout() and used
// unchanged by the codegen.
//
// The pass leaves the op as it is and records the schedule in attributes
// (`tile` = [oc, oh, ow, ic] tile sizes, `tile_level`, `tile_bytes`,
// `tile_cpad`, `tile_dma`, `tile_loops` = the loop nest as text, which the
// printer shows under the node) and asks the memory planner for the scratch
// bytes (`scratch_bytes`). Runs only when asked (--tile [level], --rsp-model).
import { registerPass, type PassContext } from './pass.js';
import type { Graph, Node } from '../ir/graph.js';
import type { MemoryLevel, TargetDesc } from '../compiler/targets/target.js';
import { DnncError } from '../ir/errors.js';
import { numel } from '../ir/types.js';

/** Bytes at scratch offset 0 for the tile descriptor (DNNC_TILE_DESC_BYTES). */
export const TILE_DESC_BYTES = 128;

export interface TileOptions {
  /** memory level name (or alias: dmem, dcache, l1, sram) or a size in bytes (e.g. 2048, 8k); default: the target's first level */
  level?: string;
  /** N64: run every tile as an RSP kernel would (DMA rules, DMEM level, int16 lanes) */
  rspModel?: boolean;
}

export type TileKind = 'conv' | 'gemm' | 'pool' | 'eltwise';

/** The shape facts of one tileable node. */
export interface TileProblem {
  kind: TileKind;
  /** C kernel family suffix: f32, i8, i16 */
  dtype: 'f32' | 'i8' | 'i16';
  /** conv/pool: batch, channels, sizes; gemm: M = oh, N = cout, K = cin */
  n: number; cin: number; ih: number; iw: number; cout: number; oh: number; ow: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  group: number;
  /** element bytes: input, weight, bias, accumulator */
  xe: number; we: number; be: number; ae: number;
  hasBias: boolean;
  /** int8: mult + shift per channel, int16: shift */
  requant: 0 | 1 | 2;
  /** float Gemm with C: its [tm][tn] block */
  gemmC: boolean;
  transA: number;
  transB: number;
}

/** Tile sizes: output channels (gemm N), rows (gemm M), columns, input-channel chunk (gemm K). */
export interface TileShape { oc: number; oh: number; ow: number; ic: number }

export interface TileLayout {
  offX: [number, number]; offW: [number, number]; offB: [number, number]; offQ: [number, number];
  offAcc: number; offPart: number;
  bytes: number;
  /** bytes of one set of input buffers (patch, weights, bias) */
  inBytes: number;
  accBytes: number;
}

const rup = (a: number, m: number) => Math.ceil(a / m) * m;
const cdiv = (a: number, b: number) => Math.ceil(a / b);

/** Elementwise ops the tiler splits into chunks of elements (inputs of the output's shape, no broadcasting). */
export const TILE_ELTWISE = new Set(['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Abs', 'Neg', 'Exp', 'HardSigmoid', 'HardSwish', 'Elu',
  'Add', 'Sub', 'Mul', 'Div']);
const ELT_BYTES: Partial<Record<string, number>> = { float32: 4, int8: 1, uint8: 1, int16: 2, int32: 4 };

/** The tileable facts of a node, or null when the tiler does not handle it. */
export function tileProblem(n: Node): TileProblem | null {
  const x = n.inputs[0], y = n.outputs[0];
  if (!x || !y) return null;
  // int8 activations x int16 weights (qconv_w16 / qgemm_w16) are not tiled
  if ((n.op === 'QConv' || n.op === 'QGemm') && n.inputs[1] && n.inputs[1].type.dtype !== x.type.dtype) return null;
  const base = { hasBias: false, requant: 0 as 0 | 1 | 2, gemmC: false, transA: 0, transB: 0, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1, n: 1, ih: 1, iw: 1, ow: 1 };
  if (n.op === 'Conv' || n.op === 'QConv') {
    const xs = x.type.shape, ys = y.type.shape;
    const r = xs.length - 2;
    if (r < 1 || r > 2) return null;
    let dtype: TileProblem['dtype'];
    if (n.op === 'Conv') {
      if ([...n.inputs, y].some((v) => v && v.type.dtype !== 'float32')) return null;
      dtype = 'f32';
    } else {
      if (n.int('raw', 0)) return null;
      if (x.type.dtype === 'int8') dtype = 'i8';
      else if (x.type.dtype === 'int16') dtype = 'i16';
      else return null;
      if (dtype === 'i8' && !n.ints('mult')) return null;
    }
    const k = n.ints('kernel_shape')!, s = n.ints('strides')!, d = n.ints('dilations')!, p = n.ints('pads')!;
    const two = (a: number[], dflt: number) => (r === 1 ? [dflt, a[0]!] : a);
    const [kh, kw] = two(k, 1), [sh, sw] = two(s, 1), [dh, dw] = two(d, 1);
    void p;
    const e = dtype === 'f32' ? [4, 4, 4, 4] : dtype === 'i8' ? [1, 1, 4, 4] : [2, 2, 8, 8];
    return {
      ...base, kind: 'conv', dtype,
      n: xs[0]!, cin: xs[1]!, ih: r === 1 ? 1 : xs[2]!, iw: xs[xs.length - 1]!, cout: ys[1]!, oh: r === 1 ? 1 : ys[2]!, ow: ys[ys.length - 1]!,
      kh: kh!, kw: kw!, sh: sh!, sw: sw!, dh: dh!, dw: dw!, group: n.int('group', 1),
      xe: e[0]!, we: e[1]!, be: e[2]!, ae: e[3]!, hasBias: !!n.inputs[2], requant: dtype === 'f32' ? 0 : dtype === 'i8' ? 1 : 2,
    };
  }
  if (n.op === 'Gemm' || n.op === 'MatMul') {
    const a = x, b = n.inputs[1]!;
    if ([...n.inputs, y].some((v) => v && v.type.dtype !== 'float32')) return null;
    let M: number, N: number, K: number, transA = 0, transB = 0, gemmC = false;
    if (n.op === 'Gemm') {
      [M, N] = y.type.shape as [number, number];
      transA = n.int('transA', 0);
      K = transA ? a.type.shape[0]! : a.type.shape[1]!;
      transB = n.int('transB', 0);
      gemmC = !!n.inputs[2];
    } else {
      // A [..., M, K] x B [K, N]: one matrix product over the flattened rows of A
      if (b.type.shape.length !== 2 || a.type.shape.length < 2) return null;
      [K, N] = b.type.shape as [number, number];
      M = numel(a.type.shape) / K;
    }
    return { ...base, kind: 'gemm', dtype: 'f32', cin: K, cout: N, oh: M, xe: 4, we: 4, be: 4, ae: 4, gemmC, transA, transB };
  }
  if (n.op === 'QGemm') {
    if (n.int('raw', 0)) return null;
    const w = n.inputs[1]!;
    const dtype = x.type.dtype === 'int8' ? 'i8' : x.type.dtype === 'int16' ? 'i16' : null;
    if (!dtype || (dtype === 'i8' && !n.ints('mult'))) return null;
    const [N, K] = w.type.shape as [number, number];
    const e = dtype === 'i8' ? [1, 1, 4, 4] : [2, 2, 8, 8];
    return { ...base, kind: 'gemm', dtype, cin: K!, cout: N!, oh: numel(x.type.shape) / K!, xe: e[0]!, we: e[1]!, be: e[2]!, ae: e[3]!, hasBias: !!n.inputs[2], requant: dtype === 'i8' ? 1 : 2 };
  }
  if (TILE_ELTWISE.has(n.op)) {
    const ins = n.inputs;
    const es = ELT_BYTES[y.type.dtype];
    if (!es || n.outputs.length !== 1 || ins.some((v) => !v || v.type.dtype !== y.type.dtype || v.type.shape.length !== y.type.shape.length ||
      v.type.shape.some((d, i) => d !== y.type.shape[i]))) return null;
    const N = numel(y.type.shape);
    if (N === 0) return null;
    return { ...base, kind: 'eltwise', dtype: y.type.dtype === 'float32' ? 'f32' : y.type.dtype === 'int16' ? 'i16' : 'i8',
      cin: ins.length, cout: N, oh: 1, xe: es, we: es, be: 0, ae: es };
  }
  if (n.op === 'MaxPool' || n.op === 'AveragePool') {
    const xs = x.type.shape, ys = y.type.shape;
    const r = xs.length - 2;
    if (r < 1 || r > 2 || x.type.dtype !== 'float32' || (n.op === 'MaxPool' && n.outputs.length > 1 && n.outputs[1])) return null;
    const k = n.ints('kernel_shape')!, s = n.ints('strides')!, d = n.ints('dilations')!;
    const two = (a: number[], dflt: number) => (r === 1 ? [dflt, a[0]!] : a);
    const [kh, kw] = two(k, 1), [sh, sw] = two(s, 1), [dh, dw] = two(d, 1);
    return {
      ...base, kind: 'pool', dtype: 'f32', cin: xs[0]! * xs[1]!, cout: xs[0]! * xs[1]!,
      ih: r === 1 ? 1 : xs[2]!, iw: xs[xs.length - 1]!, oh: r === 1 ? 1 : ys[2]!, ow: ys[ys.length - 1]!,
      kh: kh!, kw: kw!, sh: sh!, sw: sw!, dh: dh!, dw: dw!, xe: 4, we: 0, be: 0, ae: 4,
    };
  }
  return null;
}

/** Padded channel counts of a tile (int16 RSP lanes), as runtime-c/kernels/tile_*.c pad them. */
function padded(p: TileProblem, t: TileShape, cpad: number): { ocp: number; icp: number; wcols: number } {
  // input channels (gemm K) are padded only when there are at least cpad of them (a 1-channel image stays 1)
  const ipad = p.cin >= cpad ? cpad : 1;
  if (p.kind === 'gemm') return { ocp: rup(t.oc, cpad), icp: rup(t.ic, ipad), wcols: rup(t.ic, ipad) };
  if (p.kind === 'pool') return { ocp: t.oc, icp: t.oc, wcols: 0 };
  const kk = p.kh * p.kw;
  if (p.group > 1) {
    const cin_g = p.cin / p.group, cout_g = p.cout / p.group;
    const dw1 = cin_g === 1 && cout_g === 1;
    const ocp = dw1 ? rup(t.oc, cpad) : t.oc;
    return { ocp, icp: dw1 ? ocp : (t.oc / cout_g) * cin_g, wcols: cin_g * kk };
  }
  const icp = rup(t.ic, ipad);
  return { ocp: rup(t.oc, cpad), icp, wcols: icp * kk };
}

/** The scratch layout of a full tile (the ABI of runtime-c/kernels/tile.h). */
export function tileLayout(p: TileProblem, t: TileShape, cpad: number, align: number): TileLayout {
  const A = (b: number) => rup(b, align);
  const { ocp, icp, wcols } = padded(p, t, cpad);
  let X: number, W: number, B: number, Q: number, ACC: number;
  const chunks = (p.kind === 'conv' && p.group === 1) || p.kind === 'gemm' ? cdiv(p.cin, t.ic) : 1;
  if (p.kind === 'eltwise') {
    X = t.oc * p.xe;
    W = p.cin > 1 ? t.oc * p.we : 0;
    B = 0; Q = 0;
    ACC = t.oc * p.ae;
  } else if (p.kind === 'gemm') {
    X = t.oh * icp * p.xe;
    W = icp * ocp * p.we;
    B = p.gemmC ? t.oh * t.oc * 4 : p.hasBias ? ocp * p.be : 0;
    Q = p.requant ? ocp * 4 : 0;
    ACC = t.oh * ocp * p.ae;
  } else {
    const ph = (t.oh - 1) * p.sh + (p.kh - 1) * p.dh + 1, pw = (t.ow - 1) * p.sw + (p.kw - 1) * p.dw + 1;
    X = icp * ph * pw * p.xe;
    W = p.kind === 'pool' ? 0 : ocp * wcols * p.we;
    B = p.hasBias ? ocp * p.be : 0;
    Q = p.requant ? ocp * 4 : 0;
    ACC = ocp * t.oh * t.ow * p.ae;
  }
  let off = A(TILE_DESC_BYTES);
  const take = (b: number) => { const o = off; off += A(b); return o; };
  const offX: [number, number] = [0, 0], offW: [number, number] = [0, 0], offB: [number, number] = [0, 0];
  // gemm's C block is read once per output tile (after the last chunk): one buffer
  const bSets = p.gemmC ? 1 : 2;
  for (let s = 0; s < 2; s++) {
    offX[s] = take(X);
    offW[s] = W ? take(W) : 0;
    offB[s] = B && s < bSets ? take(B) : offB[0];
  }
  const offQ: [number, number] = [p.requant === 1 ? take(Q) : 0, p.requant ? take(Q) : 0];
  const offAcc = take(ACC);
  const offPart = chunks > 1 ? take(ACC) : 0;
  return { offX, offW, offB, offQ, offAcc, offPart, bytes: off, inBytes: X + W + B, accBytes: ACC };
}

/** Candidate tile sizes along one axis: 1..cap and powers of two up to `n`, multiples of `m`, and n. */
function candidates(n: number, m = 1, all = 16): number[] {
  const s = new Set<number>([n]);
  for (let v = 1; v <= Math.min(n, all); v++) s.add(v);
  for (let v = 1; v < n; v *= 2) s.add(v);
  if (m > 1) for (let v = m; v < n; v += m) s.add(v);
  return [...s].filter((v) => v >= 1 && v <= n).sort((a, b) => a - b);
}

/** Cost of one gathered row (one DMA line) in bytes-moved equivalents. */
const ROW_COST = 32;

export interface TileChoice { shape: TileShape; layout: TileLayout; tiles: number; chunks: number; traffic: number }

/** The tile that moves the fewest bytes among those whose layout fits `budget`. */
export function chooseTile(p: TileProblem, budget: number, cpad: number, align: number): TileChoice | null {
  let best: TileChoice | null = null;
  if (p.kind === 'eltwise') {
    // the largest chunk of elements (a multiple of 8 bytes) whose buffers fit
    const per = (p.xe + (p.cin > 1 ? p.we : 0)) * 2 + p.ae;
    let T = Math.min(p.cout, Math.floor((budget - rup(TILE_DESC_BYTES, align) - 4 * align) / per));
    if (T < p.cout) T = Math.floor(T / 8) * 8;
    for (; T >= 1; T -= T > 8 ? 8 : 1) {
      const shape: TileShape = { oc: T, oh: 1, ow: 1, ic: 1 };
      const layout = tileLayout(p, shape, 1, align);
      if (layout.bytes <= budget) return { shape, layout, tiles: cdiv(p.cout, T), chunks: 1, traffic: 0 };
    }
    return null;
  }
  const grouped = p.kind === 'conv' && p.group > 1;
  let ocs: number[];
  if (grouped) {
    const cout_g = p.cout / p.group;
    ocs = candidates(p.group, cpad > 1 ? cpad : 1).map((g) => g * cout_g);
  } else ocs = candidates(p.cout, cpad > 1 ? cpad : 8);
  const ohs = candidates(p.oh);
  const ows = p.kind === 'gemm' ? [1] : candidates(p.ow, 1, 8);
  const ics = p.kind === 'pool' ? [0] : grouped ? [0] : candidates(p.cin, cpad > 1 ? cpad : 8, 8);
  for (const oc of ocs) {
    for (const oh of ohs) {
      for (const ow of ows) {
        for (const ic0 of ics) {
          const ic = grouped ? (oc / (p.cout / p.group)) * (p.cin / p.group) : p.kind === 'pool' ? oc : ic0;
          const shape: TileShape = { oc, oh, ow, ic };
          const layout = tileLayout(p, shape, cpad, align);
          if (layout.bytes > budget) continue;
          const tiles = cdiv(p.cout, oc) * cdiv(p.oh, oh) * cdiv(p.ow, ow) * p.n;
          const chunks = p.kind === 'pool' || grouped ? 1 : cdiv(p.cin, ic);
          // bytes moved in and out, plus a fixed cost per kernel call (DMA set-up, descriptor)
          // and per row of a gathered block (each row is one DMA line: narrow tiles cost more)
          const ph = (oh - 1) * p.sh + (p.kh - 1) * p.dh + 1;
          const rows = p.kind === 'gemm' ? oh + ic : (p.kind === 'pool' ? oc : ic) * ph + oc * oh;
          const traffic = tiles * chunks * (layout.inBytes + 256 + ROW_COST * rows) + tiles * layout.accBytes;
          if (!best || traffic < best.traffic || (traffic === best.traffic && layout.bytes > best.layout.bytes)) {
            best = { shape, layout, tiles, chunks, traffic };
          }
        }
      }
    }
  }
  return best;
}

const ALIASES: Record<string, RegExp> = {
  dmem: /dmem/i, dcache: /d-?cache/i, l1: /^l1$/i, sram: /dram|sram/i,
};

/** The memory level a tiling request means on this target. */
export function tileLevel(target: TargetDesc, opts: TileOptions): MemoryLevel {
  const levels = target.levels;
  if (!levels.length) throw new DnncError(`--tile: target '${target.name}' has no memory levels`);
  if (opts.rspModel) {
    const l = levels.find((v) => v.dmaAlign);
    if (!l) throw new DnncError(`--rsp-model: target '${target.name}' has no DMA scratch memory (RSP DMEM); use --target n64`);
    if (opts.level && !matches(l, opts.level)) throw new DnncError(`--rsp-model tiles into ${l.name}; --tile ${opts.level} asks for another level`);
    return l;
  }
  if (!opts.level) return levels[0]!;
  // a size instead of a level name: tiles of at most that many bytes (tests, experiments)
  const size = /^(\d+)([kK])?$/.exec(opts.level);
  if (size) return { name: `${opts.level} B`, bytes: Number(size[1]) * (size[2] ? 1024 : 1), note: 'size given with --tile' };
  const l = levels.find((v) => matches(v, opts.level!));
  if (!l) throw new DnncError(`--tile: target '${target.name}' has no memory level '${opts.level}' (levels: ${levels.map((v) => v.name).join(', ')})`);
  return l;
}

function matches(l: MemoryLevel, want: string): boolean {
  const w = want.toLowerCase();
  if (l.name.toLowerCase() === w || l.name.toLowerCase().replace(/[^a-z0-9]/g, '') === w.replace(/[^a-z0-9]/g, '')) return true;
  const re = ALIASES[w];
  return !!re && re.test(l.name);
}

/** Bytes the tiles may use on a level (its size minus the stated reserve). */
export function levelBudget(l: MemoryLevel): number {
  return l.bytes - (l.reserve ?? 0);
}

const OPNAME: Record<TileKind, string> = { conv: 'conv', gemm: 'gemm', pool: 'pool', eltwise: 'eltwise' };

/** The tile loop nest as text lines (printed under the node). */
export function loopText(n: Node, p: TileProblem, c: TileChoice, level: MemoryLevel, budget: number, cpad: number): string[] {
  const t = c.shape;
  const lines: string[] = [];
  const loop = (v: string, end: number, step: number) => `for ${v} in 0..${end} step ${step}:`;
  if (p.kind === 'eltwise') {
    const ins = n.inputs.map((_, i) => `${String.fromCharCode(97 + i)}[i:+${t.oc}]`).join(', ');
    lines.push(loop('i', p.cout, t.oc), `${n.op.toLowerCase()}(${ins}) -> y[i:+${t.oc}]`);
  } else if (p.kind === 'gemm') {
    lines.push(loop('n', p.cout, t.oc), loop('m', p.oh, t.oh), loop('k', p.cin, t.ic));
    lines.push(`gemm(A[m:+${t.oh}, k:+${t.ic}], B[k:+${t.ic}, n:+${t.oc}]) ${c.chunks > 1 ? '+=' : '->'} acc[${t.oh},${t.oc}]`);
  } else {
    if (p.n > 1) lines.push(loop('b', p.n, 1));
    lines.push(loop(p.kind === 'pool' ? 'c' : 'oc', p.cout, t.oc), loop('oy', p.oh, t.oh), loop('ox', p.ow, t.ow));
    const ph = (t.oh - 1) * p.sh + (p.kh - 1) * p.dh + 1, pw = (t.ow - 1) * p.sw + (p.kw - 1) * p.dw + 1;
    const grouped = p.kind === 'conv' && p.group > 1;
    if (p.kind === 'conv' && !grouped) lines.push(loop('ic', p.cin, t.ic));
    const ic = p.kind === 'pool' ? 'c' : grouped ? `oc*${p.cin / p.group}/${p.cout / p.group}` : 'ic';
    const icn = p.kind === 'pool' ? t.oc : grouped ? t.ic : t.ic;
    lines.push(`${OPNAME[p.kind]}(x[${ic}:+${icn}, oy*${p.sh}-pt:+${ph}, ox*${p.sw}-pl:+${pw}]${p.kind === 'conv' ? `, w[oc:+${t.oc}]` : ''}) ${c.chunks > 1 ? '+=' : '->'} acc[${t.oc},${t.oh},${t.ow}]`);
  }
  const L = c.layout;
  const head = `tile ${level.name}: ${L.bytes} of ${budget} B${cpad > 1 ? `, channels padded to ${cpad}` : ''}, ${c.tiles} tiles x ${c.chunks} chunk${c.chunks > 1 ? 's' : ''}, double-buffered`;
  const regions = `scratch: desc@0 x@${L.offX[0]},${L.offX[1]}${L.offW[0] ? ` w@${L.offW[0]},${L.offW[1]}` : ''}${p.hasBias || p.gemmC ? ` b@${L.offB[0]}${L.offB[1] !== L.offB[0] ? ',' + L.offB[1] : ''}` : ''}${p.requant ? ` q@${p.requant === 1 ? L.offQ[0] + ',' : ''}${L.offQ[1]}` : ''} acc@${L.offAcc}${L.offPart ? ` part@${L.offPart}` : ''}`;
  return [head, regions, ...lines.map((l, i) => '  '.repeat(i) + l)];
}

export default registerPass({
  name: 'tile',
  description: 'split Conv / Gemm / MatMul / pooling into tiles that fit a memory level (--tile, --rsp-model)',
  run(g: Graph, ctx: PassContext) {
    const opts = (ctx.options.tile ?? {}) as TileOptions;
    const level = tileLevel(ctx.target, opts);
    const budget = levelBudget(level);
    const align = Math.max(8, level.dmaAlign ?? 8);
    for (const n of g.nodes) {
      const p = tileProblem(n);
      if (!p) continue;
      const cpad = p.dtype === 'i16' && level.lanes ? level.lanes : 1;
      const c = chooseTile(p, budget, cpad, align);
      if (!c) {
        ctx.warn(`node '${n.name}' (${n.op}): no tile fits ${level.name} (${budget} B); it runs untiled`);
        continue;
      }
      n.setInts('tile', [c.shape.oc, c.shape.oh, c.shape.ow, c.shape.ic]);
      n.setInt('tile_cpad', cpad);
      n.setInt('tile_dma', level.dmaAlign ? 1 : 0);
      n.setInt('tile_bytes', c.layout.bytes);
      n.setStr('tile_level', level.name);
      n.attrs.set('tile_loops', { kind: 'strings', value: loopText(n, p, c, level, budget, cpad) });
      n.setInt('scratch_bytes', Math.max(n.int('scratch_bytes', 0), c.layout.bytes));
    }
    g.meta.tileLevel = { name: level.name, bytes: level.bytes, budget, reserve: level.reserve ?? 0 };
  },
});

/** A pipeline with `tile` before its last `schedule` (after quantization and fusion, before the memory plan). */
export function tiledPipeline(pipeline: string[]): string[] {
  if (pipeline.includes('tile')) return pipeline;
  const i = pipeline.lastIndexOf('schedule');
  const at = i >= 0 ? i : pipeline.length;
  return [...pipeline.slice(0, at), 'tile', ...pipeline.slice(at)];
}

/** One row of the per-layer tile table (`dnnc inspect --tiles`). */
export interface TileRow {
  node: string; op: string; dtype: string;
  tile: TileShape | null; tiles: number; chunks: number; bytes: number; budget: number; level: string;
}

export function tileTable(g: Graph): TileRow[] {
  const lv = g.meta.tileLevel as { name: string; budget: number } | undefined;
  const rows: TileRow[] = [];
  for (const n of g.nodes) {
    const p = tileProblem(n);
    if (!p) continue;
    const t = n.ints('tile');
    if (!t) {
      rows.push({ node: n.name, op: n.op, dtype: p.dtype, tile: null, tiles: 0, chunks: 0, bytes: 0, budget: lv?.budget ?? 0, level: lv?.name ?? '' });
      continue;
    }
    const shape = { oc: t[0]!, oh: t[1]!, ow: t[2]!, ic: t[3]! };
    const grouped = p.kind === 'conv' && p.group > 1;
    rows.push({
      node: n.name, op: n.op, dtype: p.dtype, tile: shape,
      tiles: cdiv(p.cout, shape.oc) * cdiv(p.oh, shape.oh) * cdiv(p.ow, shape.ow) * p.n,
      chunks: p.kind === 'pool' || p.kind === 'eltwise' || grouped ? 1 : cdiv(p.cin, shape.ic),
      bytes: n.int('tile_bytes', 0), budget: lv?.budget ?? 0, level: n.str('tile_level', ''),
    });
  }
  return rows;
}

export function formatTileTable(rows: TileRow[]): string {
  const head = ['node', 'op', 'dtype', 'tile oc x oh x ow x ic', 'tiles', 'chunks', 'bytes', 'budget', 'level'];
  const body = rows.map((r) => [r.node, r.op, r.dtype, r.tile ? `${r.tile.oc} x ${r.tile.oh} x ${r.tile.ow} x ${r.tile.ic}` : 'untiled',
    String(r.tiles), String(r.chunks), String(r.bytes), String(r.budget), r.level]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 4 && i <= 7 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
  const max = rows.reduce((a, r) => Math.max(a, r.bytes), 0);
  return [line(head), ...body.map(line), `largest tile: ${max} B${rows.some((r) => !r.tile) ? `; ${rows.filter((r) => !r.tile).length} untiled` : ''}`].join('\n') + '\n';
}
