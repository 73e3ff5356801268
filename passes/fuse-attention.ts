// Fuse scaled dot-product attention into one Attention node:
//   MatMul(Q, Kᵀ) -> scale (Mul/Div by a constant) -> mask (Where or Add) -> Softmax(last axis) -> MatMul(·, V)
// (scale and mask each optional, in either order). Kᵀ made by a Transpose of
// the last two axes is read through (the kernel reads K rows); any other Kᵀ
// is read as [D, T]. The kernel computes one query row at a time, so the
// score matrix is never materialised beyond one row.
import { registerPass } from './pass.js';
import type { Graph, Node, Value } from '../ir/graph.js';
import { Node as IrNode, Value as IrValue, type Attr } from '../ir/graph.js';
import { inferNode } from '../ir/infer.js';
import { typeEq, type TensorType } from '../ir/types.js';
import { Uses, scalarConst, replaceMatch } from './pattern.js';

interface Match {
  q: Value; k: Value; kTransposed: boolean; v: Value; mask: Value | null;
  mode: number; fill: number; scale: number; maskFirst: boolean;
  nodes: Set<Node>; out: Value; last: Node;
}

const sameShape = (a: TensorType, b: TensorType) => a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);

function swapsLastTwo(t: Node): boolean {
  const perm = t.ints('perm');
  const r = t.inputs[0]!.type.shape.length;
  if (!perm || perm.length !== r || r < 2) return false;
  return perm.every((p, i) => (i < r - 2 ? p === i : i === r - 2 ? p === r - 1 : p === r - 2));
}

function matchAt(sm: Node, uses: Uses): Match | null {
  const x0 = sm.inputs[0]!;
  if (x0.type.dtype !== 'float32' || sm.int('axis', -1) !== x0.type.shape.length - 1) return null;
  const p = sm.outputs[0]!;
  const mm2 = uses.single(p);
  if (!mm2 || mm2.op !== 'MatMul' || mm2.inputs[0] !== p) return null;
  const nodes = new Set<Node>([sm, mm2]);
  let s = x0, scale: number | null = null, mask: Value | null = null, mode = 0, fill = 0;
  let firstMet: 'scale' | 'mask' | null = null;
  for (let step = 0; step < 2; step++) {
    const pr = s.producer;
    if (!pr) break;
    if (scale === null && (pr.op === 'Mul' || pr.op === 'Div')) {
      const c1 = scalarConst(pr.inputs[1]), c0 = pr.op === 'Mul' ? scalarConst(pr.inputs[0]) : null;
      if (c1 !== null && c1 !== 0) { scale = pr.op === 'Mul' ? c1 : 1 / c1; s = pr.inputs[0]!; }
      else if (c0 !== null) { scale = c0; s = pr.inputs[1]!; }
      else break;
      nodes.add(pr);
      firstMet ??= 'scale';
      continue;
    }
    if (!mask && pr.op === 'Where') {
      const [c, a, b] = pr.inputs as Value[];
      const fa = scalarConst(a), fb = scalarConst(b);
      if (fb !== null && fa === null) { mode = 1; fill = fb; s = a!; }
      else if (fa !== null && fb === null) { mode = 2; fill = fa; s = b!; }
      else break;
      if (!sameShape(pr.outputs[0]!.type, s.type)) return null;
      mask = c!;
      nodes.add(pr);
      firstMet ??= 'mask';
      continue;
    }
    if (!mask && pr.op === 'Add') {
      // the score side comes from the QKᵀ MatMul (through the scale); the other side is the mask
      const fromScores = (x: Value) => {
        const pp = x.producer;
        if (!pp) return false;
        if (pp.op === 'MatMul') return true;
        return (pp.op === 'Mul' || pp.op === 'Div') && !!pp.inputs.find((i) => i?.producer?.op === 'MatMul') && pp.inputs.some((i) => scalarConst(i) !== null);
      };
      const pick = [0, 1].find((i) => fromScores(pr.inputs[i]!) && !fromScores(pr.inputs[1 - i]!));
      if (pick === undefined) break;
      s = pr.inputs[pick]!;
      mask = pr.inputs[1 - pick]!;
      if (!sameShape(pr.outputs[0]!.type, s.type) || mask.type.dtype !== 'float32') return null;
      mode = 3;
      nodes.add(pr);
      firstMet ??= 'mask';
      continue;
    }
    break;
  }
  // execution order is the reverse of the walk: a scale met first runs after the mask
  const maskFirst = mask !== null && scale !== null && firstMet === 'scale';
  const mm1 = s.producer;
  if (!mm1 || mm1.op !== 'MatMul') return null;
  nodes.add(mm1);
  const q = mm1.inputs[0]!;
  let k = mm1.inputs[1]!, kTransposed = true;
  if (k.producer && k.producer.op === 'Transpose' && swapsLastTwo(k.producer)) {
    k = k.producer.inputs[0]!;
    kTransposed = false;
  }
  const v = mm2.inputs[1]!;
  for (const t of [q, k, v]) if (t.type.dtype !== 'float32' || t.type.shape.length < 2) return null;
  const out = mm2.outputs[0]!;
  for (const n of nodes) for (const o of n.outputs) if (o !== out && !uses.onlyBy(o, nodes)) return null;
  return { q, k, kTransposed, v, mask, mode, fill, scale: scale ?? 1, maskFirst, nodes, out, last: mm2 };
}

export default registerPass({
  name: 'fuse-attention',
  description: 'fuse MatMul(Q,Kᵀ) -> scale -> mask -> Softmax -> MatMul(·,V) into one Attention (one score row at a time)',
  run(g: Graph) {
    let uses = new Uses(g);
    for (const sm of [...g.nodes]) {
      if (sm.op !== 'Softmax' || !g.nodes.includes(sm)) continue;
      const m = matchAt(sm, uses);
      if (!m) continue;
      const attrs = new Map<string, Attr>([
        ['scale', { kind: 'float', value: m.scale }],
        ['k_transposed', { kind: 'int', value: m.kTransposed ? 1 : 0 }],
        ['mask_mode', { kind: 'int', value: m.mode }],
        ['fill', { kind: 'float', value: m.fill }],
        ['mask_first', { kind: 'int', value: m.maskFirst ? 1 : 0 }],
      ]);
      const want = m.out.type;
      const probe = new IrNode(g.uniqueName(`${m.last.name}_attention`), 'Attention', m.mask ? [m.q, m.k, m.v, m.mask] : [m.q, m.k, m.v],
        [new IrValue('probe', { ...want })], attrs);
      // the fused op must give the same type; else leave the graph alone
      let ok = true;
      try {
        inferNode(probe);
        ok = typeEq(probe.outputs[0]!.type, want);
      } catch {
        ok = false;
      }
      if (!ok) continue;
      const att = new IrNode(probe.name, 'Attention', probe.inputs, [m.out], attrs);
      uses = replaceMatch(g, m.nodes, m.out, att);
    }
  },
});
