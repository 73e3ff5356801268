// Elementwise operators: unary, binary with broadcasting, variadic, comparisons.
import type { Node, Value } from '../graph.js';
import { Tensor } from '../tensor.js';
import type { DType } from '../types.js';
import { isFloatType } from '../types.js';
import { registerOp, inType, broadcastShapes } from './registry.js';
import { broadcastMap } from './util.js';
import { nodeError } from '../errors.js';
import type { GradFn } from '../grad.js';

const f32 = Math.fround;

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse for folding; use a series/continued fraction.
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = x, term = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // continued fraction for erfc
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

/** Unary ops: reference function on numbers; output dtype same as input. */
export const UNARY: Record<string, (x: number, n: Node) => number> = {
  Relu: (x) => (x > 0 ? x : 0),
  Neg: (x) => -x,
  Abs: (x) => Math.abs(x),
  Exp: (x) => Math.exp(x),
  Log: (x) => Math.log(x),
  Sqrt: (x) => Math.sqrt(x),
  Reciprocal: (x) => 1 / x,
  Floor: (x) => Math.floor(x),
  Ceil: (x) => Math.ceil(x),
  Round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
  },
  Sign: (x) => Math.sign(x),
  Sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  Tanh: (x) => Math.tanh(x),
  Erf: (x) => erf(x),
  Sin: Math.sin, Cos: Math.cos, Tan: Math.tan,
  Asin: Math.asin, Acos: Math.acos, Atan: Math.atan,
  Sinh: Math.sinh, Cosh: Math.cosh, Asinh: Math.asinh, Acosh: Math.acosh, Atanh: Math.atanh,
  Softplus: (x) => Math.log1p(Math.exp(x)),
  Softsign: (x) => x / (1 + Math.abs(x)),
  LeakyRelu: (x, n) => (x >= 0 ? x : x * n.float('alpha', 0.01)),
  Elu: (x, n) => (x >= 0 ? x : n.float('alpha', 1) * (Math.exp(x) - 1)),
  Selu: (x, n) => n.float('gamma', 1.05070102214813232421875) * (x > 0 ? x : n.float('alpha', 1.67326319217681884765625) * (Math.exp(x) - 1)),
  Celu: (x, n) => { const a = n.float('alpha', 1); return Math.max(0, x) + Math.min(0, a * (Math.exp(x / a) - 1)); },
  ThresholdedRelu: (x, n) => (x > n.float('alpha', 1) ? x : 0),
  HardSigmoid: (x, n) => Math.max(0, Math.min(1, n.float('alpha', 0.2) * x + n.float('beta', 0.5))),
  HardSwish: (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)),
  Mish: (x) => x * Math.tanh(Math.log1p(Math.exp(x))),
  Gelu: (x, n) => n.str('approximate', 'none') === 'tanh'
    ? 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))
    : 0.5 * x * (1 + erf(x / Math.SQRT2)),
  Shrink: (x, n) => { const l = n.float('lambd', 0.5), b = n.float('bias', 0); return x < -l ? x + b : x > l ? x - b : 0; },
  Not: (x) => (x ? 0 : 1),
  BitwiseNot: (x) => ~x,
  Identity: (x) => x,
  IsNaN: (x) => (Number.isNaN(x) ? 1 : 0),
  IsInf: (x, n) => (x === Infinity && n.int('detect_positive', 1)) || (x === -Infinity && n.int('detect_negative', 1)) ? 1 : 0,
};

const BOOL_OUT = new Set(['Not', 'IsNaN', 'IsInf']);

/** Gradient rules of unary ops: dx from x, y = f(x) and dy. */
const UNARY_GRAD: Record<string, GradFn> = {
  Relu: (g, n, [dy]) => [g.op('Where', [g.op('Greater', [n.outputs[0]!, g.scalar(0)]), dy!, g.scalar(0)])], // y > 0 iff x > 0
  Neg: (g, _n, [dy]) => [g.op('Neg', [dy!])],
  Exp: (g, n, [dy]) => [g.op('Mul', [dy!, n.outputs[0]!])],
  Log: (g, n, [dy]) => [g.op('Div', [dy!, n.inputs[0]!])],
  Sqrt: (g, n, [dy]) => [g.op('Div', [g.op('Mul', [dy!, g.scalar(0.5)]), n.outputs[0]!])],
  Reciprocal: (g, n, [dy]) => { const y = n.outputs[0]!; return [g.op('Neg', [g.op('Mul', [dy!, g.op('Mul', [y, y])])])]; },
  Tanh: (g, n, [dy]) => { const y = n.outputs[0]!; return [g.op('Mul', [dy!, g.op('Sub', [g.scalar(1), g.op('Mul', [y, y])])])]; },
  Sigmoid: (g, n, [dy]) => { const y = n.outputs[0]!; return [g.op('Mul', [dy!, g.op('Mul', [y, g.op('Sub', [g.scalar(1), y])])])]; },
  Abs: (g, n, [dy]) => [g.op('Mul', [dy!, g.op('Sign', [n.inputs[0]!])])],
  Identity: (_g, _n, [dy]) => [dy!],
  Erf: (g, n, [dy]) => { const x = n.inputs[0]!; return [g.op('Mul', [dy!, g.op('Mul', [g.op('Exp', [g.op('Neg', [g.op('Mul', [x, x])])]), g.scalar(2 / Math.sqrt(Math.PI))])])]; },
  Softplus: (g, n, [dy]) => [g.op('Mul', [dy!, g.op('Sigmoid', [n.inputs[0]!])])],
  LeakyRelu: (g, n, [dy]) => [g.op('Where', [g.op('GreaterOrEqual', [n.inputs[0]!, g.scalar(0)]), dy!, g.op('Mul', [dy!, g.scalar(n.float('alpha', 0.01))])])],
  Gelu: (g, n, [dy]) => {
    const x = n.inputs[0]!;
    if (n.str('approximate', 'none') === 'tanh') {
      // y = 0.5 x (1 + t), t = tanh(k (x + c x^3)); dy/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2)
      const k = Math.sqrt(2 / Math.PI), c = 0.044715;
      const x2 = g.op('Mul', [x, x]);
      const t = g.op('Tanh', [g.op('Mul', [g.op('Mul', [x, g.op('Add', [g.scalar(1), g.op('Mul', [x2, g.scalar(c)])])]), g.scalar(k)])]);
      const a = g.op('Mul', [g.op('Add', [g.scalar(1), t]), g.scalar(0.5)]);
      const sech2 = g.op('Sub', [g.scalar(1), g.op('Mul', [t, t])]);
      const b = g.op('Mul', [g.op('Mul', [x, sech2]), g.op('Add', [g.scalar(0.5 * k), g.op('Mul', [x2, g.scalar(1.5 * k * c)])])]);
      return [g.op('Mul', [dy!, g.op('Add', [a, b])])];
    }
    // d/dx x Phi(x) = Phi(x) + x phi(x)
    const cdf = g.op('Mul', [g.op('Add', [g.scalar(1), g.op('Erf', [g.op('Mul', [x, g.scalar(Math.SQRT1_2)])])]), g.scalar(0.5)]);
    const pdf = g.op('Mul', [g.op('Exp', [g.op('Mul', [g.op('Mul', [x, x]), g.scalar(-0.5)])]), g.scalar(1 / Math.sqrt(2 * Math.PI))]);
    return [g.op('Mul', [dy!, g.op('Add', [cdf, g.op('Mul', [x, pdf])])])];
  },
};

/** Unary ops ONNX defines on floating-point tensors only. */
const FLOAT_ONLY = new Set(['Exp', 'Log', 'Sqrt', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sigmoid', 'Tanh', 'Erf', 'Sin', 'Cos', 'Tan',
  'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Softplus', 'Softsign', 'LeakyRelu', 'Elu', 'Selu', 'Celu',
  'ThresholdedRelu', 'HardSigmoid', 'HardSwish', 'Mish', 'Gelu', 'IsNaN', 'IsInf']);

for (const [op, fn] of Object.entries(UNARY)) {
  if (op === 'Identity') continue; // a view, registered with the shape ops
  registerOp({
    op,
    inplace: 0,
    ...(UNARY_GRAD[op] ? { grad: UNARY_GRAD[op] } : {}),
    infer: (n) => {
      const x = inType(n, 0);
      if (FLOAT_ONLY.has(op) && !isFloatType(x.dtype)) throw nodeError(n, `${op} needs a floating-point input, got ${x.dtype}`);
      return [{ dtype: BOOL_OUT.has(op) ? 'bool' : x.dtype, shape: x.shape }];
    },
    evaluate: (n, [x]) => {
      const dt: DType = BOOL_OUT.has(op) ? 'bool' : x!.dtype;
      const fl = isFloatType(x!.dtype);
      return [broadcastMap(n, [x!], dt, (v) => {
        const r = fn(v, n);
        return fl && x!.dtype === 'float32' ? f32(r) : r;
      })];
    },
  });
}

function intDiv(a: number, b: number): number {
  return b === 0 ? 0 : Math.trunc(a / b);
}

/** Binary ops with numpy broadcasting. */
export const BINARY: Record<string, (a: number, b: number, n: Node, dt: DType) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b, _n, dt) => (isFloatType(dt) ? a / b : intDiv(a, b)),
  Pow: (a, b) => Math.pow(a, b),
  Mod: (a, b, n, dt) => {
    if (n.int('fmod', 0) || isFloatType(dt)) return a % b;
    if (b === 0) return 0;
    const r = a % b;
    return r !== 0 && Math.sign(r) !== Math.sign(b) ? r + b : r;
  },
  BitShift: (a, b, n) => (n.str('direction', 'LEFT') === 'LEFT' ? a * 2 ** b : Math.floor(a / 2 ** b)),
  BitwiseAnd: (a, b) => a & b,
  BitwiseOr: (a, b) => a | b,
  BitwiseXor: (a, b) => a ^ b,
  PRelu: (x, s) => (x < 0 ? x * s : x),
};

/** Gradient rules of the binary arithmetic ops (broadcast gradients summed back to each input's shape). */
const BINARY_GRAD: Record<string, GradFn> = {
  // d(a^b)/da = b a^(b-1); d(a^b)/db = a^b ln a (a > 0)
  Pow: (g, n, [dy]) => {
    const [a, b] = n.inputs as Value[];
    if (a!.type.dtype !== b!.type.dtype) g.fail(n, 'Pow with exponent and base of different types');
    const da = g.op('Mul', [dy!, g.op('Mul', [b!, g.op('Pow', [a!, g.op('Sub', [b!, g.scalar(1, b!.type.dtype)])])])]);
    const db = g.op('Mul', [dy!, g.op('Mul', [n.outputs[0]!, g.op('Log', [a!])])]);
    return [g.sumTo(da, a!.type.shape), g.sumTo(db, b!.type.shape)];
  },
  Add: (g, n, [dy]) => [g.sumTo(dy!, n.inputs[0]!.type.shape), g.sumTo(dy!, n.inputs[1]!.type.shape)],
  Sub: (g, n, [dy]) => [g.sumTo(dy!, n.inputs[0]!.type.shape), g.sumTo(g.op('Neg', [dy!]), n.inputs[1]!.type.shape)],
  Mul: (g, n, [dy]) => {
    const [a, b] = n.inputs as Value[];
    return [g.sumTo(g.op('Mul', [dy!, b!]), a!.type.shape), g.sumTo(g.op('Mul', [dy!, a!]), b!.type.shape)];
  },
  Div: (g, n, [dy]) => {
    const [a, b] = n.inputs as Value[];
    const da = g.op('Div', [dy!, b!]);
    // d(a/b)/db = -(a/b)/b
    return [g.sumTo(da, a!.type.shape), g.sumTo(g.op('Neg', [g.op('Mul', [da, n.outputs[0]!])]), b!.type.shape)];
  },
};

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  Equal: (a, b) => a === b,
  Less: (a, b) => a < b,
  LessOrEqual: (a, b) => a <= b,
  Greater: (a, b) => a > b,
  GreaterOrEqual: (a, b) => a >= b,
};

const LOGICAL: Record<string, (a: number, b: number) => boolean> = {
  And: (a, b) => !!a && !!b,
  Or: (a, b) => !!a || !!b,
  Xor: (a, b) => !!a !== !!b,
};

function binaryInfer(boolOut: boolean) {
  return (n: Node) => {
    const a = inType(n, 0), b = inType(n, 1);
    if (a.dtype !== b.dtype && n.op !== 'Pow' && n.op !== 'PRelu' && n.op !== 'BitShift') {
      throw nodeError(n, `input types differ: ${a.dtype} and ${b.dtype}`);
    }
    return [{ dtype: boolOut ? 'bool' as DType : a.dtype, shape: broadcastShapes(n, [a.shape, b.shape]) }];
  };
}

for (const [op, fn] of Object.entries(BINARY)) {
  registerOp({
    op,
    inplace: [0, 1],
    ...(BINARY_GRAD[op] ? { grad: BINARY_GRAD[op] } : {}),
    infer: binaryInfer(false),
    evaluate: (n, [a, b]) => {
      const dt = a!.dtype;
      const r = broadcastMap(n, [a!, b!], dt, (x, y) => fn(x, y, n, dt));
      return [r];
    },
  });
}
for (const [op, fn] of Object.entries({ ...COMPARE, ...LOGICAL })) {
  registerOp({
    op,
    infer: binaryInfer(true),
    evaluate: (n, [a, b]) => [broadcastMap(n, [a!, b!], 'bool', (x, y) => (fn(x, y) ? 1 : 0))],
  });
}

/** Variadic ops: Sum, Mean, Max, Min with broadcasting. */
const VARIADIC: Record<string, (xs: number[]) => number> = {
  Sum: (xs) => xs.reduce((a, b) => a + b, 0),
  Mean: (xs) => xs.reduce((a, b) => a + b, 0) / xs.length,
  Max: (xs) => xs.reduce((a, b) => (Number.isNaN(a) || a > b ? a : b)),
  Min: (xs) => xs.reduce((a, b) => (Number.isNaN(a) || a < b ? a : b)),
};
for (const [op, fn] of Object.entries(VARIADIC)) {
  registerOp({
    op,
    inplace: 'any',
    infer: (n) => {
      if (n.inputs.length === 0) throw nodeError(n, `needs at least one input`);
      const ts = n.inputs.map((_, i) => inType(n, i));
      if (ts.some((t) => t.dtype !== ts[0]!.dtype)) throw nodeError(n, `input types differ: ${[...new Set(ts.map((t) => t.dtype))].join(' and ')}`);
      return [{ dtype: ts[0]!.dtype, shape: broadcastShapes(n, ts.map((t) => t.shape)) }];
    },
    evaluate: (n, xs) => [broadcastMap(n, xs as Tensor[], xs[0]!.dtype, (...v) => fn(v))],
    ...(op === 'Sum' || op === 'Mean' ? {
      grad: ((g, n, [dy]) => {
        const d = op === 'Mean' ? g.op('Mul', [dy!, g.scalar(1 / n.inputs.length)]) : dy!;
        return n.inputs.map((x) => g.sumTo(d, x!.type.shape));
      }) as GradFn,
    } : {}),
  });
}

registerOp({
  op: 'Clip',
  inplace: 0,
  infer: (n) => [inType(n, 0)],
  // dy where lo <= x <= hi
  grad: (g, n, [dy]) => {
    const [x, lo, hi] = n.inputs as (Value | null)[];
    let keep: Value | null = null;
    if (lo) keep = g.op('GreaterOrEqual', [x!, lo]);
    if (hi) { const h = g.op('LessOrEqual', [x!, hi]); keep = keep ? g.op('And', [keep, h]) : h; }
    return [keep ? g.op('Where', [keep, dy!, g.scalar(0, dy!.type.dtype)]) : dy!, null, null];
  },
  evaluate: (n, [x, lo, hi]) => {
    const l = lo ? lo.get(0) : -Infinity, h = hi ? hi.get(0) : Infinity;
    return [broadcastMap(n, [x!], x!.dtype, (v) => Math.min(Math.max(v, l), h))];
  },
});

registerOp({
  op: 'Where',
  infer: (n) => {
    const c = inType(n, 0), a = inType(n, 1), b = inType(n, 2);
    if (a.dtype !== b.dtype) throw nodeError(n, `X and Y types differ: ${a.dtype} and ${b.dtype}`);
    return [{ dtype: a.dtype, shape: broadcastShapes(n, [c.shape, a.shape, b.shape]) }];
  },
  evaluate: (n, [c, a, b]) => [broadcastMap(n, [c!, a!, b!], a!.dtype, (x, y, z) => (x ? y : z))],
  grad: (g, n, [dy]) => {
    const [c, a, b] = n.inputs as Value[];
    const zero = g.scalar(0, dy!.type.dtype);
    return [null, g.sumTo(g.op('Where', [c!, dy!, zero]), a!.type.shape), g.sumTo(g.op('Where', [c!, zero, dy!]), b!.type.shape)];
  },
});
