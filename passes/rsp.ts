// --rsp (n64, int16): mark the layers that run as RSP tasks. Each QConv / QMaxPool whose
// int16 numerics have an exactly matching RSP kernel (compiler/rsp/plan.ts:
// pointwise, 3x3 and 3x3 depthwise (stride 1 / pad 1), the accumulator mode chosen by the
// exactness checks of compiler/rsp) gets the attribute `rsp` = 1; every other
// candidate gets `rsp_cpu` = the reason it stays on the CPU. The codegen
// (compiler/codegen/kernels/rsp.ts) emits the tasks and the dispatcher call
// for `rsp` nodes. Runs only when asked (--rsp).
import { registerPass, type PassContext } from './pass.js';
import type { Graph } from '../ir/graph.js';
import { DnncError } from '../ir/errors.js';
import { rspCandidate, rspDecide } from '../compiler/rsp/plan.js';
import { rspStaging } from '../compiler/rsp/relayout.js';

export default registerPass({
  name: 'rsp',
  description: 'choose the int16 layers that run as RSP vector kernels (--rsp)',
  run(g: Graph, ctx: PassContext) {
    if (!ctx.target.levels.some((l) => l.name === 'RSP DMEM')) throw new DnncError(`--rsp: target ${ctx.target.name} has no RSP`);
    for (const n of g.nodes) {
      if (!rspCandidate(n)) continue;
      const d = rspDecide(n);
      if (d.rsp) {
        n.attrs.set('rsp', { kind: 'int', value: 1 });
        // the staging buffers (pad copy, relayouts) are the node's arena scratch
        const sb = rspStaging(d.plan).scratchBytes;
        if (sb) n.setInt('scratch_bytes', Math.max(n.int('scratch_bytes', 0), sb));
      }
      else n.attrs.set('rsp_cpu', { kind: 'string', value: d.reason });
    }
    return g;
  },
});

/** The pipeline with the rsp pass before scheduling. */
export function rspPipeline(pipeline: string[]): string[] {
  if (pipeline.includes('rsp')) return pipeline;
  const i = pipeline.lastIndexOf('schedule');
  const at = i >= 0 ? i : pipeline.length;
  return [...pipeline.slice(0, at), 'rsp', ...pipeline.slice(at)];
}
