// --rsp: the C of a QAdd / QMul the `rsp` pass gave to the RSP (rsp = 1): the
// add / mul microcode and const block of every task as static C data, the
// task list, and a call of dnnc_rsp_run_eltwise() (runtime-c rspdispatch)
// for the first count - count % 8 elements; the CPU loop does the rest, or
// everything where there is no RSP (host, qemu, libdragon builds). The plan
// (compiler/rsp/plan.ts decideEltwise) has checked both give the same bits.
import type { EmitCtx } from './registry.js';
import { nodeError } from '../../../ir/errors.js';
import { rspDecide } from '../../rsp/plan.js';
import { bytes } from './rsp.js';

/** `cpuElem(i)`: the C expression of the CPU result of element i (a size_t named i). */
export function emitRspEltwise(ctx: EmitCtx, cpuElem: (i: string) => string): string {
  const n = ctx.node;
  const d = rspDecide(n);
  if (!d.rsp) throw nodeError(n, `internal: --rsp layer no longer eligible: ${d.reason}`);
  const p = d.plan;
  ctx.use('rsptask');
  ctx.use('rspdispatch');
  const tasks = p.tasks.map((t, i) => {
    const text = ctx.decl(`rsp_text${i}`, 'uint8_t DNNC_ALIGN(16)', bytes(t.kernel.image.imem), true);
    const cdata = ctx.decl(`rsp_cdata${i}`, 'uint8_t DNNC_ALIGN(16)', bytes(t.kernel.constData), true);
    const uc = ctx.decl(`rsp_ucode${i}`, 'dnnc_rsp_ucode',
      `{ ${text}, ${t.kernel.image.imem.length}u, ${cdata}, ${t.kernel.constData.length}u, ${t.kernel.map.end}u, ${t.kernel.layout.in0Bytes}u, ${t.kernel.layout.in1Bytes}u, ${t.kernel.layout.outBytes}u }`);
    return `  { &${uc}, ${t.ntiles}u, ${t.inOff}u, ${t.inStride}u, 0x${t.inLen.toString(16)}u, ${t.outOff}u, ${t.outStride}u, 0x${t.outLen.toString(16)}u }`;
  });
  const list = ctx.decl('rsp_tasks', 'dnnc_rsp_task', `{\n${tasks.join(',\n')}\n}`, true);
  const layer = ctx.decl('rsp_eltwise', 'dnnc_rsp_eltwise', `{ ${list}, ${p.tasks.length}u, ${p.outBytes}u }`);
  const a = n.inputs[0]!, b = n.inputs[1]!, y = n.outputs[0]!;
  const count = y.type.shape.reduce((s, v) => s * v, 1), done = p.outBytes / 2;
  const tiles = p.tasks.map((t) => `${t.ntiles} x ${t.inStride / 2}`).join(' + ');
  return `  { /* RSP: ${p.kind}, ${p.tasks.length} task(s), tiles ${tiles} elements${done < count ? `, the last ${count - done} on the CPU` : ''} */\n`
    + `    size_t i = 0;\n`
    + `    if (dnnc_rsp_run_eltwise(&${layer}, ${ctx.cptr(a)}, ${ctx.cptr(b)}, ${ctx.ptr(y)})) i = ${done}u;\n`
    + `    for (; i < ${count}u; i++) ${ctx.ptr(y)}[i] = ${cpuElem('i')};\n`
    + `  }\n`;
}
