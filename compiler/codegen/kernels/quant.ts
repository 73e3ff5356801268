// Emitters for quantized ops: calls into runtime-c q* kernels with constant
// parameter structs; every multiplier, shift, zero point and bound comes from
// the node's attributes (computed by the passes / import rules in TypeScript).
import { registerKernel, type EmitCtx } from './registry.js';
import { conv2dFields, kernelName } from './geometry.js';
import { cfloat, ctype } from '../c.js';
import { nodeError } from '../../../ir/errors.js';
import { numel } from '../../../ir/types.js';
import { emitLoops } from '../loops.js';
import type { Node, Value } from '../../../ir/graph.js';
import { qdqLayout } from '../../../ir/ops/quant.js';
import { emitRowsQGemm } from './wrows.js';
import { quantThresholds } from './quant-thresholds.js';
import { emitRspConv } from './rsp.js';
import { emitRspEltwise } from './rsp-eltwise.js';

const fn = kernelName;

const SUFFIX: Record<string, string> = { int8: 'i8', uint8: 'u8', int16: 'i16', int32: 'i32' };

function suffix(n: Node, v: Value): string {
  const s = SUFFIX[v.type.dtype];
  if (!s) throw nodeError(n, `${n.op} on ${v.type.dtype} is not supported`);
  return s;
}

function attrInts(n: Node, name: string, dflt?: number[]): number[] {
  const v = n.ints(name) ?? dflt;
  if (!v) throw nodeError(n, `internal: attribute '${name}' missing`);
  return v;
}

/** Per-channel mult/shift tables (int8: mult + shift; int16: shift only). */
function requantTables(ctx: EmitCtx, channels: number): { mult: string; shift: string } {
  const n = ctx.node;
  if (n.int('raw', 0)) return { mult: 'NULL', shift: 'NULL' };
  const expand = (a: number[]) => (a.length === 1 ? new Array(channels).fill(a[0]) : a);
  const shift = ctx.table('q_shift', expand(attrInts(n, 'shift')));
  const m = n.ints('mult');
  const mult = m ? ctx.table('q_mult', expand(m)) : 'NULL';
  return { mult, shift };
}

/** Per output channel sums of a constant int8 weight (rows = first dim), for the zero-point fold; NULL otherwise. */
function weightSums(ctx: EmitCtx, w: Value): string {
  if (!w.const || w.type.dtype !== 'int8') return 'NULL';
  const rows = w.type.shape[0]!, per = w.const.size / rows;
  const sums: number[] = [];
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < per; i++) s += w.const.get(r * per + i);
    sums.push(s);
  }
  return ctx.table('q_wsum', sums);
}

function bounds(n: Node, dt: string): [number, number] {
  const def: [number, number] = dt === 'int16' ? [-32768, 32767] : [-128, 127];
  return [n.int('act_min', def[0]), n.int('act_max', def[1])];
}

registerKernel({
  ops: ['QConv'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, w = n.inputs[1]!, b = n.inputs[2] ?? null, y = n.outputs[0]!;
    const xs = x.type.shape, ys = y.type.shape;
    const r = xs.length - 2;
    if (r > 2) throw nodeError(n, `${r}-D convolution is not supported`);
    const sfx = suffix(n, x);
    const [lo, hi] = bounds(n, x.type.dtype);
    const t = requantTables(ctx, ys[1]!);
    ctx.use('qmath');
    ctx.use('qconv');
    const params = ctx.decl('qconv', 'dnnc_qconv2d_params',
      `{ ${conv2dFields(n, xs, ys)}, ` +
      `${n.int('x_zp', 0)}, ${n.int('y_zp', 0)}, ${t.mult}, ${t.shift}, ${lo}, ${hi}, ${weightSums(ctx, w)}, ` +
      `${ctx.scratchBytes > 0 ? `(int8_t *)${ctx.scratch()}` : 'NULL'}, ${ctx.scratchBytes} }`);
    const raw = n.int('raw', 0) ? '_i32' : '';
    // int8 activations x int16 weights (weight zero point outside int8 range)
    const w16 = sfx === 'i8' && w.type.dtype === 'int16' ? 'w16' : '';
    if (w16) ctx.use('qconv_w16');
    const call = `  ${fn(ctx, `dnnc_qconv2d_${sfx}${w16}${raw}`)}(${ctx.cptr(x)}, ${ctx.cptr(w)}, ${b ? ctx.cptr(b) : 'NULL'}, ${ctx.ptr(y)}, &${params});\n`;
    return n.int('rsp', 0) ? emitRspConv(ctx, call) : call;
  },
});

registerKernel({
  ops: ['QGemm'],
  emit(ctx) {
    const n = ctx.node;
    const a = n.inputs[0]!, w = n.inputs[1]!, b = n.inputs[2] ?? null, y = n.outputs[0]!;
    const [N, K] = w.type.shape as [number, number];
    const M = numel(a.type.shape) / K;
    const sfx = suffix(n, a);
    const [lo, hi] = bounds(n, a.type.dtype);
    const t = requantTables(ctx, N);
    ctx.use('qmath');
    ctx.use('qgemm');
    const params = ctx.decl('qgemm', 'dnnc_qgemm_params', `{ ${M}, ${N}, ${K}, ${n.int('x_zp', 0)}, ${n.int('y_zp', 0)}, ${t.mult}, ${t.shift}, ${lo}, ${hi}, ${weightSums(ctx, w)} }`);
    const raw = n.int('raw', 0) ? '_i32' : '';
    if (sfx === 'i8' && w.type.dtype === 'int16') {
      // int8 activations x int16 weights (weight zero point outside int8 range)
      ctx.use('qgemm_w16');
      return `  ${fn(ctx, `dnnc_qgemm_i8w16${raw}`)}(${ctx.cptr(a)}, ${ctx.cptr(w)}, ${b ? ctx.cptr(b) : 'NULL'}, ${ctx.ptr(y)}, &${params});\n`;
    }
    const wr = ctx.weightRows?.(w);
    if (wr?.tiled) return emitRowsQGemm(ctx, wr, fn(ctx, `dnnc_qgemm_${sfx}${raw}`), params);
    return `  ${fn(ctx, `dnnc_qgemm_${sfx}${raw}`)}(${ctx.cptr(a)}, ${ctx.cptr(w)}, ${b ? ctx.cptr(b) : 'NULL'}, ${ctx.ptr(y)}, &${params});\n`;
  },
});

registerKernel({
  ops: ['QAdd', 'QMul'],
  emit(ctx) {
    const n = ctx.node;
    const a = n.inputs[0]!, b = n.inputs[1]!, y = n.outputs[0]!;
    const sfx = suffix(n, a);
    const [lo, hi] = bounds(n, a.type.dtype);
    ctx.use('qmath');
    ctx.use('qelementwise');
    const params = ctx.decl('qbin', 'dnnc_qbinary_params',
      `{ ${n.int('a_zp', 0)}, ${n.int('b_zp', 0)}, ${n.int('y_zp', 0)}, ${n.int('a_mult', 0)}, ${n.int('b_mult', 0)}, ${n.int('mult', 0)}, ${n.int('shift', 0)}, ${lo}, ${hi} }`);
    const f = `dnnc_q${n.op === 'QAdd' ? 'add' : 'mul'}_${sfx}`;
    if (n.int('rsp', 0)) return emitRspEltwise(ctx, (i) => `${f}(${ctx.cptr(a)}[${i}], ${ctx.cptr(b)}[${i}], &${params})`);
    return emitLoops(y.type.shape, [a.type.shape, b.type.shape], ([oa, ob], k) =>
      `${ctx.ptr(y)}[${k}] = ${f}(${ctx.cptr(a)}[${oa}], ${ctx.cptr(b)}[${ob}], &${params});`);
  },
});

registerKernel({
  ops: ['QMaxPool', 'QAveragePool'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const xs = x.type.shape, ys = y.type.shape;
    const r = xs.length - 2;
    if (r > 2) throw nodeError(n, `${r}-D pooling is not supported`);
    const k = n.ints('kernel_shape')!, s = n.ints('strides')!, d = n.ints('dilations')!, p = n.ints('pads')!;
    const two = (a: number[], dflt: number) => (r === 1 ? [dflt, a[0]!] : a);
    const [kh, kw] = two(k, 1), [sh, sw] = two(s, 1), [dh, dw] = two(d, 1);
    const [pt, pl, pb, pr] = r === 1 ? [0, p[0]!, 0, p[1]!] : [p[0]!, p[1]!, p[2]!, p[3]!];
    const ih = r === 1 ? 1 : xs[2]!, iw = xs[xs.length - 1]!;
    const oh = r === 1 ? 1 : ys[2]!, ow = ys[ys.length - 1]!;
    const sfx = suffix(n, x);
    ctx.use('qmath');
    ctx.use('pool');
    ctx.use('qpool');
    const params = ctx.decl('qpool', 'dnnc_pool2d_params',
      `{ ${xs[0]! * xs[1]!}, ${ih}, ${iw}, ${oh}, ${ow}, ${kh}, ${kw}, ${sh}, ${sw}, ${dh}, ${dw}, ${pt}, ${pl}, ${pb}, ${pr}, ${n.int('count_include_pad', 0)} }`);
    if (n.op === 'QMaxPool') {
      const call = `  ${fn(ctx, `dnnc_maxpool2d_${sfx}`)}(${ctx.cptr(x)}, ${ctx.ptr(y)}, &${params});\n`;
      return n.int('rsp', 0) ? emitRspConv(ctx, call) : call;
    }
    return `  dnnc_avgpool2d_${sfx}(${ctx.cptr(x)}, ${ctx.ptr(y)}, &${params}, ${n.int('x_zp', 0)});\n`;
  },
});

registerKernel({
  ops: ['QGlobalAveragePool', 'QGlobalMaxPool'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const xs = x.type.shape;
    const sfx = suffix(n, x);
    ctx.use('qmath');
    ctx.use('pool');
    ctx.use('qpool');
    const nc = xs[0]! * xs[1]!, hw = numel(xs.slice(2));
    if (n.op === 'QGlobalMaxPool') return `  dnnc_global_maxpool_${sfx}(${ctx.cptr(x)}, ${ctx.ptr(y)}, ${nc}, ${hw});\n`;
    return `  dnnc_global_avgpool_${sfx}(${ctx.cptr(x)}, ${ctx.ptr(y)}, ${nc}, ${hw}, ${n.int('x_zp', 0)});\n`;
  },
});

registerKernel({
  ops: ['QConcat'],
  emit(ctx) {
    const n = ctx.node;
    const y = n.outputs[0]!;
    const axis = n.int('axis', 0);
    const sfx = suffix(n, y);
    const zps = attrInts(n, 'x_zp'), mults = n.ints('mult'), shifts = attrInts(n, 'shift');
    const yzp = n.int('y_zp', 0);
    const [lo, hi] = bounds(n, y.type.dtype);
    const outer = numel(y.type.shape.slice(0, axis));
    const inner = numel(y.type.shape.slice(axis + 1));
    const total = y.type.shape[axis]! * inner;
    ctx.use('qmath');
    const lines = ['  {', '    size_t o;'];
    let at = 0;
    n.inputs.forEach((v, i) => {
      const len = v!.type.shape[axis]! * inner;
      const call = sfx === 'i8'
        ? `dnnc_requant_i8(${ctx.cptr(v!)} + o * ${len}u, ${ctx.ptr(y)} + o * ${total}u + ${at}, ${len}u, ${zps[i]}, ${yzp}, ${mults![i]}, ${shifts[i]}, ${lo}, ${hi})`
        : `dnnc_requant_i16(${ctx.cptr(v!)} + o * ${len}u, ${ctx.ptr(y)} + o * ${total}u + ${at}, ${len}u, ${shifts[i]}, ${lo}, ${hi})`;
      if (len > 0) lines.push(`    for (o = 0; o < ${outer}u; o++) ${call};`);
      at += len;
    });
    lines.push('    (void)o;', '  }');
    return lines.join('\n') + '\n';
  },
});

registerKernel({
  ops: ['QRequant'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const sfx = suffix(n, x);
    const [lo, hi] = bounds(n, y.type.dtype);
    ctx.use('qmath');
    const cnt = numel(x.type.shape);
    if (sfx === 'i8') return `  dnnc_requant_i8(${ctx.cptr(x)}, ${ctx.ptr(y)}, ${cnt}u, ${n.int('x_zp', 0)}, ${n.int('y_zp', 0)}, ${n.int('mult', 0)}, ${n.int('shift', 0)}, ${lo}, ${hi});\n`;
    return `  dnnc_requant_i16(${ctx.cptr(x)}, ${ctx.ptr(y)}, ${cnt}u, ${n.int('shift', 0)}, ${lo}, ${hi});\n`;
  },
});

registerKernel({
  ops: ['QClamp'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const [lo, hi] = bounds(n, x.type.dtype);
    const [tmin, tmax] = bounds({ int: (_: string, d: number) => d } as unknown as Node, x.type.dtype);
    const T = ctype(x.type.dtype);
    return emitLoops(y.type.shape, [x.type.shape], ([o], k) => {
      const v = `${ctx.cptr(x)}[${o}]`;
      // only the bounds inside the type's range (others are no-ops and would warn)
      let e = v;
      if (hi < tmax) e = `(${v} > ${hi} ? (${T})${hi} : ${e})`;
      if (lo > tmin) e = `(${v} < ${lo} ? (${T})${lo} : ${e})`;
      return `${ctx.ptr(y)}[${k}] = ${e};`;
    });
  },
});

registerKernel({
  ops: ['QFlip'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const toI8 = y.type.dtype === 'int8';
    return emitLoops(y.type.shape, [x.type.shape], ([o], k) =>
      toI8 ? `${ctx.ptr(y)}[${k}] = (int8_t)((int32_t)${ctx.cptr(x)}[${o}] - 128);` : `${ctx.ptr(y)}[${k}] = (uint8_t)((int32_t)${ctx.cptr(x)}[${o}] + 128);`);
  },
});

/**
 * Scale and zero point of QuantizeLinear/DequantizeLinear: compile-time tables when constant; when
 * computed at run time (e.g. DynamicQuantizeLinear's expanded graph), the scale tensor is read in
 * place and the zero point converted into a local int32 array inside a block (`open` ... `close`).
 */
function qdqParams(ctx: EmitCtx): { layout: { outer: number; len: number; inner: number }; scale: string; zp: string; open: string; close: string } {
  const n = ctx.node;
  const x = n.inputs[0]!, s = n.inputs[1]!, z = n.inputs[2] ?? null;
  if (s.const && (!z || z.const)) {
    const scales = s.const.toNumbers();
    const zps = z ? z.const!.toNumbers() : scales.map(() => 0);
    const zfull = zps.length === 1 ? scales.map(() => zps[0]!) : zps;
    const layout = qdqLayout(n, x.type.shape, scales.length);
    const scale = ctx.decl('q_scale', 'float', `{ ${scales.map(cfloat).join(', ')} }`, true);
    const zp = ctx.table('q_zp', zfull);
    return { layout, scale, zp, open: '', close: '' };
  }
  if (s.type.dtype !== 'float32') throw nodeError(n, `a scale computed at run time must be float32, got ${s.type.dtype}`);
  const count = numel(s.type.shape);
  if (z && numel(z.type.shape) !== count) throw nodeError(n, `zero point has ${numel(z.type.shape)} values for ${count} scales`);
  const layout = qdqLayout(n, x.type.shape, count);
  // scale and zero point have one value each (per tensor) or one per channel; a runtime zero point
  // is broadcast to the scale's count like a constant one
  const zpInit = z
    ? `    for (q_i = 0; q_i < ${count}; q_i++) q_zp_rt[q_i] = (int32_t)${ctx.cptr(z)}[q_i];\n`
    : `    for (q_i = 0; q_i < ${count}; q_i++) q_zp_rt[q_i] = 0;\n`;
  const scale = s.const ? ctx.decl('q_scale', 'float', `{ ${s.const.toNumbers().map(cfloat).join(', ')} }`, true) : ctx.cptr(s);
  return {
    layout, scale, zp: 'q_zp_rt',
    open: `  {\n    int32_t q_zp_rt[${count}];\n    int32_t q_i;\n${zpInit}`,
    close: '  }\n',
  };
}

registerKernel({
  ops: ['QuantizeLinear'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    if (x.type.dtype !== 'float32') throw nodeError(n, `QuantizeLinear from ${x.type.dtype} is not supported (float32 only)`);
    const sfx = suffix(n, y);
    const sv = n.inputs[1]?.const, zv = n.inputs[2]?.const;
    // no FPU: integer search over the float's bits instead of soft-float division and rounding
    if (ctx.kernels === 'optimized' && !ctx.target.hasFpu && (sfx === 'i8' || sfx === 'u8') && sv && sv.size === 1 && (!zv || zv.size === 1)) {
      const [lo, hi] = sfx === 'i8' ? [-128, 127] : [0, 255];
      const keys = ctx.table('q_keys', quantThresholds(sv.toNumbers()[0]!, zv ? zv.toNumbers()[0]! : 0, lo, hi));
      ctx.use('qmath');
      return `  dnnc_quantize_f32_${sfx}_keys(${ctx.cptr(x)}, ${ctx.ptr(y)}, ${numel(x.type.shape)}u, ${keys});\n`;
    }
    const { layout: l, scale, zp, open, close } = qdqParams(ctx);
    ctx.use('qmath');
    return `${open}  dnnc_quantize_f32_${sfx}(${ctx.cptr(x)}, ${ctx.ptr(y)}, ${l.outer}u, ${l.len}, ${l.inner}u, ${scale}, ${zp});\n${close}`;
  },
});

registerKernel({
  ops: ['DequantizeLinear'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const { layout: l, scale, zp, open, close } = qdqParams(ctx);
    ctx.use('qmath');
    return `${open}  dnnc_dequantize_${suffix(n, x)}_f32(${ctx.cptr(x)}, ${ctx.ptr(y)}, ${l.outer}u, ${l.len}, ${l.inner}u, ${scale}, ${zp});\n${close}`;
  },
});

// ONNX DynamicQuantizeLinear: uint8 with a range computed at run time (a float op by definition).
registerKernel({
  ops: ['DynamicQuantizeLinear'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!;
    const [y, ys, yz] = n.outputs;
    const cnt = numel(x.type.shape);
    const X = ctx.cptr(x);
    const lines = [
      '  {',
      '    size_t i;',
      '    float lo = 0.0f, hi = 0.0f, s, zf, z;',
      `    for (i = 0; i < ${cnt}u; i++) { if (${X}[i] < lo) lo = ${X}[i]; if (${X}[i] > hi) hi = ${X}[i]; }`,
      '    s = (hi - lo) / 255.0f;',
      '    zf = s != 0.0f ? rintf(0.0f - lo / s) : 0.0f;',
      '    z = zf < 0.0f ? 0.0f : (zf > 255.0f ? 255.0f : zf);',
      `    for (i = 0; i < ${cnt}u; i++) {`,
      `      float v = s != 0.0f ? rintf(${X}[i] / s) + z : z;`,
      `      ${y ? `${ctx.ptr(y)}[i] = (uint8_t)(v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v));` : '(void)v;'}`,
      '    }',
      ys ? `    ${ctx.ptr(ys)}[0] = s;` : '',
      yz ? `    ${ctx.ptr(yz)}[0] = (uint8_t)z;` : '',
      '  }',
    ];
    return lines.filter(Boolean).join('\n') + '\n';
  },
});

registerKernel({
  ops: ['QLut'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const t = attrInts(n, 'table');
    const rows: string[] = [];
    for (let i = 0; i < 256; i += 16) rows.push('  ' + t.slice(i, i + 16).join(', '));
    const tab = ctx.decl('q_lut', 'int8_t', `{\n${rows.join(',\n')}\n}`, true);
    return emitLoops(y.type.shape, [x.type.shape], ([o], k) => `${ctx.ptr(y)}[${k}] = ${tab}[(int32_t)${ctx.cptr(x)}[${o}] + 128];`);
  },
});

registerKernel({
  ops: ['QLut16'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const t = attrInts(n, 'table'), q0 = n.int('q0', -32768), k = n.int('k', 7);
    const rows: string[] = [];
    for (let i = 0; i < t.length; i += 16) rows.push('  ' + t.slice(i, i + 16).join(', '));
    const tab = ctx.decl('q_lut16', 'int16_t', `{\n${rows.join(',\n')}\n}`, true);
    const maxU = 512 * 2 ** k - 1, mask = 2 ** k - 1, half = 2 ** k >> 1;
    // level u in the table, point i = u >> k, linear interpolation to the next point (rounding down)
    return emitLoops(y.type.shape, [x.type.shape], ([o], kk) =>
      `{ int32_t u = (int32_t)${ctx.cptr(x)}[${o}] - (${q0}); if (u < 0) u = 0; if (u > ${maxU}) u = ${maxU}; ` +
      `${ctx.ptr(y)}[${kk}] = (int16_t)(${tab}[u >> ${k}] + (((${tab}[(u >> ${k}) + 1] - ${tab}[u >> ${k}]) * (u & ${mask}) + ${half}) >> ${k})); }`);
  },
});

registerKernel({
  ops: ['QSoftmax'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const s = x.type.shape;
    const axis = n.int('axis', -1);
    const outer = numel(s.slice(0, axis)), dim = s[axis] ?? 1, inner = numel(s.slice(axis + 1));
    ctx.use('qmath');
    ctx.use('qelementwise');
    const tab = ctx.table('q_exp', attrInts(n, 'exp_table'));
    return `  dnnc_qsoftmax_i8(${ctx.cptr(x)}, ${ctx.ptr(y)}, ${outer}, ${dim}, ${inner}, ${tab}, ${n.int('y_mul', 256)}, ${n.int('y_zp', -128)});\n`;
  },
});
