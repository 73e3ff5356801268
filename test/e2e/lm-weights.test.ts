// fp16 weight storage with float compute, and ROM row-tile streaming on the
// n64: MatMul/Gemm weights larger than the tile buffer stream in
// double-buffered row tiles, a Gather embedding reads only the rows it needs,
// tied embeddings are stored once. Checked against onnxruntime on the host and
// under qemu-mips64 (big-endian pack).
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { buildGptStep, gpt2Config } from '../../compiler/onnx/gpt.js';
import { buildDecoderGraph } from '../../compiler/onnx/decoder-graphs.js';
import { compile, lower, generateForTarget } from '../../compiler/driver.js';
import { verify, runAndCompare, fileIo } from '../../compiler/verify.js';
import { projectFiles, binaryFiles } from '../../compiler/project.js';
import { dnnc, tmpDir, writeModel, buildSanitizedProject } from '../helpers.js';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';

const step = gpt2Config(2, 32, 4, 50, 16);
const text = (c: { files: Record<string, unknown> }, f: string) => String(c.files[f]);

describe('fp16 weights (float compute)', () => {
  const file = writeModel(buildGptStep(step));

  it('halves the MatMul/Gemm/Gather weights and stays within 1e-2 of onnxruntime (float32 within 1e-4)', async () => {
    const f32 = await compile(file, { target: 'host', reference: false });
    const f16 = await compile(file, { target: 'host', reference: false, weightDtype: 'float16' });
    // layer norm parameters and biases stay float32; the matrices and embeddings are half
    expect(f16.code.weightBytes).toBeLessThan(0.55 * f32.code.weightBytes);
    expect(text(f16, 'model_weights.c')).toMatch(/const uint16_t model_w_wte\[1600\]/);
    const r32 = await verify(file, { target: 'host' });
    const r16 = await verify(file, { target: 'host', weightDtype: 'float16', tolerance: 1e-2, sanitize: true });
    expect(r32.line).toMatch(/^PASS/);
    expect(r16.line).toMatch(/^PASS/);
    // the half weights do change the numbers (else nothing was converted), by little
    expect(r16.maxAbsErr).toBeGreaterThan(10 * r32.maxAbsErr);
    expect(r16.maxAbsErr).toBeLessThan(5e-3);
    console.log(`fp16 weights: max_abs_err ${r16.maxAbsErr.toExponential(2)} vs float32 ${r32.maxAbsErr.toExponential(2)}; weights ${f16.code.weightBytes} B vs ${f32.code.weightBytes} B`);
  });

  it('reference kernels give the same result class', async () => {
    const r = await verify(file, { target: 'host', weightDtype: 'float16', tolerance: 1e-2, kernels: 'reference' });
    expect(r.line).toMatch(/^PASS/);
  });
});

describe('fp16 Conv weights (one output channel converted at a time)', () => {
  it('plain, depthwise and grouped convolutions, batch 2, 1-D too: within 1e-2 of onnxruntime, half the bytes', async () => {
    const b = new OnnxBuilder('convs', 17);
    b.input('x', 'float32', [2, 4, 9, 9]);
    let x = b.node('Conv', ['x', b.init('w0', seededTensor([8, 4, 3, 3], 1, 0.3)), b.init('b0', seededTensor([8], 2, 0.1))], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })[0]!;
    x = b.node('Relu', [x])[0]!;
    x = b.node('Conv', [x, b.init('w1', seededTensor([8, 1, 3, 3], 3, 0.3))], { kernel_shape: [3, 3], group: 8, strides: [2, 2] })[0]!;
    x = b.node('Conv', [x, b.init('w2', seededTensor([6, 4, 1, 1], 4, 0.3)), b.init('b2', seededTensor([6], 5, 0.1))], { kernel_shape: [1, 1], group: 2 }, ['y'])[0]!;
    b.output('y', 'float32', [2, 6, 4, 4]);
    b.input('s', 'float32', [1, 3, 20]);
    b.node('Conv', ['s', b.init('w3', seededTensor([5, 3, 4], 6, 0.3))], { kernel_shape: [4], dilations: [2] }, ['z']);
    b.output('z', 'float32', [1, 5, 14]);
    const file = writeModel(b);
    const f32 = await compile(file, { target: 'host', reference: false });
    const f16 = await compile(file, { target: 'host', reference: false, weightDtype: 'float16' });
    expect(text(f16, 'model.c').match(/stored as half: one output channel at a time/g)).toHaveLength(4);
    expect(f16.code.weightBytes).toBeLessThan(0.6 * f32.code.weightBytes);
    const r = await verify(file, { target: 'host', weightDtype: 'float16', tolerance: 1e-2, sanitize: true });
    expect(r.line).toMatch(/^PASS/);
    expect(r.maxAbsErr).toBeGreaterThan(1e-5);
    expect((await verify(file, { target: 'n64', weightDtype: 'float16', tolerance: 1e-2 })).line).toMatch(/^PASS/);
    expect((await verify(file, { target: 'host', weightDtype: 'float16', tolerance: 1e-2, kernels: 'reference' })).line).toMatch(/^PASS/);
  });
});

describe('n64: weights streamed from the ROM pack in row tiles', () => {
  const file = writeModel(buildGptStep(step));

  it('tiles every large matrix, reads embedding rows one at a time, stores the tied embedding once', async () => {
    const c = await compile(file, { target: 'n64', weights: 'rom', streamTileBytes: 1024, reference: false });
    const model = text(c, 'model.c');
    const pack = c.code.pack!;
    expect(pack.tileBufferBytes).toBe(1024 + 32);
    expect(model).toMatch(/static uint8_t g_wtile0\[1056\]/);
    expect(model).toMatch(/static uint8_t g_wtile1\[1056\]/);
    // q, k, v, o, fc1, fc2 per layer + the tied lm_head
    expect(model.match(/in \d+ row tiles of \d+ rows, double-buffered/g)!.length).toBe(6 * 2 + 1);
    expect(model).toMatch(/rows of wte read from the weight pack one at a time/);
    expect(pack.tensors.filter((t) => t.name === 'wte')).toHaveLength(1);
    expect(pack.tensors.some((t) => t.name.includes('transpose'))).toBe(false);
    // the layer buffers hold only the small tensors (biases, norms): below a tile
    expect(Math.max(...pack.bufferBytes)).toBeLessThanOrEqual(1024);
    expect(c.memory!.streamBuffers).toBe(pack.bufferBytes.reduce((a, b) => a + b, 0) + 2 * 1056);
  });

  it('verifies under qemu-mips64 (float32 and fp16 weights)', async () => {
    const r = await verify(file, { target: 'n64', weights: 'rom', streamTileBytes: 1024 });
    expect(r.line).toMatch(/^PASS/);
    expect(r.how).toMatch(/qemu-mips64/);
    const h = await verify(file, { target: 'n64', weights: 'rom', streamTileBytes: 512, weightDtype: 'float16', tolerance: 1e-2 });
    expect(h.line).toMatch(/^PASS/);
  });

  it('int8 (--quantize): QGemm weights stream in row tiles of output columns, same results as layer streaming', async () => {
    const q = { dtype: 'int8' as const, calibrateRandom: 2 };
    const c = await compile(file, { target: 'n64', weights: 'rom', streamTileBytes: 256, quantize: q, reference: false });
    expect(text(c, 'model.c').match(/output columns of \d+ B in \d+ row tiles/g)!.length).toBe(6 * 2 + 1);
    const r = await verify(file, { target: 'n64', weights: 'rom', streamTileBytes: 256, quantize: q });
    expect(r.line).toMatch(/^PASS max_abs_err=0\.000e\+0/);
  });

  it('every weight in row tiles (no layer step left), with a Relu fused into the tiled MatMul', async () => {
    const b = new OnnxBuilder('mm', 17);
    b.input('x', 'float32', [2, 64]);
    const h = b.node('MatMul', ['x', b.init('w1', seededTensor([64, 64], 1, 0.2))])[0]!;
    b.node('MatMul', [b.node('Relu', [h])[0]!, b.init('w2', seededTensor([64, 40], 2, 0.2))], {}, ['y']);
    b.output('y', 'float32', [2, 40]);
    const f = writeModel(b);
    const c = await compile(f, { target: 'n64', weights: 'rom', streamTileBytes: 1024, reference: false });
    expect(c.code.pack!.steps).toBe(0);
    expect(c.code.pack!.tensors).toHaveLength(2);
    expect((await verify(f, { target: 'n64', weights: 'rom', streamTileBytes: 1024 })).line).toMatch(/^PASS/);
  });

  it('dnnc verify --target n64 --weights rom --stream-tile on an exporter-shaped prompt graph', () => {
    const f = writeModel(buildDecoderGraph({ vocab: 40, embd: 16, heads: 4, layers: 1, seq: 8, opset: 18, gelu: 'tanh', mask: 'where', layerNorm: 'decomposed' }));
    const r = dnnc(['verify', f, '--target', 'n64', '--weights', 'rom', '--stream-tile', '512']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PASS/m);
  });

  it('the tile reads are clean under ASan/UBSan (host build, little-endian pack)', async () => {
    const c = await compile(file, { target: 'n64', weights: 'rom', streamTileBytes: 700, packLittleEndian: true, weightDtype: 'float16', tolerance: 1e-2 });
    const dir = tmpDir('tiles-asan');
    const files = { ...projectFiles(c.target, c.code, c.golden, { tolerance: 1e-2 }, 'test'), ...binaryFiles(c.target, c.code) };
    const { exe, ...b } = buildSanitizedProject(dir, files);
    expect(b.status, b.stderr).toBe(0);
    const launch = fileIo(c, dir, exe, [], 'host ASan', true);
    expect(runAndCompare(c, launch, dir, 1e-2).line).toMatch(/^PASS/);
    const pk = path.join(dir, 'filesystem', 'model.wpk');
    // a tensor read in row tiles is CRC-checked over its tiles on first load
    const t = c.code.pack!.tensors.find((x) => x.name === 'l1.fc2.weight')!;
    expect(text(c, 'model.c')).toMatch(/l1\.fc2\.weight: \d+ rows of \d+ B in \d+ row tiles/);
    const good = fs.readFileSync(pk);
    const bad = Buffer.from(good);
    bad[t.offset + t.bytes - 3]! ^= 0x10;
    fs.writeFileSync(pk, bad);
    expect(runAndCompare(c, launch, dir, 1e-2).line).toMatch(/CRC mismatch in 'l1\.fc2\.weight'/);
    fs.writeFileSync(pk, good);
    // a short pack file is a read error, not a crash
    fs.truncateSync(pk, c.code.pack!.data.length - 64);
    expect(runAndCompare(c, launch, dir, 1e-2).line).toMatch(/FAIL/);
  });

  it('a model whose embedding alone exceeds 4 MB RDRAM fits only with row tiles', () => {
    // 1 layer, 256 wide, 6,000-token vocabulary: the (tied) embedding is 6.1 MB in float32
    const big = writeModel(buildGptStep(gpt2Config(1, 256, 4, 6000, 32)));
    const { graph, target } = lower(big, { target: 'n64' });
    const tiled = generateForTarget(big, graph, target, { target: 'n64', weights: 'rom', streamTileBytes: 64 * 1024 });
    expect(tiled.memory!.fits).toBe(true);
    expect(() => generateForTarget(big, graph, target, { target: 'n64', weights: 'rom', streamTileBytes: 64 * 1024 * 1024 })).toThrow(/does not fit in n64 RDRAM/);
    // without --stream-tile: whole layers first; they do not fit, nor do 1 MiB tiles: 256 KiB tiles are chosen
    const auto = generateForTarget(big, graph, target, { target: 'n64', weights: 'rom' });
    expect(auto.memory!.fits).toBe(true);
    expect(auto.code.pack!.tileBufferBytes).toBe(256 * 1024 + 32);
    const r = dnnc(['inspect', big, '--target', 'n64', '--weights', 'rom', '--weight-dtype', 'fp16', '--stream-tile', '64K', '--memory']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/weight stream buffers +\d+ B .* \+ 2 row-tile buffers of 65568 B/);
    expect(r.stdout).toMatch(/total .* fits/);
  });
});
