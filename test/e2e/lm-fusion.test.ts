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
import { seededTensor, OnnxBuilder } from '../../compiler/onnx/builder.js';
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

  it('attention variants: Kᵀ given as an input, scale as Mul(c, s), runtime additive mask; mask before the scale', async () => {
    const H = 3, M = 4, T = 6, D = 5;
    // (a) kT [H, D, T] is an input (no Transpose), s = 0.4 * (q kT) + mask, mask [1, 1, T] broadcast
    const a = new OnnxBuilder('att_a', 17);
    a.input('q', 'float32', [H, M, D]);
    a.input('kt', 'float32', [H, D, T]);
    a.input('v', 'float32', [H, T, D]);
    a.input('mask', 'float32', [1, 1, T]);
    let x = a.node('MatMul', ['q', 'kt'])[0]!;
    x = a.node('Mul', [a.init('c', Tensor.scalar('float32', 0.4)), x])[0]!;
    x = a.node('Add', [x, 'mask'])[0]!;
    a.node('MatMul', [a.node('Softmax', [x], { axis: -1 })[0]!, 'v'], {}, ['y']);
    a.output('y', 'float32', [H, M, D]);
    // (b) Where(causal, s, -1e9) first, then / sqrt(D); K [1, T, D] broadcast over heads
    const b = new OnnxBuilder('att_b', 17);
    b.input('q', 'float32', [H, M, D]);
    b.input('k', 'float32', [1, T, D]);
    b.input('v', 'float32', [H, T, D]);
    const causal = b.init('causal', Tensor.fromNumbers('bool', [M, T], Array.from({ length: M * T }, (_, i) => (i % T <= Math.floor(i / T) + 2 ? 1 : 0))));
    let y = b.node('MatMul', ['q', b.node('Transpose', ['k'], { perm: [0, 2, 1] })[0]!])[0]!;
    y = b.node('Where', [causal, y, b.init('neg', Tensor.scalar('float32', -1e9))])[0]!;
    y = b.node('Div', [y, b.init('sd', Tensor.scalar('float32', Math.sqrt(D)))])[0]!;
    b.node('MatMul', [b.node('Softmax', [y], { axis: 2 })[0]!, 'v'], {}, ['y']);
    b.output('y', 'float32', [H, M, D]);
    for (const [builder, want] of [[a, { k_transposed: 1, mask_mode: 3, mask_first: 0 }], [b, { k_transposed: 0, mask_mode: 1, mask_first: 1 }]] as const) {
      const file = writeModel(builder);
      const att = lower(file, { target: 'host' }).graph.nodes.filter((n) => n.op === 'Attention');
      expect(att).toHaveLength(1);
      for (const [k, v] of Object.entries(want)) expect(att[0]!.int(k), k).toBe(v);
      expect((await verify(file, { target: 'host' })).line).toMatch(/^PASS/);
      expect((await verify(file, { target: 'host', kernels: 'reference' })).line).toMatch(/^PASS/);
    }
  });

  it('does not fuse look-alikes: an intermediate used elsewhere, a wrong constant, a mean over a non-trailing axis', async () => {
    const b = new OnnxBuilder('lookalike', 18);
    b.input('x', 'float32', [2, 3, 8]);
    const f = (n: string, v: number) => b.init(n, Tensor.scalar('float32', v));
    const ax = (n: string, v: number[]) => b.init(n, Tensor.fromNumbers('int64', [v.length], v));
    // layer norm whose centred value is also an output
    const m = b.node('ReduceMean', ['x', ax('a1', [-1])])[0]!;
    const d = b.node('Sub', ['x', m], {}, ['centred'])[0]!;
    const v = b.node('ReduceMean', [b.node('Pow', [d, f('two', 2)])[0]!, ax('a2', [-1])])[0]!;
    const ln = b.node('Div', [d, b.node('Sqrt', [b.node('Add', [v, f('eps', 1e-5)])[0]!])[0]!])[0]!;
    // "GELU" with 0.6 instead of 0.5
    const e = b.node('Erf', [b.node('Div', [ln, f('s2', Math.SQRT2)])[0]!])[0]!;
    const g = b.node('Mul', [b.node('Mul', [ln, f('c06', 0.6)])[0]!, b.node('Add', [e, f('one', 1)])[0]!])[0]!;
    // mean over the middle axis
    const m2 = b.node('ReduceMean', [g, ax('a3', [1])])[0]!;
    const d2 = b.node('Sub', [g, m2])[0]!;
    const v2 = b.node('ReduceMean', [b.node('Pow', [d2, f('two2', 2)])[0]!, ax('a4', [1])])[0]!;
    b.node('Div', [d2, b.node('Sqrt', [b.node('Add', [v2, f('eps2', 1e-5)])[0]!])[0]!], {}, ['y']);
    b.output('y', 'float32', [2, 3, 8]);
    b.output('centred', 'float32', [2, 3, 8]);
    const file = writeModel(b);
    const ops = lower(file, { target: 'host' }).graph.nodes.map((n) => n.op);
    expect(count(ops, 'LayerNormalization')).toBe(0);
    expect(count(ops, 'Gelu')).toBe(0);
    expect((await verify(file, { target: 'host' })).line).toMatch(/^PASS/);
  });

  it('tied lm_head stored once: also when the exporter folded the Transpose into a second initializer', async () => {
    for (const tied of ['transpose', 'copy'] as const) {
      const file = writeModel(buildDecoderGraph({ ...variants[0]![1], tied }));
      const g = lower(file, { target: 'host' }).graph;
      const head = g.nodes.find((n) => n.op === 'Gemm' && n.inputs[1]!.name === 'wte')!;
      expect(head, tied).toBeDefined();
      expect(head.int('transB')).toBe(1);
      expect(g.constants().filter((v) => v.type.shape.length === 2 && v.type.shape[0] === small.embd && v.type.shape[1] === small.vocab)).toHaveLength(0);
      expect((await verify(file, { target: 'host' })).line).toMatch(/^PASS/);
    }
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
