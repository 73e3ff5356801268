// --rsp wired end to end: the rsp pass picks the int16 layers with an exactly
// matching RSP kernel, the codegen emits the microcode as C data and the
// dispatcher call, and the N64 ROM (mupen64plus with the low-level RSP plugin
// mupen64plus-rsp-z64) computes the same output bits as the CPU int16 build.
import { describe, it, expect } from 'vitest';
import { lower, compile } from '../../compiler/driver.js';
import { rspReport } from '../../compiler/rsp/report.js';
import { example, dnnc, writeModel, tmpDir } from '../helpers.js';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { HAVE_RSP_EMULATOR, Q, romOutput } from './rom.js';

/** Pointwise convolutions (the RSP gemm kernel): 8 -> 24 -> 8 channels on 16x16, ReLU between. */
function pointwiseModel(): string {
  const b = new OnnxBuilder('pw');
  b.input('x', 'float32', [1, 8, 16, 16]);
  const w1 = b.init('w1', seededTensor([24, 8, 1, 1], 11, 0.5)), b1 = b.init('b1', seededTensor([24], 12, 0.1));
  const w2 = b.init('w2', seededTensor([8, 24, 1, 1], 13, 0.3)), b2 = b.init('b2', seededTensor([8], 14, 0.1));
  const [h] = b.node('Conv', ['x', w1, b1], { kernel_shape: [1, 1] });
  const [r] = b.node('Relu', [h!]);
  b.node('Conv', [r!, w2, b2], { kernel_shape: [1, 1] }, ['y']);
  b.output('y', 'float32', [1, 8, 16, 16]);
  return writeModel(b, tmpDir('rsp-pw'));
}


describe('--rsp decisions', () => {
  it('puts the example cnn 3x3 convolutions (48-bit accumulator) and its 2x2 max pool on the RSP and says why the rest stays on the CPU', () => {
    const { graph } = lower(example('cnn'), { target: 'n64', quantize: Q, rsp: true });
    const rows = rspReport(graph);
    const conv = rows.filter((r) => r.op === 'QConv');
    expect(conv.length).toBe(2);
    for (const r of conv) {
      expect(r.where).toBe('RSP');
      expect(r.why).toMatch(/conv3x3, 48-bit/);
      expect(r.cycles!).toBeGreaterThan(0);
      expect(r.dmaBytes!).toBeGreaterThan(0);
    }
    expect(rows.find((r) => r.op === 'QMaxPool')).toMatchObject({ where: 'RSP', why: expect.stringMatching(/^maxpool2x2/) });
    for (const r of rows.filter((r) => r.where === 'CPU')) expect(r.why.length).toBeGreaterThan(3);
  });

  it('needs --quantize int16 and an RSP', () => {
    expect(dnnc(['inspect', example('cnn'), '--target', 'n64', '--rsp']).stderr).toMatch(/--rsp needs --quantize int16/);
    expect(dnnc(['inspect', example('cnn'), '--target', 'host', '--rsp', '--quantize', 'int16', '--calibrate-random', '2']).stderr).toMatch(/has no RSP/);
  });

  it('changes no generated C without --rsp, and the --rsp C holds the microcode and the CPU fallback', async () => {
    const plain = await compile(example('cnn'), { target: 'n64', quantize: Q, reference: false });
    const rsp = await compile(example('cnn'), { target: 'n64', quantize: Q, rsp: true, reference: false });
    const m0 = plain.code.files['model.c']!, m1 = rsp.code.files['model.c']!;
    expect(m0).not.toMatch(/rsp/i);
    expect(m1).toMatch(/dnnc_rsp_run_layer\(/);
    expect(m1).toMatch(/dnnc_qconv2d_i16\(/);
    expect(rsp.code.kernels).toContain('rspdispatch');
  });
});

/** A MobileNet-style block: 3x3 depthwise (16 channels, 16x16) + ReLU, pointwise 16->16 + ReLU. */
function depthwiseModel(): string {
  const b = new OnnxBuilder('dw');
  b.input('x', 'float32', [1, 16, 16, 16]);
  const w1 = b.init('w1', seededTensor([16, 1, 3, 3], 21, 0.5)), b1 = b.init('b1', seededTensor([16], 22, 0.1));
  const w2 = b.init('w2', seededTensor([16, 16, 1, 1], 23, 0.3)), b2 = b.init('b2', seededTensor([16], 24, 0.1));
  const [h] = b.node('Conv', ['x', w1, b1], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 16 });
  const [r] = b.node('Relu', [h!]);
  const [z] = b.node('Conv', [r!, w2, b2], { kernel_shape: [1, 1] });
  b.node('Relu', [z!], {}, ['y']);
  b.output('y', 'float32', [1, 16, 16, 16]);
  return writeModel(b, tmpDir('rsp-dw'));
}


describe.skipIf(!HAVE_RSP_EMULATOR)('--rsp in mupen64plus (low-level RSP plugin)', () => {
  it('the example cnn: RSP build output equals the CPU int16 build bit for bit', async () => {
    const cpu = await romOutput(false, example('cnn'));
    const rsp = await romOutput(true, example('cnn'));
    expect(rsp.lines.some((l) => l.startsWith('DNNC-RSP'))).toBe(false); // no dispatcher timeout / fallback
    expect(rsp.r.notes!.join('\n')).toMatch(/mupen64plus-rsp-z64/);
    expect(cpu.hex).toMatch(/^[0-9a-f]{80}$/);
    expect(rsp.hex).toBe(cpu.hex);
    expect(rsp.r.pass).toBe(true);
  }, 300_000);

  it('pointwise convolutions (gemm kernel, strided SP DMA gathers): RSP build equals the CPU int16 build bit for bit', async () => {
    const m = pointwiseModel();
    const { graph } = lower(m, { target: 'n64', quantize: Q, rsp: true });
    const rows = rspReport(graph);
    expect(rows[0]!.why).toMatch(/^pointwise, 48-bit/);
    // the last layer's requantization shift (15 here) has no exact RSP sequence: it stays on the CPU and says so
    expect(rows[1]!.where === 'RSP' || /shift/.test(rows[1]!.why)).toBe(true);
    const cpu = await romOutput(false, m);
    const rsp = await romOutput(true, m);
    expect(rsp.lines.some((l) => l.startsWith('DNNC-RSP'))).toBe(false);
    expect(cpu.hex.length).toBe(8 * 16 * 16 * 8);
    expect(rsp.hex).toBe(cpu.hex);
  }, 300_000);

  it('depthwise 3x3 + pointwise: both on the RSP, bit-exact with the CPU int16 build', async () => {
    const m = depthwiseModel();
    const { graph } = lower(m, { target: 'n64', quantize: Q, rsp: true });
    expect(rspReport(graph).map((r) => `${r.where} ${r.why.split(',')[0]}`)).toEqual(['RSP depthwise3x3', 'RSP pointwise']);
    const cpu = await romOutput(false, m);
    const rsp = await romOutput(true, m);
    expect(rsp.lines.some((l) => l.startsWith('DNNC-RSP'))).toBe(false);
    expect(cpu.hex.length).toBe(16 * 16 * 16 * 8);
    expect(rsp.hex).toBe(cpu.hex);
  }, 300_000);
});
