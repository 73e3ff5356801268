// --rsp for QAdd / QMul (int16, same shapes): the plan's tasks (compiler/rsp/plan.ts
// decideEltwise, run as the dispatcher lays them out by compiler/rsp/runplan.ts) give
// dnnc's CPU dnnc_qadd_i16 / dnnc_qmul_i16 bit for bit on random and extreme data
// (simulator, and mupen64plus-rsp-z64 for one plan); the cases the RSP cannot do exactly
// get a reason; the generated C (RSP call + CPU tail) builds and runs; and a ROM with a
// residual add and a mul gives the same bits with and without --rsp in mupen64plus (and,
// built with layerTicks, prints the Count ticks of every layer).
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { Graph, Value, type Node } from '../../ir/graph.js';
import { Builder, attr } from '../../ir/builder.js';
import { rspDecide, type RspLayerPlan } from '../../compiler/rsp/plan.js';
import { runLayerPlan } from '../../compiler/rsp/runplan.js';

const runPlan = (p: Parameters<typeof runLayerPlan>[0], a: Int16Array, b: Int16Array, engine?: (rd: Uint8Array, dm: Uint8Array, im: Uint8Array) => Uint8Array) =>
  runLayerPlan(p, a, { x1: b, engine }).y;
import { runImagesOnZ64, z64Plugin } from '../../compiler/rsp/z64.js';
import { liftAdd } from '../../compiler/rsp/kernels/eltwise.js';
import { requantLanes } from '../../compiler/rsp/kernels/common.js';
import { lower, compile } from '../../compiler/driver.js';
import { verify } from '../../compiler/verify.js';
import { rspReport } from '../../compiler/rsp/report.js';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { writeModel, tmpDir, dnnc, example } from '../helpers.js';
import { prng, randInt16, cRef, KIND, mismatches } from './helpers.js';
import { HAVE_RSP_EMULATOR, Q, romOutput } from './rom.js';

interface Case { op: 'QAdd' | 'QMul'; shape: number[]; am?: number; bm?: number; s: number; lo?: number; hi?: number; dtype?: 'int16' | 'int8'; bshape?: number[]; relu?: boolean }

/** A QAdd / QMul node on two int16 values (produced by a ReLU-clamped QAdd each when `relu`: range [0, 32767]). */
function node(c: Case): Node {
  const g = new Graph('t');
  const b = new Builder(g);
  const dt = c.dtype ?? 'int16';
  const input = (name: string, shape: number[]) => { const v = new Value(name, { dtype: dt, shape }); g.inputs.push(v); return v; };
  let x = input('a', c.shape), y = input('b', c.bshape ?? c.shape);
  if (c.relu) {
    const clamp = { a_mult: attr.int(0), b_mult: attr.int(0), shift: attr.int(1), act_min: attr.int(0), act_max: attr.int(32767) };
    x = b.node('QAdd', [x, x], { attrs: clamp }).outputs[0]!;
    y = b.node('QAdd', [y, y], { attrs: clamp }).outputs[0]!;
  }
  const attrs = { a_mult: attr.int(c.am ?? 0), b_mult: attr.int(c.bm ?? 0), shift: attr.int(c.s), act_min: attr.int(c.lo ?? -32768), act_max: attr.int(c.hi ?? 32767) };
  return b.node(c.op, [x, y], { attrs });
}

/** Random int16 data with about one element in 6 at an extreme (-32768, -32767, -1, 0, 1, 32767). */
function data(r: ReturnType<typeof prng>, n: number, lo = -32768, hi = 32767): Int16Array {
  const v = randInt16(r, n, lo, hi);
  const ext = [-32768, -32767, -1, 0, 1, 32767].filter((e) => e >= lo && e <= hi);
  for (let i = 0; i < n; i++) if (r.int(0, 5) === 0) v[i] = ext[r.int(0, ext.length - 1)]!;
  return v;
}

/** dnnc's CPU int16 kernel on the whole tensor (and the RSP-exact C model), through test/rsp/rsp_check.c. */
function cpu(c: Case, a: Int16Array, b: Int16Array): Int16Array {
  const lo = c.lo ?? -32768, hi = c.hi ?? 32767;
  if (c.op === 'QAdd') {
    const l = liftAdd(c.am ?? 0, c.bm ?? 0, c.s);
    const prm = requantLanes({ shift: l.shift, bias: 0, lo, hi });
    prm[6] = l.ma; prm[7] = l.mb;
    const [ref, out] = cRef(KIND.add, [a.length, c.am ?? 0, c.bm ?? 0, c.s, lo, hi], [a, b, prm]);
    expect(mismatches(ref, out)).toBe(0);
    return out;
  }
  const [ref, out] = cRef(KIND.mul, [a.length, c.s, lo, hi], [a, b, requantLanes({ shift: c.s, bias: 0, lo, hi })]);
  expect(mismatches(ref, out)).toBe(0);
  return out;
}

function plan(c: Case): RspLayerPlan {
  const d = rspDecide(node(c));
  if (!d.rsp) throw new Error(`not on the RSP: ${d.reason}`);
  return d.plan;
}

const numel = (s: number[]) => s.reduce((p, v) => p * v, 1);

describe('--rsp QAdd / QMul plans == dnnc CPU int16 kernels (simulator)', () => {
  const cases: Case[] = [
    { op: 'QAdd', shape: [1, 16, 32, 32], am: 0, bm: 2, s: 2, lo: 0 }, // resnet8's residual adds (first stack)
    { op: 'QAdd', shape: [1, 3, 17, 17], am: 0, bm: 0, s: 0 }, // lifted (s < 2), 3 elements on the CPU
    { op: 'QAdd', shape: [1, 1, 3, 271], am: 3, bm: 0, s: -2, lo: -1000, hi: 1000 }, // 808 = 2 x 320 + a 168 task, tail 5
    { op: 'QAdd', shape: [1, 5, 13, 13], am: 1, bm: 1, s: 13 },
    { op: 'QAdd', shape: [2, 64], am: 0, bm: 0, s: 1 },
    { op: 'QAdd', shape: [1, 8, 8, 8], am: 12, bm: 0, s: 20, relu: true }, // route B, input ranges [0, 32767]
    { op: 'QMul', shape: [1, 32, 16, 16], s: 2 },
    { op: 'QMul', shape: [1, 3, 17, 17], s: 12, lo: 0 },
    { op: 'QMul', shape: [1, 1, 3, 271], s: 15, lo: -20000, hi: 20000 },
    { op: 'QMul', shape: [1, 100], s: 30 },
    { op: 'QMul', shape: [1, 64], s: 31, relu: true }, // 32767^2 + 2^30 < 2^31 only for inputs >= 0
  ];
  const r = prng(2024);
  for (const c of cases) {
    it(`${c.op} ${c.shape.join('x')} shifts ${c.am ?? '-'},${c.bm ?? '-'} -> ${c.s}${c.relu ? ' (inputs >= 0)' : ''}`, () => {
      const p = plan(c);
      const N = numel(c.shape), N8 = N - (N % 8);
      expect(p.outBytes).toBe(N8 * 2);
      expect(p.tasks.reduce((s, t) => s + t.ntiles * t.inStride, 0)).toBe(N8 * 2);
      const lo = c.relu ? 0 : -32768;
      const a = data(r, N, lo), b = data(r, N, lo);
      const want = cpu(c, a, b);
      const got = runPlan(p, a, b);
      expect(got.length).toBe(N8);
      expect(mismatches(got, want.subarray(0, N8))).toBe(0);
      if (c.s < 31) expect(new Set(got).size).toBeGreaterThan(1);
    });
  }

  it('random configurations: every accepted one equals the CPU on random + extreme data, every refused one says why', () => {
    const r = prng(77);
    let accepted = 0, refused = 0;
    for (let k = 0; k < 40; k++) {
      const op = r.int(0, 1) ? 'QAdd' : 'QMul';
      const lo = r.int(0, 2) ? -32768 : r.int(-32768, 0), hi = r.int(0, 2) ? 32767 : r.int(0, 32767);
      const c: Case = op === 'QAdd'
        ? { op, shape: [1, r.int(1, 700)], am: r.int(0, 15), bm: r.int(0, 15), s: r.int(-4, 32), lo, hi, relu: r.int(0, 3) === 0 }
        : { op, shape: [1, r.int(1, 700)], s: r.int(0, 33), lo, hi, relu: r.int(0, 3) === 0 };
      const d = rspDecide(node(c));
      if (!d.rsp) { expect(d.reason.length).toBeGreaterThan(5); refused++; continue; }
      accepted++;
      const N = c.shape[1]!, N8 = N - (N % 8);
      const a = data(r, N, c.relu ? 0 : -32768), b = data(r, N, c.relu ? 0 : -32768);
      expect(mismatches(runPlan(d.plan, a, b), cpu(c, a, b).subarray(0, N8))).toBe(0);
    }
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(3);
  });

  it('tiles: as large as DMEM holds, dividing the count when it can, else full tiles + one remainder task', () => {
    const big = plan({ op: 'QAdd', shape: [1, 16, 32, 32], am: 0, bm: 2, s: 2 });
    expect(big.tasks.map((t) => [t.ntiles, t.inStride / 2])).toEqual([[64, 256]]);
    expect(big.tasks[0]!.kernel.map.end).toBeLessThanOrEqual(4096);
    const odd = plan({ op: 'QAdd', shape: [1, 1, 3, 271], am: 0, bm: 0, s: 2 });
    expect(odd.tasks.map((t) => [t.ntiles, t.inStride / 2, t.inOff])).toEqual([[2, 320, 0], [1, 168, 1280]]);
    // the largest tile: 6 buffers of P int16 + params + const within 4 KB DMEM
    const one = plan({ op: 'QMul', shape: [1, 328], s: 8 });
    expect(one.tasks.map((t) => [t.ntiles, t.inStride / 2])).toEqual([[1, 328]]);
    expect(plan({ op: 'QMul', shape: [1, 336], s: 8 }).tasks.map((t) => [t.ntiles, t.inStride / 2])).toEqual([[2, 168]]);
    expect(plan({ op: 'QMul', shape: [1, 8 * 41], s: 8 }).tasks.map((t) => [t.ntiles, t.inStride / 2])).toEqual([[1, 328]]);
  });

  it('stays on the CPU with a reason where the RSP is not exact or not applicable', () => {
    const why = (c: Case) => { const d = rspDecide(node(c)); expect(d.rsp).toBe(false); return d.rsp ? '' : d.reason; };
    expect(why({ op: 'QAdd', shape: [1, 8, 4, 4], bshape: [1, 8, 1, 1], s: 2 })).toMatch(/broadcasting/);
    expect(why({ op: 'QAdd', shape: [1, 8, 4, 4], s: 2, dtype: 'int8' })).toMatch(/int8/);
    expect(why({ op: 'QAdd', shape: [1, 7], s: 2 })).toMatch(/fewer than 8/);
    expect(why({ op: 'QMul', shape: [1, 64], s: 1 })).toMatch(/shift 1 < 2/);
    expect(why({ op: 'QMul', shape: [1, 64], s: 31 })).toMatch(/overflow/); // (-32768)^2 + 2^30 = 2^31
    expect(why({ op: 'QAdd', shape: [1, 64], am: 15, bm: 0, s: 2 })).toMatch(/int16 multipliers/);
    expect(why({ op: 'QAdd', shape: [1, 64], am: 14, bm: 14, s: 31 })).toMatch(/overflow/); // 2 x 2^29 + 2^30
  });
});

describe.skipIf(!z64Plugin())('--rsp QAdd plan on mupen64plus-rsp-z64', () => {
  it('two tasks (full tiles + remainder) on z64 == simulator == CPU', () => {
    const c: Case = { op: 'QAdd', shape: [1, 1, 3, 271], am: 0, bm: 2, s: 2, lo: 0 };
    const p = plan(c);
    expect(p.tasks.length).toBe(2);
    const r = prng(7);
    const a = data(r, 813), b = data(r, 813);
    const z = runPlan(p, a, b, (rd, dm, im) => runImagesOnZ64(rd, dm, im).rdram);
    expect(mismatches(z, runPlan(p, a, b))).toBe(0);
    expect(mismatches(z, cpu(c, a, b).subarray(0, 808))).toBe(0);
  });
});

/** x [1,3,17,17] (867 elements: 3 on the CPU), 1x1 conv h, y = ReLU(h + x) * h. */
function residualModel(): string {
  const b = new OnnxBuilder('resadd');
  b.input('x', 'float32', [1, 3, 17, 17]);
  const w = b.init('w', seededTensor([3, 3, 1, 1], 51, 0.6)), bias = b.init('bias', seededTensor([3], 52, 0.1));
  const [h] = b.node('Conv', ['x', w, bias], { kernel_shape: [1, 1] });
  const [s] = b.node('Add', [h!, 'x']);
  const [r] = b.node('Relu', [s!]);
  b.node('Mul', [r!, h!], {}, ['y']);
  b.output('y', 'float32', [1, 3, 17, 17]);
  return writeModel(b, tmpDir('rsp-add'));
}

describe('--rsp QAdd / QMul in a model', () => {
  it('puts the add and the mul on the RSP, emits the dispatcher call + CPU tail, and the CPU fallback matches onnxruntime', async () => {
    const m = residualModel();
    const { graph } = lower(m, { target: 'n64', quantize: Q, rsp: true });
    const rows = rspReport(graph);
    expect(rows.filter((x) => x.op === 'QAdd' || x.op === 'QMul').map((x) => [x.op, x.where])).toEqual([['QAdd', 'RSP'], ['QMul', 'RSP']]);
    const c = await compile(m, { target: 'n64', quantize: Q, rsp: true, reference: false });
    const mc = c.code.files['model.c']!;
    expect(mc.match(/dnnc_rsp_run_eltwise\(/g)?.length).toBe(2);
    expect(mc).toMatch(/i = 864u;\n\s*for \(; i < 867u; i\+\+\)/);
    // no --rsp: the generated C is unchanged by this feature
    const plain = await compile(m, { target: 'n64', quantize: Q, reference: false });
    expect(plain.code.files['model.c']!).not.toMatch(/rsp/);
    // n64 build without an RSP (qemu-mips64): dnnc_rsp_run_eltwise returns 0, the CPU loop runs
    const v = await verify(m, { target: 'n64', quantize: Q, rsp: true, tolerance: 5e-2 } as never);
    expect(v.pass).toBe(true);
  }, 180_000);
});

describe('layerTicks', () => {
  it('is off by default; dnnc verify --layer-ticks refuses builds without the ROM main in one line', async () => {
    const c = await compile(example('cnn'), { target: 'n64', reference: false });
    expect(c.code.files['model.c']!).not.toMatch(/dnnc_layer_tick/);
    const t = await compile(example('cnn'), { target: 'n64', reference: false, layerTicks: true });
    expect(t.code.files['model.c']!.match(/dnnc_layer_tick\(/g)?.length).toBe(t.graph.nodes.length + 2); // prototype, -1, one per layer
    const r = dnnc(['verify', example('cnn'), '--layer-ticks']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dnnc: error: --layer-ticks needs --target n64 --emulator mupen64plus/m);
  });
});

describe.skipIf(!HAVE_RSP_EMULATOR)('--rsp QAdd / QMul in mupen64plus', () => {
  it('RSP build equals the CPU int16 build bit for bit', async () => {
    const m = residualModel();
    const cpuRom = await romOutput(false, m);
    const rspRom = await romOutput(true, m);
    expect(rspRom.lines.some((l) => l.startsWith('DNNC-RSP'))).toBe(false);
    expect(cpuRom.hex.length).toBe(867 * 8);
    expect(rspRom.hex).toBe(cpuRom.hex);
  }, 300_000);

  it('layerTicks: the ROM prints the Count ticks of every layer, adding up to (nearly) the time per inference', async () => {
    const m = residualModel();
    const { graph } = lower(m, { target: 'n64', quantize: Q, rsp: true });
    const r = await verify(m, { target: 'n64', emulator: 'mupen64plus', keep: true, quantize: Q, rsp: true, layerTicks: true, tolerance: 1e-2 });
    const log = fs.readFileSync(path.join(r.dir, 'emulator.log'), 'utf8');
    fs.rmSync(r.dir, { recursive: true, force: true });
    expect(r.pass).toBe(true);
    const layers = [...log.matchAll(/IS64: DNNC-LAYER (\d+) (\d+) (\S+) (\S+)/g)].map((x) => ({ i: Number(x[1]), ticks: Number(x[2]), op: x[3], name: x[4] }));
    expect(layers.map((l) => l.op)).toEqual(graph.nodes.map((n) => n.op));
    expect(layers.map((l) => l.name)).toEqual(graph.nodes.map((n) => n.name));
    const cnt = /DNNC-COUNT (\d+) (\d+) (\d+)/.exec(log)!;
    const total = (Number(cnt[1]) * 2 ** 32 + Number(cnt[2])) / Number(cnt[3]);
    const sum = layers.reduce((a, l) => a + l.ticks, 0);
    expect(sum).toBeLessThanOrEqual(total);
    expect(sum).toBeGreaterThan(0.9 * total);
    expect(layers.every((l) => l.ticks > 0)).toBe(true);
  }, 300_000);
});
