// Quantization operators: the ONNX QuantizeLinear / DequantizeLinear /
// DynamicQuantizeLinear, and dnnc's integer ops (QConv, QGemm, QAdd, QMul,
// pools, QConcat, QClamp, QRequant, QFlip). The integer ops carry every number
// the C relies on (zero points, fixed-point multipliers, shifts, integer clamp
// bounds) as attributes computed in TypeScript, so `dnnc inspect` shows them.
//
// int8: real = scale * (q - zp); requantization multiplier m = mult * 2^-(31+shift).
// int16: symmetric Q-formats (zp = 0, scale = 2^-f); requantization is a shift.
import type { Node } from '../graph.js';
import { Tensor } from '../tensor.js';
import { type DType, type TensorType, isDType, numel } from '../types.js';
import { registerOp, getOp, inType, normAxis, broadcastShapes, requireConstInts } from './registry.js';
import { nodeError } from '../errors.js';

export const QRANGE: Partial<Record<DType, [number, number]>> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int32: [-2147483648, 2147483647],
};

/** Per-axis layout of a Q/DQ node: [outer, axisLen, inner] and the per-axis params. */
export function qdqLayout(n: Node, shape: readonly number[], nScales: number): { outer: number; len: number; inner: number } {
  if (nScales <= 1) return { outer: 1, len: 1, inner: numel(shape) };
  const axis = normAxis(n, n.int('axis', 1), shape.length);
  if (shape[axis] !== nScales) throw nodeError(n, `per-axis scale has ${nScales} entries, axis ${axis} has ${shape[axis]}`);
  return { outer: numel(shape.slice(0, axis)), len: nScales, inner: numel(shape.slice(axis + 1)) };
}

function qdqInputs(n: Node, inputs: (Tensor | null)[]): { scale: number[]; zp: number[] } {
  const s = inputs[1]!.toNumbers();
  const z = inputs[2] ? inputs[2].toNumbers() : s.map(() => 0);
  return { scale: s.map(Math.fround), zp: z.length === 1 && s.length > 1 ? s.map(() => z[0]!) : z };
}

/** ONNX QuantizeLinear in float32 arithmetic: saturate(rint(x / scale) + zp). */
export function quantizeValue(x: number, scale: number, zp: number, dt: DType): number {
  const [lo, hi] = QRANGE[dt]!;
  let v = Math.fround(x / scale);
  // round half to even
  const r = Math.round(v);
  v = Math.abs(v - Math.trunc(v)) === 0.5 ? 2 * Math.round(v / 2) : r;
  v += zp;
  return Number.isNaN(v) ? lo : Math.min(hi, Math.max(lo, v));
}

/** Scale and zero point fed as graph inputs: they must be frozen (the kernels take constants). */
function requireFrozenParams(n: Node): void {
  for (const [i, what] of [[1, 'scale'], [2, 'zero point']] as const) {
    const v = n.input(i);
    if (v && !v.const && !v.producer) requireConstInts(n, i, what);
  }
}

registerOp({
  op: 'QuantizeLinear',
  infer: (n) => {
    const x = inType(n, 0);
    const zp = n.input(2);
    const od = n.int('output_dtype', 0);
    let dtype: DType = zp ? zp.type.dtype : 'uint8';
    if (!zp && od) dtype = ({ 3: 'int8', 2: 'uint8', 5: 'int16', 4: 'uint16' } as Record<number, DType>)[od] ?? 'uint8';
    if (!QRANGE[dtype] || dtype === 'int32') throw nodeError(n, `quantizing to ${dtype} is not supported`);
    const s = inType(n, 1);
    if (numel(s.shape) > 1) qdqLayout(n, x.shape, numel(s.shape));
    if (n.int('block_size', 0)) throw nodeError(n, `blocked quantization is not supported`);
    requireFrozenParams(n);
    return [{ dtype, shape: x.shape }];
  },
  evaluate: (n, inputs) => {
    const x = inputs[0]!;
    const { scale, zp } = qdqInputs(n, inputs);
    const dt = n.outputs[0]!.type.dtype;
    const { outer, len, inner } = qdqLayout(n, x.shape, scale.length);
    const y = new Tensor(dt, x.shape);
    for (let o = 0; o < outer; o++) for (let a = 0; a < len; a++) for (let i = 0; i < inner; i++) {
      const k = (o * len + a) * inner + i;
      y.set(k, quantizeValue(x.get(k), scale[a]!, zp[a]!, dt));
    }
    return [y];
  },
});

registerOp({
  op: 'DequantizeLinear',
  infer: (n) => {
    const x = inType(n, 0);
    const s = inType(n, 1);
    if (numel(s.shape) > 1) qdqLayout(n, x.shape, numel(s.shape));
    if (!QRANGE[x.dtype]) throw nodeError(n, `dequantizing ${x.dtype} is not supported`);
    requireFrozenParams(n);
    return [{ dtype: 'float32', shape: x.shape }];
  },
  evaluate: (n, inputs) => {
    const x = inputs[0]!;
    const { scale, zp } = qdqInputs(n, inputs);
    const { outer, len, inner } = qdqLayout(n, x.shape, scale.length);
    const y = new Tensor('float32', x.shape);
    for (let o = 0; o < outer; o++) for (let a = 0; a < len; a++) for (let i = 0; i < inner; i++) {
      const k = (o * len + a) * inner + i;
      y.set(k, Math.fround(Math.fround(x.get(k) - zp[a]!) * scale[a]!));
    }
    return [y];
  },
});

registerOp({
  op: 'DynamicQuantizeLinear',
  infer: (n) => {
    const x = inType(n, 0);
    if (x.dtype !== 'float32') throw nodeError(n, `input must be float32`);
    return [{ dtype: 'uint8', shape: x.shape }, { dtype: 'float32', shape: [] }, { dtype: 'uint8', shape: [] }];
  },
});

function ints(n: Node, name: string): number[] {
  const v = n.ints(name);
  if (!v) throw nodeError(n, `attribute '${name}' is required`);
  return v;
}

/** Check the requantization attributes of an integer op with `channels` outputs. */
function checkRequant(n: Node, dt: DType, channels: number): void {
  if (dt !== 'int8' && dt !== 'int16') throw nodeError(n, `${n.op} runs on int8 or int16, got ${dt}`);
  const shift = ints(n, 'shift');
  if (shift.length !== channels && shift.length !== 1) throw nodeError(n, `shift has ${shift.length} entries, expected ${channels}`);
  if (dt === 'int8') {
    const mult = ints(n, 'mult');
    if (mult.length !== shift.length) throw nodeError(n, `mult and shift differ in length`);
    if (mult.some((m) => m < 0 || m >= 2 ** 31) || shift.some((s) => s < -30 || s > 31)) throw nodeError(n, `requantization multiplier out of range`);
  }
}

registerOp({
  op: 'QConv',
  infer: (n) => {
    const x = inType(n, 0), w = inType(n, 1);
    if (w.dtype !== x.dtype && !(x.dtype === 'int8' && w.dtype === 'int16')) throw nodeError(n, `weight ${w.dtype} must match input ${x.dtype}`);
    const b = n.input(2);
    const bt: DType = x.dtype === 'int8' ? 'int32' : 'int64';
    if (b && b.type.dtype !== bt) throw nodeError(n, `bias must be ${bt}`);
    const [t] = getOp('Conv')!.infer(n);
    // raw=1 (ConvInteger): the int32 accumulator is the output
    if (n.int('raw', 0)) {
      if (x.dtype !== 'int8') throw nodeError(n, `raw QConv runs on int8`);
      return [{ dtype: 'int32', shape: t!.shape }];
    }
    checkRequant(n, x.dtype, w.shape[0]!);
    return [t!];
  },
  // int8 direct convolution: the optimised kernel copies the input patch of a
  // border block (cin/group x kh rows x the 4 pixels' span) here, with the
  // zero point in the padding (runtime-c/kernels/qconv.c)
  scratch: (n) => qconvPatchBytes(n),
});

/** Bytes of the int8 QConv border patch (0: pointwise, int16, or larger than 64 KiB). */
export function qconvPatchBytes(n: Node): number {
  const x = n.inputs[0]?.type;
  if (!x || x.dtype !== 'int8' || (x.shape.length !== 4 && x.shape.length !== 3)) return 0;
  const r = x.shape.length - 2;
  const k = n.ints('kernel_shape'), s = n.ints('strides'), d = n.ints('dilations'), p = n.ints('pads');
  if (!k || !s || !d || !p) return 0;
  const kh = r === 1 ? 1 : k[0]!, kw = k[r - 1]!, sw = s[r - 1]!, dw = d[r - 1]!;
  const group = n.int('group', 1), cin = x.shape[1]!;
  if (group === 1 && kh === 1 && kw === 1 && s.every((v) => v === 1) && p.every((v) => v === 0)) return 0;
  const bytes = (cin / group) * kh * (3 * sw + (kw - 1) * dw + 1);
  return bytes <= 65536 ? bytes : 0;
}

registerOp({
  op: 'QGemm',
  infer: (n) => {
    const a = inType(n, 0), w = inType(n, 1);
    if ((w.dtype !== a.dtype && !(a.dtype === 'int8' && w.dtype === 'int16')) || w.shape.length !== 2) throw nodeError(n, `weight must be a 2-D ${a.dtype} [N,K] tensor`);
    const [N, K] = w.shape as [number, number];
    if (a.shape[a.shape.length - 1] !== K) throw nodeError(n, `inner dimensions differ: [${a.shape.join(',')}] x [${N},${K}]^T`);
    const shape = [...a.shape.slice(0, -1), N];
    if (n.int('raw', 0)) {
      if (a.dtype !== 'int8') throw nodeError(n, `raw QGemm runs on int8`);
      return [{ dtype: 'int32', shape }];
    }
    checkRequant(n, a.dtype, N);
    return [{ dtype: a.dtype, shape }];
  },
});

for (const op of ['QAdd', 'QMul']) {
  registerOp({
    op,
    infer: (n) => {
      const a = inType(n, 0), b = inType(n, 1);
      if (a.dtype !== b.dtype || (a.dtype !== 'int8' && a.dtype !== 'int16')) throw nodeError(n, `${op} needs two int8 or two int16 inputs`);
      return [{ dtype: a.dtype, shape: broadcastShapes(n, [a.shape, b.shape]) }];
    },
  });
}

for (const [op, base] of [['QMaxPool', 'MaxPool'], ['QAveragePool', 'AveragePool'], ['QGlobalAveragePool', 'GlobalAveragePool'], ['QGlobalMaxPool', 'GlobalMaxPool']] as const) {
  registerOp({ op, infer: (n) => getOp(base)!.infer(n).slice(0, 1) });
}

registerOp({
  op: 'QConcat',
  infer: (n) => {
    const [t] = getOp('Concat')!.infer(n);
    const k = n.inputs.length;
    const attrs = t!.dtype === 'int8' ? ['x_zp', 'mult', 'shift'] : ['x_zp', 'shift'];
    for (const a of attrs) if (ints(n, a).length !== k) throw nodeError(n, `${a} needs one entry per input`);
    return [t!];
  },
});

registerOp({ op: 'QClamp', inplace: 0, infer: (n) => [inType(n, 0)] });

function toDtype(n: Node): DType {
  const to = n.str('to');
  if (!to || !isDType(to)) throw nodeError(n, `attribute 'to' must name a dtype`);
  return to;
}

/** Integer -> integer at another scale (int8: mult/shift; int16: shift). */
registerOp({
  op: 'QRequant',
  infer: (n) => {
    const x = inType(n, 0);
    const to = n.str('to') ? toDtype(n) : x.dtype;
    if (to !== x.dtype) throw nodeError(n, `QRequant keeps the dtype`);
    return [{ dtype: to, shape: x.shape } as TensorType];
  },
});

/** uint8 <-> int8 with zero point moved by 128 (flip of the top bit). */
registerOp({
  op: 'QFlip',
  infer: (n) => {
    const x = inType(n, 0);
    const to = toDtype(n);
    const ok = (x.dtype === 'uint8' && to === 'int8') || (x.dtype === 'int8' && to === 'uint8');
    if (!ok) throw nodeError(n, `QFlip converts between uint8 and int8`);
    return [{ dtype: to, shape: x.shape }];
  },
  evaluate: (n, inputs) => {
    const x = inputs[0]!;
    const to = n.outputs[0]!.type.dtype;
    const y = new Tensor(to, x.shape);
    for (let i = 0; i < x.size; i++) y.set(i, to === 'int8' ? x.get(i) - 128 : x.get(i) + 128);
    return [y];
  },
});

/** int8 -> int8 through a 256-entry table (Sigmoid, Tanh, ... computed at compile time). */
registerOp({
  op: 'QLut',
  infer: (n) => {
    const x = inType(n, 0);
    if (x.dtype !== 'int8') throw nodeError(n, `QLut maps int8 to int8`);
    if (ints(n, 'table').length !== 256) throw nodeError(n, `table needs 256 entries`);
    return [x];
  },
});

/** int16 -> int16 through a 513-point table with linear interpolation (Sigmoid, Tanh, ...; see passes/quantize.ts lut16). */
registerOp({
  op: 'QLut16',
  infer: (n) => {
    const x = inType(n, 0);
    if (x.dtype !== 'int16') throw nodeError(n, `QLut16 maps int16 to int16`);
    if (ints(n, 'table').length !== 513) throw nodeError(n, `table needs 513 entries`);
    const k = n.int('k', -1);
    if (k < 0 || k > 7) throw nodeError(n, `k must be in [0, 7]`);
    return [x];
  },
});

/** int8 Softmax (output scale 1/256, zero point -128) with a compile-time exp table. */
registerOp({
  op: 'QSoftmax',
  infer: (n) => {
    const x = inType(n, 0);
    if (x.dtype !== 'int8') throw nodeError(n, `QSoftmax runs on int8`);
    if (ints(n, 'exp_table').length !== 256) throw nodeError(n, `exp_table needs 256 entries`);
    n.setInt('axis', normAxis(n, n.int('axis', -1), x.shape.length));
    return [x];
  },
});
