// Post-training quantization: rewrite the float graph into integer ops using
// calibrated ranges (ctx.options.quantize). int8: per-channel symmetric
// weights in [-127, 127], per-tensor activations (asymmetric with a zero point
// by default, symmetric on request), int32 bias, fixed-point requantization.
// int16: symmetric Q-formats (scale 2^-f per tensor), int64 bias, shifts.
// Fused activations become integer clamps. Ops without an integer kernel stay
// float between a DequantizeLinear and a QuantizeLinear whose `why` attribute
// (and g.meta.quantNotes) says why.
import { registerPass } from './pass.js';
import type { Graph, Node, Value } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { Builder, attr } from '../ir/builder.js';
import { numel, type DType } from '../ir/types.js';
import {
  quantizeMultiplier, asymmetricParams, symmetricParams, qformat, roundEven, clampBounds, qrange,
} from '../ir/quant.js';

export interface QuantizeOptions {
  dtype: 'int8' | 'int16';
  /** calibrated float range of each value, by name */
  ranges: Record<string, [number, number]>;
  symmetricActivations?: boolean;
}

interface AP { scale: number; zp: number; f?: number }

/** Unary float functions that int8 runs through a 256-entry lookup table. */
const LUT_FNS: Record<string, (n: Node) => (x: number) => number> = {
  Sigmoid: () => (x) => 1 / (1 + Math.exp(-x)),
  Tanh: () => Math.tanh,
  Exp: () => Math.exp,
  Softplus: () => (x) => Math.log1p(Math.exp(x)),
  Softsign: () => (x) => x / (1 + Math.abs(x)),
  LeakyRelu: (n) => { const a = n.float('alpha', 0.01); return (x) => (x >= 0 ? x : a * x); },
  Elu: (n) => { const a = n.float('alpha', 1); return (x) => (x >= 0 ? x : a * (Math.exp(x) - 1)); },
  HardSigmoid: (n) => { const a = n.float('alpha', 0.2), b = n.float('beta', 0.5); return (x) => Math.max(0, Math.min(1, a * x + b)); },
  HardSwish: () => (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)),
};

/** Functions that are flat outside [-16, 16] (their int16 tables cover only that input range). */
const SATURATING = new Set(['Sigmoid', 'Tanh', 'HardSigmoid', 'Softsign']);

/**
 * int16 lookup table with linear interpolation: 513 points t[i] = f at input
 * level q0 + i * 2^k (2^k = 128 levels per step over the whole int16 range,
 * or finer over [-16, 16] for saturating functions), output in y's Q-format.
 * The C kernel clamps the level into the table, interpolates between the two
 * neighbouring points and rounds down. maxErr: the largest |LUT - f| over
 * every one of the 65536 input levels, in real units (what `inspect` shows).
 */
export function lut16(f: (x: number) => number, sx: number, sy: number, saturating: boolean): { table: number[]; q0: number; k: number; maxErr: number } {
  let k = 7;
  if (saturating) while (k > 0 && 512 * 2 ** (k - 1) * sx >= 32) k--;
  const step = 2 ** k, q0 = Math.max(-32768, -256 * step);
  const q = (v: number) => Math.max(-32768, Math.min(32767, roundEven(v / sy)));
  const table: number[] = [];
  for (let i = 0; i <= 512; i++) table.push(q(f((q0 + i * step) * sx)));
  const maxU = 512 * step - 1;
  let maxErr = 0;
  for (let x = -32768; x <= 32767; x++) {
    const u = Math.max(0, Math.min(maxU, x - q0));
    const i = u >> k, fr = u & (step - 1);
    const v = table[i]! + Math.floor(((table[i + 1]! - table[i]!) * fr + (step >> 1)) / step);
    maxErr = Math.max(maxErr, Math.abs(v * sy - f(x * sx)));
  }
  return { table, q0, k, maxErr };
}

/** Data-movement ops whose (dtype-generic) kernels move integers as they are: outputs keep the input's params. */
const VIEW_OPS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Transpose', 'Slice', 'Gather', 'Expand', 'Split']);
const POOL_OPS: Record<string, string> = { MaxPool: 'QMaxPool', AveragePool: 'QAveragePool', GlobalAveragePool: 'QGlobalAveragePool', GlobalMaxPool: 'QGlobalMaxPool' };

export function quantizeGraph(g: Graph, q: QuantizeOptions, log: (m: string) => void = () => {}): void {
  const dt: DType = q.dtype;
  const i16 = dt === 'int16';
  const [QMIN, QMAX] = qrange(dt);
  const b = new Builder(g);
  const old = g.nodes;
  g.nodes = [];
  const qmap = new Map<Value, Value>();
  const fmap = new Map<Value, Value>();
  const params = new Map<Value, AP>();
  const notes: string[] = [];
  const replaced = new Set<Value>();

  const actParams = (lo: number, hi: number): AP => {
    if (i16) {
      const f = qformat(Math.max(Math.abs(lo), Math.abs(hi)));
      return { scale: 2 ** -f, zp: 0, f };
    }
    return q.symmetricActivations ? symmetricParams(Math.max(Math.abs(lo), Math.abs(hi))) : asymmetricParams(lo, hi, dt);
  };
  const rangeOf = (v: Value): [number, number] | null => {
    if (v.const) {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < v.const.size; i++) { lo = Math.min(lo, v.const.get(i)); hi = Math.max(hi, v.const.get(i)); }
      return v.const.size ? [lo, hi] : null;
    }
    return q.ranges[v.name] ?? null;
  };
  const canQ = (v: Value | null): boolean => !!v && v.type.dtype === 'float32' && (qmap.has(v) || rangeOf(v) !== null);
  const setQuant = (v: Value, p: AP) => {
    params.set(v, p);
    v.quant = { scale: [p.scale], zeroPoint: [p.zp] };
  };

  /** The integer version of float value v (a QuantizeLinear when needed). */
  const qOf = (v: Value, why: string): Value => {
    const have = qmap.get(v);
    if (have) return have;
    const r = rangeOf(v)!;
    const p = actParams(r[0], r[1]);
    if (v.const) {
      const t = new Tensor(dt, v.const.shape);
      for (let i = 0; i < t.size; i++) t.set(i, Math.max(QMIN, Math.min(QMAX, roundEven(v.const.get(i) / p.scale) + p.zp)));
      const c = b.constant(`${v.name}_q`, t);
      setQuant(c, p);
      qmap.set(v, c);
      return c;
    }
    const s = b.constant(`${v.name}_scale`, Tensor.scalar('float32', p.scale));
    const z = b.constant(`${v.name}_zp`, Tensor.scalar(dt, p.zp));
    const n = b.node('QuantizeLinear', [fOf(v), s, z], { outputHint: `${v.name}_q`, attrs: { why: attr.str(why) } });
    setQuant(n.outputs[0]!, p);
    qmap.set(v, n.outputs[0]!);
    return n.outputs[0]!;
  };

  /** A float version of v for a float consumer (a DequantizeLinear when v was quantized). */
  const fOf = (v: Value, why = ''): Value => {
    if (!replaced.has(v)) return v;
    const have = fmap.get(v);
    if (have) return have;
    const qv = qmap.get(v)!;
    const p = params.get(qv)!;
    const s = b.constant(`${v.name}_scale`, Tensor.scalar('float32', p.scale));
    const z = b.constant(`${v.name}_zp`, Tensor.scalar(dt, p.zp));
    const n = b.node('DequantizeLinear', [qv, s, z], { outputHint: `${v.name}_f`, attrs: { why: attr.str(why || 'float consumer') } });
    fmap.set(v, n.outputs[0]!);
    return n.outputs[0]!;
  };

  const produce = (orig: Value, qv: Value, p: AP) => {
    setQuant(qv, p);
    qmap.set(orig, qv);
    replaced.add(orig);
  };
  const outParams = (v: Value): AP | null => {
    const r = rangeOf(v);
    return r ? actParams(r[0], r[1]) : null;
  };
  const clamp = (n: Node, p: AP): Record<string, ReturnType<typeof attr.int>> => {
    const [lo, hi] = clampBounds(n.float('act_min', -Infinity), n.float('act_max', Infinity), p.scale, p.zp, dt);
    return { act_min: attr.int(lo), act_max: attr.int(hi) };
  };

  /** Per-channel (int8) or per-tensor Q-format (int16) weights; rows = output channels. */
  const quantWeights = (w: Tensor, rows: number, rowOf: (i: number) => number, shape: number[], order: (i: number) => number) => {
    const per = w.size / rows;
    const maxAbs = new Array<number>(rows).fill(0);
    for (let i = 0; i < w.size; i++) maxAbs[rowOf(i)] = Math.max(maxAbs[rowOf(i)]!, Math.abs(w.get(i)));
    let scales: number[], fw = 0;
    if (i16) {
      fw = qformat(Math.max(...maxAbs));
      scales = maxAbs.map(() => 2 ** -fw);
    } else {
      scales = maxAbs.map((m) => symmetricParams(m, 127).scale);
    }
    const lim = i16 ? 32767 : 127;
    const t = new Tensor(dt, shape);
    for (let i = 0; i < w.size; i++) {
      const r = rowOf(i);
      t.set(order(i), Math.max(-lim, Math.min(lim, roundEven(w.get(i) / scales[r]!))));
    }
    void per;
    return { t, scales, fw };
  };

  const biasAndRequant = (bias: Tensor | null, rows: number, biasAt: (r: number) => number, px: AP, py: AP, scales: number[], fw: number) => {
    const bt = new Tensor(i16 ? 'int64' : 'int32', [rows]);
    const mult: number[] = [], shift: number[] = [];
    for (let r = 0; r < rows; r++) {
      const sAcc = px.scale * scales[r]!;
      if (bias) {
        const v = roundEven(biasAt(r) / sAcc);
        bt.set(r, i16 ? v : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, v)));
      }
      if (i16) shift.push(px.f! + fw - py.f!);
      else {
        const m = quantizeMultiplier(sAcc / py.scale);
        mult.push(m.mult);
        shift.push(m.shift);
      }
    }
    return { bt: bias ? bt : null, mult, shift };
  };

  const users = g.usersMap();
  const skip = new Set<Node>();
  for (const n of old) {
    if (skip.has(n)) continue;
    const x = n.inputs[0] ?? null;
    const y = n.outputs[0]!;
    const yp = n.outputs.length >= 1 ? outParams(y) : null;
    let done = false;
    let why = '';
    if (n.op === 'Conv' && canQ(x) && n.inputs[1]?.const && (!n.inputs[2] || n.inputs[2].const) && yp && (x!.type.shape.length === 4 || x!.type.shape.length === 3)) {
      const w = n.inputs[1].const;
      const cout = w.shape[0]!;
      const per = w.size / cout;
      const xq = qOf(x!, `input of ${n.op} '${n.name}'`);
      const px = params.get(xq)!;
      const { t, scales, fw } = quantWeights(w, cout, (i) => Math.floor(i / per), [...w.shape], (i) => i);
      const bias = n.inputs[2]?.const ?? null;
      const { bt, mult, shift } = biasAndRequant(bias, cout, (r) => bias!.get(bias!.size === 1 ? 0 : r), px, yp, scales, fw);
      const wv = b.constant(`${n.inputs[1].name}_q`, t);
      wv.quant = { scale: scales, zeroPoint: scales.map(() => 0), axis: 0 };
      const bv = bt ? b.constant(`${n.name}_bias_q`, bt) : null;
      const attrs: Record<string, ReturnType<typeof attr.int>> = {};
      for (const k of ['kernel_shape', 'strides', 'dilations', 'pads']) attrs[k] = attr.ints(n.ints(k)!);
      attrs.group = attr.int(n.int('group', 1));
      attrs.x_zp = attr.int(px.zp);
      attrs.y_zp = attr.int(yp.zp);
      if (!i16) attrs.mult = attr.ints(mult);
      attrs.shift = attr.ints(shift);
      Object.assign(attrs, clamp(n, yp));
      const nn = b.node('QConv', [xq, wv, bv], { name: n.name, attrs, outputHint: `${y.name}_q` });
      produce(y, nn.outputs[0]!, yp);
      done = true;
    } else if ((n.op === 'Gemm' || n.op === 'MatMul') && canQ(x) && n.inputs[1]?.const && n.inputs[1].type.shape.length === 2 && yp) {
      const ta = n.int('transA', 0), tb = n.int('transB', 0);
      const c = n.inputs[2] ?? null;
      const okGemm = n.op === 'MatMul' || (ta === 0 && n.float('alpha', 1) === 1 && (!c || (c.const && n.float('beta', 1) === 1 && (c.const.size === 1 || c.const.size === y.type.shape[1]))));
      if (okGemm && x!.type.shape.length >= 1) {
        const w = n.inputs[1].const;
        const [r0, r1] = w.shape as [number, number];
        const N = tb ? r0 : r1, K = tb ? r1 : r0;
        const xq = qOf(x!, `input of ${n.op} '${n.name}'`);
        const px = params.get(xq)!;
        // stored as [N, K]
        const rowOf = (i: number) => (tb ? Math.floor(i / r1) : i % r1);
        const order = (i: number) => (tb ? i : (i % r1) * K + Math.floor(i / r1));
        const { t, scales, fw } = quantWeights(w, N, rowOf, [N, K], order);
        // a following Add of a constant [N] vector (MatMul + bias) becomes the bias
        let bias = c?.const ?? null;
        let outV = y, py = yp, actNode: Node = n;
        const us = users.get(y) ?? [];
        const add = us.length === 1 && us[0]!.op === 'Add' && !g.outputs.includes(y) && !bias ? us[0]! : null;
        const other = add ? (add.inputs[0] === y ? add.inputs[1] : add.inputs[0]) : null;
        if (add && other?.const && other.const.size === N && other.type.shape[other.type.shape.length - 1] === N &&
            other.type.shape.length <= y.type.shape.length && !n.attrs.has('act_min')) {
          const pa = outParams(add.outputs[0]!);
          if (pa) {
            bias = other.const;
            outV = add.outputs[0]!;
            py = pa;
            actNode = add;
            skip.add(add);
          }
        }
        const { bt, mult, shift } = biasAndRequant(bias, N, (r) => bias!.get(bias!.size === 1 ? 0 : r), px, py, scales, fw);
        const wv = b.constant(`${n.inputs[1].name}_q`, t);
        wv.quant = { scale: scales, zeroPoint: scales.map(() => 0), axis: 0 };
        const bv = bt ? b.constant(`${n.name}_bias_q`, bt) : null;
        const attrs: Record<string, ReturnType<typeof attr.int>> = { x_zp: attr.int(px.zp), y_zp: attr.int(py.zp), shift: attr.ints(shift), ...clamp(actNode, py) };
        if (!i16) attrs.mult = attr.ints(mult);
        const nn = b.node('QGemm', [xq, wv, bv], { name: n.name, attrs, outputHint: `${outV.name}_q` });
        produce(outV, nn.outputs[0]!, py);
        done = true;
      } else why = `${n.op} '${n.name}' has transposed A, alpha/beta != 1 or a non-vector C`;
    } else if ((n.op === 'Add' || n.op === 'Mul') && canQ(x) && canQ(n.inputs[1] ?? null) && yp) {
      const aq = qOf(x!, `input of ${n.op} '${n.name}'`), bq = qOf(n.inputs[1]!, `input of ${n.op} '${n.name}'`);
      const pa = params.get(aq)!, pb = params.get(bq)!;
      const attrs: Record<string, ReturnType<typeof attr.int>> = { a_zp: attr.int(pa.zp), b_zp: attr.int(pb.zp), y_zp: attr.int(yp.zp), ...clamp(n, yp) };
      if (i16) {
        if (n.op === 'Add') {
          const F = Math.max(pa.f!, pb.f!);
          Object.assign(attrs, { a_mult: attr.int(F - pa.f!), b_mult: attr.int(F - pb.f!), shift: attr.int(F - yp.f!) });
        } else attrs.shift = attr.int(pa.f! + pb.f! - yp.f!);
      } else if (n.op === 'Add') {
        const ra = pa.scale / yp.scale, rb = pb.scale / yp.scale;
        const S = Math.max(1, Math.min(62, 30 - Math.floor(Math.log2(Math.max(ra, rb)))));
        Object.assign(attrs, { a_mult: attr.int(Math.round(ra * 2 ** S)), b_mult: attr.int(Math.round(rb * 2 ** S)), shift: attr.int(S) });
      } else {
        const m = quantizeMultiplier((pa.scale * pb.scale) / yp.scale);
        Object.assign(attrs, { mult: attr.int(m.mult), shift: attr.int(m.shift) });
      }
      const nn = b.node(n.op === 'Add' ? 'QAdd' : 'QMul', [aq, bq], { name: n.name, attrs, outputHint: `${y.name}_q` });
      produce(y, nn.outputs[0]!, yp);
      done = true;
    } else if (POOL_OPS[n.op] && canQ(x) && n.outputs.length === 1 && (x!.type.shape.length === 4 || x!.type.shape.length === 3)) {
      const xq = qOf(x!, `input of ${n.op} '${n.name}'`);
      const px = params.get(xq)!;
      const attrs = new Map(n.attrs);
      attrs.set('x_zp', attr.int(px.zp));
      const nn = b.node(POOL_OPS[n.op]!, [xq], { name: n.name, attrs: Object.fromEntries(attrs), outputHint: `${y.name}_q` });
      produce(y, nn.outputs[0]!, px);
      done = true;
    } else if (VIEW_OPS.has(n.op) && x && qmap.has(x)) {
      const xq = qmap.get(x)!;
      const nn = b.node(n.op, [xq, ...n.inputs.slice(1)], { name: n.name, attrs: Object.fromEntries(n.attrs), outputs: n.outputs.length, outputHint: `${y.name}_q` });
      n.outputs.forEach((o, i) => produce(o, nn.outputs[i]!, params.get(xq)!));
      done = true;
    } else if (n.op === 'Concat' && n.inputs.every((v) => canQ(v)) && yp) {
      const ins = n.inputs.map((v) => qOf(v!, `input of Concat '${n.name}'`));
      const ps = ins.map((v) => params.get(v)!);
      const attrs: Record<string, ReturnType<typeof attr.int>> = { axis: attr.int(n.int('axis', 0)), x_zp: attr.ints(ps.map((p) => p.zp)), y_zp: attr.int(yp.zp) };
      if (i16) attrs.shift = attr.ints(ps.map((p) => p.f! - yp.f!));
      else {
        const ms = ps.map((p) => quantizeMultiplier(p.scale / yp.scale));
        attrs.mult = attr.ints(ms.map((m) => m.mult));
        attrs.shift = attr.ints(ms.map((m) => m.shift));
      }
      const nn = b.node('QConcat', ins, { name: n.name, attrs, outputHint: `${y.name}_q` });
      produce(y, nn.outputs[0]!, yp);
      done = true;
    } else if (LUT_FNS[n.op] && !i16 && canQ(x) && yp && n.outputs.length === 1) {
      const xq = qOf(x!, `input of ${n.op} '${n.name}' (lookup table)`);
      const px = params.get(xq)!;
      const f = LUT_FNS[n.op]!(n);
      const table: number[] = [];
      for (let i = -128; i < 128; i++) {
        const v = f((i - px.zp) * px.scale);
        table.push(Math.max(-128, Math.min(127, roundEven(Math.fround(v) / yp.scale) + yp.zp)));
      }
      const nn = b.node('QLut', [xq], { name: n.name, attrs: { table: attr.ints(table), fn: attr.str(n.op) }, outputHint: `${y.name}_q` });
      produce(y, nn.outputs[0]!, yp);
      done = true;
    } else if (LUT_FNS[n.op] && i16 && canQ(x) && yp && n.outputs.length === 1) {
      // int16: a 513-point table with linear interpolation (step 2^k input levels)
      const xq = qOf(x!, `input of ${n.op} '${n.name}' (interpolated lookup table)`);
      const lut = lut16(LUT_FNS[n.op]!(n), params.get(xq)!.scale, yp.scale, SATURATING.has(n.op));
      const nn = b.node('QLut16', [xq], {
        name: n.name,
        attrs: { table: attr.ints(lut.table), q0: attr.int(lut.q0), k: attr.int(lut.k), fn: attr.str(n.op), max_err: attr.float(lut.maxErr) },
        outputHint: `${y.name}_q`,
      });
      produce(y, nn.outputs[0]!, yp);
      done = true;
    } else if (n.op === 'Softmax' && !i16 && canQ(x) && !g.outputs.includes(y)) {
      // integer softmax: exp table over max - x; output scale 1/256 and zero point -128 (1/127 and 0 symmetric)
      const xq = qOf(x!, `input of Softmax '${n.name}'`);
      const px = params.get(xq)!;
      const table: number[] = [];
      for (let d = 0; d < 256; d++) table.push(Math.round(Math.exp(-d * px.scale) * 65536));
      const [ymul, yzp] = q.symmetricActivations ? [127, 0] : [256, -128];
      const nn = b.node('QSoftmax', [xq], { name: n.name, attrs: { axis: attr.int(n.int('axis', -1)), exp_table: attr.ints(table), y_mul: attr.int(ymul), y_zp: attr.int(yzp) }, outputHint: `${y.name}_q` });
      produce(y, nn.outputs[0]!, { scale: Math.fround(1 / ymul), zp: yzp });
      done = true;
    } else if ((n.op === 'Relu' || (n.op === 'Clip' && n.inputs.slice(1).every((v) => !v || v.const))) && x && qmap.has(x)) {
      const xq = qmap.get(x)!;
      const px = params.get(xq)!;
      const lo = n.op === 'Relu' ? 0 : n.inputs[1]?.const?.get(0) ?? -Infinity;
      const hi = n.op === 'Relu' ? Infinity : n.inputs[2]?.const?.get(0) ?? Infinity;
      const [qlo, qhi] = clampBounds(lo, hi, px.scale, px.zp, dt);
      const nn = b.node('QClamp', [xq], { name: n.name, attrs: { act_min: attr.int(qlo), act_max: attr.int(qhi) }, outputHint: `${y.name}_q` });
      produce(y, nn.outputs[0]!, px);
      done = true;
    }
    if (done) continue;
    // stays float
    if (!why) {
      if (['Conv', 'Gemm', 'MatMul', 'Add', 'Mul', 'Concat', ...Object.keys(POOL_OPS)].includes(n.op)) {
        why = `${n.op} '${n.name}' cannot be quantized here (non-constant weights, missing calibration range or unsupported attributes)`;
      } else if (n.op === 'Softmax' && !i16 && g.outputs.includes(y)) {
        why = `Softmax '${n.name}' produces a graph output: float keeps its resolution (int8 probabilities have steps of 1/256)`;
      } else if (n.op === 'Softmax' && i16) why = `Softmax '${n.name}' has no int16 kernel (int8 has an integer one); it runs in float`;
      else why = `${n.op} '${n.name}' has no integer kernel; it runs in float`;
    }
    const hadQ = n.inputs.some((v) => v && replaced.has(v));
    n.inputs = n.inputs.map((v) => (v ? fOf(v, why) : v));
    g.nodes.push(n);
    if (hadQ) notes.push(`float island: ${why}`);
  }
  g.outputs = g.outputs.map((v) => (replaced.has(v) ? fOf(v, 'graph output is float') : v));
  for (const v of g.inputs) if (qmap.has(v)) notes.push(`graph input '${v.name}' is quantized by a QuantizeLinear at the start`);
  g.meta.quantNotes = notes;
  g.meta.quantized = dt;
  for (const m of notes) log(`dnnc: quantize: ${m}`);
  void numel;
}

export default registerPass({
  name: 'quantize',
  description: 'post-training quantization to int8/int16 from calibrated ranges (no-op without --quantize)',
  run(g, ctx) {
    const q = ctx.options.quantize as QuantizeOptions | undefined;
    if (!q) return;
    quantizeGraph(g, q);
  },
});
