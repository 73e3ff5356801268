// --rsp on mixed small CNNs the other RSP tests do not shape: 3x3 convs with
// Ci != Co at widths not a multiple of 8 (staged output), stride-2 3x3 and
// 1x1 convs, 5x5 convs (im2col), 3x3 convs with many channels at odd widths
// (chunked kernel on rows rounded up to 8), residual adds, max pooling, channel counts
// beyond one DMA of rows (130). Every RSP layer in the simulator equals
// dnnc's int16 contract on random inputs; two models as ROMs in mupen64plus
// equal the CPU int16 build bit for bit.
import { describe, it, expect } from 'vitest';
import { lower } from '../../compiler/driver.js';
import { rspDecide, valueRange } from '../../compiler/rsp/plan.js';
import { runLayerPlan } from '../../compiler/rsp/runplan.js';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { writeModel, tmpDir } from '../helpers.js';
import { prng, randInt16, mismatches, refConv, refPool } from './helpers.js';
import { HAVE_RSP_EMULATOR, Q, romOutput } from './rom.js';

type L = { op: 'c3' | 'c3s2' | 'c5' | 'dw' | 'dws2' | 'pw' | 'pws2' | 'mp' | 'res'; co?: number };

/** A chain of Conv+ReLU layers ('res': a 3x3 conv added to its input), weights seeded from `seed`. */
function model(name: string, [C, H, W]: [number, number, number], layers: L[], seed: number): string {
  const b = new OnnxBuilder(name);
  b.input('x', 'float32', [1, C, H, W]);
  let cur = 'x', c = C, h = H, w = W, k = 0;
  const conv = (kk: number, s: number, g: number, p: number, cout: number) => {
    k++;
    const wt = b.init(`w${k}`, seededTensor([cout, c / g, kk, kk], seed + 7 * k, 0.4)), bt = b.init(`b${k}`, seededTensor([cout], seed + 7 * k + 1, 0.1));
    const [y] = b.node('Conv', [cur, wt, bt], { kernel_shape: [kk, kk], pads: [p, p, p, p], strides: [s, s], group: g });
    h = Math.floor((h + 2 * p - kk) / s) + 1; w = Math.floor((w + 2 * p - kk) / s) + 1; c = cout;
    return b.node('Relu', [y!])[0]!;
  };
  for (const l of layers) {
    const co = l.co ?? c;
    if (l.op === 'c3') cur = conv(3, 1, 1, 1, co);
    if (l.op === 'c3s2') cur = conv(3, 2, 1, 1, co);
    if (l.op === 'c5') cur = conv(5, 1, 1, 2, co);
    if (l.op === 'dw') cur = conv(3, 1, c, 1, c);
    if (l.op === 'dws2') cur = conv(3, 2, c, 1, c);
    if (l.op === 'pw') cur = conv(1, 1, 1, 0, co);
    if (l.op === 'pws2') cur = conv(1, 2, 1, 0, co);
    if (l.op === 'mp') { cur = b.node('MaxPool', [cur], { kernel_shape: [2, 2], strides: [2, 2] })[0]!; h = Math.floor(h / 2); w = Math.floor(w / 2); }
    if (l.op === 'res') { const x0 = cur; cur = b.node('Add', [conv(3, 1, 1, 1, c), x0])[0]!; }
  }
  b.node('Identity', [cur], {}, ['y']);
  b.output('y', 'float32', [1, c, h, w]);
  return writeModel(b, tmpDir(`rsp-mixed-${name}`));
}

const MODELS: Record<string, () => string> = {
  stem: () => model('stem', [3, 20, 20], [{ op: 'c3s2', co: 12 }, { op: 'dw' }, { op: 'pw', co: 24 }, { op: 'dws2' }, { op: 'pw', co: 16 }], 97),
  res: () => model('res', [24, 12, 12], [{ op: 'c3', co: 40 }, { op: 'res' }, { op: 'c3s2', co: 48 }, { op: 'mp' }], 98),
  odd: () => model('odd', [5, 16, 24], [{ op: 'c5', co: 7 }, { op: 'pws2', co: 9 }, { op: 'c3', co: 11 }], 99),
  wide: () => model('wide', [64, 6, 10], [{ op: 'c3', co: 72 }, { op: 'pw', co: 130 }, { op: 'dw' }], 100),
};

describe('--rsp on mixed CNNs, in the bit-exact simulator', () => {
  for (const [name, mk] of Object.entries(MODELS)) {
    it(`${name}: every conv and pool on the RSP, tasks + staging copies == the int16 contract`, () => {
      const { graph } = lower(mk(), { target: 'n64', quantize: Q, rsp: true });
      const R = prng(name.length * 13 + 1);
      const layers = graph.nodes.filter((n) => n.op === 'QConv' || n.op === 'QMaxPool');
      expect(layers.length).toBeGreaterThan(2);
      for (const n of layers) {
        const d = rspDecide(n);
        if (!d.rsp) throw new Error(`${n.name} stays on the CPU: ${d.reason}`);
        const [lo, hi] = valueRange(n.inputs[0]!);
        const x = randInt16(R, (n.inputs[0]!.type.shape as number[]).reduce((a, b) => a * b, 1), lo, hi);
        const want = n.op === 'QMaxPool' ? refPool(n, x) : refConv(n, x);
        expect(new Set(want).size, `${n.name}: the reference is not all clamped`).toBeGreaterThan(8);
        expect(mismatches(runLayerPlan(d.plan, x, { yLen: want.length }).y, want), `${n.name} (${d.plan.kind})`).toBe(0);
      }
    }, 120_000);
  }
});

describe.skipIf(!HAVE_RSP_EMULATOR)('--rsp on mixed CNNs in mupen64plus', () => {
  for (const name of ['odd', 'res']) {
    it(`${name}: RSP build equals the CPU int16 build bit for bit`, async () => {
      const m = MODELS[name]!();
      const cpu = await romOutput(false, m);
      const rsp = await romOutput(true, m);
      expect(rsp.lines.some((l) => l.startsWith('DNNC-RSP'))).toBe(false);
      expect(cpu.hex.length).toBeGreaterThan(0);
      expect(rsp.hex).toBe(cpu.hex);
    }, 300_000);
  }
});
