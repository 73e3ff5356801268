// dnnc.PatchChain: a chain (or small DAG) of spatial layers executed row by
// row ("fused patch execution"). The layers live in the node's `body` graph;
// the node's inputs are the values the body reads from outside (activations
// and weights), its outputs the body values used after it. Intermediate
// tensors of the body exist only as rings of a few rows per channel (each
// inner node's `ring_rows`), held in the node's scratch area. The row
// schedule (which rows each layer computes at each step) follows from the
// shapes alone, so the pass that builds the chain and the code generator
// derive the same one here.
import type { Graph, Node, Value } from '../graph.js';
import { dtypeSize } from '../types.js';
import { registerOp } from './registry.js';
import { nodeError } from '../errors.js';

export const PATCH_CHAIN = 'PatchChain';
export const PATCH_DOMAIN = 'dnnc';
/** Tallest kernel window the row kernels take (DNNC_ROWS_MAXK in runtime-c/kernels/rows.h). */
export const ROWS_MAXK = 16;

export function chainBody(n: Node): Graph {
  const a = n.attrs.get('body');
  if (!a || a.kind !== 'graph') throw nodeError(n, 'PatchChain without a body graph');
  return a.value;
}

registerOp({
  op: PATCH_CHAIN,
  infer(n) {
    const body = chainBody(n);
    if (body.outputs.length !== n.outputs.length) throw nodeError(n, 'PatchChain outputs do not match its body');
    return body.outputs.map((v) => ({ dtype: v.type.dtype, shape: [...v.type.shape] }));
  },
});

/** Rows of input `v` that output row r of `n` reads: [lo(r), hi(r)] from stride, top pad and window extent. */
export interface RowWindow {
  stride: number;
  pad: number;
  /** (k - 1) * dilation + 1 */
  extent: number;
}

const is4D = (v: Value | null | undefined, dt: string) => !!v && v.type.dtype === dt && v.type.shape.length === 4 && v.type.shape[0] === 1;
const F32_4D = (v: Value | null | undefined) => is4D(v, 'float32');
const I8_4D = (v: Value | null | undefined) => is4D(v, 'int8');

function windowOk(n: Node): boolean {
  const k = n.ints('kernel_shape'), d = n.ints('dilations', [1, 1]);
  return !!k && k.length === 2 && (k[0]! - 1) * d[0]! + 1 <= ROWS_MAXK;
}

/** Can this node run on a range of output rows (float32 or int8, batch 1, 2-D)? */
export function isRowOp(n: Node): boolean {
  const y = n.outputs[0];
  if (n.outputs.length !== 1) return false;
  const sameShape = (v: Value | null | undefined) => !!v && v.type.shape.length === 4 && v.type.shape.every((d, i) => d === y!.type.shape[i]);
  switch (n.op) {
    case 'Conv': {
      const [x, w, b] = n.inputs;
      if (!F32_4D(y) || !F32_4D(x) || !w?.const || (b && !b.const) || w.type.dtype !== 'float32' || (b && b.type.dtype !== 'float32')) return false;
      return windowOk(n);
    }
    case 'QConv': {
      const [x, w, b] = n.inputs;
      if (!I8_4D(y) || !I8_4D(x) || !w?.const || w.type.dtype !== 'int8' || (b && (!b.const || b.type.dtype !== 'int32'))) return false;
      if (n.int('raw', 0) || !n.ints('mult') || !n.ints('shift')) return false;
      return windowOk(n);
    }
    case 'MaxPool': case 'AveragePool':
      return F32_4D(y) && F32_4D(n.inputs[0]) && windowOk(n);
    case 'QMaxPool':
      return I8_4D(y) && I8_4D(n.inputs[0]) && windowOk(n);
    case 'Add': case 'Sub': case 'Mul': case 'QAdd': case 'QMul': {
      const [a, b] = n.inputs;
      const dt = n.op.startsWith('Q') ? 'int8' : 'float32';
      if (!is4D(y, dt) || !a || !b || a.const || b.const || !is4D(a, dt) || !is4D(b, dt)) return false;
      return sameShape(a) && sameShape(b);
    }
    case 'Relu':
      return F32_4D(y) && F32_4D(n.inputs[0]) && sameShape(n.inputs[0]);
    case 'QuantizeLinear': {
      // per-tensor quantization of a float input (the image at the start of an int8 net)
      const [x, sc, zp] = n.inputs;
      return I8_4D(y) && F32_4D(x) && sameShape(x) && !!sc?.const && sc.const.size === 1 && (!zp || (!!zp.const && zp.const.size === 1));
    }
    default:
      return false;
  }
}

/** The activation inputs of a row op (index and value). */
export function rowInputs(n: Node): { index: number; value: Value }[] {
  const idx = ['Add', 'Sub', 'Mul', 'QAdd', 'QMul'].includes(n.op) ? [0, 1] : [0];
  return idx.map((i) => ({ index: i, value: n.inputs[i]! }));
}

export function rowWindow(n: Node, _input: number): RowWindow {
  if (['Conv', 'QConv', 'MaxPool', 'AveragePool', 'QMaxPool'].includes(n.op)) {
    const k = n.ints('kernel_shape')!, s = n.ints('strides', [1, 1]), d = n.ints('dilations', [1, 1]), p = n.ints('pads', [0, 0, 0, 0]);
    return { stride: s[0]!, pad: p[0]!, extent: (k[0]! - 1) * d[0]! + 1 };
  }
  return { stride: 1, pad: 0, extent: 1 };
}

const height = (v: Value) => v.type.shape[2]!;
const lowRow = (w: RowWindow, r: number) => Math.max(0, r * w.stride - w.pad);
const highRow = (w: RowWindow, r: number, h: number) => Math.min(h - 1, r * w.stride - w.pad + w.extent - 1);

export interface RowSchedule {
  steps: number;
  /** per node: rows done after each step (length steps + 1, starting at 0) */
  done: Map<Node, number[]>;
  /** rows each intermediate value must keep (ring size) */
  ring: Map<Value, number>;
}

/**
 * The row schedule of `nodes` (topological order), data-driven: layers that
 * read only whole tensors advance evenly (ceil((s + 1) * H / steps) of their
 * H rows after step s, steps = the tallest layer), every other layer
 * computes at each step the rows its inputs' rows allow, at most
 * ceil(H / tallest) (steps continue until every layer is complete, so the
 * last steps drain the chain without a burst). No row is computed twice. `full` values are
 * kept whole (region inputs and outputs); every other value produced by the
 * nodes gets the smallest ring that never overwrites a row still to be read.
 */
export function rowSchedule(nodes: readonly Node[], outputs: readonly Value[]): RowSchedule {
  const inRegion = new Set(nodes);
  const outSet = new Set(outputs);
  const consumers = new Map<Node, { node: Node; index: number }[]>();
  for (const n of nodes) consumers.set(n, []);
  for (const c of nodes) {
    for (const { index, value } of rowInputs(c)) {
      const p = value.producer;
      if (p && inRegion.has(p)) consumers.get(p)!.push({ node: c, index });
    }
  }
  const steps0 = Math.max(1, ...nodes.map((n) => height(n.outputs[0]!)));
  const done = new Map<Node, number[]>();
  const ring = new Map<Value, number>();
  for (const n of nodes) done.set(n, [0]);
  const cur = new Map<Node, number>(nodes.map((n) => [n, 0]));
  const producerIn = (v: Value) => (v.producer && inRegion.has(v.producer) ? v.producer : null);
  const tallest = steps0;
  const finished = () => nodes.every((n) => cur.get(n)! >= height(n.outputs[0]!));
  let s = 0;
  for (; !finished() && s < tallest + nodes.reduce((a, n) => a + height(n.outputs[0]!), 0); s++) {
    const target = new Map<Node, number>();
    for (const n of nodes) {
      const y = n.outputs[0]!;
      const H = height(y);
      const inner = rowInputs(n).filter((i) => producerIn(i.value));
      let t: number;
      if (!inner.length) {
        // reads only whole tensors: advance evenly (one row per step on the tallest layer)
        t = Math.ceil(((s + 1) * H) / tallest);
      } else {
        // as many rows as the rows its inputs hold allow, at the same pace (no burst at the end)
        t = cur.get(n)! + Math.max(1, Math.ceil(H / tallest));
        for (const { index, value } of inner) {
          const have = target.get(value.producer!)!;
          if (have >= height(value)) continue;
          const w = rowWindow(n, index);
          const r = Math.floor((have - w.extent + w.pad) / w.stride) + 1;
          t = Math.min(t, Math.max(0, r));
        }
      }
      target.set(n, Math.min(H, Math.max(cur.get(n)!, t)));
    }
    for (const n of nodes) {
      const y = n.outputs[0]!;
      if (outSet.has(y)) continue;
      for (const c of consumers.get(n)!) {
        const a = cur.get(c.node)!;
        if (a >= height(c.node.outputs[0]!)) continue;
        const need = target.get(n)! - lowRow(rowWindow(c.node, c.index), a);
        ring.set(y, Math.max(ring.get(y) ?? 1, need));
      }
    }
    for (const n of nodes) {
      cur.set(n, target.get(n)!);
      done.get(n)!.push(target.get(n)!);
    }
  }
  const steps = s;
  for (const n of nodes) {
    const y = n.outputs[0]!;
    if (!outSet.has(y)) ring.set(y, Math.min(height(y), Math.max(1, ring.get(y) ?? 1)));
  }
  return { steps, done, ring };
}

/** Bytes of one ring of `rows` rows of value v (all channels). */
export function ringBytes(v: Value, rows: number): number {
  const [, c, , w] = v.type.shape as [number, number, number, number];
  return c * rows * w * dtypeSize(v.type.dtype);
}

/** Offsets of the rings in the chain's scratch area (body order, each aligned), and the total. */
export function ringLayout(nodes: readonly Node[], ring: ReadonlyMap<Value, number>, align: number): { offsets: Map<Value, number>; bytes: number } {
  const offsets = new Map<Value, number>();
  let at = 0;
  for (const n of nodes) {
    const y = n.outputs[0]!;
    const r = ring.get(y);
    if (r === undefined) continue;
    offsets.set(y, at);
    at += Math.ceil(ringBytes(y, r) / align) * align;
  }
  return { offsets, bytes: at };
}
