// `dnnc inspect --rsp`: per layer, RSP or CPU and why; for RSP layers the
// tasks, tiles, accumulator mode, static instructions of the generated
// microcode, and (from the bit-exact simulator, one cycle per instruction)
// the executed instructions and SP DMA bytes per inference.
import type { Graph } from '../../ir/graph.js';
import { rspCandidate, rspDecide, rspSimulate } from './plan.js';
import { stagingNote } from './relayout.js';

export interface RspReportRow { node: string; op: string; where: 'RSP' | 'CPU'; why: string; tasks?: number; tiles?: number; staticInstr?: number; cycles?: number; dmaBytes?: number }

export function rspReport(g: Graph): RspReportRow[] {
  const rows: RspReportRow[] = [];
  for (const n of g.nodes) {
    if (!rspCandidate(n)) continue;
    if (!n.int('rsp', 0)) { rows.push({ node: n.name, op: n.op, where: 'CPU', why: n.str('rsp_cpu', '') }); continue; }
    const d = rspDecide(n);
    if (!d.rsp) { rows.push({ node: n.name, op: n.op, where: 'CPU', why: d.reason }); continue; }
    const c = rspSimulate(d.plan);
    rows.push({ node: n.name, op: n.op, where: 'RSP', why: d.plan.kind === 'maxpool2x2' ? 'maxpool2x2 (exact: max of 4 taps)' : `${d.plan.kind}, ${d.plan.acc}-bit accumulator (exact)${d.plan.note ? `; ${d.plan.note}` : ''}${stagingNote(d.plan)}`, tasks: d.plan.tasks.length,
      tiles: d.plan.tasks.reduce((a, t) => a + t.ntiles, 0), staticInstr: c.staticInstructions, cycles: c.instructions, dmaBytes: c.dmaBytes });
  }
  return rows;
}

export function formatRspReport(rows: RspReportRow[]): string {
  const out = ['layer                    op            where  tasks  tiles  static instr  RSP cycles  DMA bytes  why'];
  for (const r of rows) {
    out.push(`${r.node.padEnd(24)} ${r.op.padEnd(13)} ${r.where.padEnd(5)}  ${String(r.tasks ?? '-').padStart(5)}  ${String(r.tiles ?? '-').padStart(5)}  ${String(r.staticInstr ?? '-').padStart(12)}  ${String(r.cycles ?? '-').padStart(10)}  ${String(r.dmaBytes ?? '-').padStart(9)}  ${r.why}`);
  }
  const rsp = rows.filter((r) => r.where === 'RSP');
  out.push(`${rsp.length} of ${rows.length} layers on the RSP; RSP cycles per inference ${rsp.reduce((a, r) => a + r.cycles!, 0)} (simulator: 1 cycle per instruction, no stalls, DMA waits counted), DMA ${rsp.reduce((a, r) => a + r.dmaBytes!, 0)} B`);
  return out.join('\n') + '\n';
}
