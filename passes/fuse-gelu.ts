// Fuse the decomposed GELU graphs exporters write into one Gelu node:
//   exact: x * 0.5 * (1 + Erf(x / sqrt(2)))            (or Erf(x * 0.7071...))
//   tanh:  x * 0.5 * (1 + Tanh(0.79788456 * (x + 0.044715 * x^3)))
// in any association of the products (x^3 as Pow(x, 3) or x*x*x).
import { registerPass } from './pass.js';
import type { Graph, Node, Value } from '../ir/graph.js';
import { Node as IrNode } from '../ir/graph.js';
import { typeEq } from '../ir/types.js';
import { Uses, near, other, scalarConst, productFactors, replaceMatch } from './pattern.js';

/** x when `u` is x / sqrt(2) or x * (1/sqrt(2)). */
function erfArgument(u: Value, nodes: Set<Node>): Value | null {
  const p = u.producer;
  if (!p) return null;
  if (p.op === 'Div' && near(scalarConst(p.inputs[1]), Math.SQRT2)) {
    nodes.add(p);
    return p.inputs[0]!;
  }
  if (p.op === 'Mul') {
    for (const [a, b] of [[0, 1], [1, 0]] as const) {
      if (near(scalarConst(p.inputs[b]), Math.SQRT1_2)) {
        nodes.add(p);
        return p.inputs[a]!;
      }
    }
  }
  return null;
}

/** x when `u` is x^3 (Pow(x, 3), x*x*x). */
function isCube(u: Value, x: Value, uses: Uses, nodes: Set<Node>): boolean {
  const p = u.producer;
  if (!p) return false;
  if (p.op === 'Pow' && p.inputs[0] === x && near(scalarConst(p.inputs[1]), 3)) {
    nodes.add(p);
    return true;
  }
  const sub = new Set<Node>();
  const f = productFactors(u, uses, sub);
  if (f && near(f.coef, 1) && f.factors.length === 3 && f.factors.every((v) => v === x)) {
    sub.forEach((n) => nodes.add(n));
    return true;
  }
  return false;
}

/** x when `w` is c * (x + 0.044715 * x^3) with c = sqrt(2/pi). */
function tanhArgument(w: Value, uses: Uses, nodes: Set<Node>): Value | null {
  const sub = new Set<Node>();
  const f = productFactors(w, uses, sub);
  if (!f || f.factors.length !== 1 || !near(f.coef, Math.sqrt(2 / Math.PI))) return null;
  const z = f.factors[0]!;
  const add = z.producer;
  if (!add || add.op !== 'Add' || uses.single(z) === null) return null;
  for (const [a, b] of [[0, 1], [1, 0]] as const) {
    const x = add.inputs[a]!, cubic = add.inputs[b]!;
    if (uses.single(cubic) === null) continue;
    const sub2 = new Set<Node>();
    const g = productFactors(cubic, uses, sub2);
    if (!g || !near(g.coef, 0.044715)) continue;
    const cubeNodes = new Set<Node>();
    const cubeOk = (g.factors.length === 1 && isCube(g.factors[0]!, x, uses, cubeNodes))
      || (g.factors.length === 3 && g.factors.every((v) => v === x));
    if (!cubeOk) continue;
    for (const s of [sub, sub2, cubeNodes]) s.forEach((n) => nodes.add(n));
    nodes.add(add);
    return x;
  }
  return null;
}

function fuseAt(g: Graph, fn: Node, uses: Uses): { x: Value; out: Value; nodes: Set<Node>; approximate: string } | null {
  const nodes = new Set<Node>([fn]);
  const x = fn.op === 'Erf' ? erfArgument(fn.inputs[0]!, nodes) : tanhArgument(fn.inputs[0]!, uses, nodes);
  if (!x) return null;
  // 1 + f(.)
  const e = fn.outputs[0]!;
  const add = uses.single(e);
  if (!add || add.op !== 'Add' || !near(scalarConst(other(add, e)), 1)) return null;
  nodes.add(add);
  const e1 = add.outputs[0]!;
  // climb the product holding e1 to its top, then check its factors are x, e1 and 0.5
  let top = e1;
  for (let i = 0; i < 3; i++) {
    const u = uses.single(top);
    if (!u || !(u.op === 'Mul' || (u.op === 'Div' && u.inputs[0] === top && scalarConst(u.inputs[1]) !== null))) break;
    top = u.outputs[0]!;
  }
  if (top === e1) return null;
  const prod = new Set<Node>();
  const f = productFactors(top, uses, prod);
  if (!f || !near(f.coef, 0.5) || f.factors.length !== 2) return null;
  if (!((f.factors[0] === x && f.factors[1] === e1) || (f.factors[1] === x && f.factors[0] === e1))) return null;
  prod.forEach((n) => nodes.add(n));
  if (!typeEq(top.type, x.type) || x.type.dtype !== 'float32') return null;
  // every intermediate must be used only inside the pattern
  for (const n of nodes) for (const o of n.outputs) if (o !== top && !uses.onlyBy(o, nodes)) return null;
  return { x, out: top, nodes, approximate: fn.op === 'Erf' ? 'none' : 'tanh' };
}

export default registerPass({
  name: 'fuse-gelu',
  description: 'fuse decomposed GELU (Erf or Tanh form) into one Gelu',
  run(g) {
    let uses = new Uses(g);
    for (const fn of [...g.nodes]) {
      if ((fn.op !== 'Erf' && fn.op !== 'Tanh') || !g.nodes.includes(fn)) continue;
      const m = fuseAt(g, fn, uses);
      if (!m) continue;
      const last = [...m.nodes].find((n) => n.outputs.includes(m.out))!;
      const gelu = new IrNode(g.uniqueName(`${last.name}_gelu`), 'Gelu', [m.x], [m.out], new Map([['approximate', { kind: 'string', value: m.approximate }]]));
      uses = replaceMatch(g, m.nodes, m.out, gelu);
    }
  },
});
