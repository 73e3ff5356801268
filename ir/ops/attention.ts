// Attention: softmax(mask(scale * Q Kᵀ)) V as one op (made by passes/fuse-attention).
//   inputs: Q [..., M, D], K [..., T, D] (or Kᵀ [..., D, T] when k_transposed=1),
//           V [..., T, Dv], mask (optional, broadcast to [..., M, T]:
//           bool for mask_mode 1/2, float for mask_mode 3)
//   attrs:  scale (float), k_transposed (0/1), mask_mode (0 none, 1 Where(m, s, fill),
//           2 Where(m, fill, s), 3 s + m), fill (float), mask_first (mask before scale)
//   output: [..., M, Dv] float32
// The kernel computes one query row at a time: scratch of T floats.
import { registerOp, inType, broadcastShapes } from './registry.js';
import { nodeError } from '../errors.js';
import type { Node } from '../graph.js';

export function attentionDims(n: Node): { M: number; T: number; D: number; Dv: number; batch: number[] } {
  const q = inType(n, 0).shape, k = inType(n, 1).shape, v = inType(n, 2).shape;
  if (q.length < 2 || k.length < 2 || v.length < 2) throw nodeError(n, 'Q, K and V must have rank 2 or more');
  const kt = n.int('k_transposed', 0) === 1;
  const M = q[q.length - 2]!, D = q[q.length - 1]!;
  const T = kt ? k[k.length - 1]! : k[k.length - 2]!;
  const Dk = kt ? k[k.length - 2]! : k[k.length - 1]!;
  const Tv = v[v.length - 2]!, Dv = v[v.length - 1]!;
  if (Dk !== D) throw nodeError(n, `Q has ${D} features, K ${Dk}`);
  if (Tv !== T) throw nodeError(n, `K has ${T} positions, V ${Tv}`);
  const batch = broadcastShapes(n, [q.slice(0, -2), k.slice(0, -2), v.slice(0, -2)]);
  return { M, T, D, Dv, batch };
}

registerOp({
  op: 'Attention',
  infer: (n) => {
    for (let i = 0; i < 3; i++) if (inType(n, i).dtype !== 'float32') throw nodeError(n, `Attention on ${inType(n, i).dtype} is not supported (float32 only)`);
    const { M, T, Dv, batch } = attentionDims(n);
    const mode = n.int('mask_mode', 0);
    const m = n.inputs[3];
    if (mode !== 0) {
      if (!m) throw nodeError(n, 'mask_mode needs a mask input');
      const want = mode === 3 ? 'float32' : 'bool';
      if (m.type.dtype !== want) throw nodeError(n, `mask must be ${want} for mask_mode ${mode}`);
      const s = broadcastShapes(n, [m.type.shape, [...batch, M, T]]);
      if (s.length !== batch.length + 2 || s.some((d, i) => d !== [...batch, M, T][i])) throw nodeError(n, `mask [${m.type.shape.join(',')}] does not broadcast to the scores [${[...batch, M, T].join(',')}]`);
    }
    return [{ dtype: 'float32', shape: [...batch, M, Dv] }];
  },
  scratch: (n) => 4 * attentionDims(n).T,
});
