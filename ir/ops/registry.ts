// One registry of IR operators. Each op file registers its shape/type rule
// and, where the compiler needs it, reference semantics (constant folding).
import type { Node } from '../graph.js';
import type { Tensor } from '../tensor.js';
import type { TensorType } from '../types.js';
import { nodeError } from '../errors.js';
import type { GradFn } from '../grad.js';

export interface OpDef {
  /** IR op name (the ONNX name for standard ops). */
  op: string;
  /** Output types from input types, attributes and constant inputs. */
  infer(node: Node): TensorType[];
  /**
   * Reference semantics on constant inputs, used by constant folding.
   * Return null when this particular case is not handled.
   */
  evaluate?(node: Node, inputs: (Tensor | null)[]): Tensor[] | null;
  /** evaluate() may run with non-constant inputs (passed as null), e.g. Shape. */
  foldWithoutData?: boolean;
  /** Output 0 is a view of input 0 (same bytes, new shape): no copy needed. */
  view?: boolean;
  /**
   * Outputs that are contiguous slices of input 0: the byte offset of each
   * (null when not contiguous). The planner makes them views; the kernel
   * then copies only the outputs that did not become views.
   */
  sliceViews?(node: Node): (number | null)[];
  /**
   * Elementwise op whose output may overwrite input `inplace` (an index, a
   * list of indices, or 'any' input) when that input dies there. The planner
   * only uses it when the input has the output's exact shape and type, so the
   * kernel must read each element before writing the same element.
   */
  inplace?: number | number[] | 'any';
  /**
   * Bytes of kernel scratch (im2col buffers, accumulators, tiles) the node
   * needs while it runs. The memory planner gives it an arena interval live
   * only at that step; the kernel emitter reaches it through ctx.scratch().
   */
  scratch?(node: Node): number;
  /**
   * Gradient rule for reverse-mode autodiff (passes/autodiff.ts): the
   * gradient of each input from the gradients of the outputs, as IR ops.
   */
  grad?: GradFn;
}

/** Scratch bytes of a node: its op's rule, or a `scratch_bytes` attribute a pass set (the larger). */
export function nodeScratchBytes(node: Node): number {
  const rule = ops.get(node.op)?.scratch?.(node) ?? 0;
  const a = node.attrs.get('scratch_bytes');
  const attr = a && a.kind === 'int' ? a.value : 0;
  return Math.max(0, rule, attr);
}

const ops = new Map<string, OpDef>();

export function registerOp(def: OpDef): void {
  if (ops.has(def.op)) throw new Error(`op ${def.op} registered twice`);
  ops.set(def.op, def);
}

export function getOp(op: string): OpDef | undefined {
  return ops.get(op);
}

export function allOps(): string[] {
  return [...ops.keys()].sort();
}

/** Helpers for shape rules. */
export function inType(node: Node, i: number): TensorType {
  const v = node.inputs[i];
  if (!v) throw nodeError(node, `input ${i} is required`);
  return v.type;
}

export function constInput(node: Node, i: number): Tensor | null {
  return node.inputs[i]?.const ?? null;
}

/** A constant input as numbers, or an error saying it must be constant. */
export function requireConstInts(node: Node, i: number, what: string): number[] {
  const v = node.inputs[i];
  if (!v) throw nodeError(node, `input ${i} (${what}) is required`);
  if (!v.const) {
    const roots = rootInputs(v);
    if (v.producer && roots.length) {
      throw nodeError(node, `${what} (input '${v.name}') must be a compile-time constant; it is computed from graph input${roots.length > 1 ? 's' : ''} ${roots.map((r) => `'${r}'`).join(', ')}: freeze ${roots.length > 1 ? 'them' : 'it'} with --freeze-input ${roots[0]}=<file>`);
    }
    throw nodeError(node, `${what} (input '${v.name}') must be a compile-time constant; freeze it with --freeze-input ${v.name}=<file>`);
  }
  return v.const.toNumbers();
}

/** Normalise a possibly negative axis against rank r. */
export function normAxis(node: Node, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) throw nodeError(node, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Numpy-style broadcast of several shapes. */
export function broadcastShapes(node: Node, shapes: readonly (readonly number[])[]): number[] {
  const rank = shapes.reduce((m, s) => Math.max(m, s.length), 0);
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw nodeError(node, `shapes ${shapes.map((x) => `[${x.join(',')}]`).join(' and ')} cannot be broadcast`);
      }
    }
  }
  return out;
}

/** The non-constant values without a producer (graph inputs) that `v` is computed from. */
export function rootInputs(v: import('../graph.js').Value): string[] {
  const seen = new Set<unknown>();
  const out: string[] = [];
  const stack = [v];
  while (stack.length) {
    const x = stack.pop()!;
    if (seen.has(x) || x.const) continue;
    seen.add(x);
    if (!x.producer) out.push(x.name);
    else for (const i of x.producer.inputs) if (i) stack.push(i);
  }
  return out.sort();
}
