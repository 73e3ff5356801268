// `dnnc inspect --memory`: the memory plan as a table, a timeline and JSON.
import type { Graph } from '../ir/graph.js';
import type { MemoryPlan, PlanEntry } from '../passes/plan-memory.js';
import type { TargetDesc } from './targets/target.js';
import { formatReport, type MemoryReport } from './memory-budget.js';
import type { StateBinding } from '../passes/state.js';
import { formatType } from '../ir/types.js';
import type { FusionInfo } from '../passes/fuse-patches.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function pct(a: number, b: number): string {
  return b > 0 ? `${((a / b) * 100).toFixed(1)}%` : '-';
}

function aliasText(e: PlanEntry): string {
  return e.aliases.map((a) => `${a.value.name}${a.byteOffset ? `+${a.byteOffset}` : ''} (${a.why})`).join(', ');
}

export function inspectMemory(g: Graph, json: boolean, target?: TargetDesc, budget: MemoryReport | null = null): string {
  const plan = g.meta.memory as MemoryPlan | undefined;
  if (!plan) return 'no memory plan\n';
  const rows = [...plan.entries].sort((a, b) => a.offset - b.offset || a.first - b.first || (a.name < b.name ? -1 : 1));
  const sched = g.meta.schedule as { initialLowerBound: number; lowerBound: number } | undefined;
  const fits = target ? plan.arenaBytes + plan.residentWeightBytes <= target.ramBytes : undefined;
  const state = stateSummary(g);
  if (json) {
    return JSON.stringify({
      target: target?.name,
      arenaBytes: plan.arenaBytes,
      lowerBound: plan.lowerBound,
      naiveBytes: plan.naiveNoAliasBytes,
      sharedSumBytes: plan.naiveBytes,
      weightBytes: plan.weightBytes,
      residentWeightBytes: plan.residentWeightBytes,
      streamedWeightBytes: plan.streamedWeightBytes,
      ramBytes: target?.ramBytes,
      fitsRam: fits,
      alignment: plan.alignment,
      steps: plan.steps,
      strategy: plan.strategy,
      strategies: plan.strategies,
      schedule: sched,
      aliases: plan.counts,
      liveAt: plan.liveAt,
      tensors: rows.map((r) => ({
        name: r.name,
        kind: r.kind,
        bytes: r.bytes,
        first: r.first,
        last: r.last,
        offset: r.offset,
        aliases: r.aliases.map((a) => ({ name: a.value.name, byteOffset: a.byteOffset, why: a.why })),
      })),
      nodes: g.nodes.map((n, i) => ({ step: i, name: n.name, op: n.op })),
      ...(g.meta.fusion ? { fusion: g.meta.fusion } : {}),
      ...(budget ? { budget } : {}),
      ...(state ? { stateBytes: state.bytes, state: state.buffers } : {}),
    }, null, 2) + '\n';
  }
  const lines: string[] = [];
  const w = rows.reduce((m, r) => Math.max(m, r.name.length), 6);
  lines.push(`buffers in the arena (sizes aligned to ${plan.alignment} B; step ${plan.steps} = outputs copied out)`);
  lines.push(`id ${'tensor'.padEnd(w)}  ${'bytes'.padStart(10)}  ${'offset'.padStart(10)}  first  last  shares bytes with`);
  rows.forEach((r, k) => {
    lines.push(`${LETTERS[k % LETTERS.length]}  ${r.name.padEnd(w)}  ${String(r.bytes).padStart(10)}  ${String(r.offset).padStart(10)}  ${String(r.first).padStart(5)}  ${String(r.last).padStart(4)}  ${aliasText(r)}`);
  });
  lines.push('');
  // timeline: one row per step, one column per 1/64 of the arena
  const cols = 64;
  const unit = Math.max(1, Math.ceil(plan.arenaBytes / cols));
  lines.push(`timeline (one column = ${unit} B, one row = one step; letters = ids above)`);
  for (let s = 0; s <= plan.steps; s++) {
    const row = new Array(cols).fill('.');
    rows.forEach((r, k) => {
      if (r.first <= s && s <= r.last) {
        const a = Math.floor(r.offset / unit), b = Math.ceil((r.offset + r.bytes) / unit);
        for (let c = a; c < Math.min(b, cols); c++) row[c] = LETTERS[k % LETTERS.length];
      }
    });
    const what = s < plan.steps ? `${g.nodes[s]!.op} ${g.nodes[s]!.name}` : '(outputs)';
    lines.push(`${String(s).padStart(4)} |${row.join('')}| ${String(plan.liveAt[s] ?? 0).padStart(9)} B  ${what}`);
  }
  lines.push('');
  lines.push(`peak (planned arena):  ${plan.arenaBytes} B  (${pct(plan.arenaBytes, plan.lowerBound)} of the lower bound; strategy ${plan.strategy})`);
  lines.push(`lower bound:           ${plan.lowerBound} B`);
  lines.push(`naive sum (no reuse):  ${plan.naiveNoAliasBytes} B  (every node output its own buffer; ${plan.naiveBytes} B once views, in-place and concat slices share)`);
  lines.push(`strategies:            ${plan.strategies.map((s) => `${s.name} ${s.peak}`).join(', ')}`);
  lines.push(`shared bytes:          ${plan.counts.views} views, ${plan.counts.inplace} in place, ${plan.counts.concat} concat slices`);
  if (sched) lines.push(`schedule:              lower bound ${sched.initialLowerBound} B in the imported order, ${sched.lowerBound} B after reordering`);
  const fusion = g.meta.fusion as FusionInfo | undefined;
  if (fusion) {
    lines.push(`fused patch execution: peak ${fusion.unfusedArena} B layer by layer -> ${plan.arenaBytes} B fused (${(fusion.unfusedArena / Math.max(1, plan.arenaBytes)).toFixed(2)}x smaller; overhead cap ${fusion.maxRecompute})`);
    for (const c of fusion.chains) {
      lines.push(`  ${c.name}: ${c.nodes.length} layers (${c.nodes[0]} .. ${c.nodes[c.nodes.length - 1]}), ${c.steps} row steps, rings ${c.ringBytes} B, recomputed MACs ${c.recomputedMacs}, ~${(c.overhead * 100).toFixed(2)} % more instructions (estimate)`);
      if (c.rings?.length) lines.push(`    rings: ${c.rings.map((r) => `${r.name} ${r.rows}/${r.height} rows ${r.bytes} B`).join(', ')}`);
    }
    if (!fusion.chains.length) lines.push('  no chain lowers the peak');
  }
  lines.push(`weights:               ${plan.weightBytes} B (resident ${plan.residentWeightBytes} B, streamed ${plan.streamedWeightBytes} B)`);
  if (state) {
    lines.push(`persistent state: ${state.bytes} B in ${state.buffers.length} buffer(s) outside the arena (--state; zeroed by reset, updated in place by each run)`);
    for (const b of state.buffers) lines.push(`  ${b.input} <- ${b.output}: ${b.type}, ${b.bytes} B`);
  }
  if (target) {
    lines.push(`target:                ${target.name}: arena + resident weights = ${plan.arenaBytes + plan.residentWeightBytes} B of ${target.ramBytes} B RAM (${target.ramNote})${fits ? '' : ' -- does NOT fit'}`);
  }
  if (budget) lines.push('', ...formatReport(budget));
  return lines.join('\n') + '\n';
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : Number(x.toPrecision(9)).toString());

/** Every number of the integer graph: value params, weight scales, biases, decoded multipliers. */
export function quantParams(g: Graph): string {
  const lines = ['quantization parameters:'];
  for (const v of g.values()) {
    if (!v.quant) continue;
    const q = v.quant;
    const where = v.const && !v.producer ? '@' : '%';
    const ax = q.axis !== undefined ? ` axis=${q.axis}` : '';
    lines.push(`  ${where}${v.name}: ${v.type.dtype} scale=[${q.scale.map(fmt).join(',')}] zp=[${[...new Set(q.zeroPoint)].length === 1 ? q.zeroPoint[0] : q.zeroPoint.join(',')}]${ax}`);
  }
  for (const n of g.nodes) {
    if (!n.op.startsWith('Q') || n.op === 'QuantizeLinear') continue;
    const bias = (n.op === 'QConv' || n.op === 'QGemm') ? n.inputs[2] : null;
    if (bias?.const) lines.push(`  ${n.name} (${n.op}) bias ${bias.type.dtype} at the accumulator scale: [${bias.const.toNumbers().join(',')}]`);
    const mult = n.ints('mult'), shift = n.ints('shift');
    if (mult && shift && Array.isArray(mult)) {
      lines.push(`  ${n.name} (${n.op}) requantization mult*2^-(31+shift): [${mult.map((m, i) => fmt(m * 2 ** -(31 + shift[i]!))).join(',')}]`);
    } else if (shift && n.op !== 'QAdd') {
      lines.push(`  ${n.name} (${n.op}) requantization shifts (round half up, saturate): [${shift.join(',')}]`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Where a quantized graph converts between integer and float, and why. */
export function inspectQuant(g: Graph): string {
  const lines = [`quantization${g.meta.quantized ? ` (${String(g.meta.quantized)})` : ''}:`];
  let nInt = 0, nFloat = 0;
  for (const n of g.nodes) {
    const why = n.attrs.get('why');
    if ((n.op === 'QuantizeLinear' || n.op === 'DequantizeLinear') && why?.kind === 'string') {
      lines.push(`  ${n.op === 'QuantizeLinear' ? 'float -> int' : 'int -> float'} at '${n.inputs[0]!.name}': ${why.value}`);
    }
    if (n.op.startsWith('Q') && n.op !== 'QuantizeLinear') nInt++;
    else if (n.outputs.some((o) => o.type.dtype === 'float32') && n.op !== 'DequantizeLinear') nFloat++;
  }
  for (const note of (g.meta.quantNotes as string[] | undefined) ?? []) lines.push(`  ${note}`);
  lines.push(`  ${nInt} integer kernels, ${nFloat} float kernels`);
  return lines.join('\n') + '\n';
}

/** The --state buffers of a planned graph (passes/state.ts), or null. */
function stateSummary(g: Graph): { bytes: number; buffers: { input: string; output: string; type: string; bytes: number }[] } | null {
  const st = g.meta.state as StateBinding[] | undefined;
  if (!st?.length) return null;
  const buffers = st.map((b) => ({ input: b.input.name, output: b.output.name, type: formatType(b.input.type), bytes: b.bytes }));
  return { bytes: buffers.reduce((a, b) => a + b.bytes, 0), buffers };
}
