// Lowering of ONNX's quantized operators (QLinearConv, QLinearMatMul,
// ConvInteger, MatMulInteger, and folded QDQ patterns) onto dnnc's integer
// ops. Shared by the import rules and the QDQ folding pass; the caller
// supplies how constants and nodes are created.
//
// dnnc's integer kernels take int8 activations: uint8 tensors are moved to
// int8 with QFlip (q - 128, zero point - 128), uint8 weights likewise at
// compile time. Requantization multipliers follow onnxruntime's float32
// formula, real = fl(fl(x_scale * w_scale) / y_scale), which a 31-bit
// multiplier represents exactly.
import type { Attr, Value } from './graph.js';
import { Tensor } from './tensor.js';
import type { DType } from './types.js';
import { quantizeMultiplier, roundEven } from './quant.js';

export interface QLowering {
  constant(hint: string, t: Tensor): Value;
  /** emit one node; `name` binds the final output (or null for a temporary) */
  emit(op: string, inputs: (Value | null)[], attrs: Record<string, Attr>, name: string | null): Value;
  fail(message: string): never;
}

/** An activation operand: its value and per-tensor quantization. */
export interface QAct { v: Value; scale: number; zp: number }
/** A constant weight with per-tensor or per-output-channel params. */
export interface QWeight { t: Tensor; scale: number[]; zp: number[] }
/** The output: params and dtype (int8 or uint8), or null for raw int32 output. */
export type QOut = { scale: number; zp: number; dtype: DType } | null;

const int = (value: number): Attr => ({ kind: 'int', value });
const ints = (value: number[]): Attr => ({ kind: 'ints', value });

/** An int8 view of an int8/uint8 activation; returns the value and its int8 zero point. */
export function actToInt8(io: QLowering, a: QAct): { v: Value; zp: number } {
  if (a.v.type.dtype === 'int8') return { v: a.v, zp: a.zp };
  if (a.v.type.dtype !== 'uint8') io.fail(`quantized input '${a.v.name}' must be int8 or uint8, got ${a.v.type.dtype}`);
  const v = io.emit('QFlip', [a.v], { to: { kind: 'string', value: 'int8' } }, null);
  return { v, zp: a.zp - 128 };
}

/**
 * Weight as int8 with zero point removed: rows of `per` elements belong to
 * output channel r (zp[r]). Fails when w - zp does not fit int8.
 */
export function weightToInt8(io: QLowering, w: QWeight, rows: number, layout: (i: number) => number, shape: number[], what: string): Tensor {
  const per = w.t.size / rows;
  const out = new Tensor('int8', shape);
  for (let i = 0; i < w.t.size; i++) {
    const r = Math.floor(i / per);
    const zp = w.zp.length === 1 ? w.zp[0]! : w.zp[r]!;
    const v = w.t.get(i) - zp;
    if (v < -128 || v > 127) io.fail(`${what}: weight minus its zero point (${v}) does not fit int8; this weight zero point is not supported`);
    out.set(layout(i), v);
  }
  return out;
}

function requant(x: number, ws: number[], y: NonNullable<QOut>, rows: number): { mult: number[]; shift: number[] } {
  const mult: number[] = [], shift: number[] = [];
  for (let r = 0; r < rows; r++) {
    const wsr = ws.length === 1 ? ws[0]! : ws[r]!;
    const real = Math.fround(Math.fround(Math.fround(x) * Math.fround(wsr)) / Math.fround(y.scale));
    const m = quantizeMultiplier(real);
    mult.push(m.mult);
    shift.push(m.shift);
  }
  return { mult, shift };
}

/** int8 result -> the requested output dtype (uint8 gets flipped back). */
function finish(io: QLowering, op: string, inputs: (Value | null)[], attrs: Record<string, Attr>, y: QOut, name: string | null): Value {
  if (!y || y.dtype === 'int8') {
    const v = io.emit(op, inputs, attrs, name);
    if (y) v.quant = { scale: [y.scale], zeroPoint: [y.zp] };
    return v;
  }
  if (y.dtype !== 'uint8') io.fail(`quantized output type ${y.dtype} is not supported (int8 or uint8)`);
  const t = io.emit(op, inputs, attrs, null);
  t.quant = { scale: [y.scale], zeroPoint: [y.zp - 128] };
  const v = io.emit('QFlip', [t], { to: { kind: 'string', value: 'uint8' } }, name);
  v.quant = { scale: [y.scale], zeroPoint: [y.zp] };
  return v;
}

/**
 * The weight minus its zero point as int8 when every value fits, else as
 * int16 (uint8 weights with an arbitrary zero point give [-255, 255]); the
 * int16 form runs on the int8-activation x int16-weight kernels.
 */
export function weightShifted(io: QLowering, w: QWeight, rows: number, layout: (i: number) => number, shape: number[], what: string): Tensor {
  const per = w.t.size / rows;
  let fits = true;
  for (let i = 0; i < w.t.size && fits; i++) {
    const v = w.t.get(i) - (w.zp.length === 1 ? w.zp[0]! : w.zp[Math.floor(i / per)]!);
    if (v < -128 || v > 127) fits = false;
  }
  if (fits) return weightToInt8(io, w, rows, layout, shape, what);
  const out = new Tensor('int16', shape);
  for (let i = 0; i < w.t.size; i++) {
    const v = w.t.get(i) - (w.zp.length === 1 ? w.zp[0]! : w.zp[Math.floor(i / per)]!);
    if (v < -32768 || v > 32767) io.fail(`${what}: weight minus its zero point (${v}) does not fit int16`);
    out.set(layout(i), v);
  }
  return out;
}

/** Integer convolution: QLinearConv (y given) or ConvInteger (y null). */
export function lowerQConv(io: QLowering, x: QAct, w: QWeight, biasAcc: Tensor | null, y: QOut, convAttrs: Record<string, Attr>, name: string | null, extra: Record<string, Attr> = {}): Value {
  const xi = actToInt8(io, x);
  const cout = w.t.shape[0]!;
  const wt = weightShifted(io, w, cout, (i) => i, [...w.t.shape], 'convolution');
  const attrs: Record<string, Attr> = { ...convAttrs, x_zp: int(xi.zp) };
  if (y) {
    const { mult, shift } = requant(x.scale, w.scale, y, cout);
    Object.assign(attrs, { y_zp: int(y.zp - (y.dtype === 'uint8' ? 128 : 0)), mult: ints(mult), shift: ints(shift), act_min: int(-128), act_max: int(127) });
  } else attrs.raw = int(1);
  Object.assign(attrs, extra);
  const wv = io.constant('qweight', wt);
  const bv = biasAcc ? io.constant('qbias', biasAcc) : null;
  return finish(io, 'QConv', [xi.v, wv, bv], attrs, y, name);
}

/** Integer dense: B is [K, N] (MatMul layout); stored as [N, K]. */
export function lowerQMatMul(io: QLowering, a: QAct, b: QWeight, biasAcc: Tensor | null, y: QOut, name: string | null, extra: Record<string, Attr> = {}): Value {
  const ai = actToInt8(io, a);
  const [K, N] = b.t.shape as [number, number];
  // channel of element i of [K, N] is i % N; regroup rows by channel for zero points
  const byCol = new Tensor(b.t.dtype, [N, K]);
  for (let i = 0; i < b.t.size; i++) byCol.set((i % N) * K + Math.floor(i / N), b.t.get(i));
  const wt = weightShifted(io, { ...b, t: byCol }, N, (i) => i, [N, K], 'matmul');
  const attrs: Record<string, Attr> = { x_zp: int(ai.zp) };
  if (y) {
    const { mult, shift } = requant(a.scale, b.scale, y, N);
    Object.assign(attrs, { y_zp: int(y.zp - (y.dtype === 'uint8' ? 128 : 0)), mult: ints(mult), shift: ints(shift), act_min: int(-128), act_max: int(127) });
  } else attrs.raw = int(1);
  Object.assign(attrs, extra);
  const wv = io.constant('qweight', wt);
  const bv = biasAcc ? io.constant('qbias', biasAcc) : null;
  return finish(io, 'QGemm', [ai.v, wv, bv], attrs, y, name);
}

/** Integer Add / Mul of two quantized activations. */
export function lowerQBinary(io: QLowering, op: 'Add' | 'Mul', a: QAct, b: QAct, y: NonNullable<QOut>, name: string | null, extra: Record<string, Attr> = {}): Value {
  const ai = actToInt8(io, a), bi = actToInt8(io, b);
  const attrs: Record<string, Attr> = { a_zp: int(ai.zp), b_zp: int(bi.zp), y_zp: int(y.zp - (y.dtype === 'uint8' ? 128 : 0)), act_min: int(-128), act_max: int(127) };
  if (op === 'Add') {
    const ra = a.scale / y.scale, rb = b.scale / y.scale;
    const S = Math.max(1, Math.min(62, 30 - Math.floor(Math.log2(Math.max(ra, rb)))));
    Object.assign(attrs, { a_mult: int(Math.round(ra * 2 ** S)), b_mult: int(Math.round(rb * 2 ** S)), shift: int(S) });
  } else {
    const m = quantizeMultiplier((a.scale * b.scale) / y.scale);
    Object.assign(attrs, { mult: int(m.mult), shift: int(m.shift) });
  }
  Object.assign(attrs, extra);
  return finish(io, op === 'Add' ? 'QAdd' : 'QMul', [ai.v, bi.v], attrs, y, name);
}

/** A float bias in the accumulator scale x_scale * w_scale[r] (int32). */
export function biasToAcc(bias: Tensor, xScale: number, wScale: number[], rows: number): Tensor {
  const t = new Tensor('int32', [rows]);
  for (let r = 0; r < rows; r++) {
    const s = xScale * (wScale.length === 1 ? wScale[0]! : wScale[r]!);
    const v = roundEven(bias.get(bias.size === 1 ? 0 : r) / s);
    t.set(r, Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, v)));
  }
  return t;
}
