// Fuse the decomposed layer norm exporters write into one LayerNormalization:
//   m = ReduceMean(x, trailing axes); d = x - m; v = ReduceMean(d^2)
//   y = d / Sqrt(v + eps) [* gamma] [+ beta]
// (d^2 as Pow(d, 2) or d*d; axes as attribute (opset 13) or input (opset 18),
// both imported as the input; the numerator may be a second x - m).
import { registerPass } from './pass.js';
import type { Graph, Node, Value } from '../ir/graph.js';
import { Node as IrNode } from '../ir/graph.js';
import { Builder } from '../ir/builder.js';
import { Tensor } from '../ir/tensor.js';
import { numel, typeEq } from '../ir/types.js';
import { reduceAxes } from '../ir/ops/shape.js';
import { Uses, near, other, scalarConst, replaceMatch } from './pattern.js';

/** First normalized axis when `r` is a keepdims mean over trailing axes of x. */
function trailingMean(r: Node, rank: number): number | null {
  if (r.op !== 'ReduceMean' || r.int('keepdims', 1) !== 1) return null;
  let axes: number[];
  try {
    axes = reduceAxes(r, rank);
  } catch {
    return null;
  }
  if (!axes.length || axes[axes.length - 1] !== rank - 1) return null;
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1]! + 1) return null;
  return axes[0]!;
}

/** A constant that broadcasts over the normalized trailing dims only (gamma, beta). */
function affineConst(v: Value | null, norm: number[]): Tensor | null {
  if (!v || !v.const || v.const.dtype !== 'float32') return null;
  const s = [...v.type.shape];
  while (s.length && s[0] === 1) s.shift();
  if (numel(s) === 1) return v.const;
  if (s.length > norm.length || s.some((d, i) => d !== norm[norm.length - s.length + i])) return null;
  return numel(s) === numel(norm) ? v.const : null;
}

function fuseAt(g: Graph, mean: Node, uses: Uses) {
  const x = mean.inputs[0]!;
  if (x.type.dtype !== 'float32') return null;
  const rank = x.type.shape.length;
  const axis = trailingMean(mean, rank);
  if (axis === null) return null;
  const nodes = new Set<Node>([mean]);
  const subs = uses.of(mean.outputs[0]!).filter((n) => n.op === 'Sub' && n.inputs[0] === x && n.inputs[1] === mean.outputs[0]);
  if (!subs.length || subs.length !== uses.of(mean.outputs[0]!).length) return null;
  subs.forEach((n) => nodes.add(n));
  // variance: ReduceMean(d^2) + eps, Sqrt
  let sq: Node | null = null;
  for (const s of subs) {
    for (const u of uses.of(s.outputs[0]!)) {
      const d = s.outputs[0]!;
      if ((u.op === 'Pow' && u.inputs[0] === d && near(scalarConst(u.inputs[1]), 2)) || (u.op === 'Mul' && u.inputs[0] === d && u.inputs[1] === d)) sq = u;
    }
  }
  if (!sq) return null;
  nodes.add(sq);
  const varMean = uses.single(sq.outputs[0]!);
  if (!varMean || trailingMean(varMean, rank) !== axis) return null;
  nodes.add(varMean);
  const addEps = uses.single(varMean.outputs[0]!);
  if (!addEps || addEps.op !== 'Add') return null;
  const eps = scalarConst(other(addEps, varMean.outputs[0]!));
  if (eps === null || eps < 0) return null;
  nodes.add(addEps);
  const sqrt = uses.single(addEps.outputs[0]!);
  if (!sqrt || sqrt.op !== 'Sqrt') return null;
  nodes.add(sqrt);
  const div = uses.single(sqrt.outputs[0]!);
  if (!div || div.op !== 'Div' || div.inputs[1] !== sqrt.outputs[0] || !subs.some((s) => s.outputs[0] === div.inputs[0])) return null;
  nodes.add(div);
  let out = div.outputs[0]!;
  if (!typeEq(out.type, x.type)) return null;
  const norm = x.type.shape.slice(axis);
  let gamma: Tensor | null = null, beta: Tensor | null = null;
  const mul = uses.single(out);
  if (mul && mul.op === 'Mul' && (gamma = affineConst(other(mul, out), norm)) && typeEq(mul.outputs[0]!.type, x.type)) {
    nodes.add(mul);
    out = mul.outputs[0]!;
  } else gamma = null;
  const add = uses.single(out);
  if (add && add.op === 'Add' && (beta = affineConst(other(add, out), norm)) && typeEq(add.outputs[0]!.type, x.type)) {
    nodes.add(add);
    out = add.outputs[0]!;
  } else beta = null;
  for (const n of nodes) for (const o of n.outputs) if (o !== out && !uses.onlyBy(o, nodes)) return null;
  return { x, axis, eps, gamma, beta, out, nodes };
}

const flat = (t: Tensor, n: number): Tensor => {
  const r = new Tensor('float32', [n]);
  for (let i = 0; i < n; i++) r.set(i, t.get(t.size === 1 ? 0 : i));
  return r;
};

export default registerPass({
  name: 'fuse-layernorm',
  description: 'fuse decomposed layer norm (ReduceMean/Sub/Pow/Sqrt/Div[/Mul/Add]) into LayerNormalization',
  run(g) {
    let uses = new Uses(g);
    const b = new Builder(g);
    for (const mean of [...g.nodes]) {
      if (mean.op !== 'ReduceMean' || !g.nodes.includes(mean)) continue;
      const m = fuseAt(g, mean, uses);
      if (!m) continue;
      const inner = numel(m.x.type.shape.slice(m.axis));
      const ones = new Tensor('float32', [inner]);
      for (let i = 0; i < inner; i++) ones.set(i, 1);
      const gamma = b.constant(`${mean.name}_ln_scale`, m.gamma ? flat(m.gamma, inner) : ones);
      const beta = m.beta ? b.constant(`${mean.name}_ln_bias`, flat(m.beta, inner)) : null;
      const ln = new IrNode(g.uniqueName(`${mean.name}_layernorm`), 'LayerNormalization', beta ? [m.x, gamma, beta] : [m.x, gamma], [m.out],
        new Map([['axis', { kind: 'int', value: m.axis }], ['epsilon', { kind: 'float', value: m.eps }]]));
      uses = replaceMatch(g, m.nodes, m.out, ln);
    }
  },
});
