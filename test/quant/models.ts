// Quantized test models written with the ONNX builder (seeded data).
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { Tensor } from '../../ir/tensor.js';
import type { DType } from '../../ir/types.js';

/** Seeded integers in [lo, hi]. */
export function seededInts(dtype: DType, shape: number[], seed: number, lo: number, hi: number): Tensor {
  const f = seededTensor(shape, seed, 1, 'float32');
  const t = new Tensor(dtype, shape);
  for (let i = 0; i < t.size; i++) {
    const u = (f.get(i) + 1.5) / 3; // ~[0, 1)
    t.set(i, Math.max(lo, Math.min(hi, lo + Math.floor(u * (hi - lo + 1)))));
  }
  return t;
}

const S = (v: number) => Tensor.scalar('float32', v);

export interface QConvCase {
  name: string;
  x: 'uint8' | 'int8';
  w: 'uint8' | 'int8';
  cin: number; cout: number; hw: number; k: number;
  stride?: number; pad?: number; group?: number; dil?: number;
  perChannel?: boolean; bias?: boolean;
}

export function qlinearConvModel(c: QConvCase): OnnxBuilder {
  const b = new OnnxBuilder(c.name, 13);
  const g = c.group ?? 1;
  b.input('x', c.x, [1, c.cin, c.hw, c.hw]);
  const xz = c.x === 'uint8' ? 131 : -3, yz = c.x === 'uint8' ? 121 : 4;
  b.init('xs', S(0.0213)); b.init('xz', Tensor.scalar(c.x, xz));
  const wlo = c.w === 'uint8' ? 0 : -127, whi = c.w === 'uint8' ? 255 : 127;
  b.init('w', seededInts(c.w, [c.cout, c.cin / g, c.k, c.k], 5, wlo, whi));
  const nsc = c.perChannel ? c.cout : 1;
  b.init('ws', Tensor.fromNumbers('float32', c.perChannel ? [nsc] : [], Array.from({ length: nsc }, (_, i) => 0.0037 + 0.00041 * i)));
  b.init('wz', Tensor.fromNumbers(c.w, c.perChannel ? [nsc] : [], new Array(nsc).fill(c.w === 'uint8' ? 128 : 0)));
  b.init('ys', S(0.0519)); b.init('yz', Tensor.scalar(c.x, yz));
  const ins = ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'];
  if (c.bias) ins.push(b.init('bias', seededInts('int32', [c.cout], 9, -3000, 3000)));
  const p = c.pad ?? 0, s = c.stride ?? 1, d = c.dil ?? 1;
  b.node('QLinearConv', ins, { kernel_shape: [c.k, c.k], pads: [p, p, p, p], strides: [s, s], dilations: [d, d], group: g }, ['y']);
  const oh = Math.floor((c.hw + 2 * p - ((c.k - 1) * d + 1)) / s) + 1;
  b.output('y', c.x, [1, c.cout, oh, oh]);
  return b;
}

export function qlinearMatMulModel(x: 'uint8' | 'int8', w: 'uint8' | 'int8', M: number, K: number, N: number): OnnxBuilder {
  const b = new OnnxBuilder('qmatmul', 13);
  b.input('a', x, [M, K]);
  b.init('as', S(0.0171)); b.init('az', Tensor.scalar(x, x === 'uint8' ? 127 : 2));
  b.init('b', seededInts(w, [K, N], 3, w === 'uint8' ? 0 : -127, w === 'uint8' ? 255 : 127));
  b.init('bs', S(0.0043)); b.init('bz', Tensor.scalar(w, w === 'uint8' ? 128 : 0));
  b.init('ys', S(0.0377)); b.init('yz', Tensor.scalar(x, x === 'uint8' ? 120 : -6));
  b.node('QLinearMatMul', ['a', 'as', 'az', 'b', 'bs', 'bz', 'ys', 'yz'], {}, ['y']);
  b.output('y', x, [M, N]);
  return b;
}

export function integerOpsModel(): OnnxBuilder {
  const b = new OnnxBuilder('intops', 13);
  b.input('x', 'uint8', [1, 3, 6, 6]);
  b.input('a', 'int8', [4, 12]);
  b.init('w', seededInts('uint8', [5, 3, 3, 3], 4, 0, 255));
  b.init('xz', Tensor.scalar('uint8', 120));
  b.init('wz', Tensor.scalar('uint8', 128));
  b.node('ConvInteger', ['x', 'w', 'xz', 'wz'], { pads: [1, 1, 1, 1] }, ['yc']);
  b.output('yc', 'int32', [1, 5, 6, 6]);
  b.init('bm', seededInts('int8', [12, 7], 6, -127, 127));
  b.init('az', Tensor.scalar('int8', 3));
  b.node('MatMulInteger', ['a', 'bm', 'az'], {}, ['ym']);
  b.output('ym', 'int32', [4, 7]);
  return b;
}

/** uint8 weights whose zero point leaves w - w_zp outside int8 (int16 weight kernels), and a batched B. */
export function wideWeightModel(): OnnxBuilder {
  const b = new OnnxBuilder('widew', 13);
  b.input('x', 'uint8', [1, 3, 6, 6]);
  b.input('a', 'uint8', [2, 4, 12]);
  b.init('w', seededInts('uint8', [5, 3, 3, 3], 14, 0, 255));
  b.init('xz', Tensor.scalar('uint8', 120));
  b.init('wz', Tensor.scalar('uint8', 3));
  b.node('ConvInteger', ['x', 'w', 'xz', 'wz'], { pads: [1, 1, 1, 1] }, ['yc']);
  b.output('yc', 'int32', [1, 5, 6, 6]);
  b.init('bm', seededInts('uint8', [2, 12, 7], 16, 0, 255));
  b.init('az', Tensor.scalar('uint8', 131));
  b.init('bz', Tensor.scalar('uint8', 250));
  b.node('MatMulInteger', ['a', 'bm', 'az', 'bz'], {}, ['ym']);
  b.output('ym', 'int32', [2, 4, 7]);
  return b;
}

export function qdqFloatIoModel(): OnnxBuilder {
  // float in -> Q -> DQ -> Conv(DQ w) -> Relu -> Q -> DQ -> Gemm(DQ w) -> Q -> DQ -> float out,
  // plus Quantize/Dequantize and DynamicQuantizeLinear on the side
  const b = new OnnxBuilder('qdq', 13);
  b.input('x', 'float32', [1, 2, 6, 6]);
  const q = (x: string, s: number, z: number, dt: DType = 'uint8') => {
    const sn = b.init(`s_${x}`, S(s)), zn = b.init(`z_${x}`, Tensor.scalar(dt, z));
    const [o] = b.node('QuantizeLinear', [x, sn, zn]);
    const [f] = b.node('DequantizeLinear', [o!, sn, zn]);
    return f!;
  };
  const x1 = q('x', 0.0123, 128);
  const wq = b.init('wq', seededInts('int8', [4, 2, 3, 3], 8, -127, 127));
  const ws = b.init('ws', Tensor.fromNumbers('float32', [4], [0.011, 0.007, 0.013, 0.009]));
  const wz = b.init('wz', Tensor.fromNumbers('int8', [4], [0, 0, 0, 0]));
  const [w] = b.node('DequantizeLinear', [wq, ws, wz], { axis: 0 });
  const bias = b.init('bias', seededTensor([4], 12, 0.05));
  const [c] = b.node('Conv', [x1, w!, bias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  const [r] = b.node('Relu', [c!]);
  const r1 = q(r!, 0.0091, 0);
  // a QDQ Add of two quantized branches
  const [ad] = b.node('Add', [r1, r1]);
  const a1 = q(ad!, 0.0173, 10);
  b.node('Identity', [a1], {}, ['y2']);
  b.output('y2', 'float32', [1, 4, 6, 6]);
  // MaxPool between Q/DQ pairs with the same params (as onnxruntime's quantizer writes it)
  const [mp] = b.node('MaxPool', [r1], { kernel_shape: [2, 2], strides: [2, 2] });
  const mpq = b.node('QuantizeLinear', [mp!, `s_${r!}`, `z_${r!}`])[0]!;
  const mpf = b.node('DequantizeLinear', [mpq, `s_${r!}`, `z_${r!}`])[0]!;
  const [fl] = b.node('Flatten', [mpf], { axis: 1 });
  const gq = b.init('gq', seededInts('int8', [6, 36], 9, -127, 127));
  const gs = b.init('gs', S(0.0021));
  const gz = b.init('gz', Tensor.scalar('int8', 0));
  const [gw] = b.node('DequantizeLinear', [gq, gs, gz]);
  const [gm] = b.node('Gemm', [fl!, gw!], { transB: 1 });
  const y = q(gm!, 0.0157, 131);
  b.node('Identity', [y], {}, ['y']);
  b.output('y', 'float32', [1, 6]);
  b.node('DynamicQuantizeLinear', ['x'], {}, ['dq', 'dqs', 'dqz']);
  b.output('dq', 'uint8', [1, 2, 6, 6]);
  b.output('dqs', 'float32', []);
  b.output('dqz', 'uint8', []);
  return b;
}

/** A float CNN exercising every quantized op: Conv (+Relu, depthwise,
 * pointwise), MaxPool, AveragePool, Concat, Add, Mul by a constant, Clip,
 * Sigmoid, GlobalAveragePool, Flatten, MatMul + Add, Softmax, Add. */
export function floatZooModel(): OnnxBuilder {
  const b = new OnnxBuilder('zoo', 13);
  b.input('x', 'float32', [1, 3, 12, 12]);
  const conv = (x: string, cin: number, cout: number, k: number, seed: number, group = 1, pad = (k - 1) / 2) => {
    const w = b.init(`w${seed}`, seededTensor([cout, cin / group, k, k], seed, 1.5 / Math.sqrt((cin / group) * k * k)));
    const bias = b.init(`b${seed}`, seededTensor([cout], seed + 100, 0.1));
    return b.node('Conv', [x, w, bias], { kernel_shape: [k, k], pads: [pad, pad, pad, pad], group })[0]!;
  };
  let x = conv('x', 3, 8, 3, 1);
  x = b.node('Relu', [x])[0]!;
  const dw = b.node('Relu', [conv(x, 8, 8, 3, 2, 8)])[0]!;
  const pw = conv(dw, 8, 8, 1, 3);
  const sum = b.node('Add', [x, pw])[0]!;
  const mp = b.node('MaxPool', [sum], { kernel_shape: [2, 2], strides: [2, 2] })[0]!;
  const ap = b.node('AveragePool', [sum], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] })[0]!;
  const cat0 = b.node('Concat', [mp, ap], { axis: 1 })[0]!;
  const st = b.init('st', Tensor.fromNumbers('int64', [1], [1])), en = b.init('en', Tensor.fromNumbers('int64', [1], [5])), ax = b.init('ax', Tensor.fromNumbers('int64', [1], [2]));
  const cat = b.node('Slice', [cat0, st, en, ax])[0]!;
  const scale = b.init('chscale', seededTensor([1, 16, 1, 1], 7, 0.5));
  const m = b.node('Mul', [cat, scale])[0]!;
  const lo = b.init('lo', Tensor.scalar('float32', -1)), hi = b.init('hi', Tensor.scalar('float32', 1.5));
  const cl = b.node('Clip', [m, lo, hi])[0]!;
  const sg = b.node('Sigmoid', [cl])[0]!;
  const gap = b.node('GlobalAveragePool', [sg])[0]!;
  const fl = b.node('Flatten', [gap], { axis: 1 })[0]!;
  const wf = b.init('wf', seededTensor([16, 10], 9, 0.5));
  const mm = b.node('MatMul', [fl, wf])[0]!;
  const bf = b.init('bf', seededTensor([10], 10, 0.1));
  const [logits] = b.node('Add', [mm, bf]);
  // an internal Softmax (integer in int8), then a constant offset
  const [sm] = b.node('Softmax', [logits!], { axis: 1 });
  const off = b.init('off', seededTensor([1, 10], 11, 0.2));
  b.node('Add', [sm!, off], {}, ['y']);
  b.output('y', 'float32', [1, 10]);
  return b;
}

/** Constant QuantizeLinear / DequantizeLinear (per-axis, ties) that constant folding evaluates. */
export function qdqConstModel(): OnnxBuilder {
  const b = new OnnxBuilder('qdqconst', 13);
  b.input('x', 'float32', [2, 4]);
  const cq = b.init('cq', Tensor.fromNumbers('int8', [2, 4], [-128, -3, 0, 7, 127, 55, -60, 1]));
  const cs = b.init('cs', Tensor.fromNumbers('float32', [2], [0.031, 0.0077]));
  const cz = b.init('cz', Tensor.fromNumbers('int8', [2], [3, -9]));
  const [c] = b.node('DequantizeLinear', [cq, cs, cz], { axis: 0 });
  b.node('Add', ['x', c!], {}, ['y1']);
  const f = b.init('f', Tensor.fromNumbers('float32', [2, 4], [1.25, 1.75, -1.25, -0.75, 0.2, 100, -100, 0.7499]));
  const s = b.init('s', Tensor.scalar('float32', 0.5)), z = b.init('z', Tensor.scalar('uint8', 3));
  const [q] = b.node('QuantizeLinear', [f, s, z]);
  const [d] = b.node('DequantizeLinear', [q!, s, z]);
  b.node('Mul', ['x', d!], {}, ['y2']);
  b.output('y1', 'float32', [2, 4]);
  b.output('y2', 'float32', [2, 4]);
  return b;
}

/** onnxruntime contrib QLinearAdd / QLinearMul (domain com.microsoft), with broadcasting. */
export function qlinearAddMulModel(dt: 'uint8' | 'int8'): OnnxBuilder {
  const b = new OnnxBuilder('qaddmul', 13);
  b.input('a', dt, [2, 3, 4]);
  b.input('b', dt, [3, 1]);
  const z = (v: number) => Tensor.scalar(dt, dt === 'uint8' ? v + 128 : v);
  b.init('as', S(0.0123)); b.init('az', z(-3));
  b.init('bs', S(0.0311)); b.init('bz', z(5));
  b.init('cs', S(0.0271)); b.init('cz', z(-7));
  b.init('ms', S(0.0097)); b.init('mz', z(2));
  b.node('QLinearAdd', ['a', 'as', 'az', 'b', 'bs', 'bz', 'cs', 'cz'], {}, ['sum'], 'qadd', 'com.microsoft');
  b.node('QLinearMul', ['sum', 'cs', 'cz', 'b', 'bs', 'bz', 'ms', 'mz'], {}, ['prod'], 'qmul', 'com.microsoft');
  b.output('sum', dt, [2, 3, 4]);
  b.output('prod', dt, [2, 3, 4]);
  return b;
}
