// Fused patch execution (--fuse-patches): chains of spatial layers run row by
// row with small row rings. Fused and layer-by-layer builds of the same model
// are compiled, run on the same inputs on the host and under qemu-mips64, and
// must agree (float: 1e-5 relative; int8: bit for bit); the planned peak must
// drop by the stated factor.
import { describe, it, expect } from 'vitest';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { resnet, mobilenet } from '../../compiler/onnx/families.js';
import { mobilenetV1, resnet8 } from '../../compiler/onnx/mlperf-tiny.js';
import { compile, lower, type CompileOptions } from '../../compiler/driver.js';
import { verify, compareTensors } from '../../compiler/verify.js';
import { printGraph } from '../../ir/printer.js';
import { rowSchedule, chainBody } from '../../ir/ops/patch.js';
import type { FusionInfo } from '../../passes/fuse-patches.js';
import type { MemoryPlan } from '../../passes/plan-memory.js';
import { dnnc, example, tmpDir, writeModel } from '../helpers.js';
import { runModel } from './run.js';

const models: Record<string, () => string> = {
  'examples/cnn': () => example('cnn'),
  resnet8: () => writeModel(resnet8(), tmpDir('fuse')),
  // ImageNet stem (7x7/2 conv + 3x3/2 max pool), projection skips
  'resnet-imagenet-stem-32': () => writeModel(resnet({ name: 'rn', size: 32, stem: 'imagenet', stages: [[16, 2, 1], [32, 1, 2]], classes: 10 }), tmpDir('fuse')),
  'mobilenet-v2-32': () => writeModel(mobilenet(32, 0.5), tmpDir('fuse')),
};

/** An odd chain: dilation, stride 3, average pool with padding, unfused Relu, Sub and Mul of branches. */
function oddChain(): string {
  const b = new OnnxBuilder('odd');
  b.input('x', 'float32', [1, 3, 23, 19]);
  const w = (name: string, shape: number[], seed: number) => b.init(name, seededTensor(shape, seed, 0.3));
  const [c1] = b.node('Conv', ['x', w('w1', [8, 3, 3, 3], 1), w('b1', [8], 2)], { kernel_shape: [3, 3], pads: [2, 2, 2, 2], dilations: [2, 2] });
  const [r1] = b.node('Relu', [c1!]);
  const [c2] = b.node('Conv', [r1!, w('w2', [8, 1, 5, 5], 3)], { kernel_shape: [5, 5], pads: [2, 2, 2, 2], group: 8 });
  const [c3] = b.node('Conv', [r1!, w('w3', [8, 8, 1, 1], 4)], { kernel_shape: [1, 1] });
  const [s] = b.node('Sub', [c2!, c3!]);
  const [r2] = b.node('Relu', [s!]);
  const [m] = b.node('Mul', [r2!, r1!]);
  const [p] = b.node('AveragePool', [m!], { kernel_shape: [3, 3], strides: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 });
  const [c4] = b.node('Conv', [p!, w('w4', [4, 8, 3, 3], 5), w('b4', [4], 6)], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 1, 0] });
  const [g] = b.node('GlobalAveragePool', [c4!]);
  b.node('Flatten', [g!], {}, ['y']);
  b.output('y', 'float32', [1, 4]);
  return writeModel(b, tmpDir('fuse'));
}

async function fusedMatches(file: string, opts: CompileOptions, exact: boolean): Promise<{ arena: number; fusedArena: number; chains: number }> {
  const a = await runModel(file, opts);
  const b = await runModel(file, { ...opts, fusePatches: true });
  a.outputs.forEach((t, i) => {
    if (exact) expect(Buffer.from(b.outputs[i]!.toBytes(true)).equals(Buffer.from(t.toBytes(true)))).toBe(true);
    else expect(compareTensors(b.outputs[i]!, t, 1e-5).ok).toBe(true);
  });
  return { arena: a.arena, fusedArena: b.arena, chains: b.graph.nodes.filter((n) => n.op === 'PatchChain').length };
}

describe('fused patch execution on the host', () => {
  // (resnet8 runs under qemu below; MobileNetV1 depthwise/pointwise chains are in mobilenet-v2 and the int8 cases)
  it.each(['examples/cnn', 'resnet-imagenet-stem-32', 'mobilenet-v2-32'])('%s: float32 fused == layer by layer, smaller arena', async (name) => {
    const r = await fusedMatches(models[name]!(), { target: 'host' }, false);
    expect(r.chains).toBeGreaterThan(0);
    expect(r.fusedArena).toBeLessThan(r.arena);
  });

  it('odd geometry (dilation, stride 3, padded average pool, Relu/Sub/Mul between branches) matches onnxruntime', async () => {
    const file = oddChain();
    const { graph } = lower(file, { target: 'host', fusePatches: true });
    const chain = graph.nodes.find((n) => n.op === 'PatchChain')!;
    expect(chainBody(chain).nodes.map((n) => n.op)).toEqual(expect.arrayContaining(['Relu', 'Sub', 'Mul', 'AveragePool']));
    const r = await verify(file, { target: 'host', fusePatches: true, sanitize: true });
    expect(r.line).toMatch(/^PASS/);
  });

  it.each(['resnet8'])('%s: int8 fused == layer by layer, bit for bit', async (name) => {
    const r = await fusedMatches(models[name]!(), { target: 'host', quantize: { dtype: 'int8', calibrateRandom: 2 } }, true);
    expect(r.chains).toBeGreaterThan(0);
    expect(r.fusedArena).toBeLessThan(r.arena);
  });
});

describe('fused patch execution under qemu-mips64 (n64)', () => {
  it('resnet8 float32 with weights streamed from the ROM pack: fused == layer by layer', async () => {
    const r = await fusedMatches(models.resnet8!(), { target: 'n64', weights: 'rom' }, false);
    expect(r.chains).toBeGreaterThan(0);
  });
  it('examples/cnn int8: fused == layer by layer, bit for bit', async () => {
    const r = await fusedMatches(models['examples/cnn']!(), { target: 'n64', quantize: { dtype: 'int8', calibrateRandom: 2 } }, true);
    expect(r.chains).toBeGreaterThan(0);
  });
});

describe('planned peak', () => {
  it('MobileNetV1-0.25 at 96x96: fused peak at least 3x below layer by layer', () => {
    const file = writeModel(mobilenetV1(0.25, 96, 2), tmpDir('fuse'));
    const plain = (lower(file, { target: 'host' }).graph.meta.memory as MemoryPlan).arenaBytes;
    const { graph } = lower(file, { target: 'host', fusePatches: true });
    const fused = (graph.meta.memory as MemoryPlan).arenaBytes;
    const info = graph.meta.fusion as FusionInfo;
    expect(info.unfusedArena).toBe(plain);
    expect(plain / fused).toBeGreaterThanOrEqual(3);
    for (const c of info.chains) {
      expect(c.recomputedMacs).toBe(0);
      expect(c.overhead).toBeLessThanOrEqual(0.15);
    }
  });

  it('--max-recompute caps the estimated overhead: tighter caps give other chains and a higher peak, 0 gives none', () => {
    const file = writeModel(mobilenetV1(0.25, 96, 2), tmpDir('fuse'));
    const peak = (cap: number) => {
      const { graph } = lower(file, { target: 'host', fusePatches: true, maxRecompute: cap });
      const info = graph.meta.fusion as FusionInfo;
      for (const c of info.chains) expect(c.overhead).toBeLessThanOrEqual(cap);
      return { arena: (graph.meta.memory as MemoryPlan).arenaBytes, chains: info.chains.length, unfused: info.unfusedArena };
    };
    const loose = peak(0.15), tight = peak(0.01), none = peak(0);
    expect(tight.chains).toBeGreaterThan(0);
    expect(tight.arena).toBeGreaterThan(loose.arena);
    expect(tight.arena).toBeLessThan(tight.unfused);
    expect(none.chains).toBe(0);
    expect(none.arena).toBe(none.unfused);
  });

  it('without --fuse-patches nothing changes', () => {
    const file = writeModel(resnet8(), tmpDir('fuse'));
    const { graph } = lower(file, { target: 'host' });
    expect(graph.nodes.some((n) => n.op === 'PatchChain')).toBe(false);
    expect(graph.meta.fusion).toBeUndefined();
  });

  it('row schedule: every layer completes, rows only grow, rings are smaller than the tensors', () => {
    const file = writeModel(resnet8(), tmpDir('fuse'));
    const { graph } = lower(file, { target: 'host', fusePatches: true });
    const chain = graph.nodes.find((n) => n.op === 'PatchChain')!;
    const body = chainBody(chain);
    const s = rowSchedule(body.nodes, body.outputs);
    for (const n of body.nodes) {
      const d = s.done.get(n)!;
      expect(d).toHaveLength(s.steps + 1);
      expect(d[s.steps]).toBe(n.outputs[0]!.type.shape[2]);
      for (let i = 1; i < d.length; i++) expect(d[i]!).toBeGreaterThanOrEqual(d[i - 1]!);
    }
    for (const [v, r] of s.ring) expect(r).toBeLessThan(v.type.shape[2]!);
    expect(chain.int('scratch_bytes')).toBeGreaterThan(0);
  });
});

describe('CLI', () => {
  it('--print-after fuse-patches shows the chain and its layers; inspect --memory shows both peaks', () => {
    const file = writeModel(resnet8(), tmpDir('fuse'));
    const p = dnnc(['inspect', file, '--fuse-patches', '--print-after', 'fuse-patches']);
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/= dnnc\.PatchChain\(%image/);
    expect(p.stdout).toMatch(/\n {4}\| %\S+: f32\[1,16,32,32\] = Conv\(.*ring_rows=\d+/);
    const m = dnnc(['inspect', file, '--max-recompute', '0.15', '--memory']);
    expect(m.status).toBe(0);
    expect(m.stdout).toMatch(/fused patch execution: peak \d+ B layer by layer -> \d+ B fused/);
    expect(m.stdout).toMatch(/scratch\(patch_chain0\)/);
    const bad = dnnc(['inspect', file, '--max-recompute', '-1']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--max-recompute needs a number >= 0/);
  });

  it('the IR printer lists the body of a chain', () => {
    const { graph } = lower(example('cnn'), { target: 'host', fusePatches: true });
    expect(printGraph(graph)).toMatch(/dnnc\.PatchChain[^\n]*\n {4}\| %conv0: f32\[1,8,16,16\] = Conv/);
  });
});

describe('one weight stream buffer when two do not fit', () => {
  it('n64: three 2 MB conv layers (not row-tiled) stream through one buffer and run under qemu', async () => {
    const b = new OnnxBuilder('wide');
    b.input('x', 'float32', [1, 1024, 1, 1]);
    let x = 'x';
    for (let i = 0; i < 3; i++) {
      const w = b.init(`w${i}`, seededTensor([512, 1024, 1, 1], 10 + i, 1 / 32));
      // a pointwise Conv: Gemm/MatMul weights would stream in row tiles instead (compiler/codegen/weight-rows.ts)
      x = b.node('Conv', [x, w], {}, undefined, `fc${i}`)[0]!;
      // back to 1024 channels with a cheap tile: the next layer reads [1, 1024, 1, 1]
      x = b.node('Concat', [x, x], { axis: 1 }, i === 2 ? ['y'] : undefined, `cat${i}`)[0]!;
    }
    b.output('y', 'float32', [1, 1024, 1, 1]);
    const file = writeModel(b, tmpDir('wide'));
    const c = await compile(file, { target: 'n64', weights: 'rom' });
    expect(c.memory!.fits).toBe(true);
    expect(c.memory!.streamBufferCount).toBe(1);
    expect(c.memory!.streamBuffers).toBe(512 * 1024 * 4);
    const r = await verify(file, { target: 'n64', weights: 'rom' });
    expect(r.line).toMatch(/^PASS/);
  });
});

describe('automatic fusion', () => {
  it('compile uses fused patch execution when the activations do not fit layer by layer (MobileNetV1-0.25 on esp32)', async () => {
    const file = writeModel(mobilenetV1(0.25, 96, 2), tmpDir('fuse'));
    const c = await compile(file, { target: 'esp32', reference: false });
    expect(c.graph.nodes.some((n) => n.op === 'PatchChain')).toBe(true);
    expect(c.code.arenaBytes).toBeLessThan(112640);
    expect(c.warnings.join('\n')).toMatch(/do not fit esp32 layer by layer; fused patch execution/);
    // asked for layer by layer: the misfit stays an error
    await expect(compile(file, { target: 'esp32', reference: false, fusePatches: false })).rejects.toThrow(/does not fit esp32/);
  });
});
