// Small helpers for pattern passes (fuse-layernorm, fuse-gelu, fuse-attention):
// look through a graph's use-def edges for exporter-shaped subgraphs.
import type { Graph, Node, Value } from '../ir/graph.js';
import { numel } from '../ir/types.js';

/** Scalar value of a constant with one element (any shape), else null. */
export function scalarConst(v: Value | null | undefined): number | null {
  if (!v || !v.const || numel(v.type.shape) !== 1) return null;
  return v.const.get(0);
}

export function near(a: number | null, b: number, rel = 1e-4): boolean {
  return a !== null && Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));
}

/** The other input of a binary node, given one of them (null when `x` is not an input). */
export function other(n: Node, x: Value): Value | null {
  if (n.inputs[0] === x) return n.inputs[1] ?? null;
  if (n.inputs[1] === x) return n.inputs[0] ?? null;
  return null;
}

export class Uses {
  private readonly m: Map<Value, Node[]>;
  constructor(private readonly g: Graph) {
    this.m = g.usersMap();
  }
  of(v: Value): Node[] {
    return this.m.get(v) ?? [];
  }
  /** The only user of `v` when it has exactly one and is not a graph output. */
  single(v: Value): Node | null {
    const u = this.of(v);
    return u.length === 1 && !this.g.outputs.includes(v) ? u[0]! : null;
  }
  /** `v` is read only by the nodes in `inside` (and is no graph output). */
  onlyBy(v: Value, inside: Set<Node>): boolean {
    return !this.g.outputs.includes(v) && this.of(v).every((n) => inside.has(n));
  }
}

/**
 * Leaves of a product: `v` itself, or the factors of the Mul (and Div by a
 * constant, as a factor 1/c) nodes producing it whose outputs are used only
 * inside the product. Constants are folded into `coef`.
 */
export function productFactors(v: Value, uses: Uses, nodes: Set<Node>, root = true): { factors: Value[]; coef: number } | null {
  const p = v.producer;
  const inner = root || uses.single(v) !== null;
  if (p && inner && (p.op === 'Mul' || (p.op === 'Div' && scalarConst(p.inputs[1]) !== null))) {
    nodes.add(p);
    const a = productFactors(p.inputs[0]!, uses, nodes, false);
    if (!a) return null;
    if (p.op === 'Div') return { factors: a.factors, coef: a.coef / scalarConst(p.inputs[1])! };
    const b = productFactors(p.inputs[1]!, uses, nodes, false);
    if (!b) return null;
    return { factors: [...a.factors, ...b.factors], coef: a.coef * b.coef };
  }
  const c = scalarConst(v);
  if (c !== null) return { factors: [], coef: c };
  return { factors: [v], coef: 1 };
}

/**
 * Put `fused` (which writes `out`) where the matched subgraph `nodes` computed
 * `out`, and drop the matched nodes. Returns fresh use lists.
 */
export function replaceMatch(g: Graph, nodes: Set<Node>, out: Value, fused: Node): Uses {
  const last = [...nodes].find((n) => n.outputs.includes(out))!;
  out.producer = fused;
  g.nodes.splice(g.nodes.indexOf(last), 0, fused);
  g.removeNodes(nodes);
  return new Uses(g);
}
