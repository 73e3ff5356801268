import { buildForTarget, runAndCompare } from '../../compiler/verify.js';
// Post-training quantization end to end: calibrate on the host build of the
// float graph, quantize, build and run the generated C on the host, and check
// the accuracy against float32 within the errors stated in README.md.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { compile } from '../../compiler/driver.js';
import { writeProject } from '../../compiler/project.js';
import { randomInputs } from '../../compiler/inputs.js';
import { Value } from '../../ir/graph.js';
import { quantizeMultiplier, multiplierValue, asymmetricParams } from '../../ir/quant.js';
import { chooseRange, loadCalibrationInputs } from '../../compiler/quantize.js';
import { writeTensorFile } from '../../compiler/onnx/tensors.js';
import { Tensor } from '../../ir/tensor.js';
import { dnnc, example, tmpDir, writeModel } from '../helpers.js';
import { buildHost, haveCommand, run } from '../../compiler/toolchain.js';
import { floatZooModel } from './models.js';

function makeRun(dir: string): string {
  const r = spawnSync('make', ['-s', '-C', dir, 'run'], { encoding: 'utf8' });
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r.stdout;
}

describe('fixed-point multipliers', () => {
  it('encode the real scale to 31 bits', () => {
    for (const real of [1e-6, 3.3e-4, 0.0123, 0.5, 0.75, 0.999999, 1, 1.7, 300]) {
      const m = quantizeMultiplier(real);
      expect(m.mult).toBeGreaterThanOrEqual(2 ** 30);
      expect(m.mult).toBeLessThan(2 ** 31);
      expect(Math.abs(multiplierValue(m) - real) / real).toBeLessThan(2 ** -30);
    }
  });
});

describe('calibration', () => {
  it('percentile clips an outlier; mse picks a range with no more error than minmax or percentile', () => {
    const vals = new Float32Array(8001);
    for (let i = 0; i < 8000; i++) vals[i] = Math.sign(Math.sin(i)) * Math.log(1 / (1 - ((i * 0.6180339887) % 1))) * 0.2; // Laplace-like
    vals[8000] = 50;
    let min = Infinity, max = -Infinity;
    for (const v of vals) { min = Math.min(min, v); max = Math.max(max, v); }
    expect(chooseRange(vals, min, max, 'minmax', 'int8', false)).toEqual([min, max]);
    const pr = chooseRange(vals, min, max, 'percentile', 'int8', false);
    expect(pr[1]).toBeLessThan(5);
    const mr = chooseRange(vals, min, max, 'mse', 'int8', false);
    expect(mr[0]).toBeGreaterThanOrEqual(min);
    expect(mr[1]).toBeLessThanOrEqual(max);
    const mse = ([lo, hi]: [number, number]) => {
      const p = asymmetricParams(lo, hi);
      let e = 0;
      for (const v of vals) { const q = Math.max(-128, Math.min(127, Math.round(v / p.scale) + p.zp)); e += ((q - p.zp) * p.scale - v) ** 2; }
      return e;
    };
    expect(mse(mr)).toBeLessThanOrEqual(mse([min, max]) * 1.0001);
    expect(mse(mr)).toBeLessThanOrEqual(mse(pr) * 1.0001);
  });

  it('reads one sample per file, or one subfolder per sample for several inputs', () => {
    const dir = tmpDir('qcal');
    const a = new Value('a', { dtype: 'float32', shape: [2] }), b = new Value('b', { dtype: 'float32', shape: [3] });
    for (let s = 0; s < 2; s++) {
      fs.mkdirSync(path.join(dir, `set${s}`));
      writeTensorFile(path.join(dir, `set${s}`, 'input_0.pb'), Tensor.fromNumbers('float32', [2], [s, s]), 'a');
      fs.writeFileSync(path.join(dir, `set${s}`, 'input_1.bin'), Tensor.fromNumbers('float32', [3], [s, 1, 2]).toBytes(true));
      fs.writeFileSync(path.join(dir, `set${s}`, 'input_0.bin.txt'), 'not a tensor');
      writeTensorFile(path.join(dir, `set${s}`, 'output_0.pb'), Tensor.fromNumbers('float32', [1], [9]), 'y');
    }
    const two = loadCalibrationInputs(dir, [a, b]);
    expect(two.map((r) => r.map((t) => t.toNumbers()))).toEqual([[[0, 0], [0, 1, 2]], [[1, 1], [1, 1, 2]]]);
    // one input: every tensor file is a sample (input_1.bin does not fit a [2] input)
    expect(() => loadCalibrationInputs(dir, [a])).toThrow(/expected 8 bytes for f32\[2\], got 12/);
    const oneDir = path.join(dir, 'single');
    fs.mkdirSync(oneDir);
    for (let s = 0; s < 3; s++) fs.writeFileSync(path.join(oneDir, `x${s}.bin`), Tensor.fromNumbers('float32', [2], [s, -s]).toBytes(true));
    expect(loadCalibrationInputs(oneDir, [a]).map((r) => r[0]!.toNumbers())).toEqual([[0, -0], [1, -1], [2, -2]]);
  });
});

// stated accuracy (README, Quantization): max |quantized - float| on the outputs
const LIMITS: Record<string, Record<string, number>> = {
  mlp: { int8: 0.01, int16: 1e-4 },
  cnn: { int8: 0.005, int16: 1e-4 },
};

describe.each(['mlp', 'cnn'])('quantized example %s', (name) => {
  it.each(['int8', 'int16'] as const)('%s: within the stated error of float, and its project runs PASS on host', async (dtype) => {
    const c = await compile(example(name), { target: 'host', quantize: { dtype, calibrateRandom: 8 } });
    const acc = c.quant!.accuracy!;
    expect(acc).toHaveLength(1);
    expect(acc[0]!.maxAbsErr).toBeLessThan(LIMITS[name]![dtype]!);
    expect(acc[0]!.cosine).toBeGreaterThan(0.999);
    expect(acc[0]!.top1).toBe(1);
    const ops = c.graph.nodes.map((n) => n.op);
    expect(ops).toContain(name === 'mlp' ? 'QGemm' : 'QConv');
    expect(ops.filter((o) => ['Conv', 'Gemm', 'Relu', 'MaxPool', 'GlobalAveragePool'].includes(o))).toEqual([]);
    if (dtype === 'int8') {
      // weights shrink to about a quarter (int8 + int32 bias)
      const f = await compile(example(name), { target: 'host' });
      expect(c.code.weightBytes).toBeLessThan(f.code.weightBytes * 0.4);
      const dir = tmpDir(`q${name}`);
      writeProject(dir, c.files, true);
      expect(makeRun(dir)).toMatch(/^PASS max_abs_err=/m);
    }
  });
});

describe('quantizing every supported op', () => {
  it.each([
    ['int8', false, 'minmax'],
    ['int8', true, 'percentile'],
    ['int16', false, 'mse'],
  ] as const)('%s (symmetric activations: %s, %s calibration)', async (dtype, symmetricActivations, method) => {
    const f = writeModel(floatZooModel());
    const c = await compile(f, { target: 'host', quantize: { dtype, calibrateRandom: 8, symmetricActivations, method } });
    const ops = c.graph.nodes.map((n) => n.op);
    for (const op of ['QConv', 'QAdd', 'QMul', 'QMaxPool', 'QAveragePool', 'QConcat', 'QClamp', 'QGlobalAveragePool', 'QGemm']) expect(ops, op).toContain(op);
    // data movement stays integer
    expect(c.graph.nodes.find((n) => n.op === 'Slice')!.outputs[0]!.type.dtype).toBe(dtype);
    // Sigmoid: a 256-entry table in int8, an interpolated 513-point table in int16;
    // Softmax: integer in int8, a float island (with its reason) in int16
    const island = c.graph.nodes.find((n) => n.op === 'DequantizeLinear' && n.str('why', '').includes('Softmax'));
    expect(c.graph.nodes.find((n) => n.op === 'DequantizeLinear' && n.str('why', '').includes('Sigmoid'))).toBeUndefined();
    expect(ops).not.toContain('Sigmoid');
    if (dtype === 'int8') {
      expect(ops).toContain('QLut');
      expect(ops).toContain('QSoftmax');
      expect(island).toBeUndefined();
    } else {
      expect(ops).toContain('QLut16');
      expect(ops).toContain('Softmax');
      expect(island).toBeDefined();
    }
    const acc = c.quant!.accuracy![0]!;
    expect(acc.cosine).toBeGreaterThan(0.999);
    expect(acc.maxAbsErr).toBeLessThan(dtype === 'int8' ? 0.05 : 5e-4);
    if (dtype === 'int8' && !symmetricActivations) {
      // the generated C (inline QAdd/QMul/QClamp/QLut loops included) is clean under ASan/UBSan
      const dir = tmpDir('qzoo');
      writeProject(dir, c.files, true);
      const exe = buildHost(dir, 'model', { extraCflags: ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-g'] });
      expect(run(exe, [], { timeoutMs: 120_000 }).stdout).toMatch(/^PASS max_abs_err=0$/m);
    }
    if (symmetricActivations) for (const n of c.graph.nodes) if (n.op.startsWith('Q') && n.outputs[0]!.quant) expect(n.outputs[0]!.quant!.zeroPoint[0]).toBe(0);
  });
});

describe('dnnc CLI --quantize', () => {
  it('calibrates from a folder of raw inputs, reports accuracy, and inspect says where float remains', () => {
    const dir = tmpDir('qcli');
    const calib = path.join(dir, 'calib');
    fs.mkdirSync(calib);
    const inputs = [new Value('image', { dtype: 'float32', shape: [1, 3, 16, 16] })];
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(calib, `sample${i}.bin`), randomInputs(inputs, 50 + i)[0]!.toBytes(true));
    const out = path.join(dir, 'out');
    const evalDir = path.join(path.dirname(example('cnn')), 'test_data_set_0');
    const r = dnnc(['compile', example('cnn'), '--quantize', 'int8', '--calibrate', calib, '--calibration', 'percentile', '--evaluate', evalDir, '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/calibrating on 4 inputs from/);
    expect(r.stderr).toMatch(/calibrating \[#+\] 5\/5/);
    expect(r.stderr).toMatch(/accuracy of int8 against float32 on 1 evaluation input:/);
    expect(r.stderr).toMatch(/probs\s+\d\.\d+e-\d+\s+(0\.99\d+|1\.000000)\s+100\.0% \(1 rows\)/);
    expect(makeRun(out)).toMatch(/^PASS/m);
    const ins = dnnc(['inspect', example('cnn'), '--quantize', 'int8', '--calibrate-random', '4', '--quant-params']);
    expect(ins.status, ins.stderr).toBe(0);
    expect(ins.stdout).toMatch(/QConv\(/);
    expect(ins.stdout).toMatch(/mult=\[\d+,/);
    expect(ins.stdout).toMatch(/int -> float at '.*': Softmax 'softmax' produces a graph output: float keeps its resolution/);
    expect(ins.stdout).toMatch(/conv0 \(QConv\) requantization mult\*2\^-\(31\+shift\): \[0\.\d+/);
    expect(ins.stdout).toMatch(/conv0 \(QConv\) bias int32 at the accumulator scale: \[-?\d+,/);
    const bad = dnnc(['compile', example('cnn'), '--calibrate', calib, '-o', path.join(dir, 'o2')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/need --quantize/);
  });
});

describe('quantized model on a big-endian target (n64 under qemu-mips64)', () => {
  it.skipIf(!haveCommand('mips64-linux-gnuabi64-gcc') || !haveCommand('qemu-mips64'))('reproduces the host run of the int8 model bit-exactly', async () => {
    const c = await compile(example('cnn'), { target: 'n64', quantize: { dtype: 'int8', calibrateRandom: 4 } });
    const dir = tmpDir('qn64');
    // the n64 verify path: the VR4300 test program under qemu-mips64, compared bit for bit
    const r = runAndCompare(c, buildForTarget(c, dir), dir, 0);
    expect(r.line).toMatch(/^PASS/);
    expect(r.maxAbsErr).toBe(0);
  });
});
