// Kernels of the ops only gradient rules create (ir/ops/train.ts), as inline loops.
import { registerKernel } from './registry.js';
import { block, ld, st, accType } from './nest.js';
import { numel, dtypeSize } from '../../../ir/types.js';

registerKernel({
  ops: ['GatherGrad'],
  emit(ctx) {
    const n = ctx.node;
    const dy = n.inputs[0]!, idx = n.inputs[1]!, y = n.outputs[0]!;
    const shape = y.type.shape, dt = y.type.dtype;
    const axis = n.int('axis', 0);
    const outer = numel(shape.slice(0, axis)), inner = numel(shape.slice(axis + 1)), dim = shape[axis]!;
    const count = numel(idx.type.shape);
    const Y = ctx.ptr(y), D = ctx.cptr(dy);
    if (!numel(shape)) return '';
    return block(['{', 'size_t o, j, q;',
      `memset(${Y}, 0, ${numel(shape) * dtypeSize(dt)}u);`,
      `for (o = 0; o < ${outer}u; o++) for (j = 0; j < ${count}u; j++) {`,
      `int64_t i = (int64_t)${ctx.cptr(idx)}[j];`,
      `if (i < 0) i += ${dim};`,
      `if (i < 0 || i >= ${dim}) continue;`,
      `for (q = 0; q < ${inner}u; q++) {`,
      `size_t at = (o * ${dim}u + (size_t)i) * ${inner}u + q;`,
      `${Y}[at] = ${st(dt, `${ld(Y, 'at', dt)} + ${ld(D, `(o * ${count}u + j) * ${inner}u + q`, dt)}`)};`,
      '}', '}', '}']);
  },
});

registerKernel({
  ops: ['NegativeLogLikelihoodLossGrad'],
  emit(ctx) {
    const n = ctx.node;
    const dl = n.inputs[0]!, t = n.inputs[1]!, w = n.inputs[2] ?? null, y = n.outputs[0]!;
    const sh = y.type.shape, dt = y.type.dtype;
    const N = sh[0]!, C = sh[1]!, D = numel(sh.slice(2));
    const red = n.str('reduction', 'mean');
    const ii = n.int('ignore_index');
    const A = accType(dt, ctx.target);
    const T = ctx.cptr(t), Y = ctx.ptr(y), L = ctx.cptr(dl);
    if (!numel(sh)) return '';
    const valid = `${ii !== undefined ? `c != ${ii} && ` : ''}c >= 0 && c < ${C}`;
    const wt = w ? `(${A})${ld(ctx.cptr(w), 'c', w.type.dtype)}` : `(${A})1`;
    const lines = ['{', 'size_t b, d;', `${A} scale = (${A})1;`,
      `memset(${Y}, 0, ${numel(sh) * dtypeSize(dt)}u);`];
    if (red === 'mean') {
      lines.push(`{ ${A} wsum = (${A})0;`,
        `for (b = 0; b < ${N}u; b++) for (d = 0; d < ${D}u; d++) {`,
        `int64_t c = (int64_t)${T}[b * ${D}u + d];`,
        `if (${valid}) wsum += ${wt};`, '}',
        `scale = wsum != (${A})0 ? (${A})1 / wsum : (${A})0; }`);
    }
    lines.push(`for (b = 0; b < ${N}u; b++) for (d = 0; d < ${D}u; d++) {`,
      `int64_t c = (int64_t)${T}[b * ${D}u + d];`,
      `if (${valid}) {`,
      `${A} g = (${A})${ld(L, red === 'none' ? `b * ${D}u + d` : '0', dl.type.dtype)};`,
      `${Y}[(b * ${C}u + (size_t)c) * ${D}u + d] = ${st(dt, `-g * ${wt} * scale`)};`,
      '}', '}', '}');
    return block(lines);
  },
});
