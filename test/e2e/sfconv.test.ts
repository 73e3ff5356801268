// Float32 on targets without an FPU (esp32c3): Conv/Gemm take the
// integer-mantissa kernels (runtime-c/kernels/sfconv.c) and whole models still
// match onnxruntime under qemu-system-riscv32; targets with an FPU and
// `--kernels reference` keep the float kernels. MobileNetV1 runs as fused
// patches on the C3 (row rings: dnnc_sfconv2d_rows_f32).
import { describe, it, expect } from 'vitest';
import { compile } from '../../compiler/driver.js';
import { verify } from '../../compiler/verify.js';
import { MLPERF_TINY } from '../../compiler/onnx/mlperf-tiny.js';
import { example, tmpDir, writeModel } from '../helpers.js';

const modelC = (c: Awaited<ReturnType<typeof compile>>) => c.code.files[`${c.code.prefix}.c`] ?? '';

describe('no-FPU float kernels in generated code', () => {
  it('are selected by the target fact (hasFpu false), not on FPU targets or with --kernels reference', async () => {
    const c3 = await compile(example('cnn'), { target: 'esp32c3' });
    expect(c3.code.kernels).toContain('sfconv');
    expect(modelC(c3)).toMatch(/dnnc_sfconv2d_f32\(/);
    const mlp = await compile(example('mlp'), { target: 'esp32c3' });
    expect(modelC(mlp)).toMatch(/dnnc_sfgemm_f32\(/);
    for (const target of ['host', 'n64', 'esp32s3']) {
      const c = await compile(example('cnn'), { target });
      expect(c.code.kernels).not.toContain('sfconv');
    }
    const mb = await compile(writeModel(MLPERF_TINY.mobilenet_v1_025!(), tmpDir('sfconv-m'), 'mb.onnx'), { target: 'esp32c3' });
    expect(modelC(mb)).toMatch(/dnnc_sfconv2d_rows_f32\(/); // fused patches on the C3
    expect(modelC(mb)).not.toMatch(/dnnc_conv2d_rows_f32\(/);
    const ref = await compile(example('cnn'), { target: 'esp32c3', kernels: 'reference' });
    expect(ref.code.kernels).not.toContain('sfconv');
    expect(modelC(ref)).toMatch(/dnnc_conv2d_f32_ref\(/);
  });
});

describe.each(['ds_cnn', 'resnet8', 'fc_autoencoder', 'mobilenet_v1_025'])('%s float32 on esp32c3 (sfconv kernels, qemu-system-riscv32)', (name) => {
  it('matches onnxruntime within 1e-4', async () => {
    const f = writeModel(MLPERF_TINY[name]!(), tmpDir('sfconv-m'), `${name}.onnx`);
    const r = await verify(f, { target: 'esp32c3' });
    expect(r.line).toMatch(/^PASS/);
    expect(r.maxAbsErr).toBeLessThan(1e-5);
  }, 120_000);
});
