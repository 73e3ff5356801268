// --rsp: the C of a layer the `rsp` pass gave to the RSP (attribute rsp = 1):
// the generated microcode and const block of every task as static C data,
// the task list (runtime-c/kernels/rspdispatch.h), and a call of
// dnnc_rsp_run_layer() that falls back to the layer's CPU int16 kernel where
// there is no RSP (host, qemu, libdragon builds): the same model runs
// everywhere, and the pass has checked that both give the same bits.
import type { EmitCtx } from './registry.js';
import { nodeError } from '../../../ir/errors.js';
import { rspDecide } from '../../rsp/plan.js';

export function bytes(b: Uint8Array): string {
  const pad = new Uint8Array(Math.max(8, Math.ceil(b.length / 8) * 8));
  pad.set(b);
  const rows: string[] = [];
  for (let i = 0; i < pad.length; i += 16) rows.push('  ' + Array.from(pad.subarray(i, i + 16), (v) => `0x${v.toString(16).padStart(2, '0')}`).join(', '));
  return `{\n${rows.join(',\n')}\n}`;
}

/** The RSP dispatch of a QConv / QMaxPool node (the rsp pass set rsp = 1), with `cpuCall` (C statements) as the fallback. */
export function emitRspConv(ctx: EmitCtx, cpuCall: string): string {
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
  const pd = p.pad ?? { C: 0, H: 0, W: 0, IWp: 0 };
  const layer0 = ctx.decl('rsp_layer', 'dnnc_rsp_layer', `{ ${list}, ${p.tasks.length}u, ${pd.C}u, ${pd.H}u, ${pd.W}u, ${pd.IWp}u, ${p.inBytes}u, ${p.outBytes}u }`);
  // grouped / two-stream tasks (chunked 3x3 conv): their extras and dnnc_rsp_run_layer_ext(); other layers are emitted as before
  let layer = layer0;
  if (p.tasks.some((t) => t.in1 || t.inStep2)) {
    const u32 = (v: number) => `0x${(v >>> 0).toString(16)}u`;
    const ext = p.tasks.map((t, i) => {
      // in_step2, in1 data / bytes / stride / len / step2, out_step2
      const w1 = t.in1 ? ctx.decl(`rsp_w${i}`, 'uint8_t DNNC_ALIGN(16)', bytes(t.in1.data), true) : 'NULL';
      return `  { ${u32(t.inStep2 ?? 0)}, ${w1}, ${t.in1 ? t.in1.data.length : 0}u, ${u32(t.in1?.stride ?? 0)}, ${u32(t.in1?.len ?? 0)}, ${u32(t.in1?.step2 ?? 0)}, ${u32(t.outStep2 ?? 0)} }`;
    });
    const extList = ctx.decl('rsp_ext', 'dnnc_rsp_task_ext', `{\n${ext.join(',\n')}\n}`, true);
    layer = `${layer0}, ${extList}`;
  }
  const x = n.inputs[0]!, y = n.outputs[0]!;
  const desc = `/* RSP: ${p.kind}${p.kind === "maxpool2x2" ? "" : `, ${p.acc}-bit accumulator`}, ${p.tasks.length} task(s) x ${p.tasks[0]!.ntiles} tile(s) */`;
  if (p.padb) {
    // 3x3 stride 1 (conv3x3c): the dispatcher builds the padded copy, zeroing only the padding the tasks read
    const pb = p.padb, buf = ctx.local('rsp_pad');
    return `  { ${desc}\n`
      + `    static int16_t DNNC_ALIGN(16) ${buf}[${pb.C * (pb.H + 2) * pb.IWp}];\n`
      + `    if (!dnnc_rsp_run_layer_pad(&${layer}, ${ctx.cptr(x)}, ${buf}, ${ctx.ptr(y)}, ${pb.C}u, ${pb.H}u, ${pb.W}u, ${pb.IWp}u)) {\n  ${cpuCall.trimEnd()}\n    }\n  }\n`;
  }
  if (p.deint) {
    // 3x3 stride 2 (conv3x3c deint): the dispatcher builds the column-deinterleaved padded copy, the tasks write y
    const dv = p.deint, buf = ctx.local('rsp_deint');
    return `  { ${desc.replace(' */', ', stride 2 on a column-deinterleaved copy */')}\n`
      + `    static int16_t DNNC_ALIGN(16) ${buf}[${p.inBytes / 2}];\n`
      + `    if (!dnnc_rsp_run_layer_s2(&${layer}, ${ctx.cptr(x)}, ${buf}, ${ctx.ptr(y)}, ${dv.C}u, ${dv.H}u, ${dv.W}u, ${dv.ew}u, ${dv.pt}u, ${dv.pl}u)) {\n  ${cpuCall.trimEnd()}\n    }\n  }\n`;
  }
  if (p.sub) {
    // stride 2: the RSP computes the stride-1 result into a scratch buffer, the CPU keeps even rows and columns
    const full = ctx.local('rsp_full');
    const padBuf = p.pad ? ctx.local('rsp_pad') : '';
    return `  { ${desc.replace(' */', ', stride 2 as stride 1 + subsampling */')}\n`
      + (p.pad ? `    static int16_t DNNC_ALIGN(16) ${padBuf}[${pd.C * (pd.H + 2) * pd.IWp}];\n` : '')
      + `    static int16_t DNNC_ALIGN(16) ${full}[${p.outBytes / 2}];\n`
      + `    if (dnnc_rsp_run_layer${layer === layer0 ? '' : '_ext'}(&${layer}, ${ctx.cptr(x)}, ${p.pad ? padBuf : 'NULL'}, ${full})) {\n      dnnc_rsp_subsample2(${full}, ${ctx.ptr(y)}, ${p.sub.C}u, ${p.sub.H}u, ${p.sub.W}u);\n    } else {\n  ${cpuCall.trimEnd()}\n    }\n  }\n`;
  }
  if (p.pad) {
    const padN = pd.C * (pd.H + 2) * pd.IWp;
    const buf = ctx.local('rsp_pad');
    return `  { ${desc}\n    static int16_t DNNC_ALIGN(16) ${buf}[${padN}];\n    if (!dnnc_rsp_run_layer${layer === layer0 ? '' : '_ext'}(&${layer}, ${ctx.cptr(x)}, ${buf}, ${ctx.ptr(y)})) {\n  ${cpuCall.trimEnd()}\n    }\n  }\n`;
  }
  return `  ${desc}\n  if (!dnnc_rsp_run_layer${layer === layer0 ? '' : '_ext'}(&${layer}, ${ctx.cptr(x)}, NULL, ${ctx.ptr(y)})) {\n  ${cpuCall.trimEnd()}\n  }\n`;
}
