// --rsp, second step: 3x3 depthwise with stride 2 (computed at stride 1 on
// the RSP, even rows and columns kept by the CPU), one-channel tasks for
// planes whose row skip exceeds the SP DMA field, the input's clamp range in
// the 32-bit exactness bound, and the 48-bit readout for shifts 13..15.
// Host: decisions and the generated C; mupen64plus (low-level RSP plugin):
// the ROM output equals the CPU int16 build bit for bit.
import { describe, it, expect } from 'vitest';
import { lower, compile } from '../../compiler/driver.js';
import { verify } from '../../compiler/verify.js';
import { rspReport } from '../../compiler/rsp/report.js';
import { writeModel, tmpDir } from '../helpers.js';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { HAVE_RSP_EMULATOR, Q, romOutput } from './rom.js';

/** 3x3 depthwise stride 2 (16 channels, 32x32 -> 16x16) + ReLU, pointwise 16->16 + ReLU. */
function stride2Model(): string {
  const b = new OnnxBuilder('dw2');
  b.input('x', 'float32', [1, 16, 32, 32]);
  const w1 = b.init('w1', seededTensor([16, 1, 3, 3], 31, 0.5)), b1 = b.init('b1', seededTensor([16], 32, 0.1));
  const w2 = b.init('w2', seededTensor([16, 16, 1, 1], 33, 0.3)), b2 = b.init('b2', seededTensor([16], 34, 0.1));
  const [h] = b.node('Conv', ['x', w1, b1], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2], group: 16 });
  const [r] = b.node('Relu', [h!]);
  const [z] = b.node('Conv', [r!, w2, b2], { kernel_shape: [1, 1] });
  b.node('Relu', [z!], {}, ['y']);
  b.output('y', 'float32', [1, 16, 16, 16]);
  return writeModel(b, tmpDir('rsp-dw2'));
}

/** 1x1 stride 2 (the ResNet shortcut): 8 -> 16 channels, 16x16 -> 8x8. */
function pointwise2Model(): string {
  const b = new OnnxBuilder('pw2');
  b.input('x', 'float32', [1, 8, 16, 16]);
  const w1 = b.init('w1', seededTensor([16, 8, 1, 1], 41, 0.5)), b1 = b.init('b1', seededTensor([16], 42, 0.1));
  b.node('Conv', ['x', w1, b1], { kernel_shape: [1, 1], pads: [0, 0, 0, 0], strides: [2, 2] }, ['y']);
  b.output('y', 'float32', [1, 16, 8, 8]);
  return writeModel(b, tmpDir('rsp-pw2'));
}


describe('--rsp stride-2 depthwise', () => {
  it('puts the stride-2 depthwise on the RSP and emits the subsampling after the dispatcher', async () => {
    const m = stride2Model();
    const { graph } = lower(m, { target: 'n64', quantize: Q, rsp: true });
    const rows = rspReport(graph);
    expect(rows[0]).toMatchObject({ op: 'QConv', where: 'RSP', why: expect.stringMatching(/^depthwise3x3/) });
    const c = await compile(m, { target: 'n64', quantize: Q, rsp: true, reference: false });
    const mc = c.code.files['model.c']!;
    // the stride-1 result [16][32][32] compacted to its even rows and columns (compiler/rsp/relayout.ts)
    expect(mc).toMatch(/dnnc_rsp_copy_run\(/);
    expect(mc).toMatch(/\{ 1u, 16u, 16u, 16u, 0u, 1024u, 64u, 2u, 0u, 256u, 16u, 0u, 0u, 0u, 0 \}/);
    // host build: no RSP, the CPU fallback runs and matches onnxruntime
    const v = await verify(m, { target: 'host', quantize: Q, tolerance: 5e-2 } as never);
    expect(v.pass).toBe(true);
  }, 120_000);

  it('puts a 1x1 stride-2 convolution on the RSP (pointwise on the even rows and columns of its input)', async () => {
    const m = pointwise2Model();
    const { graph } = lower(m, { target: 'n64', quantize: Q, rsp: true });
    expect(rspReport(graph)[0]).toMatchObject({ op: 'QConv', where: 'RSP', why: expect.stringMatching(/^pointwise/) });
    const c = await compile(m, { target: 'n64', quantize: Q, rsp: true, reference: false });
    // the CPU stages the input's even rows and columns [8][8][8]; the RSP writes y directly
    expect(c.code.files['model.c']!).toMatch(/\{ 1u, 8u, 8u, 8u, 0u, 256u, 32u, 2u, 0u, 64u, 8u, 0u, 0u, 0u, 0 \}/);
    expect(c.code.files['model.c']!).not.toMatch(/dnnc_rsp_copy_run\(/);
  });
});


describe.skipIf(!HAVE_RSP_EMULATOR)('--rsp stride-2 depthwise in mupen64plus', () => {
  it('RSP build equals the CPU int16 build bit for bit', async () => {
    const m = stride2Model();
    const cpu = await romOutput(false, m);
    const rsp = await romOutput(true, m);
    expect(rsp.lines.some((l) => l.startsWith('DNNC-RSP'))).toBe(false);
    expect(cpu.hex.length).toBe(16 * 16 * 16 * 8);
    expect(rsp.hex).toBe(cpu.hex);
  }, 300_000);

  it('1x1 stride 2: RSP build equals the CPU int16 build bit for bit', async () => {
    const m = pointwise2Model();
    const cpu = await romOutput(false, m);
    const rsp = await romOutput(true, m);
    expect(rsp.lines.some((l) => l.startsWith('DNNC-RSP'))).toBe(false);
    expect(cpu.hex.length).toBe(16 * 8 * 8 * 8);
    expect(rsp.hex).toBe(cpu.hex);
  }, 300_000);
});
