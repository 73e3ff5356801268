// Emitters for compute-heavy ops that call runtime-c kernels.
import { registerKernel, type EmitCtx } from './registry.js';
import { conv2dFields, kernelName } from './geometry.js';
import { cfloat, ctype } from '../c.js';
import { isFloatType, type DType } from '../../../ir/types.js';
import { nodeError } from '../../../ir/errors.js';
import { numel, stridesOf } from '../../../ir/types.js';
import { bstrides } from '../loops.js';
import type { Node } from '../../../ir/graph.js';
import { to3 } from './conv-nd.js';
import { emitRowsDense, emitHalfConv } from './wrows.js';
import { useSoftMac, weightEmax } from './sfconv.js';

function requireF32(n: Node): void {
  for (const v of [...n.inputs, ...n.outputs]) {
    if (v && v.type.dtype !== 'float32' && !(n.op === 'MaxPool' && v === n.outputs[1])) {
      throw nodeError(n, `${n.op} on ${v.type.dtype} is not supported yet (float32 only)`);
    }
  }
}

function actRange(n: Node): [string, string] {
  return [cfloat(n.float('act_min', -Infinity)), cfloat(n.float('act_max', Infinity))];
}

const fn = kernelName;

registerKernel({
  ops: ['Conv'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, w = n.inputs[1]!, b = n.inputs[2] ?? null, y = n.outputs[0]!;
    const xs = x.type.shape, ys = y.type.shape;
    const r = xs.length - 2;
    if (r > 2 || x.type.dtype === 'float64') return emitConvNd(ctx);
    requireF32(n);
    const [amin, amax] = actRange(n);
    const we = useSoftMac(ctx) && !ctx.weightRows?.(w) ? weightEmax(w) : null;
    if (we !== null) {
      ctx.use('sfconv');
      const sp = ctx.decl('sfconv', 'dnnc_sfconv2d_params', `{ ${conv2dFields(n, xs, ys)}, ${amin}, ${amax} }`);
      return `  dnnc_sfconv2d_f32(${ctx.cptr(x)}, ${ctx.cptr(w)}, ${b ? ctx.cptr(b) : 'NULL'}, ${ctx.ptr(y)}, &${sp}, ${we});\n`;
    }
    ctx.use('conv');
    const params = ctx.decl('conv', 'dnnc_conv2d_params',
      `{ ${conv2dFields(n, xs, ys)}, ${amin}, ${amax} }`);
    const wr = ctx.weightRows?.(w);
    if (wr?.half) {
      ctx.use('wrows');
      return emitHalfConv(ctx, wr, fn(ctx, 'dnnc_conv2d_f32'), params);
    }
    return `  ${fn(ctx, 'dnnc_conv2d_f32')}(${ctx.cptr(x)}, ${ctx.cptr(w)}, ${b ? ctx.cptr(b) : 'NULL'}, ${ctx.ptr(y)}, &${params});\n`;
  },
});

registerKernel({
  ops: ['Gemm'],
  emit(ctx) {
    const n = ctx.node;
    const wr = ctx.weightRows?.(n.inputs[1]!);
    if (wr) return emitRowsDense(ctx, wr);
    if (n.inputs[0]!.type.dtype !== 'float32') return emitGemmGeneric(ctx);
    requireF32(n);
    const a = n.inputs[0]!, b = n.inputs[1]!, c = n.inputs[2] ?? null, y = n.outputs[0]!;
    const [M, N] = y.type.shape as [number, number];
    const ta = n.int('transA', 0), tb = n.int('transB', 0);
    const K = ta ? a.type.shape[0]! : a.type.shape[1]!;
    let csm = 0, csn = 0;
    if (c) {
      const st = bstrides(c.type.shape, [M, N]);
      [csm, csn] = st as [number, number];
    }
    const [amin, amax] = actRange(n);
    const we = useSoftMac(ctx) && !ta ? weightEmax(b) : null;
    if (we !== null) {
      ctx.use('sfconv');
      const sp = ctx.decl('sfgemm', 'dnnc_sfgemm_params',
        `{ ${M}, ${N}, ${K}, ${ta}, ${tb}, ${cfloat(n.float('alpha', 1))}, ${cfloat(n.float('beta', 1))}, ${csm}, ${csn}, ${amin}, ${amax} }`);
      return `  dnnc_sfgemm_f32(${ctx.cptr(a)}, ${ctx.cptr(b)}, ${c ? ctx.cptr(c) : 'NULL'}, ${ctx.ptr(y)}, &${sp}, ${we});\n`;
    }
    ctx.use('gemm');
    const params = ctx.decl('gemm', 'dnnc_gemm_params',
      `{ ${M}, ${N}, ${K}, ${ta}, ${tb}, ${cfloat(n.float('alpha', 1))}, ${cfloat(n.float('beta', 1))}, ${csm}, ${csn}, ${amin}, ${amax} }`);
    return `  ${fn(ctx, 'dnnc_gemm_f32')}(${ctx.cptr(a)}, ${ctx.cptr(b)}, ${c ? ctx.cptr(c) : 'NULL'}, ${ctx.ptr(y)}, &${params});\n`;
  },
});

registerKernel({
  ops: ['MatMul'],
  emit(ctx) {
    const n = ctx.node;
    const wr = ctx.weightRows?.(n.inputs[1]!);
    if (wr) return emitRowsDense(ctx, wr);
    const generic = n.inputs[0]!.type.dtype !== 'float32';
    if (generic) requireNumeric(n);
    else requireF32(n);
    const a = n.inputs[0]!, b = n.inputs[1]!, y = n.outputs[0]!;
    const as = a.type.shape.length === 1 ? [1, a.type.shape[0]!] : [...a.type.shape];
    const bs = b.type.shape.length === 1 ? [b.type.shape[0]!, 1] : [...b.type.shape];
    const M = as[as.length - 2]!, K = as[as.length - 1]!, N = bs[bs.length - 1]!;
    const batchShape = y.type.shape.length >= 2 ? [...y.type.shape] : [];
    // batch dims of the (un-squeezed) output
    const rank = Math.max(as.length, bs.length);
    const outBatch: number[] = [];
    for (let i = 0; i < rank - 2; i++) {
      const ad = as[as.length - rank + i] ?? 1, bd = bs[bs.length - rank + i] ?? 1;
      outBatch.push(Math.max(ad, bd));
    }
    void batchShape;
    const batch = numel(outBatch);
    const aSt = bstrides(as.slice(0, -2), outBatch), bSt = bstrides(bs.slice(0, -2), outBatch);
    const aOff: number[] = [], bOff: number[] = [];
    const bst = stridesOf(outBatch);
    for (let i = 0; i < batch; i++) {
      let ao = 0, bo = 0, rem = i;
      for (let dd = 0; dd < outBatch.length; dd++) {
        const idx = Math.floor(rem / bst[dd]!);
        rem -= idx * bst[dd]!;
        ao += idx * aSt[dd]!;
        bo += idx * bSt[dd]!;
      }
      aOff.push(ao * M * K);
      bOff.push(bo * K * N);
    }
    const [amin, amax] = actRange(n);
    const at = ctx.table('mm_a_off', aOff), bt = ctx.table('mm_b_off', bOff);
    if (generic) {
      // other dtypes (float64, integers): plain loops, integer products wrap like numpy
      const T = ctype(y.type.dtype), acc = accType(y.type.dtype);
      return [
        '  {',
        '    size_t bi, i, j, k;',
        `    for (bi = 0; bi < ${batch}u; bi++) for (i = 0; i < ${M}u; i++) for (j = 0; j < ${N}u; j++) {`,
        `      const ${T} *ap = ${ctx.cptr(a)} + ${at}[bi] + i * ${K}u;`,
        `      const ${T} *bp = ${ctx.cptr(b)} + ${bt}[bi] + j;`,
        `      ${acc} s = 0;`,
        `      for (k = 0; k < ${K}u; k++) s += (${acc})ap[k] * (${acc})bp[k * ${N}u];`,
        `      ${ctx.ptr(y)}[(bi * ${M}u + i) * ${N}u + j] = (${T})s;`,
        '    }',
        '  }',
      ].join('\n') + '\n';
    }
    ctx.use('gemm');
    const params = ctx.decl('matmul', 'dnnc_matmul_params', `{ ${M}, ${N}, ${K}, ${batch}, ${at}, ${bt}, ${amin}, ${amax} }`);
    return `  ${fn(ctx, 'dnnc_matmul_f32')}(${ctx.cptr(a)}, ${ctx.cptr(b)}, ${ctx.ptr(y)}, &${params});\n`;
  },
});

registerKernel({
  ops: ['MaxPool', 'AveragePool', 'LpPool'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const xs = x.type.shape, ys = y.type.shape;
    const r = xs.length - 2;
    const ind = n.op === 'MaxPool' ? n.outputs[1] ?? null : null;
    if (r > 2 || ind || x.type.dtype !== 'float32' || n.op === 'LpPool') return emitPoolNd(ctx, ind);
    const k = n.ints('kernel_shape')!, s = n.ints('strides')!, d = n.ints('dilations')!, p = n.ints('pads')!;
    const two = (a: number[], dflt: number) => (r === 1 ? [dflt, a[0]!] : a);
    const [kh, kw] = two(k, 1), [sh, sw] = two(s, 1), [dh, dw] = two(d, 1);
    const [pt, pl, pb, pr] = r === 1 ? [0, p[0]!, 0, p[1]!] : [p[0]!, p[1]!, p[2]!, p[3]!];
    const ih = r === 1 ? 1 : xs[2]!, iw = xs[xs.length - 1]!;
    const oh = r === 1 ? 1 : ys[2]!, ow = ys[ys.length - 1]!;
    ctx.use('pool');
    const params = ctx.decl('pool', 'dnnc_pool2d_params',
      `{ ${xs[0]! * xs[1]!}, ${ih}, ${iw}, ${oh}, ${ow}, ${kh}, ${kw}, ${sh}, ${sw}, ${dh}, ${dw}, ${pt}, ${pl}, ${pb}, ${pr}, ${n.int('count_include_pad', 0)} }`);
    const f = n.op === 'MaxPool' ? 'dnnc_maxpool2d_f32' : 'dnnc_avgpool2d_f32';
    return `  ${f}(${ctx.cptr(x)}, ${ctx.ptr(y)}, &${params});\n`;
  },
});

const POOL_SUFFIX: Partial<Record<string, string>> = { float32: 'f32', float64: 'f64', int8: 'i8', uint8: 'u8' };

/** Pooling over 1..3 spatial dims, any supported dtype, optional Indices output. */
function emitPoolNd(ctx: EmitCtx, ind: Node['outputs'][0] | null): string {
  const n = ctx.node;
  const x = n.inputs[0]!, y = n.outputs[0]!;
  const xs = x.type.shape, ys = y.type.shape;
  const r = xs.length - 2;
  const suf = POOL_SUFFIX[x.type.dtype];
  if (!suf || (n.op !== 'MaxPool' && !x.type.dtype.startsWith('float'))) throw nodeError(n, `${n.op} on ${x.type.dtype} is not supported`);
  const k = n.ints('kernel_shape')!, s = n.ints('strides')!, d = n.ints('dilations')!, p = n.ints('pads')!;
  const arr = (a: number[]) => `{ ${a.join(', ')} }`;
  ctx.use('pool');
  const params = ctx.decl('poolnd', 'dnnc_poolnd_params', `{ ${xs[0]! * xs[1]!}, ${arr(to3(n, xs.slice(2), 1))}, ${arr(to3(n, ys.slice(2), 1))}, ` +
    `${arr(to3(n, k, 1))}, ${arr(to3(n, s, 1))}, ${arr(to3(n, d, 1))}, ${arr(to3(n, p.slice(0, r), 0))}, ${arr(to3(n, p.slice(r), 0))}, ` +
    `${n.int('count_include_pad', 0)}, ${n.int('storage_order', 0)} }`);
  if (n.op === 'LpPool') {
    if (suf !== 'f32') throw nodeError(n, `LpPool on ${x.type.dtype} is not supported yet (float32 only)`);
    return `  dnnc_lppool_nd_f32(${ctx.cptr(x)}, ${ctx.ptr(y)}, ${cfloat(n.int('p', 2))}, &${params});\n`;
  }
  if (n.op === 'MaxPool') {
    return `  dnnc_maxpool_nd_${suf}(${ctx.cptr(x)}, ${ctx.ptr(y)}, ${ind ? ctx.ptr(ind) : 'NULL'}, &${params});\n`;
  }
  return `  dnnc_avgpool_nd_${suf}(${ctx.cptr(x)}, ${ctx.ptr(y)}, &${params});\n`;
}

registerKernel({
  ops: ['GlobalLpPool'],
  emit(ctx) {
    const n = ctx.node;
    requireF32(n);
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const xs = x.type.shape, hw = numel(xs.slice(2));
    const pw = cfloat(n.int('p', 2));
    return [
      '  {',
      '    size_t c, i;',
      `    for (c = 0; c < ${xs[0]! * xs[1]!}u; c++) {`,
      `      const float *xp = ${ctx.cptr(x)} + c * ${hw}u;`,
      '      float s = 0.0f;',
      `      for (i = 0; i < ${hw}u; i++) s += powf(fabsf(xp[i]), ${pw});`,
      `      ${ctx.ptr(y)}[c] = powf(s, 1.0f / ${pw});`,
      '    }',
      '  }',
    ].join('\n') + '\n';
  },
});

registerKernel({
  ops: ['GlobalAveragePool', 'GlobalMaxPool'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const xs = x.type.shape;
    if (x.type.dtype === 'float64') {
      const avg = n.op === 'GlobalAveragePool', hw = numel(xs.slice(2));
      return [
        '  {',
        '    size_t c, i;',
        `    for (c = 0; c < ${xs[0]! * xs[1]!}u; c++) {`,
        `      const double *xp = ${ctx.cptr(x)} + c * ${hw}u;`,
        `      double s = ${avg ? '0.0' : '-INFINITY'};`,
        `      for (i = 0; i < ${hw}u; i++) ${avg ? 's += xp[i];' : 'if (xp[i] > s) s = xp[i];'}`,
        `      ${ctx.ptr(y)}[c] = s${avg ? ` / ${hw}.0` : ''};`,
        '    }',
        '  }',
      ].join('\n') + '\n';
    }
    requireF32(n);
    ctx.use('pool');
    const f = n.op === 'GlobalAveragePool' ? 'dnnc_global_avgpool_f32' : 'dnnc_global_maxpool_f32';
    return `  ${f}(${ctx.cptr(x)}, ${ctx.ptr(y)}, ${xs[0]! * xs[1]!}, ${numel(xs.slice(2))});\n`;
  },
});

registerKernel({
  ops: ['Softmax', 'LogSoftmax', 'Hardmax'],
  emit(ctx) {
    const n = ctx.node;
    if (n.inputs[0]!.type.dtype === 'float64') return emitSoftmaxF64(ctx);
    requireF32(n);
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const s = x.type.shape;
    const axis = n.int('axis', -1);
    const outer = numel(s.slice(0, axis)), dim = s[axis] ?? 1, inner = numel(s.slice(axis + 1));
    const mode = { Softmax: 0, LogSoftmax: 1, Hardmax: 2 }[n.op as 'Softmax'];
    ctx.use('softmax');
    return `  dnnc_softmax_f32(${ctx.cptr(x)}, ${ctx.ptr(y)}, ${outer}, ${dim}, ${inner}, ${mode});\n`;
  },
});

registerKernel({
  ops: ['BatchNormalization'],
  emit(ctx) {
    const n = ctx.node;
    const dt = n.inputs[0]!.type.dtype;
    if (dt !== 'float64' || n.inputs.some((q) => q && q.type.dtype !== dt)) requireF32(n);
    const T = ctype(dt), f = dt === 'float64' ? '' : 'f';
    const [x, g, b, m, v] = n.inputs.map((q) => q!);
    const y = n.outputs[0]!;
    const s = x!.type.shape;
    const C = s[1] ?? 1, inner = numel(s.slice(2)), outer = s[0] ?? 1;
    const eps = cfloat(n.float('epsilon', 1e-5));
    return [
      `  {`,
      `    int32_t o, c, i;`,
      `    for (o = 0; o < ${outer}; o++) for (c = 0; c < ${C}; c++) {`,
      `      const ${T} sc = ${ctx.cptr(g!)}[c] / sqrt${f}(${ctx.cptr(v!)}[c] + (${T})${eps});`,
      `      const ${T} sh = ${ctx.cptr(b!)}[c] - ${ctx.cptr(m!)}[c] * sc;`,
      `      const ${T} *xp = ${ctx.cptr(x!)} + ((size_t)o * ${C} + c) * ${inner};`,
      `      ${T} *yp = ${ctx.ptr(y)} + ((size_t)o * ${C} + c) * ${inner};`,
      `      for (i = 0; i < ${inner}; i++) yp[i] = xp[i] * sc + sh;`,
      `    }`,
      `  }`,
    ].join('\n') + '\n';
  },
});

function requireNumeric(n: Node): void {
  for (const v of [...n.inputs, ...n.outputs]) {
    if (v && (v.type.dtype === 'float16' || v.type.dtype === 'bool' || v.type.dtype !== n.inputs[0]!.type.dtype)) {
      throw nodeError(n, `${n.op} on ${v.type.dtype} is not supported yet`);
    }
  }
}

/** Accumulator type of generic dot products: the dtype itself, integers wrap in their unsigned form. */
function accType(dt: DType): string {
  if (isFloatType(dt)) return ctype(dt);
  return dt === 'int64' || dt === 'uint64' ? 'uint64_t' : 'uint32_t';
}

/** Conv over 1..3 spatial dims, float32 or float64 (runtime-c conv_nd). */
function emitConvNd(ctx: EmitCtx): string {
  const n = ctx.node;
  const dt = n.inputs[0]!.type.dtype;
  for (const v of [...n.inputs, ...n.outputs]) if (v && v.type.dtype !== dt) throw nodeError(n, `${n.op} mixes ${dt} and ${v.type.dtype}`);
  if (dt !== 'float32' && dt !== 'float64') throw nodeError(n, `${n.op} on ${dt} is not supported yet`);
  const x = n.inputs[0]!, w = n.inputs[1]!, b = n.inputs[2] ?? null, y = n.outputs[0]!;
  const xs = x.type.shape, ys = y.type.shape;
  const r = xs.length - 2;
  const k = n.ints('kernel_shape')!, s = n.ints('strides')!, d = n.ints('dilations')!, p = n.ints('pads')!;
  const arr = (a: number[]) => `{ ${a.join(', ')} }`;
  const [amin, amax] = actRange(n);
  ctx.use('conv');
  const params = ctx.decl('convnd', 'dnnc_convnd_params', `{ ${xs[0]}, ${xs[1]}, ${ys[1]}, ${n.int('group', 1)}, ` +
    `${arr(to3(n, xs.slice(2), 1))}, ${arr(to3(n, ys.slice(2), 1))}, ${arr(to3(n, k, 1))}, ${arr(to3(n, s, 1))}, ` +
    `${arr(to3(n, d, 1))}, ${arr(to3(n, p.slice(0, r), 0))}, ${amin}, ${amax} }`);
  return `  dnnc_conv_nd_${dt === 'float64' ? 'f64' : 'f32'}(${ctx.cptr(x)}, ${ctx.cptr(w)}, ${b ? ctx.cptr(b) : 'NULL'}, ${ctx.ptr(y)}, &${params});\n`;
}

/** Gemm for float64 and integer types as plain loops. */
function emitGemmGeneric(ctx: EmitCtx): string {
  const n = ctx.node;
  requireNumeric(n);
  const a = n.inputs[0]!, b = n.inputs[1]!, c = n.inputs[2] ?? null, y = n.outputs[0]!;
  const dt = y.type.dtype, T = ctype(dt), acc = accType(dt);
  const [M, N] = y.type.shape as [number, number];
  const ta = n.int('transA', 0), tb = n.int('transB', 0);
  const K = ta ? a.type.shape[0]! : a.type.shape[1]!;
  const alpha = n.float('alpha', 1), beta = n.float('beta', 1);
  const fl = isFloatType(dt);
  if (!fl && (!Number.isInteger(alpha) || !Number.isInteger(beta))) throw nodeError(n, `non-integer alpha/beta on ${dt}`);
  const lit = (v: number) => (fl ? `(${T})${v}` : `(${acc})${v}`);
  const aIdx = ta ? `k * ${M}u + i` : `i * ${K}u + k`, bIdx = tb ? `j * ${K}u + k` : `k * ${N}u + j`;
  let cExpr = '';
  if (c) {
    const [csm, csn] = bstrides(c.type.shape, [M, N]) as [number, number];
    cExpr = ` + ${lit(beta)} * (${acc})${ctx.cptr(c)}[i * ${csm}u + j * ${csn}u]`;
  }
  return [
    '  {',
    '    size_t i, j, k;',
    `    for (i = 0; i < ${M}u; i++) for (j = 0; j < ${N}u; j++) {`,
    `      ${acc} s = 0;`,
    `      for (k = 0; k < ${K}u; k++) s += (${acc})${ctx.cptr(a)}[${aIdx}] * (${acc})${ctx.cptr(b)}[${bIdx}];`,
    `      ${ctx.ptr(y)}[i * ${N}u + j] = (${T})(${lit(alpha)} * s${cExpr});`,
    '    }',
    '  }',
  ].join('\n') + '\n';
}

/** Softmax / LogSoftmax / Hardmax on float64 as loops. */
function emitSoftmaxF64(ctx: EmitCtx): string {
  const n = ctx.node;
  const x = n.inputs[0]!, y = n.outputs[0]!;
  const s = x.type.shape;
  const axis = n.int('axis', -1);
  const outer = numel(s.slice(0, axis)), dim = s[axis] ?? 1, inner = numel(s.slice(axis + 1));
  const body = n.op === 'Hardmax'
    ? [`      for (i = 0; i < ${dim}u; i++) yp[i * ${inner}u] = i == arg ? 1.0 : 0.0;`]
    : [
      `      for (i = 0; i < ${dim}u; i++) sum += exp(xp[i * ${inner}u] - m);`,
      n.op === 'Softmax'
        ? `      for (i = 0; i < ${dim}u; i++) yp[i * ${inner}u] = exp(xp[i * ${inner}u] - m) / sum;`
        : `      for (i = 0; i < ${dim}u; i++) yp[i * ${inner}u] = xp[i * ${inner}u] - m - log(sum);`,
    ];
  return [
    '  {',
    '    size_t o, j, i, arg;',
    `    for (o = 0; o < ${outer}u; o++) for (j = 0; j < ${inner}u; j++) {`,
    `      const double *xp = ${ctx.cptr(x)} + o * ${dim * inner}u + j;`,
    `      double *yp = ${ctx.ptr(y)} + o * ${dim * inner}u + j;`,
    '      double m = -INFINITY, sum = 0.0;',
    '      arg = 0;',
    `      for (i = 0; i < ${dim}u; i++) if (xp[i * ${inner}u] > m) { m = xp[i * ${inner}u]; arg = i; }`,
    ...body,
    '      (void)sum; (void)arg;',
    '    }',
    '  }',
  ].join('\n') + '\n';
}
