// int16 Sigmoid and Tanh through interpolated lookup tables (QLut16): the
// table's own worst error over all 65536 input levels is within the stated
// bound (README: at most 13 output steps of 2^-15, i.e. 4e-4, for inputs up
// to +-16, 1 step for narrow inputs), and the generated C, run on host,
// matches the float model within that bound plus the input quantization.
import { describe, it, expect } from 'vitest';
import { OnnxBuilder } from '../../compiler/onnx/builder.js';
import { Tensor } from '../../ir/tensor.js';
import { compile } from '../../compiler/driver.js';
import { lut16 } from '../../passes/quantize.js';
import { writeModel } from '../helpers.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('int16 lookup tables with interpolation', () => {
  it.each([15, 13, 11, 9, 7, 4])('Sigmoid and Tanh, input scale 2^-%i: worst error over every input level within the stated bound', (fx) => {
    for (const f of [sigmoid, Math.tanh]) {
      const r = lut16(f, 2 ** -fx, 2 ** -15, true);
      expect(r.table).toHaveLength(513);
      expect(r.maxErr).toBeLessThanOrEqual(13 * 2 ** -15);
      if (fx >= 13 || fx <= 4) expect(r.maxErr).toBeLessThanOrEqual(1.6 * 2 ** -15);
    }
  });

  it('generated C (host) of an int16 model with Sigmoid and Tanh matches float within the bound', async () => {
    const b = new OnnxBuilder('lut16', 13);
    b.input('x', 'float32', [1, 256]);
    const g = b.init('g', Tensor.fromNumbers('float32', [1], [6]));
    const [xs] = b.node('Mul', ['x', g]);
    b.node('Sigmoid', [xs!], {}, ['s']);
    b.node('Tanh', [xs!], {}, ['t']);
    b.output('s', 'float32', [1, 256]);
    b.output('t', 'float32', [1, 256]);
    const c = await compile(writeModel(b), { target: 'host', quantize: { dtype: 'int16', calibrateRandom: 8 } });
    const ops = c.graph.nodes.map((n) => n.op);
    expect(ops.filter((o) => o === 'QLut16')).toHaveLength(2);
    expect(ops).not.toContain('Sigmoid');
    expect(ops).not.toContain('Tanh');
    for (const n of c.graph.nodes.filter((m) => m.op === 'QLut16')) expect(n.float('max_err')!).toBeLessThanOrEqual(13 * 2 ** -15);
    const acc = c.quant!.accuracy!;
    expect(acc).toHaveLength(2);
    // table error + the input's quantization step (2^-12 at |x| < 8) times the slope (<= 1)
    for (const a of acc) expect(a.maxAbsErr).toBeLessThan(13 * 2 ** -15 + 2 ** -12);
  });
});
