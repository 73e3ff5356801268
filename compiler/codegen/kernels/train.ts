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

registerKernel({
  ops: ['PoolGrad'],
  emit(ctx) {
    const n = ctx.node;
    const dy = n.inputs[0]!, x = n.inputs[1]!, dx = n.outputs[0]!;
    const xs = x.type.shape, ys = dy.type.shape;
    const two = xs.length === 4;
    const NC = xs[0]! * xs[1]!, H = two ? xs[2]! : 1, W = xs[xs.length - 1]!;
    const OH = two ? ys[2]! : 1, OW = ys[ys.length - 1]!;
    const k = n.ints('kernel_shape')!, s = n.ints('strides')!, d = n.ints('dilations')!, p = n.ints('pads')!;
    const [KH, KW] = two ? [k[0]!, k[1]!] : [1, k[0]!];
    const [SH, SW] = two ? [s[0]!, s[1]!] : [1, s[0]!];
    const [DH, DW] = two ? [d[0]!, d[1]!] : [1, d[0]!];
    const [PT, PL] = two ? [p[0]!, p[1]!] : [0, p[0]!];
    const max = n.str('mode', 'max') === 'max';
    const X = ctx.cptr(x), DY = ctx.cptr(dy), DX = ctx.ptr(dx);
    if (!numel(xs) || !numel(ys)) return '';
    const inWin = 'ih >= 0 && ih < ' + H + ' && iw >= 0 && iw < ' + W;
    const lines = ['{', 'size_t nc, oh, ow;', 'int32_t kh, kw;',
      `memset(${DX}, 0, ${numel(xs) * 4}u);`,
      `for (nc = 0; nc < ${NC}u; nc++) for (oh = 0; oh < ${OH}u; oh++) for (ow = 0; ow < ${OW}u; ow++) {`,
      `const float g = ${DY}[(nc * ${OH}u + oh) * ${OW}u + ow];`,
      `const int32_t h0 = (int32_t)oh * ${SH} - ${PT}, w0 = (int32_t)ow * ${SW} - ${PL};`];
    if (max) {
      lines.push('float best = 0.0f;', 'int64_t at = -1;',
        `for (kh = 0; kh < ${KH}; kh++) for (kw = 0; kw < ${KW}; kw++) {`,
        `const int32_t ih = h0 + kh * ${DH}, iw = w0 + kw * ${DW};`,
        `if (${inWin}) {`,
        `const size_t i = (nc * ${H}u + (size_t)ih) * ${W}u + (size_t)iw;`,
        `if (at < 0 || ${X}[i] > best) { best = ${X}[i]; at = (int64_t)i; }`,
        '}', '}',
        `if (at >= 0) ${DX}[at] += g;`);
    } else {
      const include = n.int('count_include_pad', 0) === 1;
      lines.push(`int32_t count = ${include ? KH * KW : 0};`, `(void)${X};`,
        ...(include ? [] : [`for (kh = 0; kh < ${KH}; kh++) for (kw = 0; kw < ${KW}; kw++) {`,
          `const int32_t ih = h0 + kh * ${DH}, iw = w0 + kw * ${DW};`,
          `if (${inWin}) count++;`,
          '}']),
        'if (count > 0) {',
        'const float share = g / (float)count;',
        `for (kh = 0; kh < ${KH}; kh++) for (kw = 0; kw < ${KW}; kw++) {`,
        `const int32_t ih = h0 + kh * ${DH}, iw = w0 + kw * ${DW};`,
        `if (${inWin}) ${DX}[(nc * ${H}u + (size_t)ih) * ${W}u + (size_t)iw] += share;`,
        '}', '}');
    }
    lines.push('}', '}');
    return block(lines);
  },
});

registerKernel({
  ops: ['OptimizerStep'],
  emit(ctx) {
    const n = ctx.node;
    const [p, g, h] = n.inputs as [import('../../../ir/graph.js').Value, import('../../../ir/graph.js').Value, import('../../../ir/graph.js').Value];
    const count = numel(p.type.shape);
    const P = ctx.cptr(p), G = ctx.cptr(g), H = ctx.cptr(h), PO = ctx.ptr(n.outputs[0]!);
    if (!count) return '';
    if (n.str('mode', 'adam') === 'sgd') {
      return block(['{', 'size_t i;', `const float lr = ${H}[0];`,
        `for (i = 0; i < ${count}u; i++) ${PO}[i] = ${P}[i] - lr * ${G}[i];`, '}']);
    }
    const M = ctx.cptr(n.inputs[3]!), V = ctx.cptr(n.inputs[4]!), MO = ctx.ptr(n.outputs[1]!), VO = ctx.ptr(n.outputs[2]!);
    const f = (x: number) => { const s = String(Math.fround(x)); return (/[.e]/.test(s) ? s : `${s}.0`) + 'f'; };
    const b1 = n.float('beta1', 0.9), b2 = n.float('beta2', 0.999), eps = n.float('epsilon', 1e-8);
    return block(['{', 'size_t i;', `const float lr = ${H}[0], c1 = ${H}[1], c2 = ${H}[2];`,
      '/* the outputs may be the inputs\' buffers: each element is read before it is written */',
      `for (i = 0; i < ${count}u; i++) {`,
      `const float gi = ${G}[i];`,
      `const float m = ${f(b1)} * ${M}[i] + ${f(1 - b1)} * gi;`,
      `const float v = ${f(b2)} * ${V}[i] + ${f(1 - b2)} * gi * gi;`,
      `${PO}[i] = ${P}[i] - lr * (m * c1) / (sqrtf(v * c2) + ${f(eps)});`,
      `${MO}[i] = m;`,
      `${VO}[i] = v;`,
      '}', '}']);
  },
});
