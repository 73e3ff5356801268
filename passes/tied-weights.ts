// MatMul(x, Transpose(W)) with a constant W that is also read elsewhere (tied
// embeddings: the lm_head is the token embedding transposed) or too large to
// fold, or MatMul(x, Wᵀ) where the exporter already folded that Transpose into
// a second initializer equal to an embedding table's transpose: read W itself
// as Gemm(x, W, transB=1), so the weights are stored once (and a streamed W
// reads in row tiles whose rows are whole output columns). Runs before const-fold.
import { registerPass } from './pass.js';
import type { Node, Value } from '../ir/graph.js';
import { Node as IrNode } from '../ir/graph.js';
import { Builder } from '../ir/builder.js';
import { Tensor } from '../ir/tensor.js';
import { numel } from '../ir/types.js';
import { FOLD_LIMIT } from '../ir/infer.js';

/** U (shape [N, K]) is exactly the transpose of W ([K, N])? */
function isTransposeOf(w: Tensor, u: Tensor): boolean {
  const [K, N] = w.shape as [number, number];
  if (u.shape[0] !== N || u.shape[1] !== K) return false;
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) if (w.get(k * N + n) !== u.get(n * K + k)) return false;
  return true;
}

export default registerPass({
  name: 'tied-weights',
  description: 'MatMul(x, Transpose(W const)) -> Gemm(x, W, transB) when W is shared or too large to fold (tied embeddings)',
  run(g) {
    const users = g.usersMap();
    const b = new Builder(g);
    // embedding tables (Gather data): an exporter that folded the tied lm_head's Transpose wrote
    // their transpose again as a second initializer; read the table itself instead
    const tables = [...new Set(g.nodes.filter((n) => n.op === 'Gather' && n.int('axis', 0) === 0).map((n) => n.inputs[0]!))]
      .filter((v) => v.const && v.type.shape.length === 2 && v.type.dtype === 'float32');
    for (const mm of [...g.nodes]) {
      if (mm.op !== 'MatMul') continue;
      const x = mm.inputs[0]!, t = mm.inputs[1]!;
      const tr: Node | null = t.producer;
      let w: Value;
      if (tr && tr.op === 'Transpose') {
        w = tr.inputs[0]!;
        if (!w.const || w.type.shape.length !== 2 || w.type.dtype !== 'float32' || x.type.dtype !== 'float32') continue;
        const perm = tr.ints('perm') ?? [1, 0];
        if (perm[0] !== 1 || perm[1] !== 0) continue;
        const shared = (users.get(w) ?? []).length > 1;
        if (!shared && numel(w.type.shape) <= FOLD_LIMIT) continue;
      } else {
        if (!t.const || tr || t.type.shape.length !== 2 || t.type.dtype !== 'float32' || x.type.dtype !== 'float32') continue;
        const twin = tables.find((u) => u !== t && isTransposeOf(t.const!, u.const!));
        if (!twin) continue;
        w = twin;
      }
      if (x.type.shape.length < 2) continue;
      const [N, K] = w.type.shape as [number, number];
      const y = mm.outputs[0]!;
      const M = numel(x.type.shape) / K;
      let a = x;
      if (x.type.shape.length !== 2) a = b.node('Reshape', [x, b.constant(`${mm.name}_rows`, Tensor.fromNumbers('int64', [2], [M, K]))], { before: mm }).outputs[0]!;
      if (x.type.shape.length === 2) {
        const gemm = new IrNode(g.uniqueName(`${mm.name}_tied`), 'Gemm', [a, w], [y], new Map([['transB', { kind: 'int', value: 1 }]]));
        g.nodes.splice(g.nodes.indexOf(mm), 1, gemm);
      } else {
        const gemm = b.node('Gemm', [a, w], { before: mm, attrs: { transB: { kind: 'int', value: 1 } } });
        const back = new IrNode(g.uniqueName(`${mm.name}_tied_shape`), 'Reshape', [gemm.outputs[0]!, b.constant(`${mm.name}_shape`, Tensor.fromNumbers('int64', [y.type.shape.length], y.type.shape))], [y]);
        g.nodes.splice(g.nodes.indexOf(mm), 1, back);
      }
      void N;
    }
  },
});
