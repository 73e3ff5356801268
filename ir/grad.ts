// Reverse-mode differentiation support: what an op's gradient rule (the
// optional `grad` of its registration in ir/ops) receives. A rule gets the
// forward node and the gradients of its outputs (null when an output does
// not reach the loss) and returns the gradient of each input (null when the
// input needs none: indices, masks, shapes). Rules build IR ops that have
// kernels; the autodiff pass (passes/autodiff.ts) calls them in reverse
// schedule order and sums the gradients of values used more than once.
import type { Attr, Graph, Node, Value } from './graph.js';
import { Builder } from './builder.js';
import { Tensor } from './tensor.js';
import { nodeError } from './errors.js';
import { type DType, type Shape, shapeEq } from './types.js';

export type GradFn = (g: GradCtx, node: Node, dy: (Value | null)[]) => (Value | null)[];

type AttrVal = number | number[] | string | { float: number };

function toAttr(v: AttrVal): Attr {
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (Array.isArray(v)) return { kind: 'ints', value: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { kind: 'int', value: v } : { kind: 'float', value: v };
  return { kind: 'float', value: v.float };
}

/** Builds the backward nodes of one forward node (appended to the graph). */
export class GradCtx {
  private b: Builder;
  /** forward node being differentiated (names the new nodes) */
  node: Node | null = null;

  constructor(readonly graph: Graph) {
    this.b = new Builder(graph);
  }

  /** Append `op` and return its outputs. Attribute numbers that are integers become ints; use {float: x} for floats. */
  opN(op: string, inputs: (Value | null)[], attrs: Record<string, AttrVal> = {}, outputs = 1): Value[] {
    const base = this.node ? `grad.${this.node.name}.${op.toLowerCase()}` : `grad.${op.toLowerCase()}`;
    const at: Record<string, Attr> = {};
    for (const [k, v] of Object.entries(attrs)) at[k] = toAttr(v);
    return this.b.node(op, inputs, { name: this.graph.uniqueName(base), attrs: at, outputs }).outputs;
  }

  op(op: string, inputs: (Value | null)[], attrs: Record<string, AttrVal> = {}): Value {
    return this.opN(op, inputs, attrs)[0]!;
  }

  /** A scalar constant (broadcasts against anything). */
  scalar(v: number, dtype: DType = 'float32'): Value {
    return this.b.constant('grad_c', Tensor.scalar(dtype, v));
  }

  /** A 1-D int64 constant (shapes, axes, starts). */
  ints(vals: number[]): Value {
    return this.b.constant('grad_i', Tensor.fromNumbers('int64', [vals.length], vals));
  }

  reshape(v: Value, shape: Shape): Value {
    if (shapeEq(v.type.shape, shape)) return v;
    return this.op('Reshape', [v, this.ints([...shape])]);
  }

  /** Sum a broadcast result back to `shape` (the gradient of numpy broadcasting). */
  sumTo(v: Value, shape: Shape): Value {
    const s = v.type.shape;
    if (shapeEq(s, shape)) return v;
    const lead = s.length - shape.length;
    if (lead < 0) throw new Error(`cannot sum [${s.join(',')}] to [${shape.join(',')}]`);
    const axes: number[] = [];
    for (let d = 0; d < s.length; d++) if (d < lead || (shape[d - lead] === 1 && s[d] !== 1)) axes.push(d);
    const r = axes.length ? this.op('ReduceSum', [v], { axes, keepdims: 1 }) : v;
    return this.reshape(r, shape);
  }

  /** Broadcast `v` to `shape` (the gradient of a reduction with keepdims). */
  expandTo(v: Value, shape: Shape): Value {
    if (shapeEq(v.type.shape, shape)) return v;
    return this.op('Expand', [v, this.ints([...shape])]);
  }

  /** x with its last two axes swapped. */
  swapLast(v: Value): Value {
    const r = v.type.shape.length;
    const perm = [...Array(r).keys()];
    perm[r - 1] = r - 2;
    perm[r - 2] = r - 1;
    return this.op('Transpose', [v], { perm });
  }

  fail(node: Node, msg: string): never {
    throw nodeError(node, `no gradient: ${msg}`);
  }
}
