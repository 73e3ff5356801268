// Reverse-mode automatic differentiation of the whole graph (training).
//
// Given a loss spec (ctx.options.train), the pass
//  1. adds the loss: cross_entropy:<logits>,<targets> (LogSoftmax over the
//     last axis, then NegativeLogLikelihoodLoss, mean over targets != -1),
//     mse:<out>,<target> (mean of squared differences) or value:<v> (the sum
//     of v); a target that is not a value of the graph becomes a new input;
//  2. turns the trainable parameters (float initializers of rank >= 1 the
//     loss depends on, or the ones named) from constants into graph inputs,
//     so the program can update them in RAM;
//  3. walks the nodes in reverse schedule order calling each op's gradient
//     rule (the `grad` of its registration in ir/ops), summing the gradients
//     of values used more than once;
//  4. makes the outputs: loss, the original outputs, then one gradient per
//     parameter (named grad.<param>), and records the training layout in
//     g.meta.train.
import { registerPass } from './pass.js';
import type { Graph, Node, Value } from '../ir/graph.js';
import { Value as IrValue } from '../ir/graph.js';
import { Builder } from '../ir/builder.js';
import { GradCtx } from '../ir/grad.js';
import { getOp } from '../ir/ops/registry.js';
import { inferGraph } from '../ir/infer.js';
import { DnncError, nodeError } from '../ir/errors.js';
import { Tensor } from '../ir/tensor.js';
import { isFloatType, numel, shapeEq } from '../ir/types.js';

export interface TrainOptions {
  /** cross_entropy:<logits>,<targets> | mse:<out>,<target> | value:<v> */
  loss: string;
  /** names of the initializers to train (default: every float initializer of rank >= 1 the loss depends on) */
  params?: string[];
  /**
   * Update the parameters inside the graph (OptimizerStep nodes) instead of
   * returning the gradients: each gradient then dies at its update and the
   * memory planner reuses its bytes.
   */
  optimizer?: { kind: 'adam' | 'sgd'; beta1: number; beta2: number; eps: number };
}

export interface TrainParam {
  name: string;
  shape: number[];
  /** initial values (the model's initializer) */
  init: Tensor;
}

/** What the trainer needs to know about the training graph (g.meta.train). */
export interface TrainMeta {
  loss: string;
  lossKind: 'cross_entropy' | 'mse' | 'value';
  /** graph inputs 0..params.length-1 are the parameters, in this order */
  params: TrainParam[];
  /** the remaining graph inputs (data, targets) by name */
  dataInputs: string[];
  /** outputs: [loss, ...original outputs, ...gradients] (no optimizer) or [loss, ...original outputs, ...new parameters, ...m, ...v] */
  originalOutputs: string[];
  /** the in-graph optimizer: inputs [...params, ...data, hyper f32[3] = (lr, 1/(1-b1^t), 1/(1-b2^t)), ...m, ...v] */
  optimizer?: TrainOptions['optimizer'];
}

export function parseLoss(spec: string): { kind: TrainMeta['lossKind']; names: string[] } {
  const m = /^(cross_entropy|mse|value):(.+)$/.exec(spec);
  const names = m ? m[2]!.split(',').map((s) => s.trim()) : [];
  if (!m || names.some((s) => !s) || names.length !== (m[1] === 'value' ? 1 : 2)) {
    throw new DnncError(`--loss '${spec}': expected cross_entropy:<logits>,<targets>, mse:<output>,<target> or value:<output>`);
  }
  return { kind: m[1] as TrainMeta['lossKind'], names };
}

function findValue(g: Graph, name: string): Value | null {
  const outNames = (g.meta.outputNames as string[] | undefined) ?? [];
  const i = outNames.indexOf(name);
  if (i >= 0) return g.outputs[i] ?? null;
  return g.values().find((v) => v.name === name) ?? null;
}

function requireValue(g: Graph, name: string, what: string): Value {
  const v = findValue(g, name);
  if (!v) throw new DnncError(`--loss: the graph has no value '${name}' (${what})`);
  return v;
}

/** Build the loss node(s); returns the scalar loss value. */
function buildLoss(g: Graph, kind: TrainMeta['lossKind'], names: string[]): Value {
  const b = new Builder(g);
  const out = requireValue(g, names[0]!, kind === 'cross_entropy' ? 'logits' : 'output');
  if (!isFloatType(out.type.dtype)) throw new DnncError(`--loss: '${names[0]}' is ${out.type.dtype}, not float`);
  const i64 = (vals: number[]) => b.constant('loss_shape', Tensor.fromNumbers('int64', [vals.length], vals));
  const target = (dtype: 'int64' | 'float32', shape: number[]): Value => {
    let t = findValue(g, names[1]!);
    if (!t) {
      t = new IrValue(g.uniqueName(names[1]!), { dtype, shape });
      g.inputs.push(t);
    }
    if (t.type.dtype !== dtype || !shapeEq(t.type.shape, shape)) {
      throw new DnncError(`--loss: target '${names[1]}' must be ${dtype}[${shape.join(',')}], it is ${t.type.dtype}[${t.type.shape.join(',')}]`);
    }
    return t;
  };
  if (kind === 'cross_entropy') {
    const s = out.type.shape;
    if (s.length < 1) throw new DnncError(`--loss: logits '${names[0]}' must have a class axis`);
    const V = s[s.length - 1]!, M = numel(s) / Math.max(1, V);
    const t = target('int64', s.slice(0, -1) as number[]);
    const logits2 = s.length === 2 ? out : b.node('Reshape', [out, i64([M, V])], { name: 'loss.logits' }).outputs[0]!;
    const t1 = t.type.shape.length === 1 ? t : b.node('Reshape', [t, i64([M])], { name: 'loss.targets' }).outputs[0]!;
    const lp = b.node('LogSoftmax', [logits2], { name: 'loss.log_softmax', attrs: { axis: { kind: 'int', value: -1 } } }).outputs[0]!;
    return b.node('NegativeLogLikelihoodLoss', [lp, t1], {
      name: 'loss.nll', outputHint: 'loss',
      attrs: { reduction: { kind: 'string', value: 'mean' }, ignore_index: { kind: 'int', value: -1 } },
    }).outputs[0]!;
  }
  if (kind === 'mse') {
    const t = target('float32', [...out.type.shape]);
    const d = b.node('Sub', [out, t], { name: 'loss.diff' }).outputs[0]!;
    const sq = b.node('Mul', [d, d], { name: 'loss.square' }).outputs[0]!;
    return b.node('ReduceMean', [sq], { name: 'loss.mean', outputHint: 'loss', attrs: { keepdims: { kind: 'int', value: 0 } } }).outputs[0]!;
  }
  if (out.type.shape.length === 0) return out;
  return b.node('ReduceSum', [out], { name: 'loss.sum', outputHint: 'loss', attrs: { keepdims: { kind: 'int', value: 0 } } }).outputs[0]!;
}

/** Values the loss depends on. */
function ancestors(loss: Value): Set<Value> {
  const seen = new Set<Value>();
  const stack = [loss];
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    if (v.producer) for (const i of v.producer.inputs) if (i) stack.push(i);
  }
  return seen;
}

export function differentiate(g: Graph, opts: TrainOptions): TrainMeta {
  const { kind, names } = parseLoss(opts.loss);
  const outNames = (g.meta.outputNames as string[] | undefined) ?? g.outputs.map((v) => v.name);
  const originalOutputs = [...g.outputs];
  const loss = buildLoss(g, kind, names);
  if (!isFloatType(loss.type.dtype) || numel(loss.type.shape) !== 1) throw new DnncError(`the loss must be one float value`);

  // 1. parameters: constants -> graph inputs
  const anc = ancestors(loss);
  const firstUse = new Map<Value, number>();
  g.nodes.forEach((n, i) => n.inputs.forEach((v) => { if (v && !firstUse.has(v)) firstUse.set(v, i); }));
  let cands = [...anc].filter((v) => v.const && !v.producer && isFloatType(v.type.dtype) && v.type.shape.length >= 1 && !g.inputs.includes(v));
  if (opts.params) {
    const want = new Set(opts.params);
    cands = cands.filter((v) => want.has(v.name));
    for (const p of want) if (!cands.some((v) => v.name === p)) throw new DnncError(`--params: '${p}' is not a float initializer the loss depends on`);
  }
  cands.sort((a, b) => (firstUse.get(a) ?? 0) - (firstUse.get(b) ?? 0));
  const params: TrainParam[] = cands.map((v) => ({ name: v.name, shape: [...v.type.shape], init: v.const! }));
  const dataInputs = [...g.inputs];
  for (const v of cands) v.const = null;
  g.inputs = [...cands, ...dataInputs];
  // values computed from parameters are no longer constants
  for (const n of g.nodes) for (const o of n.outputs) o.const = null;
  inferGraph(g);

  // 2. which values carry a gradient
  const needs = new Set<Value>(cands);
  for (const n of g.nodes) {
    if (n.inputs.some((v) => v && needs.has(v))) for (const o of n.outputs) if (isFloatType(o.type.dtype)) needs.add(o);
  }
  if (!needs.has(loss)) throw new DnncError(`the loss does not depend on any trainable parameter`);

  // 3. backward
  const grads = new Map<Value, Value>();
  const gc = new GradCtx(g);
  gc.node = null;
  grads.set(loss, gc.scalar(1, loss.type.dtype));
  if (loss.type.shape.length) grads.set(loss, gc.reshape(grads.get(loss)!, loss.type.shape));
  const forward: Node[] = [...g.nodes];
  for (let i = forward.length - 1; i >= 0; i--) {
    const n = forward[i]!;
    const dys = n.outputs.map((o) => grads.get(o) ?? null);
    if (dys.every((d) => !d)) continue;
    if (!n.inputs.some((v) => v && needs.has(v))) continue;
    const def = getOp(n.op);
    if (!def?.grad) throw nodeError(n, `no gradient rule for op '${n.op}' (training needs one for every op between the parameters and the loss)`);
    gc.node = n;
    const dxs = def.grad(gc, n, dys);
    n.inputs.forEach((v, k) => {
      const d = dxs[k];
      if (!v || !d || !needs.has(v)) return;
      if (!shapeEq(d.type.shape, v.type.shape)) throw nodeError(n, `internal: gradient of input ${k} has shape [${d.type.shape.join(',')}], the input [${v.type.shape.join(',')}]`);
      const prev = grads.get(v);
      grads.set(v, prev ? gc.op('Add', [prev, d]) : d);
    });
  }
  gc.node = null;

  // 4. outputs; parameters no gradient reaches are constants again
  const trained = params.filter((p, i) => grads.has(cands[i]!));
  cands.forEach((v, i) => {
    if (!grads.has(v)) {
      v.const = params[i]!.init;
      g.inputs = g.inputs.filter((x) => x !== v);
    }
  });
  if (!trained.length) throw new DnncError(`no gradient reaches any parameter`);
  const kept = cands.filter((v) => grads.has(v));
  const gradOuts = kept.map((v) => {
    let d = grads.get(v)!;
    // a gradient that is a parameter's value itself or an input must still be written by a node
    if (!d.producer || d.const) d = gc.op('Identity', [d]);
    return d;
  });
  const dataNames = g.inputs.slice(trained.length).map((v) => v.name);
  const meta: TrainMeta = { loss: opts.loss, lossKind: kind, params: trained, dataInputs: dataNames, originalOutputs: outNames };
  const opt = opts.optimizer;
  if (!opt) {
    g.outputs = [loss, ...originalOutputs, ...gradOuts];
    g.meta.outputNames = ['loss', ...outNames, ...trained.map((p) => `grad.${p.name}`)];
  } else {
    meta.optimizer = opt;
    const readers = g.usersMap();
    const hyper = new IrValue(g.uniqueName('optimizer.hyper'), { dtype: 'float32', shape: [3] });
    const ms: Value[] = [], vs: Value[] = [], news: Value[] = [], mOut: Value[] = [], vOut: Value[] = [];
    kept.forEach((p, i) => {
      const d = gradOuts[i]!;
      // every other reader of p runs before p is overwritten; views of p (Reshape, Slice...)
      // share its bytes, so their readers count too
      const depSet = new Set<Value>();
      const visit = (v: Value) => {
        for (const r of readers.get(v) ?? []) {
          if (r.op === 'OptimizerStep') continue;
          for (const o of r.outputs) if (o !== d && !depSet.has(o)) {
            depSet.add(o);
            const def = getOp(r.op);
            if (def?.view || def?.sliceViews) visit(o);
          }
        }
      };
      visit(p);
      const deps = [...depSet];
      const state: Value[] = [];
      if (opt.kind === 'adam') {
        const m = new IrValue(g.uniqueName(`adam.m.${p.name}`), { dtype: 'float32', shape: [...p.type.shape] });
        const v = new IrValue(g.uniqueName(`adam.v.${p.name}`), { dtype: 'float32', shape: [...p.type.shape] });
        ms.push(m); vs.push(v); state.push(m, v);
      }
      gc.node = p.producer;
      const outs = gc.opN('OptimizerStep', [p, d, hyper, ...state, ...deps], opt.kind === 'adam'
        ? { mode: 'adam', beta1: { float: opt.beta1 }, beta2: { float: opt.beta2 }, epsilon: { float: opt.eps } }
        : { mode: 'sgd' }, opt.kind === 'adam' ? 3 : 1);
      news.push(outs[0]!);
      if (opt.kind === 'adam') { mOut.push(outs[1]!); vOut.push(outs[2]!); }
    });
    gc.node = null;
    g.inputs = [...g.inputs, hyper, ...ms, ...vs];
    g.outputs = [loss, ...originalOutputs, ...news, ...mOut, ...vOut];
    g.meta.outputNames = ['loss', ...outNames, ...trained.map((p) => `new.${p.name}`), ...mOut.map((_, i) => `adam.m.${trained[i]!.name}`), ...vOut.map((_, i) => `adam.v.${trained[i]!.name}`)];
  }
  g.meta.train = meta;
  return meta;
}

export default registerPass({
  name: 'autodiff',
  description: 'add the loss and the backward pass (gradients of the loss with respect to the parameters, which become inputs)',
  run(g, ctx) {
    const opts = ctx.options.train as TrainOptions | undefined;
    if (!opts) throw new DnncError(`the autodiff pass needs a loss (--train --loss ...)`);
    const { kind, names } = parseLoss(opts.loss);
    const logits = kind === 'cross_entropy' ? findValue(g, names[0]!) : null;
    if (logits?.producer && (logits.producer.op === 'Softmax' || logits.producer.op === 'LogSoftmax')) {
      ctx.warn(`--loss cross_entropy: '${names[0]}' is the output of ${logits.producer.op}; the loss applies its own log-softmax, so give the ${logits.producer.op} input (the logits) instead`);
    }
    differentiate(g, opts);
  },
});
