// Tiling (passes/tile.ts, runtime-c/kernels/tile*.c): tiled execution gives
// the untiled results (bit-exact for int8/int16, <= 1e-5 relative for
// float32) on the examples, the MLPerf Tiny models, generated families and
// conformance-style conv/gemm/pool models, on the host (with sanitizers) and
// on the n64 under qemu-mips64 with --rsp-model, where every tile runs
// through a 4 KB DMEM-sized scratch buffer with DMA rules; the high-water
// mark measured at run time never exceeds 4096 bytes and equals the
// compile-time figure.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { compile, lower, type CompileOptions } from '../../compiler/driver.js';
import { buildForTarget } from '../../compiler/verify.js';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { MLPERF_TINY } from '../../compiler/onnx/mlperf-tiny.js';
import { families } from '../../compiler/onnx/families.js';
import { tileTable } from '../../passes/tile.js';
import { printGraph } from '../../ir/printer.js';
import type { Tensor } from '../../ir/tensor.js';
import { isFloatType } from '../../ir/types.js';
import { dnnc, example, tmpDir, writeModel } from '../helpers.js';
import { nodeTestDir } from '../../scripts/testdata.js';
import { closeEnough } from '../../scripts/conformance-lib.js';
import { readTensorFile } from '../../compiler/onnx/tensors.js';

interface Run { outputs: Tensor[]; notes: string[]; tileBytes: number[] }

async function runModel(file: string, opts: CompileOptions, sanitize = false): Promise<Run> {
  const c = await compile(file, { ...opts, reference: false, seed: 7 });
  const dir = tmpDir('tile');
  try {
    const r = buildForTarget(c, dir, { sanitize }).run();
    if (typeof r.outputs === 'string') throw new Error(`${file}: ${r.outputs}`);
    const tileBytes = c.graph.nodes.filter((n) => n.attrs.has('tile')).map((n) => n.int('tile_bytes', 0));
    return { outputs: r.outputs, notes: r.notes ?? [], tileBytes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Integers equal; floats within 1e-5 of the largest reference magnitude. */
function expectSame(got: Tensor[], ref: Tensor[]): void {
  expect(got.length).toBe(ref.length);
  got.forEach((g, i) => {
    const r = ref[i]!;
    expect(g.shape).toEqual(r.shape);
    if (!isFloatType(r.dtype)) {
      for (let k = 0; k < r.size; k++) if (g.get(k) !== r.get(k)) throw new Error(`output ${i}[${k}]: ${g.get(k)} != ${r.get(k)}`);
      return;
    }
    let scale = 0, err = 0;
    for (let k = 0; k < r.size; k++) scale = Math.max(scale, Math.abs(r.get(k)));
    for (let k = 0; k < r.size; k++) err = Math.max(err, Math.abs(g.get(k) - r.get(k)));
    expect(err).toBeLessThanOrEqual(1e-5 * Math.max(scale, 1e-30));
  });
}

function highWater(notes: string[]): number {
  const m = notes.map((n) => /tile scratch high-water (\d+) bytes/.exec(n)).find(Boolean);
  if (!m) throw new Error(`no high-water note in ${JSON.stringify(notes)}`);
  return Number(m[1]);
}

function modelFile(name: string, build: () => OnnxBuilder): string {
  return writeModel(build(), tmpDir('tile-model'), `${name}.onnx`);
}

/** Convolutions, depthwise, pooling, elementwise ops and gemms with awkward geometry (padding, strides, dilation, odd sizes). */
function conformance(): string {
  const b = new OnnxBuilder('tile_conformance');
  b.input('x', 'float32', [1, 5, 19, 23]);
  let x = b.node('Conv', ['x', b.init('w0', seededTensor([12, 5, 3, 5], 1, 0.3)), b.init('b0', seededTensor([12], 2, 0.1))],
    { kernel_shape: [3, 5], pads: [1, 2, 2, 1], strides: [2, 1], dilations: [1, 2] }, undefined, 'c0')[0]!;
  x = b.node('Relu', [x])[0]!;
  x = b.node('Conv', [x, b.init('wd', seededTensor([12, 1, 3, 3], 3, 0.3))], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 12 }, undefined, 'dw')[0]!;
  x = b.node('Mul', [x, b.node('Sigmoid', [x])[0]!])[0]!; // elementwise: chunks of elements
  x = b.node('AveragePool', [x], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2], count_include_pad: 1 }, undefined, 'ap')[0]!;
  x = b.node('Conv', [x, b.init('w1', seededTensor([40, 12, 1, 1], 4, 0.3)), b.init('b1', seededTensor([40], 5, 0.1))], { kernel_shape: [1, 1] }, undefined, 'pw')[0]!;
  x = b.node('MaxPool', [x], { kernel_shape: [2, 3], pads: [0, 1, 1, 1], strides: [1, 2] }, undefined, 'mp')[0]!;
  x = b.node('Conv', [x, b.init('w2', seededTensor([8, 20, 3, 3], 6, 0.2))], { kernel_shape: [3, 3], pads: [0, 0, 0, 0], group: 2 }, undefined, 'g2')[0]!;
  x = b.node('Flatten', [x], { axis: 1 })[0]!;
  const shapeOf = (): number => 8 * 3 * 3;
  x = b.node('Gemm', [x, b.init('wf', seededTensor([shapeOf(), 70], 7, 0.1)), b.init('bf', seededTensor([1, 70], 8, 0.1))], { alpha: 0.5, beta: 2 }, undefined, 'fc0')[0]!;
  x = b.node('Gemm', [x, b.init('wg', seededTensor([33, 70], 9, 0.1)), b.init('bg', seededTensor([33], 10, 0.1))], { transB: 1 }, undefined, 'fc1')[0]!;
  b.node('MatMul', [x, b.init('wm', seededTensor([33, 9], 11, 0.1))], {}, ['y'], 'mm');
  b.output('y', 'float32', [1, 9]);
  return writeModel(b, tmpDir('tile-conf'), 'conformance.onnx');
}

describe('tile pass', () => {
  it('prints the tile loop nest with --print-after tile, and the per-layer table with inspect --tiles', () => {
    const r = dnnc(['inspect', example('cnn'), '--target', 'n64', '--rsp-model', '--print-after', 'tile']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\| tile RSP DMEM: \d+ of 3584 B/);
    expect(r.stdout).toMatch(/\| for oc in 0\.\.8 step \d+:/);
    expect(r.stdout).toMatch(/\|\s+for oy in 0\.\.16 step \d+:/);
    const t = dnnc(['inspect', example('cnn'), '--target', 'n64', '--tiles']);
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/^conv0\s+Conv\s+f32\s+\d+ x \d+ x \d+ x \d+/m);
    expect(t.stdout).toMatch(/^fc\s+Gemm/m);
  });

  it('is off by default: the default pipeline gives the same IR as before', () => {
    const plain = lower(example('cnn'), { target: 'n64' }).graph;
    expect(plain.nodes.some((n) => n.attrs.has('tile'))).toBe(false);
    expect(printGraph(plain)).not.toContain('tile');
  });

  it('refuses --rsp-model on a target without DMEM, and unknown levels', () => {
    const r = dnnc(['inspect', example('cnn'), '--rsp-model']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dnnc: error: .*--rsp-model: target 'host' has no DMA scratch memory/m);
    const l = dnnc(['inspect', example('cnn'), '--target', 'n64', '--tile', 'l3']);
    expect(l.status).toBe(2);
    expect(l.stderr).toMatch(/no memory level 'l3' \(levels: RSP DMEM, D-cache\)/);
  });

  it('tiles every Conv/Gemm/MatMul of the bench set into the RSP DMEM budget (float32, int8, int16)', () => {
    const models: [string, string][] = [['cnn', example('cnn')], ['mlp', example('mlp')],
      ...Object.entries(MLPERF_TINY).map(([k, f]) => [k, modelFile(k, f)] as [string, string])];
    for (const [name, file] of models) {
      for (const q of [undefined, 'int8', 'int16'] as const) {
        // quantized: the examples and ds_cnn here (scripts/tile-report.ts covers every bench model)
        if (q && !['cnn', 'mlp', 'ds_cnn'].includes(name)) continue;
        const opts: CompileOptions = { target: 'n64', tile: { rspModel: true }, quantize: q ? { dtype: q, calibrateRandom: 2 } : undefined };
        const g = lower(file, opts).graph;
        const rows = tileTable(g);
        const conv = rows.filter((r) => /Conv|Gemm|MatMul/.test(r.op));
        expect(conv.length, `${name} ${q ?? 'float32'}`).toBeGreaterThan(0);
        for (const r of conv) {
          expect(r.tile, `${name} ${q ?? 'float32'} ${r.node}`).not.toBeNull();
          expect(r.bytes).toBeLessThanOrEqual(4096 - 512);
        }
      }
    }
  });
});

describe('tiled == untiled on the n64 under qemu-mips64 (--rsp-model)', () => {
  const cases: [string, () => string, ('int8' | 'int16')?][] = [
    ['cnn float32', () => example('cnn')],
    ['mlp float32', () => example('mlp')],
    ['ds_cnn float32', () => modelFile('ds_cnn', MLPERF_TINY.ds_cnn!)],
    ['conformance float32', conformance],
    ['conformance int16', conformance, 'int16'],
  ];
  // DNNC_TILE_FULL=1: the larger bench models too (minutes under qemu)
  if (process.env.DNNC_TILE_FULL) {
    cases.push(
      ['resnet8 float32', () => modelFile('resnet8', MLPERF_TINY.resnet8!)],
      ['resnet8 int8', () => modelFile('resnet8', MLPERF_TINY.resnet8!), 'int8'],
      ['mobilenet_v1_025 float32', () => modelFile('mobilenet_v1_025', MLPERF_TINY.mobilenet_v1_025!)],
      ['mobilenet_v1_025 int16', () => modelFile('mobilenet_v1_025', MLPERF_TINY.mobilenet_v1_025!), 'int16'],
      ['ds_cnn int8', () => modelFile('ds_cnn', MLPERF_TINY.ds_cnn!), 'int8'],
      ['cnn int8', () => example('cnn'), 'int8'],
      ['ds_cnn int16', () => modelFile('ds_cnn', MLPERF_TINY.ds_cnn!), 'int16'],
    );
  }
  it.each(cases)('%s', async (_name, file, q) => {
    const f = file();
    const quantize = q ? { dtype: q, calibrateRandom: 4 } : undefined;
    const ref = await runModel(f, { target: 'n64', quantize });
    const tiled = await runModel(f, { target: 'n64', quantize, tile: { rspModel: true } });
    expectSame(tiled.outputs, ref.outputs);
    const hwm = highWater(tiled.notes);
    expect(hwm).toBeLessThanOrEqual(4096);
    // the run-time high-water mark is the compile-time layout of the largest tile
    expect(hwm).toBe(Math.max(...tiled.tileBytes));
  }, 300_000);
});

describe('tiled == untiled on the host', () => {
  const fam = (name: string) => () => {
    const f = families().find((x) => x.name === name)!;
    return modelFile(name, f.build);
  };
  // [title, model, --tile level, sanitizers, quantization]
  const cases: [string, () => string, string, boolean, ('int8' | 'int16')?][] = [
    ['cnn --tile 1024', () => example('cnn'), '1024', false],
    ['conformance --tile 2048 (ASan, UBSan)', conformance, '2048', true],
    ['conformance int8 --tile 2048 (ASan, UBSan)', conformance, '2048', true, 'int8'],
    ['family mlp-784 --tile 8k', fam('mlp-784'), '8k', false],
  ];
  if (process.env.DNNC_TILE_FULL) {
    cases.push(['conformance int16 --tile 1536', conformance, '1536', true, 'int16'],
      ['family mobilenet-v2 --tile L1', fam('mobilenet-v2'), 'L1', false],
      ['family inception --tile L1', fam('inception'), 'L1', false],
      ['family transformer --tile L1', fam('transformer'), 'L1', false]);
  }
  it.each(cases)('%s', async (_name, file, level, sanitize, q) => {
    const f = file();
    const quantize = q ? { dtype: q, calibrateRandom: 4 } : undefined;
    const ref = await runModel(f, { target: 'host', quantize });
    const tiled = await runModel(f, { target: 'host', quantize, tile: { level } }, sanitize);
    expect(tiled.tileBytes.length).toBeGreaterThan(0);
    expectSame(tiled.outputs, ref.outputs);
    const size = /^(\d+)(k?)$/.exec(level);
    expect(highWater(tiled.notes)).toBe(Math.max(...tiled.tileBytes));
    expect(highWater(tiled.notes)).toBeLessThanOrEqual(size ? Number(size[1]) * (size[2] ? 1024 : 1) : 32 * 1024);
  }, 300_000);
});

describe('ONNX conformance conv / gemm / pool tests, tiled', () => {
  const TESTS = ['test_conv_with_strides_and_asymmetric_padding', 'test_conv_with_autopad_same', 'test_gemm_all_attributes',
    'test_averagepool_2d_pads_count_include_pad', 'test_maxpool_2d_pads', 'test_matmul_2d'];
  const cases: [string, string, CompileOptions][] = TESTS.flatMap((t): [string, string, CompileOptions][] => [
    [t, 'host --tile 512', { target: 'host', tile: { level: '512' } }],
    [t, 'n64 --rsp-model', { target: 'n64', tile: { rspModel: true } }],
  ]);
  it.each(cases)('%s (%s) matches the test data', async (name, _how, opts) => {
    const dir = path.join(nodeTestDir(), name);
    const data = path.join(dir, 'test_data_set_0');
    const inputs = fs.readdirSync(data).filter((f) => /^input_\d+\.pb$/.test(f)).sort().map((f) => path.join(data, f));
    const file = path.join(dir, 'model.onnx');
    const c = await compile(file, { ...opts, inputs, reference: false });
    expect(c.graph.nodes.some((n) => n.attrs.has('tile'))).toBe(true);
    const work = tmpDir('tile-conf');
    try {
      const r = buildForTarget(c, work).run();
      if (typeof r.outputs === 'string') throw new Error(r.outputs);
      const want = readTensorFile(path.join(data, 'output_0.pb')).tensor;
      const cmp = closeEnough(r.outputs[0]!, want);
      expect(cmp.ok, `max error ${cmp.maxErr}`).toBe(true);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});
