// --rsp on feature maps the tile ABI cannot read in place (compiler/rsp/relayout.ts):
// widths / position counts not a multiple of 8 (rows computed at a width
// rounded up to 8, compacted by the CPU), stride 2, and pointwise rows whose
// SP DMA skip exceeds 12 bits (tile-contiguous staging); the staging buffers
// are the node's arena scratch. Host: decisions, generated C, the C copy
// routine, every layer's tasks in the bit-exact simulator against the int16
// requantization contract; mupen64plus: RSP ROM == CPU int16 ROM bit for bit.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, it, expect } from 'vitest';
import { lower, compile } from '../../compiler/driver.js';
import { rspReport } from '../../compiler/rsp/report.js';
import { rspDecide, valueRange, rowBound, type RspLayerPlan } from '../../compiler/rsp/plan.js';
import { rspStaging, runCopies, copyInit, decideIm2col, type RspCopy } from '../../compiler/rsp/relayout.js';
import { runLayerPlan } from '../../compiler/rsp/runplan.js';
import { dmaLen, be16, fromBe16 } from '../../compiler/rsp/kernels/common.js';
import { nodeScratchBytes } from '../../ir/ops/registry.js';
import { planMemory } from '../../passes/plan-memory.js';
import type { Node } from '../../ir/graph.js';
import { ROOT, tmpDir } from '../helpers.js';
import { prng, randInt16, mismatches, refConv, refPool } from './helpers.js';
import { HAVE_RSP_EMULATOR, Q, romOutput } from './rom.js';
import { gemmKernel } from '../../compiler/rsp/kernels/gemm.js';
import { gemmChunkKernel } from '../../compiler/rsp/kernels/gemmchunk.js';
import { runTiles } from '../../compiler/rsp/run.js';
import { runOnZ64, z64Plugin } from '../../compiler/rsp/z64.js';
import { wideModel, smallModel, deepModel, stemModel, kwsModel, chunkModel } from './layout-models.js';

/** The layer in the simulator: stage x (pad copy / copies), run the tasks, copy the staged output to y. */
const runPlan = (p: RspLayerPlan, x: Int16Array, yLen: number): Int16Array => runLayerPlan(p, x, { yLen }).y;

function rspNodes(model: string) {
  const { graph } = lower(model, { target: 'n64', quantize: Q, rsp: true });
  return { graph, nodes: graph.nodes.filter((n) => n.op === 'QConv' || n.op === 'QMaxPool') };
}

describe('--rsp relayout: decisions and generated C', () => {
  it('puts every layer of the odd-width models on the RSP with the staging it needs', () => {
    for (const [m, want] of [[wideModel(), 5], [smallModel(), 5]] as const) {
      const { graph, nodes } = rspNodes(m);
      const rows = rspReport(graph).filter((r) => r.op === 'QConv' || r.op === 'QMaxPool');
      expect(rows.map((r) => r.where)).toEqual(Array(want).fill('RSP'));
      expect(nodes.length).toBe(want);
    }
    const { nodes } = rspNodes(wideModel());
    const plans = nodes.map((n) => rspDecide(n)).map((d) => (d.rsp ? d.plan : undefined)!);
    // pointwise at HW=2100: tile-contiguous staging (no row skip), a partial last tile
    expect(plans[0]!.stageIn!.length).toBe(2);
    expect(plans[0]!.tasks.every((t) => (t.inLen >>> 20) === 0 && (t.outLen >>> 20) === 0)).toBe(true);
    // depthwise stride 2 at W=50: rows of 56, stride-2 compaction
    expect(plans[1]).toMatchObject({ kind: 'depthwise3x3', outWp: 56, sub: { W: 50 } });
    expect(plans[2]).toMatchObject({ kind: 'depthwise3x3', outWp: 32 });
    expect(plans[4]).toMatchObject({ kind: 'conv3x3', outWp: 32 });
    // K=128: one input buffer per tile
    const deep = rspNodes(deepModel()).nodes.map((n) => rspDecide(n));
    expect(deep.map((d) => d.rsp)).toEqual([true, true]);
    const pw = (deep[0] as { plan: RspLayerPlan }).plan;
    expect(pw.tasks.every((t) => t.kernel.layout.singleIn && t.kernel.map.in0[0] === t.kernel.map.in0[1])).toBe(true);
    // the biases do not fit the 32-bit bias + rounding term: constant rows carry them
    const node = rspNodes(deepModel()).nodes[0]!;
    const sh = node.ints('shift')!;
    expect(Array.from({ length: 16 }, (_, c) => Math.abs(Number(node.inputs[2]!.const!.get(c)) + 2 ** (sh[sh.length === 1 ? 0 : c]! - 1))).some((v) => v >= 2 ** 31)).toBe(true);
    expect(pw.stageIn!.some((c) => c.fill === -32768)).toBe(true);
    // full convolutions without a direct kernel: im2col (tile-contiguous for the 2304-position stem)
    const stem = rspNodes(stemModel()).nodes.map((n) => rspDecide(n));
    expect(stem.map((d) => d.rsp && d.plan.kind)).toEqual(['im2col', 'im2col']);
    expect((stem[0] as { plan: RspLayerPlan }).plan.tasks.every((t) => (t.inLen >>> 20) === 0)).toBe(true);
    expect(rspNodes(kwsModel()).nodes.map((n) => { const d = rspDecide(n); return d.rsp && d.plan.kind; })).toEqual(['im2col']);
    // K = 256 / 288: one task per output channel, the accumulator kept across K chunks
    const chunk = rspNodes(chunkModel()).nodes.map((n) => rspDecide(n));
    expect(chunk.map((d) => d.rsp && d.plan.kind)).toEqual(['pointwise', 'conv3x3']); // the direct chunked 3x3 kernel first
    expect((chunk[0] as { plan: RspLayerPlan }).plan.tasks.every((t) => t.kernel.name === 'gemmchunk')).toBe(true);
    const im = decideIm2col(rspNodes(chunkModel()).nodes[1]!, rowBound);
    expect(im.rsp && im.plan.kind).toBe('im2col');
    expect((im as { plan: RspLayerPlan }).plan.tasks.every((t) => t.kernel.name === 'gemmchunk')).toBe(true);
  });

  it('declares the staging buffers as node scratch in the arena plan (16-byte aligned) and emits no static buffers', async () => {
    const m = smallModel();
    const { graph, nodes } = rspNodes(m);
    const plan = planMemory(graph, 16);
    for (const n of nodes) {
      const d = rspDecide(n);
      expect(d.rsp).toBe(true);
      const need = rspStaging((d as { plan: RspLayerPlan }).plan).scratchBytes;
      expect(need).toBeGreaterThan(0);
      expect(nodeScratchBytes(n)).toBeGreaterThanOrEqual(need);
      expect(plan.scratch[n.name]!.bytes).toBeGreaterThanOrEqual(need);
      expect(plan.scratch[n.name]!.offset % 16).toBe(0);
    }
    const c = await compile(m, { target: 'n64', quantize: Q, rsp: true, reference: false });
    const mc = c.code.files['model.c']!;
    expect(mc).not.toMatch(/static int16_t/);
    expect(mc.match(/dnnc_rsp_copy_run\(/g)!.length).toBe(5);
    expect(mc).toMatch(/\(int16_t \*\)\(void \*\)\(\(?g_arena \+ \d+\)? \+ \d+\)/);
    // without --rsp: no RSP code and no RSP scratch
    const plain = await compile(m, { target: 'n64', quantize: Q, reference: false });
    expect(plain.code.files['model.c']!).not.toMatch(/dnnc_rsp|RSP/);
    expect(plain.code.arenaBytes).toBeLessThan(c.code.arenaBytes);
  }, 120_000);

  it('the C copy routine (runtime-c rspdispatch.c) follows the RspCopy contract', () => {
    const R = prng(7);
    const cs: RspCopy[] = [
      { n: [3, 4, 5, 7], s: [200, 40, 8, 1], d: [140, 35, 7], sOff: 1, dOff: 3 },
      { n: [1, 2, 6, 5], s: [0, 96, 12, 2], d: [0, 30, 5], sOff: 3, dOff: 430 },
      { n: [1, 1, 4, 13], s: [0, 0, 20, 3], d: [0, 0, 13], sOff: 0, dOff: 500 },
      { n: [1, 1, 3, 9], s: [0, 0, 0, 0], d: [0, 0, 10], sOff: 0, dOff: 560, fill: -32768 },
    ];
    const src = randInt16(R, 800);
    const want = new Int16Array(600);
    runCopies(cs, src, want);
    const dir = tmpDir('rsp-copy');
    const arr = (a: ArrayLike<number>) => `{ ${Array.from(a).join(', ')} }`;
    fs.writeFileSync(path.join(dir, 'main.c'), `#include <stdio.h>
#include "rspdispatch.h"
static const dnnc_rsp_copy cs[] = {
${cs.map((c) => `  ${copyInit(c)}`).join(',\n')}
};
static const int16_t src[800] = ${arr(src)};
static int16_t dst[600];
int main(void) {
  int i;
  dnnc_rsp_copy_run(cs, ${cs.length}u, src, dst);
  for (i = 0; i < 600; i++) printf("%d\\n", dst[i]);
  return 0;
}
`);
    const rt = path.join(ROOT, 'runtime-c'), exe = path.join(dir, 'copy');
    const cc = spawnSync('cc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-I', path.join(rt, 'include'), '-I', path.join(rt, 'kernels'),
      path.join(dir, 'main.c'), path.join(rt, 'kernels/rspdispatch.c'), '-o', exe], { encoding: 'utf8' });
    expect(cc.stderr).toBe('');
    const r = spawnSync(exe, { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').map(Number)).toEqual(Array.from(want));
  });
});

describe('--rsp relayout in the bit-exact simulator', () => {
  for (const [name, mk] of [['wide', wideModel], ['small', smallModel], ['deep', deepModel], ['stem', stemModel], ['kws', kwsModel], ['chunk', chunkModel]] as const) {
    it(`${name}: every layer's tasks + staging copies == the int16 contract on random inputs`, () => {
      const R = prng(name.length * 31 + 5);
      for (const n of rspNodes(mk()).nodes) {
        const d = rspDecide(n);
        if (!d.rsp) throw new Error(d.reason);
        const [lo, hi] = valueRange(n.inputs[0]!);
        const xs = n.inputs[0]!.type.shape as number[], ys = n.outputs[0]!.type.shape as number[];
        const x = randInt16(R, xs.reduce((a, b) => a * b, 1), lo, hi);
        const want = n.op === 'QMaxPool' ? refPool(n, x) : refConv(n, x);
        const got = runPlan(d.plan, x, ys.reduce((a, b) => a * b, 1));
        expect(new Set(want).size, `${n.name}: the reference is not all clamped`).toBeGreaterThan(8);
        expect(mismatches(got, want), `${n.name} (${d.plan.kind})`).toBe(0);
        // the im2col fallback where a direct kernel took the conv (the chunk model's 3x3: im2col K=288 + gemmchunk)
        const im = n.op === 'QConv' && d.plan.kind !== 'im2col' && n.int('group', 1) === 1 ? decideIm2col(n, rowBound) : undefined;
        if (im?.rsp) expect(mismatches(runPlan(im.plan, x, ys.reduce((a, b) => a * b, 1)), want), `${n.name} (im2col)`).toBe(0);
      }
    }, 120_000);
  }
});

describe.skipIf(!z64Plugin())('one input buffer on mupen64plus-rsp-z64', () => {
  it('gemm K=128 (48-bit, one in0 buffer, 4 tiles): z64 == simulator', () => {
    const R = prng(3);
    const requant = Array.from({ length: 3 }, (_, i) => ({ shift: 16 + i, bias: R.int(-100000, 100000), lo: -32768, hi: 32767 }));
    const k = gemmKernel({ K: 128, P: 8, Co: 3, weights: randInt16(R, 384), requant, acc: 48, singleIn: true });
    expect(k.map.in0[0]).toBe(k.map.in0[1]);
    const tiles = Array.from({ length: 4 }, () => randInt16(R, 128 * 8));
    const z = runOnZ64(k, tiles), sim = runTiles(k, tiles);
    for (let t = 0; t < tiles.length; t++) {
      expect(new Set(z.out[t]!).size).toBeGreaterThan(1);
      expect(mismatches(z.out[t]!, sim.out[t]!)).toBe(0);
    }
  });
});

describe.skipIf(!z64Plugin())('K chunks on mupen64plus-rsp-z64', () => {
  it('gemmchunk K=256 in 4 chunks (48-bit), 2 position groups: z64 == simulator, the accumulator kept across tiles', () => {
    const R = prng(5);
    const k = gemmChunkKernel({ K: 256, Kc: 64, weights: randInt16(R, 256), requant: { shift: 18, bias: R.int(-100000, 100000), lo: -32768, hi: 32767 }, acc: 48 });
    const tiles = Array.from({ length: 8 }, () => randInt16(R, 64 * 8));
    const z = runOnZ64(k, tiles), sim = runTiles(k, tiles);
    for (const t of [3, 7]) {
      expect(new Set(z.out[t]!).size).toBeGreaterThan(1);
      expect(mismatches(z.out[t]!, sim.out[t]!)).toBe(0);
    }
  });
});

describe.skipIf(!HAVE_RSP_EMULATOR)('--rsp relayout in mupen64plus', () => {
  for (const [name, mk, outs] of [['wide', wideModel, 4 * 21 * 25], ['small', smallModel, 16 * 3 * 3], ['deep', deepModel, 16 * 6 * 6], ['stem', stemModel, 4 * 24 * 24], ['kws', kwsModel, 8 * 25 * 5], ['chunk', chunkModel, 8 * 8 * 8]] as const) {
    it(`${name}: RSP build equals the CPU int16 build bit for bit`, async () => {
      const m = mk();
      const cpu = await romOutput(false, m);
      const rsp = await romOutput(true, m);
      expect(rsp.lines.some((l) => l.startsWith('DNNC-RSP'))).toBe(false);
      expect(cpu.hex.length).toBe(outs * 8);
      expect(rsp.hex).toBe(cpu.hex);
    }, 300_000);
  }
});
