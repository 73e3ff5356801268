// dnnc-internal ops on persistent state buffers (see passes/state.ts).
import { registerOp, inType, broadcastShapes } from './registry.js';
import { nodeError } from '../errors.js';
import { broadcastMap } from './util.js';
import { typeEq } from '../types.js';

// WhereInPlace(cond, x, state) = Where(cond, x, state) where the output shares
// the bytes of `state` (a persistent state buffer): only the elements where
// cond is true are written, the others already hold state's value. The KV
// cache update of a decoder step (one-hot slot mask) becomes a row write.
registerOp({
  op: 'WhereInPlace',
  infer: (n) => {
    const c = inType(n, 0), a = inType(n, 1), b = inType(n, 2);
    if (a.dtype !== b.dtype) throw nodeError(n, `X and Y types differ: ${a.dtype} and ${b.dtype}`);
    const out = { dtype: b.dtype, shape: broadcastShapes(n, [c.shape, a.shape, b.shape]) };
    if (!typeEq(out, b)) throw nodeError(n, 'the in-place output must have the shape of the state input');
    return [out];
  },
  evaluate: (n, [c, a, b]) => [broadcastMap(n, [c!, a!, b!], a!.dtype, (x, y, z) => (x ? y : z))],
});
