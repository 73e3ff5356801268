// Data-movement ops, emitted as loops or memcpy blocks; dtype-generic.
import { emitRowsGather } from './wrows.js';
import { registerKernel } from './registry.js';
import { numel, stridesOf, dtypeSize } from '../../../ir/types.js';
import { sliceSpec, sliceViewOffset } from '../../../ir/ops/shape.js';
import { emitLoops } from '../loops.js';

// Views share their input's bytes: the memory plan makes them aliases.
registerKernel({ ops: ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity'], emit: () => '' });

registerKernel({
  ops: ['Transpose'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const perm = n.ints('perm')!;
    const st = stridesOf(x.type.shape);
    // input strides permuted into output order: y[i] = x[sum idx_d * st[perm[d]]]
    const fake = perm.map((p) => st[p]!);
    return emitStrided(ctx.ptr(y), ctx.cptr(x), y.type.shape, fake, 0);
  },
});

/** y[flat] = x[base + sum idx[d] * strides[d]] over shape. */
function emitStrided(yp: string, xp: string, shape: readonly number[], strides: number[], base: number): string {
  if (numel(shape) === 0) return '';
  const dims: number[] = [], st: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && st[last] === strides[i]! * d) {
      dims[last]! *= d;
      st[last] = strides[i]!;
    } else {
      dims.push(d);
      st.push(strides[i]!);
    }
  });
  if (dims.length === 0) return `  ${yp}[0] = ${xp}[${base}];\n`;
  const vars = dims.map((_, i) => `i${i}`);
  const lines = ['  {', `    size_t ${vars.join(', ')}, k = 0;`];
  dims.forEach((d, i) => lines.push(`    ${'  '.repeat(i)}for (${vars[i]} = 0; ${vars[i]} < ${d}u; ${vars[i]}++)${i === dims.length - 1 ? ' {' : ''}`));
  // negative strides (Slice with negative steps) subtract: `i * -16u` would be a huge 32-bit unsigned
  const terms = st.map((s, i) => (s === 1 ? ` + ${vars[i]}` : s === 0 ? '' : s > 0 ? ` + ${vars[i]} * ${s}u` : ` - ${vars[i]} * ${-s}u`)).join('');
  const off = base === 0 && terms.startsWith(' + ') ? terms.slice(3) : `${base}${terms}`;
  const pad = '    ' + '  '.repeat(dims.length);
  lines.push(`${pad}${yp}[k++] = ${xp}[${off}];`);
  lines.push(`    ${'  '.repeat(dims.length - 1)}}`);
  lines.push('  }');
  return lines.join('\n') + '\n';
}

registerKernel({
  ops: ['Concat'],
  emit(ctx) {
    const n = ctx.node;
    const y = n.outputs[0]!;
    const axis = n.int('axis', 0);
    const es = dtypeSize(y.type.dtype);
    const outer = numel(y.type.shape.slice(0, axis));
    const inner = numel(y.type.shape.slice(axis + 1));
    const total = y.type.shape[axis]! * inner;
    const lines = ['  {', '    size_t o;'];
    let at = 0;
    for (const v of n.inputs) {
      const len = v!.type.shape[axis]! * inner;
      // the memory plan may have had the producer write straight into its slice
      const s = v!.storage;
      const inPlace = outer === 1 && s?.kind === 'alias' && s.of === y && s.byteOffset === at * es;
      if (len > 0 && !inPlace) {
        if (outer === 1) lines.push(`    memcpy(${ctx.ptr(y)} + ${at}, ${ctx.cptr(v!)}, ${len * es}u);`);
        else lines.push(`    for (o = 0; o < ${outer}u; o++) memcpy(${ctx.ptr(y)} + o * ${total}u + ${at}, ${ctx.cptr(v!)} + o * ${len}u, ${len * es}u);`);
      }
      at += len;
    }
    if (lines.length === 2) return '  /* every input was written in place */\n';
    if (outer === 1) lines.push('    (void)o;');
    lines.push('  }');
    return lines.join('\n') + '\n';
  },
});

registerKernel({
  ops: ['Split'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!;
    const axis = n.int('axis', 0);
    const es = dtypeSize(x.type.dtype);
    const outer = numel(x.type.shape.slice(0, axis));
    const inner = numel(x.type.shape.slice(axis + 1));
    const total = x.type.shape[axis]! * inner;
    const lines = ['  {', '    size_t o;'];
    let at = 0;
    for (const y of n.outputs) {
      const len = y.type.shape[axis]! * inner;
      // the memory plan may have made this output a view of its slice of x
      const s = y.storage;
      const view = outer === 1 && s?.kind === 'alias' && s.of === x && s.byteOffset === at * es;
      if (len > 0 && !view) lines.push(`    for (o = 0; o < ${outer}u; o++) memcpy(${ctx.ptr(y)} + o * ${len}u, ${ctx.cptr(x)} + o * ${total}u + ${at}, ${len * es}u);`);
      at += len;
    }
    lines.push('    (void)o;', '  }');
    return lines.join('\n') + '\n';
  },
});

registerKernel({
  ops: ['Slice'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    const s = y.storage;
    if (s?.kind === 'alias' && s.of === x && s.byteOffset === sliceViewOffset(n)) return '  /* a view of its input: no copy */\n';
    const { starts, steps } = sliceSpec(n, x.type.shape);
    const st = stridesOf(x.type.shape);
    const base = starts.reduce((a, s, i) => a + s * st[i]!, 0);
    return emitStrided(ctx.ptr(y), ctx.cptr(x), y.type.shape, st.map((s, i) => s * steps[i]!), base);
  },
});

registerKernel({
  ops: ['Expand'],
  emit(ctx) {
    const n = ctx.node;
    const x = n.inputs[0]!, y = n.outputs[0]!;
    return emitLoops(y.type.shape, [x.type.shape], ([o], k) => `${ctx.ptr(y)}[${k}] = ${ctx.cptr(x)}[${o}];`);
  },
});

registerKernel({
  ops: ['Gather'],
  emit(ctx) {
    const n = ctx.node;
    const wr = ctx.weightRows?.(n.inputs[0]!);
    if (wr) return emitRowsGather(ctx, wr);
    const x = n.inputs[0]!, idx = n.inputs[1]!, y = n.outputs[0]!;
    const axis = n.int('axis', 0);
    const outer = numel(x.type.shape.slice(0, axis)), inner = numel(x.type.shape.slice(axis + 1));
    const dim = x.type.shape[axis]!;
    const count = numel(idx.type.shape);
    const es = dtypeSize(x.type.dtype);
    return [
      '  {',
      '    size_t o, j;',
      `    for (o = 0; o < ${outer}u; o++) for (j = 0; j < ${count}u; j++) {`,
      `      int64_t i = (int64_t)${ctx.cptr(idx)}[j];`,
      `      if (i < 0) i += ${dim};`,
      `      if (i < 0 || i >= ${dim}) i = 0; /* out-of-range index: ONNX leaves it undefined */`,
      `      memcpy(${ctx.ptr(y)} + (o * ${count}u + j) * ${inner}u, ${ctx.cptr(x)} + (o * ${dim}u + (size_t)i) * ${inner}u, ${inner * es}u);`,
      '    }',
      '  }',
    ].join('\n') + '\n';
  },
});
