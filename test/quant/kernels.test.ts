// Integer kernels: optimised vs reference variants in C (under sanitizers),
// and bit-exact against onnxruntime on QLinearConv, QLinearMatMul,
// ConvInteger, MatMulInteger, QuantizeLinear/DequantizeLinear (QDQ models,
// folded into integer ops) and DynamicQuantizeLinear.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { verify } from '../../compiler/verify.js';
import { lower } from '../../compiler/driver.js';
import { ROOT, tmpDir, writeModel, ccSanitized, kernelSource, RUNTIME_INCLUDES } from '../helpers.js';
import fs from 'node:fs';
import { qlinearConvModel, qlinearMatMulModel, integerOpsModel, wideWeightModel, qdqFloatIoModel, qdqConstModel, qlinearAddMulModel, seededInts, type QConvCase } from './models.js';

/** Integer inputs over their full range (seeded), as raw files for verify(). */
function fullRange(f: string): string[] {
  const { graph } = lower(f, { target: 'host' });
  const dir = tmpDir('qin');
  return graph.inputs.map((v, i) => {
    const [lo, hi] = v.type.dtype === 'uint8' ? [0, 255] : [-128, 127];
    const file = path.join(dir, `in${i}.bin`);
    fs.writeFileSync(file, seededInts(v.type.dtype, [...v.type.shape], 77 + i, lo, hi).toBytes(true));
    return file;
  });
}

describe('quantized runtime kernels', () => {
  it('optimised variants equal the reference variants (int8, int16, int32 out) under ASan/UBSan', () => {
    const dir = tmpDir('qk');
    const exe = path.join(dir, 'chk');
    const cc = ccSanitized([...RUNTIME_INCLUDES, path.join(ROOT, 'test/quant/qkernels_check.c'), ...['qconv', 'qgemm', 'qmath'].map(kernelSource)], exe);
    expect(cc.status, cc.stderr).toBe(0);
    const r = spawnSync(exe, [], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^0 mismatches$/m);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('ok ')).length).toBe(16);
    expect(r.status).toBe(0);
  });
});

const convCases: QConvCase[] = [
  { name: 'u8u8_3x3_pad_bias', x: 'uint8', w: 'uint8', cin: 3, cout: 4, hw: 7, k: 3, pad: 1, bias: true },
  { name: 'u8i8_pointwise_perchannel', x: 'uint8', w: 'int8', cin: 8, cout: 6, hw: 5, k: 1, perChannel: true },
  { name: 'i8i8_depthwise_stride2', x: 'int8', w: 'int8', cin: 4, cout: 4, hw: 8, k: 3, pad: 1, group: 4, stride: 2, perChannel: true, bias: true },
  { name: 'i8i8_dilated_grouped', x: 'int8', w: 'int8', cin: 4, cout: 6, hw: 9, k: 3, pad: 2, group: 2, dil: 2, bias: true },
  { name: 'u8u8_5x5_stride2', x: 'uint8', w: 'uint8', cin: 2, cout: 3, hw: 11, k: 5, pad: 2, stride: 2, bias: true },
];

describe('bit-exact with onnxruntime', () => {
  it.each(convCases)('QLinearConv $name', async (c) => {
    const f = writeModel(qlinearConvModel(c));
    const { graph } = lower(f, { target: 'host' });
    expect(graph.nodes.map((n) => n.op)).toContain('QConv');
    // the optimised path; the reference variant once (the C check above compares them everywhere)
    const variants = c === convCases[0] ? (['optimized', 'reference'] as const) : (['optimized'] as const);
    const inputs = fullRange(f);
    for (const kernels of variants) {
      const r = await verify(f, { target: 'host', kernels, inputs });
      expect(r.line).toBe('PASS max_abs_err=0.000e+0');
    }
  });

  it.each([['uint8', 'uint8', 3, 17, 9], ['uint8', 'int8', 1, 40, 12], ['int8', 'int8', 2, 33, 5]] as const)('QLinearMatMul %s x %s (%i x %i x %i)', async (x, w, M, K, N) => {
    const f = writeModel(qlinearMatMulModel(x, w, M, K, N));
    const r = await verify(f, { target: 'host', inputs: fullRange(f) });
    expect(r.line).toBe('PASS max_abs_err=0.000e+0');
  });

  it.each(['uint8', 'int8'] as const)('QLinearAdd and QLinearMul (com.microsoft) on %s, broadcasting', async (dt) => {
    const f = writeModel(qlinearAddMulModel(dt));
    const { graph } = lower(f, { target: 'host' });
    expect(graph.nodes.map((n) => n.op)).toEqual(expect.arrayContaining(['QAdd', 'QMul']));
    const r = await verify(f, { target: 'host', inputs: fullRange(f) });
    expect(r.line).toBe('PASS max_abs_err=0.000e+0');
  });

  it('ConvInteger and MatMulInteger (int32 outputs)', async () => {
    const f = writeModel(integerOpsModel());
    const r = await verify(f, { target: 'host', inputs: fullRange(f) });
    expect(r.line).toBe('PASS max_abs_err=0.000e+0');
  });

  it('uint8 weights with zero points outside the int8 shift (int16 weight kernels) and a batched MatMulInteger B', async () => {
    const f = writeModel(wideWeightModel());
    const r = await verify(f, { target: 'host', inputs: fullRange(f), sanitize: true });
    expect(r.line).toBe('PASS max_abs_err=0.000e+0');
  });

  it('QDQ model: Q/DQ around Conv+Relu, Add, MaxPool and Flatten+Gemm fold into integer ops; DynamicQuantizeLinear', async () => {
    const f = writeModel(qdqFloatIoModel());
    const { graph } = lower(f, { target: 'host' });
    const ops = graph.nodes.map((n) => n.op);
    expect(ops).toContain('QConv');
    expect(ops).toContain('QGemm');
    expect(ops).toContain('QAdd');
    expect(ops).toContain('QMaxPool');
    expect(ops).not.toContain('MaxPool');
    expect(ops).not.toContain('Add');
    expect(ops).not.toContain('Conv');
    expect(ops).not.toContain('Relu');
    expect(ops).not.toContain('Gemm');
    const r = await verify(f, { target: 'host', sanitize: true });
    expect(r.line).toBe('PASS max_abs_err=0.000e+0');
  });

  it('constant QuantizeLinear/DequantizeLinear fold at compile time to the values onnxruntime computes', async () => {
    const f = writeModel(qdqConstModel());
    const { graph } = lower(f, { target: 'host' });
    expect(graph.nodes.map((n) => n.op).sort()).toEqual(['Add', 'Mul']);
    const r = await verify(f, { target: 'host', tolerance: 0 });
    expect(r.line).toBe('PASS max_abs_err=0.000e+0');
  });
});
