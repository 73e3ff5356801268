// --rsp: the C of a layer the `rsp` pass gave to the RSP (attribute rsp = 1):
// the generated microcode and const block of every task as static C data,
// the task list (runtime-c/kernels/rspdispatch.h), and a call of
// dnnc_rsp_run_layer() that falls back to the layer's CPU int16 kernel where
// there is no RSP (host, qemu, libdragon builds): the same model runs
// everywhere, and the pass has checked that both give the same bits.
import type { EmitCtx } from './registry.js';
import { nodeError } from '../../../ir/errors.js';
import { rspDecide } from '../../rsp/plan.js';
import { rspStaging, copyInit, type RspCopy } from '../../rsp/relayout.js';

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
  // tasks that differ only in their const block (weights) share one microcode text
  const texts = new Map<string, string>();
  const tasks = p.tasks.map((t, i) => {
    const img = bytes(t.kernel.image.imem);
    const text = texts.get(img) ?? ctx.decl(`rsp_text${i}`, 'uint8_t DNNC_ALIGN(16)', img, true);
    texts.set(img, text);
    const cdata = ctx.decl(`rsp_cdata${i}`, 'uint8_t DNNC_ALIGN(16)', bytes(t.kernel.constData), true);
    const uc = ctx.decl(`rsp_ucode${i}`, 'dnnc_rsp_ucode',
      `{ ${text}, ${t.kernel.image.imem.length}u, ${cdata}, ${t.kernel.constData.length}u, ${t.kernel.map.end}u, ${t.kernel.layout.in0Bytes}u, ${t.kernel.layout.in1Bytes}u, ${t.kernel.layout.outBytes}u }`);
    return `  { &${uc}, ${t.ntiles}u, ${t.inOff}u, ${t.inStride}u, 0x${t.inLen.toString(16)}u, ${t.outOff}u, ${t.outStride}u, 0x${t.outLen.toString(16)}u }`;
  });
  const list = ctx.decl('rsp_tasks', 'dnnc_rsp_task', `{\n${tasks.join(',\n')}\n}`, true);
  const pd = p.pad ?? { C: 0, H: 0, W: 0, IWp: 0 };
  const st = rspStaging(p);
  const copies = (hint: string, cs: RspCopy[]) => ctx.decl(hint, 'dnnc_rsp_copy', `{\n${cs.map((c) => `  ${copyInit(c)}`).join(',\n')}\n}`, true);
  const inCopies = st.inCopies.length ? `, ${copies('rsp_in', st.inCopies)}, ${st.inCopies.length}u` : ', NULL, 0u';
  const layer = ctx.decl('rsp_layer', 'dnnc_rsp_layer', `{ ${list}, ${p.tasks.length}u, ${pd.C}u, ${pd.H}u, ${pd.W}u, ${pd.IWp}u, ${p.inBytes}u, ${p.outBytes}u${inCopies} }`);
  // grouped / two-stream tasks (chunked 3x3 conv): their extras, for the _ext / _pad / _s2 dispatchers
  let ext = 'NULL';
  if (p.tasks.some((t) => t.in1 || t.inStep2 || t.outStep2)) {
    const u32 = (v: number) => `0x${(v >>> 0).toString(16)}u`;
    const rows = p.tasks.map((t, i) => {
      // in_step2, in1 data / bytes / stride / len / step2, out_step2
      const w1 = t.in1 ? ctx.decl(`rsp_w${i}`, 'uint8_t DNNC_ALIGN(16)', bytes(t.in1.data), true) : 'NULL';
      return `  { ${u32(t.inStep2 ?? 0)}, ${w1}, ${t.in1 ? t.in1.data.length : 0}u, ${u32(t.in1?.stride ?? 0)}, ${u32(t.in1?.len ?? 0)}, ${u32(t.in1?.step2 ?? 0)}, ${u32(t.outStep2 ?? 0)} }`;
    });
    ext = ctx.decl('rsp_ext', 'dnnc_rsp_task_ext', `{\n${rows.join(',\n')}\n}`, true);
  }
  const x = n.inputs[0]!, y = n.outputs[0]!;
  const what = [p.kind, ...(p.kind === 'maxpool2x2' ? [] : [`${p.acc}-bit accumulator`]), `${p.tasks.length} task(s) x ${p.tasks[0]!.ntiles} tile(s)`,
    ...(p.deint ? ['stride 2 on a column-deinterleaved copy'] : []),
    ...(st.inCopies.length ? ['staged input'] : []), ...(st.outBytes ? ['staged output'] : [])];
  const desc = `/* RSP: ${what.join(', ')} */`;
  // the staging buffers are the node's arena scratch (the rsp pass declared their bytes): 16-byte aligned
  if (ctx.scratchBytes < st.scratchBytes) throw nodeError(n, `internal: --rsp layer needs ${st.scratchBytes} B of scratch, the plan holds ${ctx.scratchBytes}`);
  const sc = st.scratchBytes ? ctx.scratch() : '';
  const inBuf = st.inBytes ? `(int16_t *)(void *)(${sc} + ${st.inAt})` : 'NULL';
  const outBuf = st.outBytes ? `(int16_t *)(void *)(${sc} + ${st.outAt})` : ctx.ptr(y);
  let call: string;
  if (p.padb) {
    // 3x3 stride 1 (conv3x3c): the dispatcher builds the padded copy, zeroing only the padding the tasks read
    const b = p.padb;
    call = `dnnc_rsp_run_layer_pad(&${layer}, ${ext}, ${ctx.cptr(x)}, ${inBuf}, ${outBuf}, ${b.C}u, ${b.H}u, ${b.W}u, ${b.IWp}u)`;
  } else if (p.deint) {
    // 3x3 stride 2 (conv3x3c deint): the dispatcher builds the column-deinterleaved padded copy
    const dv = p.deint;
    call = `dnnc_rsp_run_layer_s2(&${layer}, ${ext}, ${ctx.cptr(x)}, ${inBuf}, ${outBuf}, ${dv.C}u, ${dv.H}u, ${dv.W}u, ${dv.ew}u, ${dv.pt}u, ${dv.pl}u)`;
  } else if (ext !== 'NULL') call = `dnnc_rsp_run_layer_ext(&${layer}, ${ext}, ${ctx.cptr(x)}, ${inBuf}, ${outBuf})`;
  else call = `dnnc_rsp_run_layer(&${layer}, ${ctx.cptr(x)}, ${inBuf}, ${outBuf})`;
  if (!st.outBytes) return `  ${desc}\n  if (!${call}) {\n  ${cpuCall.trimEnd()}\n  }\n`;
  const outCopies = copies('rsp_out', st.outCopies);
  return `  ${desc}\n  if (${call}) {\n`
    + `    dnnc_rsp_copy_run(${outCopies}, ${st.outCopies.length}u, ${outBuf}, ${ctx.ptr(y)});\n  } else {\n  ${cpuCall.trimEnd()}\n  }\n`;
}
