// Does a compiled model fit in the target's RAM? Arena + resident weights +
// streaming buffers + a code estimate + the target's stated reserve, against
// the RAM size from the TargetDesc memory map. Used for `--weights auto`, for
// the compile-time memory report and to fail a compile that cannot run.
import type { MemoryMap, TargetDesc } from './targets/target.js';
import type { ModelCode, WeightMode } from './codegen/generate.js';

export interface MemoryReport {
  target: string;
  ramName: string;
  /** RAM size used for the check (with the expansion when asked for) */
  ramBytes: number;
  expansion: boolean;
  weights: WeightMode;
  arena: number;
  /** weights compiled into the program (in RAM when constInRam) */
  residentWeights: number;
  /** weights left in the pack (ROM), not in RAM */
  streamedWeights: number;
  /** the reused layer buffers for streamed weights (bytes, count) */
  streamBuffers: number;
  streamBufferCount: number;
  /** of streamBuffers: the two row-tile buffers of weights streamed in row tiles (0: none) */
  rowTileBuffers?: number;
  /** estimated machine code of the model, kernels and test main */
  code: number;
  /** persistent state buffers (--state), outside the arena (absent when none) */
  state?: number;
  reserve: { what: string; bytes: number; note?: string }[];
  reserveBytes: number;
  used: number;
  fits: boolean;
}

export function estimateCode(map: MemoryMap, code: ModelCode, nodes: number): number {
  return map.codeBase + map.codePerKernel * code.kernels.length + map.codePerNode * nodes;
}

/** The memory report of a compiled model, or null for targets without a memory map. */
export function memoryReport(target: TargetDesc, code: ModelCode, nodes: number, expansion: boolean): MemoryReport | null {
  const map = target.memoryMap;
  if (!map) return null;
  const useExp = expansion && map.expandedRamBytes !== undefined;
  const ramBytes = useExp ? map.expandedRamBytes! : map.ramBytes;
  const residentWeights = code.weightBytes;
  const streamedWeights = code.pack ? code.pack.tensors.reduce((a, t) => a + t.bytes, 0) : 0;
  const reserveBytes = map.reserve.reduce((a, r) => a + r.bytes, 0);
  const codeBytes = estimateCode(map, code, nodes);
  const used = code.arenaBytes + (map.constInRam ? residentWeights : 0) + code.streamBufferBytes + codeBytes + reserveBytes + (code.stateBytes ?? 0);
  return {
    ...(code.stateBytes ? { state: code.stateBytes } : {}),
    target: target.name,
    ramName: map.ramName,
    ramBytes,
    expansion: useExp,
    weights: code.pack ? 'rom' : 'embed',
    arena: code.arenaBytes,
    residentWeights,
    streamedWeights,
    streamBuffers: code.streamBufferBytes,
    streamBufferCount: code.pack?.bufferBytes.length ?? 0,
    rowTileBuffers: code.pack?.tileBufferBytes ? 2 * code.pack.tileBufferBytes : undefined,
    code: codeBytes,
    reserve: map.reserve,
    reserveBytes,
    used,
    fits: used <= ramBytes,
  };
}

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const mib = (b: number) => `${(b / (1024 * 1024)).toFixed(b % (1024 * 1024) ? 2 : 0)} MiB`;

/** The report as lines (the compile prints them on stderr). */
export function formatReport(r: MemoryReport): string[] {
  const row = (what: string, b: number, note = '') => `  ${what.padEnd(26)} ${String(b).padStart(9)} B  ${kib(b).padStart(11)}${note ? `  ${note}` : ''}`;
  const lines = [
    `memory report for ${r.target}: ${r.ramName} ${mib(r.ramBytes)}${r.expansion ? ' (Expansion Pak)' : ''}, weights ${r.weights === 'rom' ? 'streamed from the ROM weight pack' : 'embedded'}`,
    row('activation arena', r.arena),
    row('resident weights', r.residentWeights),
    row('weight stream buffers', r.streamBuffers, r.streamBuffers ? `${r.streamBufferCount} reused layer buffer${r.streamBufferCount > 1 ? 's' : ''}${r.rowTileBuffers ? ` + 2 row-tile buffers of ${r.rowTileBuffers / 2} B` : ''}` : ''),
    row('code (estimate)', r.code),
  ];
  if (r.state) lines.splice(2, 0, row('persistent state', r.state, 'state buffers (--state), outside the arena'));
  for (const x of r.reserve) lines.push(row(`reserve: ${x.what}`, x.bytes));
  lines.push(row('total', r.used, r.fits ? `fits, ${r.ramBytes - r.used} B free` : `DOES NOT FIT (${r.used - r.ramBytes} B over)`));
  lines.push(row('streamed weights (in ROM)', r.streamedWeights, r.streamedWeights ? 'not in RAM' : ''));
  return lines;
}

/** One line: why it does not fit and what would make it fit (alternatives are reports of other choices). */
export function doesNotFitMessage(r: MemoryReport, alternatives: { flag: string; report: MemoryReport | null }[]): string {
  const parts = [`arena ${r.arena} B`, `resident weights ${r.residentWeights} B`];
  if (r.streamBuffers) parts.push(`weight stream buffers ${r.streamBuffers} B`);
  if (r.state) parts.push(`persistent state ${r.state} B`);
  parts.push(`code ~${r.code} B`, `reserve ${r.reserveBytes} B (libdragon, framebuffers, stack, heap)`);
  const fixes = alternatives.filter((a) => a.report?.fits).map((a) => `${a.flag} (${a.report!.used} B of ${a.report!.ramBytes} B)`);
  const int8 = Math.ceil(r.residentWeights / 4);
  const int8Used = r.used - r.residentWeights + int8;
  let advice = fixes.length ? `it would fit with ${fixes.join(', or ')}` : 'no available option makes it fit';
  if (r.residentWeights) advice += `; int8 weights (planned, not yet available) would need ~${int8Used} B`;
  return `model does not fit in ${r.target} ${r.ramName}: ${parts.join(' + ')} = ${r.used} B > ${r.ramBytes} B (${mib(r.ramBytes)} ${r.ramName}${r.expansion ? ' with the Expansion Pak' : ''}); ${advice}`;
}
