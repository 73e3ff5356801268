// Data-movement and shape operators. Reshape-like ops are views (no copy).
import type { Node } from '../graph.js';
import { Tensor } from '../tensor.js';
import { type DType, type TensorType, numel, stridesOf, isDType, dtypeSize } from '../types.js';
import { registerOp, inType, normAxis, requireConstInts, broadcastShapes, constInput } from './registry.js';
import { broadcastMap, forEachIndex, copyElem } from './util.js';
import { nodeError } from '../errors.js';
import type { GradFn } from '../grad.js';

/** Views and copies that only change the shape: the gradient is dy in the input's shape. */
const reshapeGrad: GradFn = (g, n, [dy]) => [g.reshape(dy!, n.inputs[0]!.type.shape), ...n.inputs.slice(1).map(() => null)];

function viewEval(n: Node, x: Tensor | null | undefined): Tensor[] | null {
  return x ? [x.reshape(n.outputs[0]!.type.shape)] : null;
}

/** Reshape's target shape with 0 (copy) and -1 (infer) resolved. */
export function reshapeTarget(n: Node, inShape: readonly number[], spec: number[], allowzero: boolean): number[] {
  const out = spec.map((d, i) => (d === 0 && !allowzero ? (inShape[i] ?? nodeErr(n, `shape[${i}]=0 has no input dim to copy`)) : d));
  const neg = out.filter((d) => d === -1).length;
  if (neg > 1 || out.some((d) => d < -1)) throw nodeError(n, `invalid target shape [${spec.join(',')}]`);
  const total = numel(inShape);
  if (neg === 1) {
    const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (known === 0 || total % known !== 0) throw nodeError(n, `cannot reshape [${inShape.join(',')}] to [${spec.join(',')}]`);
    out[out.indexOf(-1)] = total / known;
  }
  if (numel(out) !== total) throw nodeError(n, `cannot reshape [${inShape.join(',')}] (${total} elements) to [${out.join(',')}]`);
  return out;
}

function nodeErr(n: Node, msg: string): never {
  throw nodeError(n, msg);
}

registerOp({
  op: 'Reshape',
  view: true,
  grad: reshapeGrad,
  infer: (n) => {
    const x = inType(n, 0);
    const spec = requireConstInts(n, 1, 'the target shape');
    return [{ dtype: x.dtype, shape: reshapeTarget(n, x.shape, spec, n.int('allowzero', 0) === 1) }];
  },
  evaluate: (n, [x]) => viewEval(n, x),
});

registerOp({
  op: 'Flatten',
  view: true,
  grad: reshapeGrad,
  infer: (n) => {
    const x = inType(n, 0);
    const r = x.shape.length;
    let axis = n.int('axis', 1);
    if (axis < 0) axis += r;
    if (axis < 0 || axis > r) throw nodeError(n, `axis out of range`);
    n.setInt('axis', axis);
    return [{ dtype: x.dtype, shape: [numel(x.shape.slice(0, axis)), numel(x.shape.slice(axis))] }];
  },
  evaluate: (n, [x]) => viewEval(n, x),
});

registerOp({
  op: 'Identity',
  view: true,
  grad: reshapeGrad,
  infer: (n) => [inType(n, 0)],
  evaluate: (_n, [x]) => (x ? [x] : null),
});

function axesInput(n: Node, i: number): number[] | undefined {
  const v = n.input(i);
  if (!v) return undefined;
  return requireConstInts(n, i, 'axes');
}

registerOp({
  op: 'Squeeze',
  view: true,
  grad: reshapeGrad,
  infer: (n) => {
    const x = inType(n, 0);
    const axes = axesInput(n, 1);
    const r = x.shape.length;
    const drop = new Set(axes ? axes.map((a) => normAxis(n, a, r)) : x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0));
    for (const a of drop) if (x.shape[a] !== 1) throw nodeError(n, `cannot squeeze axis ${a} of size ${x.shape[a]}`);
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !drop.has(i)) }];
  },
  evaluate: (n, [x]) => viewEval(n, x),
});

registerOp({
  op: 'Unsqueeze',
  view: true,
  grad: reshapeGrad,
  infer: (n) => {
    const x = inType(n, 0);
    const axes = axesInput(n, 1);
    if (!axes) throw nodeError(n, `axes are required`);
    const r = x.shape.length + axes.length;
    const set = new Set(axes.map((a) => normAxis(n, a, r)));
    if (set.size !== axes.length) throw nodeError(n, `repeated axes`);
    const out: number[] = [];
    let j = 0;
    for (let i = 0; i < r; i++) out.push(set.has(i) ? 1 : x.shape[j++]!);
    return [{ dtype: x.dtype, shape: out }];
  },
  evaluate: (n, [x]) => viewEval(n, x),
});

registerOp({
  op: 'Shape',
  foldWithoutData: true,
  infer: (n) => {
    const r = inType(n, 0).shape.length;
    const { start, end } = shapeRange(n, r);
    return [{ dtype: 'int64', shape: [Math.max(0, end - start)] }];
  },
  evaluate: (n) => {
    const s = inType(n, 0).shape;
    const { start, end } = shapeRange(n, s.length);
    return [Tensor.fromNumbers('int64', [Math.max(0, end - start)], s.slice(start, end))];
  },
});

function shapeRange(n: Node, r: number) {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  return { start: clamp(n.int('start', 0)), end: clamp(n.int('end', r)) };
}

registerOp({
  op: 'Size',
  foldWithoutData: true,
  infer: () => [{ dtype: 'int64', shape: [] }],
  evaluate: (n) => [Tensor.scalar('int64', numel(inType(n, 0).shape))],
});

export function castTarget(n: Node): DType {
  const to = n.str('to');
  if (!to || !isDType(to)) throw nodeError(n, `cast target '${to}' is not supported`);
  return to;
}

registerOp({
  op: 'Cast',
  infer: (n) => [{ dtype: castTarget(n), shape: inType(n, 0).shape }],
  // between float types: the gradient cast back; from or to integers: none
  grad: (g, n, [dy]) => {
    const from = n.inputs[0]!.type.dtype;
    if (from === dy!.type.dtype) return [dy!];
    return [from.startsWith('float') && dy!.type.dtype.startsWith('float') ? g.op('Cast', [dy!], { to: from }) : null];
  },
  evaluate: (n, [x]) => {
    const to = castTarget(n);
    if (x!.dtype === 'int64' && (to === 'int64' || to === 'uint64')) return [new Tensor(to, x!.shape, x!.dtype === to ? x!.data : BigUint64Array.from(x!.data as BigInt64Array, (v) => BigInt.asUintN(64, v)))];
    return [broadcastMap(n, [x!], to, (v) => (to === 'bool' ? (v ? 1 : 0) : v))];
  },
});

registerOp({
  op: 'Transpose',
  infer: (n) => {
    const x = inType(n, 0);
    const r = x.shape.length;
    const perm = n.ints('perm') ?? [...Array(r).keys()].reverse();
    if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => p < 0 || p >= r)) throw nodeError(n, `invalid perm [${perm.join(',')}]`);
    n.setInts('perm', perm);
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]!) }];
  },
  grad: (g, n, [dy]) => {
    const perm = n.ints('perm')!;
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [g.op('Transpose', [dy!], { perm: inv })];
  },
  evaluate: (n, [x]) => {
    const perm = n.ints('perm')!;
    const out = new Tensor(x!.dtype, n.outputs[0]!.type.shape);
    const st = stridesOf(x!.shape);
    forEachIndex(out.shape, (idx, flat) => {
      let off = 0;
      for (let d = 0; d < idx.length; d++) off += idx[d]! * st[perm[d]!]!;
      copyElem(out, flat, x!, off);
    });
    return [out];
  },
});

registerOp({
  op: 'Concat',
  infer: (n) => {
    if (n.inputs.length === 0) throw nodeError(n, `needs at least one input`);
    const ts = n.inputs.map((_, i) => inType(n, i));
    const r = ts[0]!.shape.length;
    const axis = normAxis(n, n.int('axis', 0), r);
    n.setInt('axis', axis);
    const out = [...ts[0]!.shape];
    out[axis] = 0;
    for (const t of ts) {
      if (t.shape.length !== r || t.dtype !== ts[0]!.dtype) throw nodeError(n, `inputs differ in rank or type`);
      for (let d = 0; d < r; d++) if (d !== axis && t.shape[d] !== out[d]) throw nodeError(n, `inputs differ in dim ${d}`);
      out[axis]! += t.shape[axis]!;
    }
    return [{ dtype: ts[0]!.dtype, shape: out }];
  },
  grad: (g, n, [dy]) => {
    const axis = n.int('axis', 0);
    let at = 0;
    return n.inputs.map((x) => {
      const len = x!.type.shape[axis]!;
      const r = g.op('Slice', [dy!, g.ints([at]), g.ints([at + len]), g.ints([axis])]);
      at += len;
      return r;
    });
  },
  evaluate: (n, xs) => {
    const axis = n.int('axis', 0);
    const out = new Tensor(xs[0]!.dtype, n.outputs[0]!.type.shape);
    const outer = numel(out.shape.slice(0, axis));
    const inner = numel(out.shape.slice(axis + 1));
    let k = 0;
    for (let o = 0; o < outer; o++) {
      for (const x of xs) {
        const len = x!.shape[axis]! * inner;
        for (let i = 0; i < len; i++) copyElem(out, k++, x!, o * len + i);
      }
    }
    return [out];
  },
});

registerOp({
  op: 'Split',
  // dx: the outputs' gradients side by side (zeros for outputs that do not reach the loss)
  grad: (g, n, dys) => {
    const axis = n.int('axis', 0);
    const parts = n.outputs.map((o, i) => dys[i] ?? g.expandTo(g.scalar(0, o.type.dtype), o.type.shape));
    return [parts.length === 1 ? parts[0]! : g.op('Concat', parts, { axis }), ...n.inputs.slice(1).map(() => null)];
  },
  infer: (n) => {
    const x = inType(n, 0);
    const axis = normAxis(n, n.int('axis', 0), x.shape.length);
    n.setInt('axis', axis);
    const dim = x.shape[axis]!;
    let sizes: number[];
    if (n.input(1)) sizes = requireConstInts(n, 1, 'split sizes');
    else {
      const k = n.int('num_outputs') ?? n.outputs.length;
      const chunk = Math.ceil(dim / k);
      sizes = Array.from({ length: k }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
    }
    if (sizes.length !== n.outputs.length || sizes.reduce((a, b) => a + b, 0) !== dim) {
      throw nodeError(n, `split sizes [${sizes.join(',')}] do not fit dim ${dim} into ${n.outputs.length} outputs`);
    }
    n.setInts('split_sizes', sizes);
    return sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === axis ? s : d)) }));
  },
  // with every dim before the axis equal to 1, each output is one contiguous run of the input
  sliceViews: (n) => {
    const x = inType(n, 0);
    const axis = n.int('axis', 0);
    const sizes = n.ints('split_sizes') ?? [];
    if (numel(x.shape.slice(0, axis)) !== 1 || sizes.length !== n.outputs.length) return n.outputs.map(() => null);
    const inner = numel(x.shape.slice(axis + 1)) * dtypeSize(x.dtype);
    let at = 0;
    return sizes.map((s) => { const off = at; at += s * inner; return off; });
  },
});

/** Normalised Slice parameters per axis of the input. */
export interface SliceSpec { starts: number[]; steps: number[]; outShape: number[] }

export function sliceSpec(n: Node, shape: readonly number[]): SliceSpec {
  const starts0 = requireConstInts(n, 1, 'starts');
  const ends0 = requireConstInts(n, 2, 'ends');
  const r = shape.length;
  const axes = n.input(3) ? requireConstInts(n, 3, 'axes') : starts0.map((_, i) => i);
  const steps0 = n.input(4) ? requireConstInts(n, 4, 'steps') : starts0.map(() => 1);
  if (ends0.length !== starts0.length || axes.length !== starts0.length || steps0.length !== starts0.length) {
    throw nodeError(n, `starts, ends, axes and steps differ in length`);
  }
  const starts = new Array(r).fill(0), steps = new Array(r).fill(1), outShape = [...shape];
  const seen = new Set<number>();
  axes.forEach((a0, i) => {
    const a = normAxis(n, a0, r);
    if (seen.has(a)) throw nodeError(n, `axis ${a} repeated`);
    seen.add(a);
    const d = shape[a]!;
    const step = steps0[i]!;
    if (step === 0) throw nodeError(n, `step 0`);
    let s = starts0[i]!, e = ends0[i]!;
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
      outShape[a] = Math.max(0, Math.ceil((e - s) / step));
    } else {
      // ONNX: starts clamp to [0, d-1], ends to [-1, d-1] for negative steps
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
      outShape[a] = Math.max(0, Math.ceil((e - s) / step));
    }
    starts[a] = s;
    steps[a] = step;
  });
  return { starts, steps, outShape };
}

registerOp({
  op: 'Slice',
  infer: (n) => {
    const x = inType(n, 0);
    return [{ dtype: x.dtype, shape: sliceSpec(n, x.shape).outShape }];
  },
  evaluate: (n, [x]) => {
    const { starts, steps, outShape } = sliceSpec(n, x!.shape);
    const out = new Tensor(x!.dtype, outShape);
    const st = stridesOf(x!.shape);
    forEachIndex(outShape, (idx, flat) => {
      let off = 0;
      for (let d = 0; d < idx.length; d++) off += (starts[d]! + idx[d]! * steps[d]!) * st[d]!;
      copyElem(out, flat, x!, off);
    });
    return [out];
  },
  sliceViews: (n) => [sliceViewOffset(n)],
  // dx: dy padded with zeros back to the input's shape (unit steps)
  grad: (g, n, [dy]) => {
    const xs = n.inputs[0]!.type.shape;
    const { starts, steps, outShape } = sliceSpec(n, xs);
    if (steps.some((s, i) => s !== 1 && outShape[i]! > 1)) g.fail(n, 'Slice with steps other than 1');
    const pads = [...starts, ...xs.map((d, i) => d - starts[i]! - outShape[i]!)];
    return [g.op('Pad', [dy!, g.ints(pads)], { mode: 'constant' }), ...n.inputs.slice(1).map(() => null)];
  },
});

/** Byte offset of a Slice whose result is one contiguous run of its input, else null. */
export function sliceViewOffset(n: Node): number | null {
  const x = inType(n, 0);
  const { starts, steps, outShape } = sliceSpec(n, x.shape);
  if (numel(outShape) === 0) return null;
  let k = -1; // last axis that is not taken whole
  outShape.forEach((d, i) => { if (d !== x.shape[i]) k = i; });
  for (let i = 0; i < k; i++) if (outShape[i] !== 1) return null;
  // a negative step over a whole axis keeps the shape but reverses it
  for (let i = 0; i < outShape.length; i++) if (outShape[i]! > 1 && steps[i] !== 1) return null;
  const st = stridesOf(x.shape);
  return starts.reduce((a, s, i) => a + s * st[i]!, 0) * dtypeSize(x.dtype);
}

registerOp({
  op: 'Gather',
  infer: (n) => {
    const x = inType(n, 0), idx = inType(n, 1);
    const axis = normAxis(n, n.int('axis', 0), x.shape.length);
    n.setInt('axis', axis);
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)] }];
  },
  // dx: dy rows added into zeros at the gathered indices (repeated indices accumulate)
  grad: (g, n, [dy]) => [g.op('GatherGrad', [dy!, n.inputs[1]!], { axis: n.int('axis', 0), shape: [...n.inputs[0]!.type.shape] }), null],
  evaluate: (n, [x, ind]) => {
    const axis = n.int('axis', 0);
    const out = new Tensor(x!.dtype, n.outputs[0]!.type.shape);
    const outer = numel(x!.shape.slice(0, axis)), inner = numel(x!.shape.slice(axis + 1));
    const dim = x!.shape[axis]!;
    let k = 0;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < ind!.size; j++) {
        let i = ind!.get(j);
        if (i < 0) i += dim;
        if (i < 0 || i >= dim) throw nodeError(n, `index ${ind!.get(j)} out of range for dim ${dim}`);
        for (let q = 0; q < inner; q++) copyElem(out, k++, x!, (o * dim + i) * inner + q);
      }
    }
    return [out];
  },
});

registerOp({
  op: 'ConstantOfShape',
  infer: (n) => {
    const shape = requireConstInts(n, 0, 'the shape');
    const v = n.tensorAttr('value');
    return [{ dtype: v?.dtype ?? 'float32', shape }];
  },
  evaluate: (n) => {
    const t = n.outputs[0]!.type;
    const v = n.tensorAttr('value');
    const out = new Tensor(t.dtype, t.shape);
    if (v) for (let i = 0; i < out.size; i++) copyElem(out, i, v, 0);
    return [out];
  },
});

registerOp({
  op: 'Range',
  infer: (n) => {
    const [s, l, d] = [0, 1, 2].map((i) => requireConstInts(n, i, ['start', 'limit', 'delta'][i]!)[0]!);
    if (d === 0) throw nodeError(n, `delta is 0`);
    return [{ dtype: inType(n, 0).dtype, shape: [Math.max(0, Math.ceil((l! - s!) / d!))] }];
  },
  evaluate: (n, [s, , d]) => {
    const t = n.outputs[0]!.type;
    const out = new Tensor(t.dtype, t.shape);
    for (let i = 0; i < out.size; i++) out.set(i, s!.get(0) + i * d!.get(0));
    return [out];
  },
});

registerOp({
  op: 'Expand',
  infer: (n) => {
    const x = inType(n, 0);
    const shape = requireConstInts(n, 1, 'the shape');
    return [{ dtype: x.dtype, shape: broadcastShapes(n, [x.shape, shape]) }];
  },
  grad: (g, n, [dy]) => [g.sumTo(dy!, n.inputs[0]!.type.shape), null],
  evaluate: (n, [x]) => {
    const shape = n.outputs[0]!.type.shape;
    const zeros = new Tensor(x!.dtype, shape);
    return [broadcastMap(n, [x!, zeros], x!.dtype, (a) => a)];
  },
});

registerOp({
  op: 'Tile',
  infer: (n) => {
    const x = inType(n, 0);
    const reps = requireConstInts(n, 1, 'repeats');
    if (reps.length !== x.shape.length || reps.some((r) => r < 0)) throw nodeError(n, `repeats must have ${x.shape.length} non-negative entries`);
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => d * reps[i]!) }];
  },
});

registerOp({
  op: 'Pad',
  infer: (n) => {
    const x = inType(n, 0);
    const r = x.shape.length;
    const pads0 = requireConstInts(n, 1, 'pads');
    const axes = n.input(3) ? requireConstInts(n, 3, 'axes').map((a) => normAxis(n, a, r)) : [...Array(r).keys()];
    if (pads0.length !== 2 * axes.length) throw nodeError(n, `pads must have ${2 * axes.length} entries`);
    const pads = new Array(2 * r).fill(0);
    axes.forEach((a, i) => {
      pads[a] = pads0[i]!;
      pads[a + r] = pads0[i + axes.length]!;
    });
    const mode = n.str('mode', 'constant');
    if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) throw nodeError(n, `mode '${mode}' is not supported`);
    n.setInts('pads_all', pads);
    const shape = x.shape.map((d, i) => d + pads[i]! + pads[i + r]!);
    if (shape.some((d) => d < 0)) throw nodeError(n, `negative output size`);
    return [{ dtype: x.dtype, shape }];
  },
});

// Reductions: axes from the attribute (old opsets) or the input (new ones).
export function reduceAxes(n: Node, rank: number): number[] {
  let axes: number[] | undefined = n.ints('axes');
  const v = n.input(1);
  if (v) axes = requireConstInts(n, 1, 'axes');
  if (!axes || axes.length === 0) {
    return n.int('noop_with_empty_axes', 0) ? [] : [...Array(rank).keys()];
  }
  return [...new Set(axes.map((a) => normAxis(n, a, rank)))].sort((a, b) => a - b);
}

export const REDUCE_OPS = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2',
  'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'];

for (const op of REDUCE_OPS) {
  registerOp({
    op,
    infer: (n) => {
      const x = inType(n, 0);
      const axes = reduceAxes(n, x.shape.length);
      const keep = n.int('keepdims', 1);
      const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
      return [{ dtype: x.dtype, shape }];
    },
    evaluate: (n, [x]) => (x ? [reduceEval(n, x)] : null),
    ...(op === 'ReduceSum' || op === 'ReduceMean' ? {
      grad: ((g, n, [dy]) => {
        const xs = n.inputs[0]!.type.shape;
        const axes = reduceAxes(n, xs.length);
        const kept = g.reshape(dy!, xs.map((d, i) => (axes.includes(i) ? 1 : d)));
        const count = axes.reduce((a, d) => a * xs[d]!, 1);
        const d = op === 'ReduceMean' ? g.op('Mul', [kept, g.scalar(1 / Math.max(1, count))]) : kept;
        return [g.expandTo(d, xs), ...n.inputs.slice(1).map(() => null)];
      }) as GradFn,
    } : {}),
  });
}

/** Reference reductions on constants (shape arithmetic such as ReduceProd of a Shape). */
function reduceEval(n: Node, x: Tensor): Tensor {
  const axes = reduceAxes(n, x.shape.length);
  const t = n.outputs[0]!.type;
  const out = new Tensor(t.dtype, t.shape);
  if (axes.length === 0 && n.int('noop_with_empty_axes', 0)) {
    for (let i = 0; i < x.size; i++) copyElem(out, i, x, i);
    return out;
  }
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const keptShape = kept.map((d) => x.shape[d]!);
  const st = stridesOf(keptShape);
  const groups: number[][] = Array.from({ length: numel(keptShape) }, () => []);
  forEachIndex(x.shape, (idx, flat) => {
    let o = 0;
    kept.forEach((d, j) => (o += idx[d]! * st[j]!));
    groups[o]!.push(x.get(flat));
  });
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  groups.forEach((v, i) => {
    let r: number;
    switch (n.op) {
      case 'ReduceSum': r = sum(v); break;
      case 'ReduceMean': r = sum(v) / v.length; break;
      case 'ReduceMax': r = v.reduce((a, b) => (Number.isNaN(a) || a > b ? a : b), -Infinity); break;
      case 'ReduceMin': r = v.reduce((a, b) => (Number.isNaN(a) || a < b ? a : b), Infinity); break;
      case 'ReduceProd': r = v.reduce((a, b) => a * b, 1); break;
      case 'ReduceL1': r = sum(v.map(Math.abs)); break;
      case 'ReduceL2': r = Math.sqrt(sum(v.map((a) => a * a))); break;
      case 'ReduceLogSum': r = Math.log(sum(v)); break;
      case 'ReduceLogSumExp': { const m = Math.max(...v); r = Number.isFinite(m) ? m + Math.log(sum(v.map((a) => Math.exp(a - m)))) : m; break; }
      default: r = sum(v.map((a) => a * a));
    }
    out.set(i, t.dtype === 'float32' ? Math.fround(r) : r);
  });
  return out;
}

for (const op of ['ArgMax', 'ArgMin']) {
  registerOp({
    op,
    infer: (n) => {
      const x = inType(n, 0);
      const axis = normAxis(n, n.int('axis', 0), x.shape.length);
      n.setInt('axis', axis);
      const keep = n.int('keepdims', 1);
      const shape = keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
      return [{ dtype: 'int64', shape } as TensorType];
    },
  });
}

export { constInput };
