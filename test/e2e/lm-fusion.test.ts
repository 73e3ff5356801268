// Decoder graphs as exporters write them (decomposed layer norm and GELU,
// Trilu causal masks, Gemm + Split QKV, tied embeddings): the frontend takes
// them, the pattern passes fuse layer norm, GELU and attention, and the fused
// program matches onnxruntime; so does the unfused one (passes left out).
import { describe, it, expect } from 'vitest';
import { buildDecoderGraph, type DecoderGraphOptions } from '../../compiler/onnx/decoder-graphs.js';
import { buildGptStep, gpt2Config } from '../../compiler/onnx/gpt.js';
import { lower } from '../../compiler/driver.js';
import { verify } from '../../compiler/verify.js';
import { DEFAULT_PIPELINE } from '../../passes/index.js';
import { writeModel, dnnc, tmpDir } from '../helpers.js';
import { Tensor } from '../../ir/tensor.js';
import { seededTensor } from '../../compiler/onnx/builder.js';
import fs from 'node:fs';
import path from 'node:path';

const small = { vocab: 40, embd: 16, heads: 4, layers: 2, seq: 8 };
const variants: [string, DecoderGraphOptions][] = [
  ['opset 14: ReduceMean axes attribute, tanh GELU, Where(Cast(Trilu)) mask', { ...small, opset: 14, gelu: 'tanh', mask: 'where', layerNorm: 'decomposed' }],
  ['opset 18: ReduceMean axes input, erf GELU, additive mask', { ...small, opset: 18, gelu: 'erf', mask: 'add', layerNorm: 'decomposed' }],
  ['opset 20: LayerNormalization and Gelu ops (tanh)', { ...small, opset: 20, gelu: 'op-tanh', mask: 'where', layerNorm: 'op' }],
  ['opset 20: Gelu op (exact)', { ...small, opset: 20, gelu: 'op-none', mask: 'add', layerNorm: 'op' }],
];

const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;

describe('exporter-shaped decoder graphs', () => {
  for (const [what, o] of variants) {
    it(`${what}: fused to Attention/LayerNormalization/Gelu, matches onnxruntime`, async () => {
      const file = writeModel(buildDecoderGraph(o));
      const ops = lower(file, { target: 'host' }).graph.nodes.map((n) => n.op);
      expect(count(ops, 'Attention')).toBe(o.layers);
      expect(count(ops, 'LayerNormalization')).toBe(2 * o.layers + 1);
      expect(count(ops, 'Gelu')).toBe(o.layers);
      for (const gone of ['Softmax', 'ReduceMean', 'Erf', 'Tanh', 'Sqrt', 'Pow', 'Where']) expect(count(ops, gone), gone).toBe(0);
      const r = await verify(file, { target: 'host', sanitize: o.opset === 14 });
      expect(r.line).toMatch(/^PASS/);
    });
  }

  it('with past keys/values (Concat, present outputs, Trilu with a diagonal offset): fused, matches onnxruntime', async () => {
    const o: DecoderGraphOptions = { ...small, seq: 5, past: 3, opset: 14, gelu: 'tanh', mask: 'where', layerNorm: 'decomposed' };
    const file = writeModel(buildDecoderGraph(o));
    const ops = lower(file, { target: 'host' }).graph.nodes.map((n) => n.op);
    expect(count(ops, 'Attention')).toBe(o.layers);
    expect(count(ops, 'Concat')).toBe(2 * o.layers);
    expect((await verify(file, { target: 'host' })).line).toMatch(/^PASS/);
  });

  it('HF GPT-2 masking: Slice of a bool bias buffer, attention_mask input with padding, Where(Not(mask), -inf, s)', async () => {
    const o: DecoderGraphOptions = { ...small, seq: 5, past: 3, opset: 18, gelu: 'erf', mask: 'fill', layerNorm: 'decomposed' };
    const file = writeModel(buildDecoderGraph(o));
    const g = lower(file, { target: 'host' }).graph;
    const att = g.nodes.filter((n) => n.op === 'Attention');
    expect(att).toHaveLength(o.layers);
    expect(att[0]!.int('mask_mode')).toBe(2);
    expect(att[0]!.float('fill')).toBe(-Infinity);
    // inputs: token ids, attention_mask with the first (past) position padded, past keys/values
    const dir = tmpDir('lmmask');
    const files = g.inputs.map((v, i) => {
      let t: Tensor;
      if (v.name === 'input_ids') t = Tensor.fromNumbers('int64', v.type.shape, [3, 17, 5, 39, 0]);
      else if (v.name === 'attention_mask') t = Tensor.fromNumbers('int64', v.type.shape, [0, 1, 1, 1, 1, 1, 1, 1]);
      else t = seededTensor([...v.type.shape], 50 + i, 0.7);
      const f = path.join(dir, `in${i}.bin`);
      fs.writeFileSync(f, t.toBytes(true));
      return f;
    });
    const r = await verify(file, { target: 'host', inputs: files, sanitize: true });
    expect(r.line).toMatch(/^PASS/);
  });

  it('unfused (pattern passes left out) and reference kernels also match onnxruntime', async () => {
    const file = writeModel(buildDecoderGraph(variants[0]![1]));
    const passes = DEFAULT_PIPELINE.filter((p) => !p.startsWith('fuse-'));
    const ops = lower(file, { target: 'host', passes }).graph.nodes.map((n) => n.op);
    expect(count(ops, 'Softmax')).toBe(small.layers);
    expect((await verify(file, { target: 'host', passes })).line).toMatch(/^PASS/);
    expect((await verify(file, { target: 'host', kernels: 'reference' })).line).toMatch(/^PASS/);
  });

  it('fuses the GPT-2 step graph of compiler/onnx/gpt.ts (KV cache, one token)', async () => {
    const cfg = gpt2Config(2, 32, 4, 50, 16);
    const file = writeModel(buildGptStep(cfg));
    const ops = lower(file, { target: 'host' }).graph.nodes.map((n) => n.op);
    expect(count(ops, 'Attention')).toBe(2);
    expect(count(ops, 'Gelu')).toBe(2);
    expect(count(ops, 'Transpose')).toBe(0);
    expect((await verify(file, { target: 'host' })).line).toMatch(/^PASS/);
  });

  it('--print-after shows the fused ops', () => {
    const file = writeModel(buildDecoderGraph(variants[1]![1]));
    const r = dnnc(['inspect', file, '--print-after', 'fuse-attention']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/IR after fuse-attention/);
    expect(r.stdout).toMatch(/Attention\(/);
    expect(r.stdout).toMatch(/mask_mode/);
  });
});
