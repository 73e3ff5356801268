// Ops that only gradient rules create (training graphs, passes/autodiff.ts).
import { Tensor } from '../tensor.js';
import { registerOp, inType, normAxis } from './registry.js';
import { nodeError } from '../errors.js';
import { numel } from '../types.js';

/**
 * GatherGrad(dy, indices; axis, shape): the gradient of Gather(data, indices)
 * with respect to data: zeros of `shape` with the slices of dy added at the
 * gathered positions (indices repeated accumulate; negative ones wrap).
 */
registerOp({
  op: 'GatherGrad',
  infer: (n) => {
    const dy = inType(n, 0), idx = inType(n, 1);
    const shape = n.ints('shape');
    if (!shape) throw nodeError(n, `the shape attribute is required`);
    const axis = normAxis(n, n.int('axis', 0), shape.length);
    const want = [...shape.slice(0, axis), ...idx.shape, ...shape.slice(axis + 1)];
    if (want.length !== dy.shape.length || want.some((d, i) => d !== dy.shape[i])) throw nodeError(n, `dy shape [${dy.shape.join(',')}] does not match [${want.join(',')}]`);
    return [{ dtype: dy.dtype, shape }];
  },
  evaluate: (n, [dy, ind]) => {
    const t = n.outputs[0]!.type;
    const axis = n.int('axis', 0);
    const out = new Tensor(t.dtype, t.shape);
    const outer = numel(t.shape.slice(0, axis)), inner = numel(t.shape.slice(axis + 1)), dim = t.shape[axis]!;
    let k = 0;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < ind!.size; j++) {
        let i = ind!.get(j);
        if (i < 0) i += dim;
        for (let q = 0; q < inner; q++, k++) {
          if (i < 0 || i >= dim) continue;
          const at = (o * dim + i) * inner + q;
          out.set(at, out.get(at) + dy!.get(k));
        }
      }
    }
    return [out];
  },
});

/**
 * NegativeLogLikelihoodLossGrad(dloss, target, [weight]; reduction,
 * ignore_index, shape): the gradient of NegativeLogLikelihoodLoss with
 * respect to its input x of `shape` [N, C, d...]: -w[t] * dloss / (weight sum
 * for mean) at class t of each position, zero elsewhere and at ignored
 * positions.
 */
registerOp({
  op: 'NegativeLogLikelihoodLossGrad',
  infer: (n) => {
    const dl = inType(n, 0), t = inType(n, 1);
    const shape = n.ints('shape');
    if (!shape || shape.length < 2) throw nodeError(n, `the shape attribute [N, C, ...] is required`);
    const red = n.str('reduction', 'mean');
    if (red === 'none' ? numel(dl.shape) !== numel(t.shape) : numel(dl.shape) !== 1) throw nodeError(n, `dloss shape [${dl.shape.join(',')}] does not fit reduction '${red}'`);
    if (numel(t.shape) * shape[1]! !== numel(shape)) throw nodeError(n, `target shape does not match [${shape.join(',')}]`);
    return [{ dtype: dl.dtype, shape }];
  },
});

/**
 * PoolGrad(dy, x; mode max|avg, kernel_shape, strides, dilations, pads,
 * count_include_pad): the gradient of MaxPool / AveragePool (1-D or 2-D) with
 * respect to x: each output's gradient goes to the window's largest input
 * (max) or is shared by the window's inputs (avg).
 */
registerOp({
  op: 'PoolGrad',
  infer: (n) => {
    const dy = inType(n, 0), x = inType(n, 1);
    const r = x.shape.length - 2;
    if (r < 1 || r > 2) throw nodeError(n, `pool gradients support 1-D and 2-D pooling, got rank ${x.shape.length}`);
    if (dy.shape.length !== x.shape.length || dy.shape[0] !== x.shape[0] || dy.shape[1] !== x.shape[1]) throw nodeError(n, `dy does not match x`);
    for (const a of ['kernel_shape', 'strides', 'dilations']) if ((n.ints(a) ?? []).length !== r) throw nodeError(n, `${a} must have ${r} entries`);
    if ((n.ints('pads') ?? []).length !== 2 * r) throw nodeError(n, `pads must have ${2 * r} entries`);
    const mode = n.str('mode', 'max');
    if (mode !== 'max' && mode !== 'avg') throw nodeError(n, `mode '${mode}' is not max or avg`);
    return [x];
  },
});

/**
 * OptimizerStep(p, g, hyper, [m, v], deps...; mode adam|sgd, beta1, beta2,
 * epsilon) -> (p', [m', v']): one optimizer update of a parameter inside the
 * training graph, so its gradient dies there (the memory planner can reuse
 * its bytes). hyper = [lr, 1/(1-beta1^t), 1/(1-beta2^t)] changes every step.
 * The trainer passes the same buffer as p and p' (m and m', v and v'): the
 * kernel reads each element before writing it. The inputs after the state
 * are dependencies only: the outputs of every other node that reads p, so
 * the update runs after the last read of the old value.
 */
registerOp({
  op: 'OptimizerStep',
  infer: (n) => {
    const p = inType(n, 0), g = inType(n, 1), h = inType(n, 2);
    const mode = n.str('mode', 'adam');
    if (mode !== 'adam' && mode !== 'sgd') throw nodeError(n, `mode '${mode}' is not adam or sgd`);
    if (p.dtype !== 'float32' || g.dtype !== 'float32' || h.dtype !== 'float32') throw nodeError(n, `float32 parameters only`);
    if (p.shape.length !== g.shape.length || p.shape.some((d, i) => d !== g.shape[i])) throw nodeError(n, `gradient shape differs from the parameter's`);
    if (numel(h.shape) !== 3) throw nodeError(n, `hyper must hold 3 values`);
    if (mode === 'adam') {
      for (const i of [3, 4]) {
        const s = inType(n, i);
        if (s.shape.length !== p.shape.length || s.shape.some((d, k) => d !== p.shape[k])) throw nodeError(n, `Adam state ${i} has the wrong shape`);
      }
      return [p, p, p];
    }
    return [p];
  },
});
