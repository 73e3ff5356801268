// --weight-dtype fp16 for Conv: the weights are stored as IEEE half and the
// kernel converts one output channel's weights at a time into a scratch area
// of (cin / group) * kh * kw floats before convolving that channel. This pass
// marks the Conv nodes (1-D and 2-D, float32, constant weights) and asks the
// memory planner for that scratch; codegen/weight-rows.ts stores the weights.
import { registerPass } from './pass.js';
import { numel } from '../ir/types.js';

export default registerPass({
  name: 'conv-weights-fp16',
  description: 'with --weight-dtype fp16: Conv weights stored as half, converted per output channel into scratch',
  run(g, ctx) {
    if (ctx.options.weightDtype !== 'float16' || ctx.options.quantize) return;
    for (const n of g.nodes) {
      if (n.op !== 'Conv') continue;
      const x = n.inputs[0]!, w = n.inputs[1]!;
      const r = x.type.shape.length - 2;
      if (r < 1 || r > 2 || x.type.dtype !== 'float32' || !w.const || w.type.dtype !== 'float32' || n.outputs[0]!.type.dtype !== 'float32') continue;
      const perChannel = numel(w.type.shape) / Math.max(1, w.type.shape[0]!);
      n.setInt('weight_fp16', 1);
      const prev = n.attrs.get('scratch_bytes');
      n.setInt('scratch_bytes', Math.max(prev && prev.kind === 'int' ? prev.value : 0, 4 * perChannel));
    }
  },
});
