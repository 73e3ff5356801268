// Numerical gradient check of every gradient rule: a small model per op,
// differentiated by the autodiff pass (loss mse against a random target, or
// cross-entropy), compiled to C and run on the host; the analytic gradients
// the C code computes are compared with central differences of the loss the
// same C code computes.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { lower, generateForTarget } from '../../compiler/driver.js';
import { modelSourceFiles } from '../../compiler/train.js';
import { run } from '../../compiler/toolchain.js';
import { cArrayBody } from '../../compiler/codegen/c.js';
import { Tensor } from '../../ir/tensor.js';
import { numel } from '../../ir/types.js';
import type { TrainMeta } from '../../passes/autodiff.js';
import { tmpDir, writeModel } from '../helpers.js';

interface Case {
  name: string;
  /** builds the model; returns the output the loss is taken of */
  build(b: OnnxBuilder, p: (name: string, shape: number[], scale?: number) => string): string;
  /** output shape (declared on the model) */
  out: number[];
  loss?: 'mse' | 'cross_entropy';
  /** int64 inputs the case declares, with their values */
  intInputs?: Record<string, { shape: number[]; values: number[] }>;
}

const EPS = 5e-3;

function gradCheck(c: Case): { worst: number; checked: number; ops: string[] } {
  const b = new OnnxBuilder(c.name, 17);
  let seed = 7;
  const p = (name: string, shape: number[], scale = 1) => b.init(name, seededTensor(shape, seed++ * 31, scale));
  for (const [name, i] of Object.entries(c.intInputs ?? {})) b.input(name, 'int64', i.shape);
  const y = c.build(b, p);
  b.output(y, 'float32', c.out);
  const dir = tmpDir('gradcheck');
  const file = writeModel(b, dir);
  const loss = c.loss === 'cross_entropy' ? `cross_entropy:${y},targets` : `mse:${y},target`;
  const { graph, target } = lower(file, { target: 'host', train: { loss } });
  const meta = graph.meta.train as TrainMeta;
  const code = generateForTarget(file, graph, target, { target: 'host', weights: 'embed' }).code;
  for (const [name, text] of Object.entries(modelSourceFiles(code))) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  // input values: parameters from the initializers, the rest seeded
  const P = meta.params.length;
  const lines: string[] = ['#include <stdio.h>', '#include <string.h>', '#include "model.h"'];
  code.inputs.forEach((io, i) => {
    let t: Tensor;
    if (i < P) t = meta.params[i]!.init;
    else if (io.dtype === 'int64') {
      const vals = c.intInputs?.[io.rawName]?.values ?? Array.from({ length: io.count }, (_, k) => (k * 7 + 3) % (c.out[c.out.length - 1]!));
      t = Tensor.fromNumbers('int64', io.shape, vals);
    } else t = seededTensor(io.shape, 999 + i, 1);
    lines.push(`static ${io.ctype} ${io.cname}[${Math.max(1, io.count)}] = {\n${cArrayBody(t)}\n};`);
  });
  code.outputs.forEach((io) => lines.push(`static ${io.ctype} ${io.cname}[${Math.max(1, io.count)}];`));
  const grads = code.outputs.slice(code.outputs.length - P);
  grads.forEach((io, i) => lines.push(`static float saved${i}[${io.count}];`));
  lines.push(`static double loss(void) { if (model_run(${[...code.inputs, ...code.outputs].map((io) => io.cname).join(', ')}) != 0) return 0.0 / 0.0; return (double)${code.outputs[0]!.cname}[0]; }`);
  lines.push('int main(void) {', '  size_t j; float keep; double lp, lm;', '  loss();');
  grads.forEach((io, i) => lines.push(`  memcpy(saved${i}, ${io.cname}, sizeof saved${i});`));
  meta.params.forEach((prm, i) => {
    const n = numel(prm.shape);
    const step = Math.max(1, Math.floor(n / 12));
    const cn = code.inputs[i]!.cname;
    lines.push(`  for (j = 0; j < ${n}u; j += ${step}u) {`,
      `    keep = ${cn}[j];`,
      `    ${cn}[j] = keep + ${EPS}f; lp = loss();`,
      `    ${cn}[j] = keep - ${EPS}f; lm = loss();`,
      `    ${cn}[j] = keep;`,
      `    printf("${i} %lu %.9g %.9g\\n", (unsigned long)j, (lp - lm) / (double)(2.0f * ${EPS}f), (double)saved${i}[j]);`,
      '  }');
  });
  lines.push('  return 0;', '}');
  fs.writeFileSync(path.join(dir, 'check.c'), lines.join('\n') + '\n');
  const srcs = ['check.c', ...Object.keys(modelSourceFiles(code)).filter((f) => f.endsWith('.c'))];
  const exe = path.join(dir, 'check');
  const cc = run('cc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-I', dir, '-I', path.join(dir, 'runtime'), ...srcs.map((s) => path.join(dir, s)), '-o', exe, '-lm']);
  if (cc.status !== 0) throw new Error(`${c.name}: build failed: ${cc.stderr.slice(0, 400)}`);
  const r = run(exe, []);
  if (r.status !== 0) throw new Error(`${c.name}: run failed: ${r.stderr}`);
  let worst = 0, checked = 0, where = '';
  for (const l of r.stdout.trim().split('\n')) {
    const [pi, j, num, ana] = l.split(' ').map(Number) as [number, number, number, number];
    const err = Math.abs(num - ana) / (1e-3 + 1e-2 * Math.abs(ana) + 1e-2 * Math.abs(num));
    if (err > worst) where = `${meta.params[pi]!.name}[${j}]: numerical ${num}, analytic ${ana}`;
    worst = Math.max(worst, err);
    checked++;
  }
  if (worst >= 1) console.log(`${c.name}: ${where}`);
  fs.rmSync(dir, { recursive: true, force: true });
  return { worst, checked, ops: [...new Set(graph.nodes.map((n) => n.op))].sort() };
}

/** A unary op on a parameter whose values stay 0.1 or more away from 0 (kinks of Relu, Abs). */
const un = (op: string, attrs: Record<string, number | string> = {}): Case => ({
  name: op,
  out: [3, 5],
  build: (b) => {
    const t = seededTensor([3, 5], 4242, 1);
    for (let i = 0; i < t.size; i++) t.set(i, t.get(i) + (t.get(i) < 0 ? -0.1 : 0.1));
    return b.node(op, [b.init('x', t)], attrs)[0]!;
  },
});

const CASES: Case[] = [
  { name: 'MatMul 2-D', out: [3, 4], build: (b, p) => b.node('MatMul', [p('a', [3, 5]), p('b', [5, 4])])[0]! },
  { name: 'MatMul batched x 2-D', out: [2, 3, 4], build: (b, p) => b.node('MatMul', [p('a', [2, 3, 5]), p('b', [5, 4])])[0]! },
  { name: 'MatMul batched x batched', out: [2, 3, 4], build: (b, p) => b.node('MatMul', [p('a', [2, 3, 5]), p('b', [2, 5, 4])])[0]! },
  { name: 'MatMul vector x matrix', out: [4], build: (b, p) => b.node('MatMul', [p('a', [5]), p('b', [5, 4])])[0]! },
  { name: 'Gemm transB + bias', out: [3, 4], build: (b, p) => b.node('Gemm', [p('a', [3, 5]), p('b', [4, 5]), p('c', [4])], { transB: 1, alpha: 0.7, beta: { float: 1.5 } as never })[0]! },
  { name: 'Gemm transA', out: [3, 4], build: (b, p) => b.node('Gemm', [p('a', [5, 3]), p('b', [5, 4]), p('c', [3, 4])], { transA: 1 })[0]! },
  { name: 'Add broadcast', out: [2, 3], build: (b, p) => b.node('Add', [p('a', [2, 3]), p('b', [3])])[0]! },
  { name: 'Sub broadcast', out: [2, 3], build: (b, p) => b.node('Sub', [p('a', [2, 1]), p('b', [2, 3])])[0]! },
  { name: 'Mul broadcast', out: [2, 3], build: (b, p) => b.node('Mul', [p('a', [2, 3]), p('b', [2, 1])])[0]! },
  {
    name: 'Div', out: [2, 3],
    build: (b, p) => {
      const [d] = b.node('Add', [b.node('Mul', [p('b', [3]), p('s', [3])])[0]!, b.init('two', Tensor.scalar('float32', 2))]);
      return b.node('Div', [p('a', [2, 3]), d!])[0]!;
    },
  },
  { name: 'Sum and Mean', out: [2, 3], build: (b, p) => b.node('Mean', [b.node('Sum', [p('a', [2, 3]), p('b', [3])])[0]!, p('c', [2, 1])])[0]! },
  un('Relu'), un('Erf'), un('Softplus'), un('Tanh'), un('Sigmoid'), un('Gelu'), un('Gelu', { approximate: 'tanh' }), un('Exp'), un('Neg'), un('LeakyRelu', { alpha: 0.2 }), un('Abs'),
  {
    name: 'Log Sqrt Reciprocal', out: [3, 5],
    build: (b, p) => {
      const x = p('x', [3, 5]);
      const [pos] = b.node('Add', [b.node('Mul', [x, x])[0]!, b.init('one', Tensor.scalar('float32', 1))]);
      const [l] = b.node('Log', [pos!]);
      const [s] = b.node('Sqrt', [pos!]);
      const [r] = b.node('Reciprocal', [pos!]);
      return b.node('Sum', [l!, s!, r!])[0]!;
    },
  },
  {
    name: 'Pow (base and exponent trained)', out: [2, 3],
    build: (b, p) => {
      const [base] = b.node('Add', [b.node('Mul', [p('a', [2, 3]), p('s', [2, 3])])[0]!, b.init('two', Tensor.scalar('float32', 2))]);
      return b.node('Pow', [base!, p('e', [3], 0.5)])[0]!;
    },
  },
  {
    name: 'Clip and Cast', out: [3, 5],
    build: (b, p) => {
      const t = seededTensor([3, 5], 4243, 2);
      for (let i = 0; i < t.size; i++) if (Math.abs(Math.abs(t.get(i)) - 0.5) < 0.05) t.set(i, t.get(i) + 0.2);
      const [c] = b.node('Clip', [b.init('x', t), b.init('lo', Tensor.scalar('float32', -0.5)), b.init('hi', Tensor.scalar('float32', 0.5))]);
      const [d] = b.node('Cast', [c!], { to: 11 });
      const [e] = b.node('Mul', [d!, b.node('Cast', [p('w', [3, 5])], { to: 11 })[0]!]);
      return b.node('Cast', [e!], { to: 1 })[0]!;
    },
  },
  {
    name: 'Split (one output unused)', out: [2, 2],
    build: (b, p) => {
      const [s0, , s2] = b.node('Split', [p('x', [2, 7]), b.init('sizes', Tensor.fromNumbers('int64', [3], [2, 3, 2]))], { axis: 1 }, 3);
      return b.node('Mul', [s0!, s2!])[0]!;
    },
  },
  { name: 'Softmax', out: [3, 5], build: (b, p) => b.node('Softmax', [p('x', [3, 5], 2)], { axis: -1 })[0]! },
  { name: 'LogSoftmax axis 0', out: [3, 5], build: (b, p) => b.node('LogSoftmax', [p('x', [3, 5], 2)], { axis: 0 })[0]! },
  { name: 'ReduceSum keepdims', out: [2, 1, 4], build: (b, p) => b.node('ReduceSum', [p('x', [2, 3, 4]), b.init('ax', Tensor.fromNumbers('int64', [1], [1]))], { keepdims: 1 })[0]! },
  { name: 'ReduceMean', out: [3], build: (b, p) => b.node('ReduceMean', [p('x', [2, 3, 4]), b.init('ax', Tensor.fromNumbers('int64', [2], [0, 2]))], { keepdims: 0 })[0]! },
  {
    name: 'Gather repeated indices', out: [5, 3],
    build: (b, p) => b.node('Gather', [p('w', [4, 3]), b.init('idx', Tensor.fromNumbers('int64', [5], [1, 3, 1, -1, 0]))], { axis: 0 })[0]!,
  },
  {
    name: 'Gather axis 1', out: [2, 2, 3],
    build: (b, p) => b.node('Gather', [p('w', [2, 4, 3]), b.init('idx', Tensor.fromNumbers('int64', [2], [2, 2]))], { axis: 1 })[0]!,
  },
  {
    name: 'Reshape Transpose Flatten Unsqueeze Squeeze Identity', out: [4, 6],
    build: (b, p) => {
      const [r] = b.node('Reshape', [p('x', [2, 3, 4]), b.init('sh', Tensor.fromNumbers('int64', [3], [3, 2, 4]))]);
      const [t] = b.node('Transpose', [r!], { perm: [2, 0, 1] });
      const [u] = b.node('Unsqueeze', [t!, b.init('ua', Tensor.fromNumbers('int64', [1], [0]))]);
      const [s] = b.node('Squeeze', [u!, b.init('sa', Tensor.fromNumbers('int64', [1], [0]))]);
      const [i] = b.node('Identity', [s!]);
      const [m] = b.node('Mul', [i!, p('w', [4, 3, 2])]);
      return b.node('Flatten', [m!], { axis: 1 })[0]!;
    },
  },
  {
    name: 'Slice and Concat', out: [2, 7],
    build: (b, p) => {
      const i64 = (n: string, v: number[]) => b.init(n, Tensor.fromNumbers('int64', [v.length], v));
      const [s] = b.node('Slice', [p('x', [3, 6]), i64('st', [1, 1]), i64('en', [3, 5]), i64('ax', [0, 1])]);
      return b.node('Concat', [s!, p('y', [2, 3])], { axis: 1 })[0]!;
    },
  },
  {
    name: 'Expand', out: [3, 4],
    build: (b, p) => b.node('Expand', [p('x', [3, 1]), b.init('sh', Tensor.fromNumbers('int64', [2], [3, 4]))])[0]!,
  },
  {
    name: 'Where', out: [3, 4],
    build: (b, p) => {
      const c = new Tensor('bool', [3, 4]);
      for (let i = 0; i < 12; i++) c.set(i, i % 3 === 0 ? 1 : 0);
      return b.node('Where', [b.init('cond', c), p('a', [3, 4]), p('b', [4])])[0]!;
    },
  },
  {
    name: 'LayerNormalization', out: [2, 3, 5],
    build: (b, p) => b.node('LayerNormalization', [p('x', [2, 3, 5]), p('g', [5]), p('be', [5])], { axis: -1, epsilon: { float: 1e-5 } as never })[0]!,
  },
  {
    name: 'LayerNormalization over two axes', out: [2, 3, 4],
    build: (b, p) => b.node('LayerNormalization', [p('x', [2, 3, 4]), p('g', [3, 4]), p('be', [3, 4])], { axis: 1 })[0]!,
  },
  {
    name: 'Conv stride 2 pad 1 bias', out: [2, 3, 3, 3],
    build: (b, p) => b.node('Conv', [p('x', [2, 2, 6, 5]), p('w', [3, 2, 3, 3], 0.5), p('bias', [3])], { strides: [2, 2], pads: [1, 1, 1, 1] })[0]!,
  },
  {
    name: 'Conv dilation 2', out: [1, 2, 3, 4],
    build: (b, p) => b.node('Conv', [p('x', [1, 3, 7, 6]), p('w', [2, 3, 3, 2], 0.5)], { dilations: [2, 2] })[0]!,
  },
  {
    name: 'Conv grouped', out: [1, 4, 4, 4],
    build: (b, p) => b.node('Conv', [p('x', [1, 4, 4, 4]), p('w', [4, 2, 3, 3], 0.5)], { group: 2, pads: [1, 1, 1, 1] })[0]!,
  },
  {
    name: 'BatchNormalization (inference statistics fixed)', out: [2, 3, 2, 2],
    build: (b, p) => {
      const mean = b.init('mean', seededTensor([3], 11, 0.5));
      const vr = b.init('var', Tensor.fromNumbers('float32', [3], [0.5, 1.2, 2]));
      return b.node('BatchNormalization', [p('x', [2, 3, 2, 2]), p('scale', [3]), p('bias', [3]), mean, vr], { epsilon: { float: 1e-5 } as never })[0]!;
    },
  },
  { name: 'MaxPool 2-D stride 2 pad 1', out: [1, 2, 3, 3], build: (b, p) => b.node('MaxPool', [p('x', [1, 2, 5, 6])], { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 0] })[0]! },
  { name: 'MaxPool 1-D', out: [2, 2, 3], build: (b, p) => b.node('MaxPool', [p('x', [2, 2, 7])], { kernel_shape: [3], strides: [2] })[0]! },
  { name: 'AveragePool pad, excluding pads', out: [1, 2, 3, 3], build: (b, p) => b.node('AveragePool', [p('x', [1, 2, 5, 5])], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] })[0]! },
  { name: 'AveragePool including pads', out: [1, 2, 3, 3], build: (b, p) => b.node('AveragePool', [p('x', [1, 2, 5, 5])], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 })[0]! },
  { name: 'GlobalAveragePool', out: [2, 3, 1, 1], build: (b, p) => b.node('GlobalAveragePool', [p('x', [2, 3, 4, 5])])[0]! },
  {
    name: 'cross-entropy over logits (ignored targets)', out: [4, 6], loss: 'cross_entropy',
    intInputs: { targets: { shape: [4], values: [2, -1, 5, 0] } },
    build: (b, p) => b.node('MatMul', [p('h', [4, 3]), p('w', [3, 6])])[0]!,
  },
];

describe('gradient rules: analytic gradients of the generated C match central differences', () => {
  const covered = new Set<string>();
  for (const c of CASES) {
    it(c.name, () => {
      const r = gradCheck(c);
      r.ops.forEach((o) => covered.add(o));
      expect(r.checked).toBeGreaterThan(0);
      expect(r.worst, `${c.name}: worst normalised error`).toBeLessThan(1);
    }, 60_000);
  }
});

describe('optimizer step inside the graph', () => {
  // y = MatMul(x, Reshape(W)) + b: W is read through a view, so its update must wait for that read
  function model(): string {
    const b = new OnnxBuilder('opt', 17);
    const W = b.init('W', seededTensor([6], 5, 1));
    const [wr] = b.node('Reshape', [W, b.init('sh', Tensor.fromNumbers('int64', [2], [2, 3]))]);
    const [m] = b.node('MatMul', [b.init('x', seededTensor([4, 2], 6, 1)), wr!]);
    const [y] = b.node('Add', [m!, b.init('bias', seededTensor([3], 8, 1))]);
    b.output(y!, 'float32', [4, 3]);
    return writeModel(b, tmpDir('opt'));
  }

  /** Build `main` against the training graph and run it; returns stdout numbers. */
  function runWith(file: string, optimizer: TrainMeta['optimizer'], body: (code: ReturnType<typeof generateForTarget>['code'], meta: TrainMeta) => string[]): number[] {
    const { graph, target } = lower(file, { target: 'host', train: { loss: 'mse:add2,target', optimizer } });
    const meta = graph.meta.train as TrainMeta;
    const code = generateForTarget(file, graph, target, { target: 'host', weights: 'embed' }).code;
    const dir = tmpDir('optrun');
    const files = modelSourceFiles(code);
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    fs.writeFileSync(path.join(dir, 'main.c'), ['#include <stdio.h>', '#include "model.h"', ...body(code, meta)].join('\n') + '\n');
    const exe = path.join(dir, 'main');
    const srcs = ['main.c', ...Object.keys(files).filter((f) => f.endsWith('.c'))].map((f) => path.join(dir, f));
    const cc = run('cc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-I', dir, '-I', path.join(dir, 'runtime'), ...srcs, '-o', exe, '-lm']);
    if (cc.status !== 0) throw new Error(cc.stderr);
    const r = run(exe, []);
    fs.rmSync(dir, { recursive: true, force: true });
    return r.stdout.trim().split(/\s+/).map(Number);
  }

  const decl = (code: ReturnType<typeof generateForTarget>['code'], meta: TrainMeta, init: (i: number) => string) =>
    code.inputs.map((io, i) => `static ${io.ctype} ${io.cname}[${io.count}] = { ${i < meta.params.length ? [...meta.params[i]!.init.data].join(', ') : init(i)} };`);

  it('SGD and Adam updates equal the gradients applied by hand, parameters updated in place', () => {
    const file = model();
    const target = Array.from({ length: 12 }, (_, i) => ((i * 5) % 7) / 7 - 0.5).join(', ');
    // the gradients
    const grads = runWith(file, undefined, (code, meta) => [
      ...decl(code, meta, () => target),
      ...code.outputs.map((io) => `static float ${io.cname}[${io.count}];`),
      'int main(void) {', '  int i;',
      `  model_run(${[...code.inputs, ...code.outputs].map((io) => io.cname).join(', ')});`,
      ...code.outputs.slice(2).map((io) => `  for (i = 0; i < ${io.count}; i++) printf("%.9g ", (double)${io.cname}[i]);`),
      '  return 0;', '}',
    ]);
    const init = [...Array.from({ length: 6 }, (_, i) => seededTensor([6], 5, 1).get(i)), ...Array.from({ length: 8 }, (_, i) => seededTensor([4, 2], 6, 1).get(i)), ...Array.from({ length: 3 }, (_, i) => seededTensor([3], 8, 1).get(i))];
    for (const [kind, expectFn] of [
      ['sgd', (p: number, g: number) => p - 0.1 * g],
      ['adam', (p: number, g: number) => p - (0.1 * ((1 - 0.9) * g) / (1 - 0.9)) / (Math.sqrt(((1 - 0.999) * g * g) / (1 - 0.999)) + 1e-8)],
    ] as const) {
      const got = runWith(file, { kind, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, (code, meta) => {
        const P = meta.params.length;
        const names = code.inputs.slice(0, P).map((io) => io.cname);
        const state = kind === 'adam' ? code.inputs.slice(P + 2) : [];
        // outputs: loss, y, then the new parameters (and moments) written over the inputs
        return [
          ...decl(code, meta, (i) => (code.inputs[i]!.count === 3 && i === P + 1 ? '0.1f, 10.0f, 1000.0f' : i === P ? target : '0')),
          ...code.outputs.slice(0, 2).map((io) => `static float ${io.cname}[${io.count}];`),
          'int main(void) {', '  int i;',
          `  model_run(${[...code.inputs.map((io) => io.cname), ...code.outputs.slice(0, 2).map((io) => io.cname), ...names, ...state.map((io) => io.cname)].join(', ')});`,
          ...names.map((n, i) => `  for (i = 0; i < ${code.inputs[i]!.count}; i++) printf("%.9g ", (double)${n}[i]);`),
          '  return 0;', '}',
        ];
      });
      // graph order of the parameters: W, x, bias (first use)
      expect(got.length).toBe(17);
      got.forEach((v, i) => expect(v, `${kind} parameter ${i}`).toBeCloseTo(expectFn(init[i]!, grads[i]!), 5));
    }
  });
});
