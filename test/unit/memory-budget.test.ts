// The one-line "does not fit" message adds up every part of the RAM total.
import { describe, it, expect } from 'vitest';
import { doesNotFitMessage, type MemoryReport } from '../../compiler/memory-budget.js';

const report = (o: Partial<MemoryReport>): MemoryReport => {
  const r: MemoryReport = {
    target: 'n64', ramName: 'RDRAM', ramBytes: 4 << 20, expansion: false, weights: 'rom', arena: 18688, residentWeights: 0, streamedWeights: 1 << 27,
    streamBuffers: 149568, streamBufferCount: 4, code: 71936, reserve: [{ what: 'stack', bytes: 1008640 }], reserveBytes: 1008640, used: 0, fits: false, ...o,
  };
  r.used = r.arena + r.residentWeights + r.streamBuffers + r.code + r.reserveBytes + (r.state ?? 0);
  return r;
};

describe('doesNotFitMessage', () => {
  it('names the persistent state (--state) among the parts, which then add up to the total', () => {
    const r = report({ state: 4718592 });
    const msg = doesNotFitMessage(r, [{ flag: '--expansion-pak', report: { ...r, ramBytes: 8 << 20, fits: true } }]);
    expect(msg).toContain('persistent state 4718592 B');
    const parts = [...msg.split(' = ')[0]!.matchAll(/(\d+) B/g)].map((m) => Number(m[1]));
    expect(parts.reduce((a, b) => a + b, 0)).toBe(r.used);
    expect(msg).toMatch(new RegExp(`= ${r.used} B > 4194304 B`));
    expect(msg).toMatch(/it would fit with --expansion-pak/);
    // no resident weights: no int8 estimate (it would not change anything)
    expect(msg).not.toMatch(/int8/);
  });
});
