// Indexing, scatter/gather, triangular/one-hot/eye, scan-like and
// rearranging operators, plus the inference-time losses. Shape rules here;
// kernels in compiler/codegen/kernels/indexing.ts and loss.ts.
import type { Node } from '../graph.js';
import { Tensor } from '../tensor.js';
import { type DType, type TensorType, isDType, numel, isIntegerType } from '../types.js';
import { registerOp, inType, normAxis, requireConstInts } from './registry.js';
import { nodeError } from '../errors.js';

function sameShape(n: Node, a: TensorType, b: TensorType, what: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw nodeError(n, `${what}: shapes [${a.shape.join(',')}] and [${b.shape.join(',')}] differ`);
  }
}

function requireIndex(n: Node, i: number, what: string): TensorType {
  const t = inType(n, i);
  if (t.dtype !== 'int64' && t.dtype !== 'int32') throw nodeError(n, `${what} must be int32 or int64, got ${t.dtype}`);
  return t;
}

registerOp({
  op: 'GatherElements',
  infer: (n) => {
    const x = inType(n, 0), idx = requireIndex(n, 1, 'indices');
    if (idx.shape.length !== x.shape.length) throw nodeError(n, `indices rank ${idx.shape.length} differs from data rank ${x.shape.length}`);
    n.setInt('axis', normAxis(n, n.int('axis', 0), x.shape.length));
    return [{ dtype: x.dtype, shape: idx.shape }];
  },
});

const REDUCTIONS = ['none', 'add', 'mul', 'max', 'min'];

registerOp({
  op: 'ScatterElements',
  infer: (n) => {
    const x = inType(n, 0), idx = requireIndex(n, 1, 'indices'), u = inType(n, 2);
    sameShape(n, idx, u, 'indices and updates');
    if (idx.shape.length !== x.shape.length) throw nodeError(n, `indices rank ${idx.shape.length} differs from data rank ${x.shape.length}`);
    if (u.dtype !== x.dtype) throw nodeError(n, `updates type ${u.dtype} differs from data type ${x.dtype}`);
    if (!REDUCTIONS.includes(n.str('reduction', 'none'))) throw nodeError(n, `reduction '${n.str('reduction', 'none')}' is not supported`);
    n.setInt('axis', normAxis(n, n.int('axis', 0), x.shape.length));
    return [x];
  },
});

registerOp({
  op: 'GatherND',
  infer: (n) => {
    const x = inType(n, 0), idx = requireIndex(n, 1, 'indices');
    const b = n.int('batch_dims', 0);
    const k = idx.shape[idx.shape.length - 1]!;
    if (idx.shape.length < 1 || k === undefined || b + k > x.shape.length) throw nodeError(n, `indices of shape [${idx.shape.join(',')}] do not fit data of rank ${x.shape.length}`);
    for (let i = 0; i < b; i++) if (idx.shape[i] !== x.shape[i]) throw nodeError(n, `batch dim ${i} differs`);
    return [{ dtype: x.dtype, shape: [...idx.shape.slice(0, -1), ...x.shape.slice(b + k)] }];
  },
});

registerOp({
  op: 'ScatterND',
  infer: (n) => {
    const x = inType(n, 0), idx = requireIndex(n, 1, 'indices'), u = inType(n, 2);
    const k = idx.shape[idx.shape.length - 1]!;
    if (idx.shape.length < 1 || k > x.shape.length) throw nodeError(n, `indices of shape [${idx.shape.join(',')}] do not fit data of rank ${x.shape.length}`);
    const want = [...idx.shape.slice(0, -1), ...x.shape.slice(k)];
    sameShape(n, u, { dtype: u.dtype, shape: want }, 'updates and indices/data');
    if (!REDUCTIONS.includes(n.str('reduction', 'none'))) throw nodeError(n, `reduction '${n.str('reduction', 'none')}' is not supported`);
    return [x];
  },
});

registerOp({
  op: 'OneHot',
  infer: (n) => {
    const idx = inType(n, 0);
    const depth = requireConstInts(n, 1, 'depth')[0]!;
    const vals = inType(n, 2);
    if (numel(vals.shape) !== 2) throw nodeError(n, `values must hold 2 elements`);
    const d = Math.trunc(depth);
    if (!(d >= 0)) throw nodeError(n, `depth ${depth} is negative`);
    const r = idx.shape.length + 1;
    const axis = normAxis(n, n.int('axis', -1), r);
    n.setInt('axis', axis);
    n.setInt('depth_value', d);
    const shape = [...idx.shape.slice(0, axis), d, ...idx.shape.slice(axis)];
    return [{ dtype: vals.dtype, shape }];
  },
});

registerOp({
  op: 'Trilu',
  infer: (n) => {
    const x = inType(n, 0);
    if (x.shape.length < 2) throw nodeError(n, `input must have rank >= 2`);
    n.setInt('k_value', n.input(1) ? requireConstInts(n, 1, 'k')[0]! : 0);
    return [x];
  },
});

registerOp({
  op: 'EyeLike',
  infer: (n) => {
    const x = inType(n, 0);
    if (x.shape.length !== 2) throw nodeError(n, `input must be 2-D`);
    const dt = n.str('dtype_name') ?? x.dtype;
    if (!isDType(dt)) throw nodeError(n, `dtype '${dt}' is not supported`);
    return [{ dtype: dt, shape: x.shape }];
  },
  evaluate: (n) => {
    const t = n.outputs[0]!.type;
    const out = new Tensor(t.dtype, t.shape);
    const k = n.int('k', 0);
    const [r, c] = t.shape as [number, number];
    for (let i = 0; i < r; i++) if (i + k >= 0 && i + k < c) out.set(i * c + i + k, 1);
    return [out];
  },
  foldWithoutData: true,
});

registerOp({
  op: 'CumSum',
  infer: (n) => {
    const x = inType(n, 0);
    const axis = normAxis(n, requireConstInts(n, 1, 'axis')[0]!, x.shape.length);
    n.setInt('axis_value', axis);
    return [x];
  },
});

registerOp({
  op: 'TopK',
  infer: (n) => {
    const x = inType(n, 0);
    const k = requireConstInts(n, 1, 'k')[0]!;
    const axis = normAxis(n, n.int('axis', -1), x.shape.length);
    n.setInt('axis', axis);
    if (k < 0 || k > x.shape[axis]!) throw nodeError(n, `k = ${k} is out of range for axis size ${x.shape[axis]}`);
    n.setInt('k_value', k);
    const shape = x.shape.map((d, i) => (i === axis ? k : d));
    return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }];
  },
});

registerOp({
  op: 'ReverseSequence',
  infer: (n) => {
    const x = inType(n, 0), l = inType(n, 1);
    const b = n.int('batch_axis', 1), t = n.int('time_axis', 0);
    if (x.shape.length < 2 || (b !== 0 && b !== 1) || (t !== 0 && t !== 1) || b === t) throw nodeError(n, `batch_axis and time_axis must be 0 and 1`);
    if (l.shape.length !== 1 || l.shape[0] !== x.shape[b]) throw nodeError(n, `sequence_lens must have shape [${x.shape[b]}]`);
    return [x];
  },
});

for (const op of ['DepthToSpace', 'SpaceToDepth']) {
  registerOp({
    op,
    infer: (n) => {
      const x = inType(n, 0);
      const b = n.int('blocksize');
      if (x.shape.length !== 4 || !b || b < 1) throw nodeError(n, `needs a 4-D input and blocksize >= 1`);
      const [N, C, H, W] = x.shape as [number, number, number, number];
      if (op === 'DepthToSpace') {
        if (C % (b * b)) throw nodeError(n, `channels ${C} not divisible by blocksize^2`);
        const mode = n.str('mode', 'DCR');
        if (mode !== 'DCR' && mode !== 'CRD') throw nodeError(n, `mode '${mode}' is not supported`);
        return [{ dtype: x.dtype, shape: [N, C / (b * b), H * b, W * b] }];
      }
      if (H % b || W % b) throw nodeError(n, `spatial dims not divisible by blocksize`);
      return [{ dtype: x.dtype, shape: [N, C * b * b, H / b, W / b] }];
    },
  });
}

registerOp({
  op: 'Det',
  infer: (n) => {
    const x = inType(n, 0);
    const r = x.shape.length;
    if (r < 2 || x.shape[r - 1] !== x.shape[r - 2]) throw nodeError(n, `input must be [..., M, M]`);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') throw nodeError(n, `Det on ${x.dtype} is not supported`);
    return [{ dtype: x.dtype, shape: x.shape.slice(0, -2) }];
  },
});

// Window functions: size is a compile-time constant, the result is folded.
const WINDOWS: Record<string, (i: number, N: number) => number> = {
  HannWindow: (i, N) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N),
  HammingWindow: (i, N) => 25 / 46 - (21 / 46) * Math.cos((2 * Math.PI * i) / N),
  BlackmanWindow: (i, N) => 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / N) + 0.08 * Math.cos((4 * Math.PI * i) / N),
};
for (const [op, w] of Object.entries(WINDOWS)) {
  registerOp({
    op,
    infer: (n) => {
      const size = requireConstInts(n, 0, 'size')[0]!;
      const dt = n.str('dtype_name', 'float32');
      if (!isDType(dt)) throw nodeError(n, `output_datatype '${dt}' is not supported`);
      if (size < 0) throw nodeError(n, `size ${size} is negative`);
      return [{ dtype: dt as DType, shape: [size] }];
    },
    evaluate: (n) => {
      const t = n.outputs[0]!.type;
      const size = t.shape[0]!;
      const N = n.int('periodic', 1) ? size : size - 1;
      const out = new Tensor(t.dtype, t.shape);
      for (let i = 0; i < size; i++) {
        const v = w(i, N);
        out.set(i, t.dtype === 'float32' ? Math.fround(v) : isIntegerType(t.dtype) ? Math.trunc(v) : v);
      }
      return [out];
    },
  });
}

// Einsum: a single general loop nest (see the kernel); here the equation is parsed.
export interface EinsumSpec { inputs: string[]; output: string; letters: string[]; sizes: number[] }

export function einsumSpec(n: Node): EinsumSpec {
  const eq = (n.str('equation') ?? '').replace(/\s+/g, '');
  const [lhs, rhs0] = eq.split('->') as [string, string | undefined];
  const ins = lhs.split(',');
  if (ins.length !== n.inputs.length) throw nodeError(n, `equation '${eq}' names ${ins.length} operands, the node has ${n.inputs.length}`);
  const types = ins.map((_, i) => inType(n, i));
  // expand '...' into fresh upper-case-free letters (digits are never used by users)
  const ellRank = Math.max(0, ...ins.map((s, i) => (s.includes('...') ? types[i]!.shape.length - (s.length - 3) : 0)));
  const ell = Array.from({ length: ellRank }, (_, i) => String.fromCharCode(0x3b1 + i)); // greek letters
  const expand = (s: string, rank: number) => (s.includes('...') ? s.replace('...', ell.slice(ellRank - (rank - (s.length - 3))).join('')) : s);
  const terms = ins.map((s, i) => expand(s, types[i]!.shape.length));
  const sizes = new Map<string, number>();
  terms.forEach((t, i) => {
    const shape = types[i]!.shape;
    if ([...t].length !== shape.length) throw nodeError(n, `operand ${i} has rank ${shape.length}, equation term '${ins[i]}' does not match`);
    [...t].forEach((c, d) => {
      const s = shape[d]!;
      const prev = sizes.get(c);
      if (prev === undefined || prev === 1) sizes.set(c, s);
      else if (s !== prev && s !== 1) throw nodeError(n, `index '${c}' has sizes ${prev} and ${s}`);
    });
  });
  let output: string;
  if (rhs0 !== undefined) output = expand(rhs0, ellRank + rhs0.replace('...', '').length);
  else {
    const counts = new Map<string, number>();
    for (const t of terms) for (const c of t) counts.set(c, (counts.get(c) ?? 0) + 1);
    output = ell.join('') + [...counts].filter(([c, k]) => k === 1 && !ell.includes(c)).map(([c]) => c).sort().join('');
  }
  for (const c of output) if (!sizes.has(c)) throw nodeError(n, `output index '${c}' is not in any input`);
  const letters = [...output, ...[...sizes.keys()].filter((c) => !output.includes(c))];
  return { inputs: terms, output, letters, sizes: letters.map((c) => sizes.get(c)!) };
}

registerOp({
  op: 'Einsum',
  infer: (n) => {
    const s = einsumSpec(n);
    const dt = inType(n, 0).dtype;
    return [{ dtype: dt, shape: [...s.output].map((c) => s.sizes[s.letters.indexOf(c)]!) }];
  },
});

// Losses (inference-time evaluation of a training loss).
registerOp({
  op: 'NegativeLogLikelihoodLoss',
  infer: (n) => {
    const x = inType(n, 0), t = requireIndex(n, 1, 'target');
    if (x.shape.length < 2) throw nodeError(n, `input must be [N, C, ...]`);
    if (t.shape.length !== x.shape.length - 1 || t.shape[0] !== x.shape[0] || t.shape.some((d, i) => i > 0 && d !== x.shape[i + 1])) {
      throw nodeError(n, `target shape [${t.shape.join(',')}] does not match input [${x.shape.join(',')}]`);
    }
    if (n.input(2) && (inType(n, 2).shape.length !== 1 || inType(n, 2).shape[0] !== x.shape[1])) throw nodeError(n, `weight must have shape [${x.shape[1]}]`);
    const red = n.str('reduction', 'mean');
    if (!['none', 'sum', 'mean'].includes(red)) throw nodeError(n, `reduction '${red}' is not supported`);
    return [{ dtype: x.dtype, shape: red === 'none' ? t.shape : [] }];
  },
  grad: (g, n, [dy]) => {
    const attrs: Record<string, number | string | number[]> = { reduction: n.str('reduction', 'mean'), shape: [...n.inputs[0]!.type.shape] };
    const ii = n.int('ignore_index');
    if (ii !== undefined) attrs.ignore_index = ii;
    return [g.op('NegativeLogLikelihoodLossGrad', [dy!, n.inputs[1]!, n.input(2)], attrs), null, null];
  },
});

// MelWeightMatrix: every input is a compile-time constant; the matrix is folded.
registerOp({
  op: 'MelWeightMatrix',
  infer: (n) => {
    const [bins, dft, sr, lo, hi] = [0, 1, 2, 3, 4].map((i) => requireConstInts(n, i, ['num_mel_bins', 'dft_length', 'sample_rate', 'lower_edge_hertz', 'upper_edge_hertz'][i]!)[0]!);
    const dt = n.str('dtype_name', 'float32');
    if (!isDType(dt)) throw nodeError(n, `output_datatype '${dt}' is not supported`);
    if (bins! < 0 || dft! < 0 || sr! <= 0 || !(hi! >= lo!)) throw nodeError(n, `invalid mel parameters`);
    return [{ dtype: dt as DType, shape: [Math.floor(dft! / 2) + 1, bins!] }];
  },
  evaluate: (n, ins) => {
    const [bins, dft, sr, lo, hi] = ins.map((t) => t!.get(0)) as [number, number, number, number, number];
    const t = n.outputs[0]!.type;
    const out = new Tensor(t.dtype, t.shape);
    const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
    const lowMel = mel(lo), step = (mel(hi) - lowMel) / (bins + 2);
    const fb = Array.from({ length: bins + 2 }, (_, i) => {
      const hz = 700 * (10 ** ((i * step + lowMel) / 2595) - 1);
      return Math.trunc(Math.floor(((dft + 1) * hz) / sr));
    });
    const set = (j: number, i: number, v: number) => { if (j >= 0 && j < t.shape[0]!) out.set(j * bins + i, v); };
    for (let i = 0; i < bins; i++) {
      const l = fb[i]!, c = fb[i + 1]!, h = fb[i + 2]!;
      if (c === l) set(c, i, 1);
      else for (let j = l; j <= c; j++) set(j, i, (j - l) / (c - l));
      if (h > c) for (let j = c; j < h; j++) set(j, i, (h - j) / (h - c));
    }
    return [out];
  },
});

// NonZero has a data-dependent output shape: supported when its input is a
// compile-time constant (e.g. in shape computations), and then folded.
registerOp({
  op: 'NonZero',
  infer: (n) => {
    const x = inType(n, 0);
    const v = n.inputs[0]!;
    if (!v.const) requireConstInts(n, 0, `the input (NonZero's output shape depends on its values)`);
    const vals = v.const!.toNumbers();
    const nnz = vals.filter((a) => a !== 0).length;
    return [{ dtype: 'int64', shape: [x.shape.length, nnz] }];
  },
  evaluate: (n, [x]) => {
    const t = n.outputs[0]!.type;
    const out = new Tensor('int64', t.shape);
    const nnz = t.shape[1]!;
    const r = x!.shape.length;
    let k = 0;
    const st = x!.shape.map((_, d) => numel(x!.shape.slice(d + 1)));
    for (let i = 0; i < x!.size; i++) {
      if (x!.get(i) === 0) continue;
      let rem = i;
      for (let d = 0; d < r; d++) {
        out.set(d * nnz + k, Math.floor(rem / st[d]!));
        rem %= st[d]!;
      }
      k++;
    }
    return [out];
  },
});
