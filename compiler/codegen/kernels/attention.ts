// Emitter of the fused Attention op (runtime-c/kernels/attention.c).
import { registerKernel } from './registry.js';
import { kernelName } from './geometry.js';
import { cfloat } from '../c.js';
import { numel, stridesOf } from '../../../ir/types.js';
import { bstrides } from '../loops.js';
import { attentionDims } from '../../../ir/ops/attention.js';

/** Element offset of each batch matrix of an operand whose batch dims broadcast to `batch`. */
function batchOffsets(shape: readonly number[], batch: number[], matrix: number): number[] {
  return offsetsByStrides(bstrides(shape.slice(0, -2), batch), batch, matrix);
}

/** For each index of `batch` (row-major), the sum of its coordinates times `st`, times `scale`. */
function offsetsByStrides(st: readonly number[], batch: number[], scale: number): number[] {
  const ost = stridesOf(batch);
  const out: number[] = [];
  for (let i = 0; i < numel(batch); i++) {
    let rem = i, off = 0;
    for (let d = 0; d < batch.length; d++) {
      const idx = Math.floor(rem / ost[d]!);
      rem -= idx * ost[d]!;
      off += idx * st[d]!;
    }
    out.push(off * scale);
  }
  return out;
}

registerKernel({
  ops: ['Attention'],
  emit(ctx) {
    const n = ctx.node;
    const [q, k, v, mask] = n.inputs;
    const y = n.outputs[0]!;
    const { M, T, D, Dv, batch } = attentionDims(n);
    const mode = n.int('mask_mode', 0)!;
    const qo = ctx.table('att_q_off', batchOffsets(q!.type.shape, batch, M * D));
    const ko = ctx.table('att_k_off', batchOffsets(k!.type.shape, batch, T * D));
    const vo = ctx.table('att_v_off', batchOffsets(v!.type.shape, batch, T * Dv));
    let mo = 'NULL', msm = 0, mst = 0;
    if (mode !== 0 && mask) {
      const full = [...batch, M, T];
      const st = bstrides(mask.type.shape, full);
      msm = st[st.length - 2]!;
      mst = st[st.length - 1]!;
      mo = ctx.table('att_m_off', offsetsByStrides(st.slice(0, -2), batch, 1));
    }
    ctx.use('attention');
    const params = ctx.decl('attention', 'dnnc_attention_params',
      `{ ${numel(batch)}, ${M}, ${T}, ${D}, ${Dv}, ${n.int('k_transposed', 0)}, ${qo}, ${ko}, ${vo}, ${mo}, ${msm}, ${mst}, ${mode}, ${n.int('mask_first', 0)}, ` +
      `${cfloat(n.float('scale', 1)!)}, ${cfloat(n.float('fill', 0)!)} }`);
    const mb = mask && (mode === 1 || mode === 2) ? `(const uint8_t *)${ctx.cptr(mask)}` : 'NULL';
    const mf = mask && mode === 3 ? ctx.cptr(mask) : 'NULL';
    return `  ${kernelName(ctx, 'dnnc_attention_f32')}(${ctx.cptr(q!)}, ${ctx.cptr(k!)}, ${ctx.cptr(v!)}, ${mb}, ${mf}, ${ctx.ptr(y)}, (float *)${ctx.scratch()}, &${params});\n`;
  },
});
