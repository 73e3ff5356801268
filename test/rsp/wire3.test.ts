// --rsp, third step: 3x3 full convolutions whose tile does not fit DMEM with
// all input channels (the chunked kernel conv3x3c: input channels in chunks,
// weights streamed through in1, partial sums in DMEM) and 3x3 stride-2 full
// convolutions (stride 1 on the RSP + the CPU's even rows / columns).
// Host: the decisions and the generated C; mupen64plus (low-level RSP
// plugin): the ROM output equals the CPU int16 build bit for bit.
import { describe, it, expect } from 'vitest';
import { lower, compile } from '../../compiler/driver.js';
import { rspReport } from '../../compiler/rsp/report.js';
import { writeModel, tmpDir } from '../helpers.js';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { HAVE_RSP_EMULATOR, Q, romOutput } from './rom.js';

/**
 * 3x3 s2 3->32 (32x32 -> 16x16) + ReLU, 3x3 s1 32->16 + ReLU (chunked), 3x3 s2 pads [0, 0, 1, 1] 16->8
 * (16x16 -> 8x8) + ReLU (both stride-2 layers on column-deinterleaved copies), 3x3 s2 8->8 (8x8 -> 4x4: output
 * width 4, even rows on the RSP).
 */
export function chunkModel(): string {
  const b = new OnnxBuilder('conv3c');
  b.input('x', 'float32', [1, 3, 32, 32]);
  const w1 = b.init('w1', seededTensor([32, 3, 3, 3], 51, 0.5)), b1 = b.init('b1', seededTensor([32], 52, 0.1));
  const w2 = b.init('w2', seededTensor([16, 32, 3, 3], 53, 0.2)), b2 = b.init('b2', seededTensor([16], 54, 0.1));
  const w3 = b.init('w3', seededTensor([8, 16, 3, 3], 55, 0.3)), b3 = b.init('b3', seededTensor([8], 56, 0.1));
  const w4 = b.init('w4', seededTensor([8, 8, 3, 3], 57, 0.3)), b4 = b.init('b4', seededTensor([8], 58, 0.1));
  const [h1] = b.node('Conv', ['x', w1, b1], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] });
  const [r1] = b.node('Relu', [h1!]);
  const [h2] = b.node('Conv', [r1!, w2, b2], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  const [r2] = b.node('Relu', [h2!]);
  const [h3] = b.node('Conv', [r2!, w3, b3], { kernel_shape: [3, 3], pads: [0, 0, 1, 1], strides: [2, 2] }); // TF's SAME
  const [r3] = b.node('Relu', [h3!]);
  b.node('Conv', [r3!, w4, b4], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }, ['y']);
  b.output('y', 'float32', [1, 8, 4, 4]);
  return writeModel(b, tmpDir('rsp-conv3c'));
}

describe('--rsp chunked and stride-2 3x3 convolutions', () => {
  it('puts every conv on the RSP: stride 2 on deinterleaved copies or as even rows + subsampling, 32->16 with input-channel chunks', async () => {
    const m = chunkModel();
    const { graph } = lower(m, { target: 'n64', quantize: Q, rsp: true });
    const rows = rspReport(graph);
    expect(rows.map((r) => r.where)).toEqual(['RSP', 'RSP', 'RSP', 'RSP']);
    expect(rows[0]!.why).toMatch(/^conv3x3, .*stride 2: column-deinterleaved input/);
    expect(rows[1]!.why).toMatch(/^conv3x3, .*input channels in \d+ chunk\(s\)/);
    expect(rows[2]!.why).toMatch(/stride 2: column-deinterleaved input/);
    expect(rows[3]!.why).toMatch(/stride 2: even rows on the RSP/);
    const c = await compile(m, { target: 'n64', quantize: Q, rsp: true, reference: false });
    const mc = c.code.files['model.c']!;
    expect(mc).toMatch(/dnnc_rsp_run_layer_s2\([^;]*3u, 32u, 32u, 24u, 1u, 1u\)/);
    expect(mc).toMatch(/dnnc_rsp_run_layer_s2\([^;]*16u, 16u, 16u, 16u, 0u, 0u\)/);
    expect(mc).toMatch(/dnnc_rsp_copy_run\(/); // the CPU keeps the even columns of the staged rows
    expect(mc).toMatch(/dnnc_rsp_run_layer_pad\([^;]*32u, 16u, 16u, 24u\)/);
    expect(mc).toMatch(/dnnc_rsp_task_ext/);
  }, 120_000);
});

describe.skipIf(!HAVE_RSP_EMULATOR)('--rsp chunked / stride-2 3x3 convs in mupen64plus', () => {
  it('RSP build equals the CPU int16 build bit for bit', async () => {
    const m = chunkModel();
    const cpu = await romOutput(false, m);
    const rsp = await romOutput(true, m);
    expect(rsp.lines.some((l) => l.startsWith('DNNC-RSP'))).toBe(false);
    expect(cpu.hex.length).toBe(8 * 4 * 4 * 8);
    expect(new Set(cpu.hex.match(/.{8}/g)).size).toBeGreaterThan(8);
    expect(rsp.hex).toBe(cpu.hex);
    // the RSP really ran the layers (no silent CPU fallback): far fewer CPU-side Count ticks
    const ticks = (x: typeof cpu) => Number(/CP0 Count (\d+) ticks/.exec((x.r.notes ?? []).join('\n'))?.[1]);
    expect(ticks(rsp)).toBeLessThan(ticks(cpu) / 4);
  }, 300_000);
});
