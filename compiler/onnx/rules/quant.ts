// Import rules for ONNX's quantized operators: QLinearConv, QLinearMatMul,
// ConvInteger and MatMulInteger become dnnc integer ops (see ir/qlinear.ts).
// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear map one to one.
import { registerRule, type ImportCtx } from './registry.js';
import type { Attr, Value } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { lowerQConv, lowerQMatMul, lowerQBinary, actToInt8, type QLowering, type QWeight, type QAct, type QOut } from '../../../ir/qlinear.js';

function io(ctx: ImportCtx): QLowering {
  return {
    constant: (hint, t) => ctx.constant(`${ctx.name}_${hint}`, t),
    emit: (op, inputs, attrs, name) => ctx.emit(op, inputs, attrs, [name])[0]!,
    fail: (m) => ctx.fail(m),
  };
}

function constNums(ctx: ImportCtx, v: Value | null | undefined, what: string, dflt?: number[]): number[] {
  if (!v) {
    if (dflt) return dflt;
    return ctx.fail(`${what} is required`);
  }
  if (!v.const) return ctx.fail(`${what} ('${v.name}') must be a compile-time constant${v.producer ? '' : `; freeze it with --freeze-input ${v.name}=<file>`}`);
  return v.const.toNumbers();
}

function scalar(ctx: ImportCtx, v: Value | null | undefined, what: string, dflt?: number): number {
  const a = constNums(ctx, v, what, dflt === undefined ? undefined : [dflt]);
  if (a.length !== 1) return ctx.fail(`${what} must be a scalar (per-tensor)`);
  return a[0]!;
}

/** A weight that must be constant; a graph input can be frozen (--freeze-input). */
function constWeight(ctx: ImportCtx, v: Value | null | undefined, what: string, extra = ''): Tensor {
  if (!v) return ctx.fail(`${what} is required`);
  if (!v.const) return ctx.fail(`${what} ('${v.name}') must be a compile-time constant${extra}${v.producer ? '' : `; freeze it with --freeze-input ${v.name}=<file>`}`);
  return v.const;
}

function weight(ctx: ImportCtx, w: Value | null, ws: Value | null, wz: Value | null, what: string): QWeight {
  constWeight(ctx, w, what);
  if (!w?.const) return ctx.fail(`${what} must be a constant`);
  return { t: w.const, scale: constNums(ctx, ws, `${what} scale`), zp: constNums(ctx, wz, `${what} zero point`, [0]) };
}

function convAttrs(ctx: ImportCtx): Record<string, Attr> {
  const out: Record<string, Attr> = {};
  for (const k of ['auto_pad', 'kernel_shape', 'strides', 'pads', 'dilations', 'group']) {
    const a = ctx.attrs.get(k);
    if (a) out[k] = a;
  }
  return out;
}

function outType(v: Value | null | undefined): 'int8' | 'uint8' {
  return v?.type.dtype === 'int8' ? 'int8' : 'uint8';
}

registerRule('QLinearConv', (ctx) => {
  const [x, xs, xz, w, ws, wz, ys, yz, b] = ctx.inputs;
  if (!x) return ctx.fail('input x is required');
  const bias = b ? constWeight(ctx, b, 'bias') : null;
  lowerQConv(io(ctx), { v: x, scale: scalar(ctx, xs, 'x_scale'), zp: scalar(ctx, xz, 'x_zero_point', 0) }, weight(ctx, w ?? null, ws ?? null, wz ?? null, 'w'),
    bias, { scale: scalar(ctx, ys, 'y_scale'), zp: scalar(ctx, yz, 'y_zero_point', 0), dtype: outType(yz ?? x) }, convAttrs(ctx), ctx.outputNames[0]!);
});

registerRule('ConvInteger', (ctx) => {
  const [x, w, xz, wz] = ctx.inputs;
  if (!x) return ctx.fail('input x is required');
  lowerQConv(io(ctx), { v: x, scale: 1, zp: scalar(ctx, xz, 'x_zero_point', 0) }, { t: constWeight(ctx, w, 'w'), scale: [1], zp: constNums(ctx, wz, 'w_zero_point', [0]) },
    null, null, convAttrs(ctx), ctx.outputNames[0]!);
});

function matmulB(ctx: ImportCtx, b: Value | null | undefined): Tensor {
  constWeight(ctx, b, 'B', ' (integer matmul of two activations is not supported)');
  if (!b?.const) return ctx.fail('B must be a constant');
  if (b.const.shape.length < 2) return ctx.fail(`B must be at least 2-D, got [${b.const.shape.join(',')}]`);
  return b.const;
}

const i64 = (vals: number[]): Tensor => Tensor.fromNumbers('int64', [vals.length], vals);
const prod = (s: readonly number[]): number => s.reduce((x, y) => x * y, 1);

/**
 * Integer matmul with a constant B: 2-D B is one QGemm; a batched B
 * [..., K, N] becomes one QGemm per batch (on the matching batch of A, or on
 * all of A when A has no batch) whose [M, N] results are concatenated and
 * reshaped to [..., M, N]. Per-column params of shape [N] apply to every
 * batch; [..., 1, N] gives them per batch.
 */
function qmatmul(ctx: ImportCtx, a: QAct, b: QWeight, y: QOut): void {
  const bs = b.t.shape;
  const name = ctx.outputNames[0]!;
  if (bs.length === 2) {
    lowerQMatMul(io(ctx), a, b, null, y, name);
    return;
  }
  const K = bs[bs.length - 2]!, N = bs[bs.length - 1]!, bb = bs.slice(0, -2), nb = prod(bb);
  const as = a.v.type.shape;
  if (as.length < 2) return ctx.fail(`batched B [${bs.join(',')}] needs A of rank 2 or more, got [${as.join(',')}]`);
  const M = as[as.length - 2]!, ab = as.slice(0, -2), nab = prod(ab);
  if (as[as.length - 1] !== K) return ctx.fail(`inner dimensions differ: [${as.join(',')}] x [${bs.join(',')}]`);
  const R = Math.max(ab.length, bb.length);
  const pad = (s: number[]) => [...new Array(R - s.length).fill(1), ...s];
  const abp = pad(ab), bbp = pad(bb);
  if (nab !== 1 && abp.some((d, i) => d !== bbp[i])) return ctx.fail(`batch dimensions of A [${as.join(',')}] and B [${bs.join(',')}] must be equal (or A unbatched)`);
  const base = io(ctx);
  const perBatch = (v: number[], what: string, i: number): number[] => {
    if (v.length === 1 || v.length === N) return v;
    if (v.length === nb * N) return v.slice(i * N, (i + 1) * N);
    return ctx.fail(`${what} has ${v.length} values; expected 1, ${N} or ${nb * N}`);
  };
  const ai = actToInt8(base, a);
  const a3 = nab === 1 ? null : base.emit('Reshape', [ai.v, base.constant('a3shape', i64([nab, M, K]))], {}, null);
  const parts: Value[] = [];
  for (let i = 0; i < nb; i++) {
    const sub: QLowering = { ...base, constant: (hint, t) => base.constant(`${hint}_b${i}`, t) };
    let av: Value;
    if (!a3) av = base.emit('Reshape', [ai.v, sub.constant('ashape', i64([M, K]))], {}, null);
    else {
      const s = base.emit('Slice', [a3, sub.constant('start', i64([i])), sub.constant('end', i64([i + 1])), sub.constant('axis', i64([0]))], {}, null);
      av = base.emit('Reshape', [s, sub.constant('ashape', i64([M, K]))], {}, null);
    }
    const bt = new Tensor(b.t.dtype, [K, N]);
    for (let j = 0; j < K * N; j++) bt.set(j, b.t.get(i * K * N + j));
    parts.push(lowerQMatMul(sub, { v: av, scale: a.scale, zp: ai.zp }, { t: bt, scale: perBatch(b.scale, 'b_scale', i), zp: perBatch(b.zp, 'b_zero_point', i) }, null, y, null));
  }
  const cat = parts.length === 1 ? parts[0]! : base.emit('Concat', parts, { axis: { kind: 'int', value: 0 } }, null);
  const outShape = [...abp.map((d, i) => Math.max(d, bbp[i]!)), M, N];
  const out = base.emit('Reshape', [cat, base.constant('yshape', i64(outShape))], {}, name);
  if (y) cat.quant = out.quant = { scale: [y.scale], zeroPoint: [y.zp] };
}

registerRule('QLinearMatMul', (ctx) => {
  const [a, as, az, b, bs, bz, ys, yz] = ctx.inputs;
  if (!a) return ctx.fail('input a is required');
  qmatmul(ctx, { v: a, scale: scalar(ctx, as, 'a_scale'), zp: scalar(ctx, az, 'a_zero_point', 0) },
    { t: matmulB(ctx, b), scale: constNums(ctx, bs, 'b_scale'), zp: constNums(ctx, bz, 'b_zero_point', [0]) },
    { scale: scalar(ctx, ys, 'y_scale'), zp: scalar(ctx, yz, 'y_zero_point', 0), dtype: outType(yz ?? a) });
});

registerRule('MatMulInteger', (ctx) => {
  const [a, b, az, bz] = ctx.inputs;
  if (!a) return ctx.fail('input A is required');
  qmatmul(ctx, { v: a, scale: 1, zp: scalar(ctx, az, 'a_zero_point', 0) },
    { t: matmulB(ctx, b), scale: [1], zp: constNums(ctx, bz, 'b_zero_point', [0]) }, null);
});

// onnxruntime's contrib ops (domain com.microsoft): QLinearAdd / QLinearMul(A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp)
for (const op of ['Add', 'Mul'] as const) {
  registerRule(`com.microsoft.QLinear${op}`, (ctx) => {
    const [a, as, az, b, bs, bz, cs, cz] = ctx.inputs;
    if (!a || !b) return ctx.fail('inputs A and B are required');
    lowerQBinary(io(ctx), op, { v: a, scale: scalar(ctx, as, 'A_scale'), zp: scalar(ctx, az, 'A_zero_point', 0) },
      { v: b, scale: scalar(ctx, bs, 'B_scale'), zp: scalar(ctx, bz, 'B_zero_point', 0) },
      { scale: scalar(ctx, cs, 'C_scale'), zp: scalar(ctx, cz, 'C_zero_point', 0), dtype: outType(cz ?? a) }, ctx.outputNames[0]!);
  });
}
