// Neural-network operators: convolution, dense, pooling, normalization, softmax.
// Shape rules resolve auto_pad and defaults into explicit attributes so that
// kernels read one canonical form.
import type { Node, Value } from '../graph.js';
import type { GradFn } from '../grad.js';
import { numel } from '../types.js';
import type { TensorType } from '../types.js';
import { registerOp, inType, normAxis, broadcastShapes } from './registry.js';
import { nodeError } from '../errors.js';

const INT32_MAX = 2 ** 31 - 1;

/** ONNX flag attributes: any non-zero value means true; stored as 0/1 when given. */
function normalizeFlags(n: Node, names: string[]): void {
  for (const name of names) if (n.attrs.has(name)) n.setInt(name, n.int(name, 0) ? 1 : 0);
}

/**
 * Resolve spatial attributes of a windowed op (Conv, pools) in place:
 * kernel_shape, strides, dilations, explicit pads. Returns output spatial dims.
 */
export function resolveWindow(n: Node, inSpatial: number[], kernel: number[], ceil = false): number[] {
  const r = inSpatial.length;
  const strides = n.ints('strides', new Array(r).fill(1));
  const dil = n.ints('dilations', new Array(r).fill(1));
  let pads = n.ints('pads', new Array(2 * r).fill(0));
  if (strides.length !== r || dil.length !== r || pads.length !== 2 * r || kernel.length !== r) {
    throw nodeError(n, `kernel_shape/strides/dilations/pads do not match ${r} spatial dims`);
  }
  if (strides.some((s) => s < 1) || dil.some((d) => d < 1) || kernel.some((k) => k < 1) || pads.some((p) => p < 0)) {
    throw nodeError(n, `strides, dilations and kernel_shape must be positive and pads non-negative`);
  }
  // kernels take these as int32 parameters
  if ([...strides, ...dil, ...kernel, ...pads].some((v) => !Number.isSafeInteger(v) || v > INT32_MAX)) {
    throw nodeError(n, `kernel_shape, strides, dilations and pads must be integers below 2^31`);
  }
  const autoPad = n.str('auto_pad', 'NOTSET');
  const out: number[] = [];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * r).fill(0);
    for (let i = 0; i < r; i++) {
      const o = Math.ceil(inSpatial[i]! / strides[i]!);
      const ek = (kernel[i]! - 1) * dil[i]! + 1;
      const total = Math.max(0, (o - 1) * strides[i]! + ek - inSpatial[i]!);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + r] = total - pads[i]!;
      out.push(o);
    }
  } else if (autoPad === 'VALID') {
    pads = new Array(2 * r).fill(0);
    for (let i = 0; i < r; i++) {
      const ek = (kernel[i]! - 1) * dil[i]! + 1;
      out.push(Math.floor((inSpatial[i]! - ek) / strides[i]!) + 1);
    }
  } else if (autoPad === 'NOTSET') {
    for (let i = 0; i < r; i++) {
      const ek = (kernel[i]! - 1) * dil[i]! + 1;
      const span = inSpatial[i]! + pads[i]! + pads[i + r]! - ek;
      let o = (ceil ? Math.ceil(span / strides[i]!) : Math.floor(span / strides[i]!)) + 1;
      // ceil mode: the last window must start inside the input or left padding
      if (ceil && (o - 1) * strides[i]! >= inSpatial[i]! + pads[i]!) o--;
      out.push(o);
    }
  } else {
    throw nodeError(n, `auto_pad '${autoPad}' is not supported`);
  }
  if (out.some((o) => o < 1)) throw nodeError(n, `the window does not fit the input (output spatial size [${out.join(',')}])`);
  n.attrs.delete('auto_pad');
  n.setInts('kernel_shape', kernel);
  n.setInts('strides', strides);
  n.setInts('dilations', dil);
  n.setInts('pads', pads);
  return out;
}

registerOp({
  op: 'Conv',
  infer: (n) => {
    const x = inType(n, 0), w = inType(n, 1);
    if (x.shape.length < 3) throw nodeError(n, `input must have rank >= 3, got [${x.shape.join(',')}]`);
    if (w.shape.length !== x.shape.length) throw nodeError(n, `weight rank ${w.shape.length} does not match input rank ${x.shape.length}`);
    const group = n.int('group', 1);
    const cin = x.shape[1]!, cout = w.shape[0]!;
    if (group < 1 || cin % group !== 0 || cout % group !== 0 || w.shape[1]! * group !== cin) {
      throw nodeError(n, `channels do not match: input ${cin}, weight [${w.shape.join(',')}], group ${group}`);
    }
    const b = n.input(2);
    if (b && (b.type.shape.length !== 1 || b.type.shape[0] !== cout)) throw nodeError(n, `bias must be [${cout}]`);
    const kernel = n.ints('kernel_shape') ?? w.shape.slice(2);
    if (kernel.some((k, i) => k !== w.shape[i + 2])) throw nodeError(n, `kernel_shape [${kernel.join(',')}] does not match the weight`);
    n.setInt('group', group);
    const sp = resolveWindow(n, x.shape.slice(2) as number[], kernel);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, cout, ...sp] }];
  },
  grad: (g, n, [dy]) => {
    const [x, w, b] = n.inputs as (Value | null)[];
    const xs = x!.type.shape, ws = w!.type.shape, ys = dy!.type.shape;
    const r = xs.length - 2;
    const strides = n.ints('strides')!, dil = n.ints('dilations')!, pads = n.ints('pads')!, group = n.int('group', 1);
    const kernel = ws.slice(2);
    // dx: the transposed convolution of dy with the same weights, padded out to x's size
    const outPad = xs.slice(2).map((d, i) => d - (strides[i]! * (ys[i + 2]! - 1) + (kernel[i]! - 1) * dil[i]! + 1 - pads[i]! - pads[i + r]!));
    if (outPad.some((p, i) => p < 0 || p >= Math.max(strides[i]!, dil[i]!))) g.fail(n, 'Conv input size not reachable by ConvTranspose');
    const dx = g.op('ConvTranspose', [dy!, w!], { strides, dilations: dil, pads, group, output_padding: outPad, kernel_shape: kernel });
    // dw: correlate x (channels as batch) with dy (channels as filters), strides and dilations swapped; per group
    const perm = [1, 0, ...Array.from({ length: r }, (_, i) => i + 2)];
    const xt = g.op('Transpose', [x!], { perm });
    const dyt = g.op('Transpose', [dy!], { perm });
    const cin = ws[1]!, cout = ws[0]! / group;
    const parts: Value[] = [];
    for (let gi = 0; gi < group; gi++) {
      const xg = group === 1 ? xt : g.op('Slice', [xt, g.ints([gi * cin]), g.ints([(gi + 1) * cin]), g.ints([0])]);
      const dg = group === 1 ? dyt : g.op('Slice', [dyt, g.ints([gi * cout]), g.ints([(gi + 1) * cout]), g.ints([0])]);
      let dwg = g.op('Conv', [xg, dg], { strides: dil, dilations: strides, pads, group: 1, kernel_shape: ys.slice(2) });
      const got = dwg.type.shape.slice(2);
      if (got.some((d, i) => d !== kernel[i])) {
        dwg = g.op('Slice', [dwg, g.ints(kernel.map(() => 0)), g.ints(kernel), g.ints(kernel.map((_, i) => i + 2))]);
      }
      parts.push(dwg);
    }
    let dw = parts.length === 1 ? parts[0]! : g.op('Concat', parts, { axis: 1 });
    dw = g.op('Transpose', [dw], { perm });
    const db = b ? g.op('ReduceSum', [dy!], { axes: [0, ...Array.from({ length: r }, (_, i) => i + 2)], keepdims: 0 }) : null;
    return [dx, dw, db];
  },
});

registerOp({
  op: 'ConvTranspose',
  infer: (n) => {
    const x = inType(n, 0), w = inType(n, 1);
    const r = x.shape.length - 2;
    if (r < 1 || w.shape.length !== x.shape.length) throw nodeError(n, `input and weight ranks do not fit`);
    const group = n.int('group', 1);
    if (w.shape[0] !== x.shape[1]) throw nodeError(n, `weight's first dim ${w.shape[0]} must equal input channels ${x.shape[1]}`);
    const cout = w.shape[1]! * group;
    const kernel = n.ints('kernel_shape') ?? (w.shape.slice(2) as number[]);
    const strides = n.ints('strides', new Array(r).fill(1));
    const dil = n.ints('dilations', new Array(r).fill(1));
    const outPad = n.ints('output_padding', new Array(r).fill(0));
    let pads = n.ints('pads', new Array(2 * r).fill(0));
    const autoPad = n.str('auto_pad', 'NOTSET');
    const outShape = n.ints('output_shape');
    const sp: number[] = [];
    const inS = x.shape.slice(2);
    if (outShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const target = outShape ? outShape.slice(-r) : inS.map((d, i) => d * strides[i]!);
      pads = new Array(2 * r).fill(0);
      for (let i = 0; i < r; i++) {
        const total = strides[i]! * (inS[i]! - 1) + outPad[i]! + ((kernel[i]! - 1) * dil[i]! + 1) - target[i]!;
        const t = Math.max(0, total);
        // a larger requested output grows at the end (like output_padding)
        if (total < 0) outPad[i] = outPad[i]! - total;
        // ONNX: SAME_UPPER puts the smaller half at the start, otherwise the larger
        pads[i] = autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : t - Math.floor(t / 2);
        pads[i + r] = t - pads[i]!;
        sp.push(target[i]!);
      }
    } else {
      for (let i = 0; i < r; i++) {
        sp.push(strides[i]! * (inS[i]! - 1) + outPad[i]! + ((kernel[i]! - 1) * dil[i]! + 1) - pads[i]! - pads[i + r]!);
      }
    }
    if (sp.some((d) => d < 1)) throw nodeError(n, `output size [${sp.join(',')}] is not positive`);
    n.attrs.delete('auto_pad');
    n.attrs.delete('output_shape');
    n.setInt('group', group);
    n.setInts('kernel_shape', kernel);
    n.setInts('strides', strides);
    n.setInts('dilations', dil);
    n.setInts('pads', pads);
    n.setInts('output_padding', outPad);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, cout, ...sp] }];
  },
});

registerOp({
  op: 'Gemm',
  infer: (n) => {
    const a = inType(n, 0), b = inType(n, 1);
    if (a.shape.length !== 2 || b.shape.length !== 2) throw nodeError(n, `A and B must be 2-D`);
    normalizeFlags(n, ['transA', 'transB']);
    const ta = n.int('transA', 0), tb = n.int('transB', 0);
    const M = ta ? a.shape[1]! : a.shape[0]!, K = ta ? a.shape[0]! : a.shape[1]!;
    const K2 = tb ? b.shape[1]! : b.shape[0]!, N = tb ? b.shape[0]! : b.shape[1]!;
    if (K !== K2) throw nodeError(n, `inner dimensions differ: ${K} and ${K2}`);
    const c = n.input(2);
    if (c) broadcastShapes(n, [c.type.shape, [M, N]]);
    return [{ dtype: a.dtype, shape: [M, N] }];
  },
  grad: (g, n, [dy]) => {
    const [a, b, c] = n.inputs as (Value | null)[];
    const ta = n.int('transA', 0), tb = n.int('transB', 0);
    const alpha = { float: n.float('alpha', 1) }, beta = n.float('beta', 1);
    // Y = alpha op(A) op(B) + beta C
    const da = ta ? g.op('Gemm', [b!, dy!], { transA: tb, transB: 1, alpha }) : g.op('Gemm', [dy!, b!], { transA: 0, transB: tb ? 0 : 1, alpha });
    const db = tb ? g.op('Gemm', [dy!, a!], { transA: 1, transB: ta, alpha }) : g.op('Gemm', [a!, dy!], { transA: ta ? 0 : 1, transB: 0, alpha });
    const dc = c ? g.sumTo(beta === 1 ? dy! : g.op('Mul', [dy!, g.scalar(beta)]), c.type.shape) : null;
    return [da, db, dc];
  },
});

/** numpy.matmul shape rule. */
export function matmulShape(n: Node, a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 0 || b.length === 0) throw nodeError(n, `MatMul inputs must not be scalars`);
  const A = a.length === 1 ? [1, a[0]!] : a;
  const B = b.length === 1 ? [b[0]!, 1] : b;
  const K = A[A.length - 1]!, K2 = B[B.length - 2]!;
  if (K !== K2) throw nodeError(n, `inner dimensions differ: [${a.join(',')}] x [${b.join(',')}]`);
  const batch = broadcastShapes(n, [A.slice(0, -2), B.slice(0, -2)]);
  const out = [...batch, A[A.length - 2]!, B[B.length - 1]!];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return out;
}

registerOp({
  op: 'MatMul',
  infer: (n) => {
    const a = inType(n, 0), b = inType(n, 1);
    return [{ dtype: a.dtype, shape: matmulShape(n, a.shape, b.shape) }];
  },
  grad: (g, n, [dy]) => {
    const [a, b] = n.inputs as Value[];
    const as = a!.type.shape, bs = b!.type.shape;
    // 1-D operands: as matrices [1,K] / [K,1], and dy with the dropped dim restored
    const A = as.length === 1 ? g.reshape(a!, [1, as[0]!]) : a!;
    const B = bs.length === 1 ? g.reshape(b!, [bs[0]!, 1]) : b!;
    const ys = [...dy!.type.shape];
    if (as.length === 1) ys.splice(bs.length === 1 ? ys.length : ys.length - 1, 0, 1);
    if (bs.length === 1) ys.push(1);
    const D = g.reshape(dy!, ys);
    const da = g.sumTo(g.op('MatMul', [D, g.swapLast(B)]), A.type.shape);
    const db = g.sumTo(g.op('MatMul', [g.swapLast(A), D]), B.type.shape);
    return [g.reshape(da, as), g.reshape(db, bs)];
  },
});

function poolInfer(n: Node): TensorType[] {
  normalizeFlags(n, ['count_include_pad', 'ceil_mode']);
  const x = inType(n, 0);
  if (x.shape.length < 3) throw nodeError(n, `input must have rank >= 3`);
  const kernel = n.ints('kernel_shape');
  if (!kernel) throw nodeError(n, `kernel_shape is required`);
  const sp = resolveWindow(n, x.shape.slice(2) as number[], kernel, n.int('ceil_mode', 0) === 1);
  const out: TensorType = { dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...sp] };
  return n.op === 'MaxPool' && n.outputs.length > 1 ? [out, { dtype: 'int64', shape: out.shape }] : [out];
}
/** MaxPool / AveragePool: dx from PoolGrad (the window's largest input, or shared by the window). */
const poolGrad = (mode: 'max' | 'avg'): GradFn => (g, n, dys) => {
  if (dys[1]) g.fail(n, 'gradient through the MaxPool indices output');
  if (n.int('ceil_mode', 0)) g.fail(n, 'ceil_mode pooling');
  const attrs = { mode, kernel_shape: n.ints('kernel_shape')!, strides: n.ints('strides')!, dilations: n.ints('dilations')!, pads: n.ints('pads')!, count_include_pad: n.int('count_include_pad', 0) };
  return [g.op('PoolGrad', [dys[0]!, n.inputs[0]!], attrs)];
};
registerOp({ op: 'MaxPool', infer: poolInfer, grad: poolGrad('max') });
registerOp({ op: 'AveragePool', infer: poolInfer, grad: poolGrad('avg') });
registerOp({ op: 'LpPool', infer: poolInfer });

for (const op of ['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool']) {
  registerOp({
    op,
    ...(op === 'GlobalAveragePool' ? {
      grad: ((g, n, [dy]) => {
        const xs = n.inputs[0]!.type.shape;
        return [g.expandTo(g.op('Mul', [dy!, g.scalar(1 / numel(xs.slice(2)))]), xs)];
      }) as GradFn,
    } : {}),
    infer: (n) => {
      const x = inType(n, 0);
      if (x.shape.length < 3) throw nodeError(n, `input must have rank >= 3`);
      return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] }];
    },
  });
}

registerOp({
  op: 'BatchNormalization',
  inplace: 0,
  infer: (n) => {
    const x = inType(n, 0);
    const c = x.shape[1] ?? 1;
    for (let i = 1; i <= 4; i++) {
      const v = inType(n, i);
      if (v.shape.length !== 1 || v.shape[0] !== c) throw nodeError(n, `input ${i} must have shape [${c}]`);
    }
    if (n.int('training_mode', 0)) throw nodeError(n, `training_mode=1 is not supported`);
    return [x];
  },
  // inference-mode normalization is a per-channel affine map: the running statistics stay fixed
  grad: (g, n, [dy]) => {
    const [x, scale, bias, mean, vr] = n.inputs as Value[];
    const xs = x!.type.shape, C = xs[1] ?? 1;
    const chan = [C, ...xs.slice(2).map(() => 1)];
    const inv = g.reshape(g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [vr!, g.scalar(n.float('epsilon', 1e-5))])])]), chan);
    const dx = g.op('Mul', [dy!, g.op('Mul', [g.reshape(scale!, chan), inv])]);
    const xhat = g.op('Mul', [g.op('Sub', [x!, g.reshape(mean!, chan)]), inv]);
    const perChannel = (v: Value) => g.reshape(g.sumTo(v, chan), [C]);
    return [dx, perChannel(g.op('Mul', [dy!, xhat])), perChannel(dy!), null, null];
  },
});

registerOp({
  op: 'InstanceNormalization',
  infer: (n) => [inType(n, 0)],
});

registerOp({
  op: 'LRN',
  infer: (n) => [inType(n, 0)],
});

registerOp({
  op: 'LayerNormalization',
  grad: (g, n, dys) => {
    const [x, gamma, beta] = n.inputs as (Value | null)[];
    const dy = dys[0];
    if (!dy) return [null, null, null];
    if (dys[1] || dys[2]) g.fail(n, 'gradients through the mean/inv_std_dev outputs');
    const xs = x!.type.shape, axis = n.int('axis', -1);
    const axes = Array.from({ length: xs.length - axis }, (_, i) => axis + i);
    const eps = n.float('epsilon', 1e-5);
    // recompute xhat = (x - mean) * inv, inv = 1/sqrt(var + eps)
    const mean = g.op('ReduceMean', [x!], { axes, keepdims: 1 });
    const xc = g.op('Sub', [x!, mean]);
    const vr = g.op('ReduceMean', [g.op('Mul', [xc, xc])], { axes, keepdims: 1 });
    const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [vr, g.scalar(eps)])])]);
    const xhat = g.op('Mul', [xc, inv]);
    const dxhat = g.op('Mul', [dy, gamma!]);
    // dx = inv * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
    const m1 = g.op('ReduceMean', [dxhat], { axes, keepdims: 1 });
    const m2 = g.op('ReduceMean', [g.op('Mul', [dxhat, xhat])], { axes, keepdims: 1 });
    const dx = g.op('Mul', [inv, g.op('Sub', [g.op('Sub', [dxhat, m1]), g.op('Mul', [xhat, m2])])]);
    const dgamma = g.sumTo(g.op('Mul', [dy, xhat]), gamma!.type.shape);
    const dbeta = beta ? g.sumTo(dy, beta.type.shape) : null;
    return [dx, dgamma, dbeta];
  },
  infer: (n) => {
    const x = inType(n, 0);
    const axis = normAxis(n, n.int('axis', -1), x.shape.length);
    n.setInt('axis', axis);
    const red = [...x.shape.slice(0, axis), ...x.shape.slice(axis).map(() => 1)];
    const outs: TensorType[] = [x, { dtype: 'float32', shape: red }, { dtype: 'float32', shape: red }];
    return outs.slice(0, Math.max(1, n.outputs.length));
  },
});

const SOFTMAX_GRAD: Record<string, GradFn> = {
  // dx = y * (dy - sum(dy * y))
  Softmax: (g, n, [dy]) => {
    const y = n.outputs[0]!, axis = n.int('axis', -1);
    const s = g.op('ReduceSum', [g.op('Mul', [dy!, y])], { axes: [axis], keepdims: 1 });
    return [g.op('Mul', [y, g.op('Sub', [dy!, s])])];
  },
  // dx = dy - softmax(x) * sum(dy)
  LogSoftmax: (g, n, [dy]) => {
    const y = n.outputs[0]!, axis = n.int('axis', -1);
    const s = g.op('ReduceSum', [dy!], { axes: [axis], keepdims: 1 });
    return [g.op('Sub', [dy!, g.op('Mul', [g.op('Exp', [y]), s])])];
  },
};

for (const op of ['Softmax', 'LogSoftmax', 'Hardmax']) {
  registerOp({
    op,
    ...(SOFTMAX_GRAD[op] ? { grad: SOFTMAX_GRAD[op] } : {}),
    infer: (n) => {
      const x = inType(n, 0);
      n.setInt('axis', normAxis(n, n.int('axis', -1), x.shape.length));
      return [x];
    },
  });
}
