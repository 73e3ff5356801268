// WhereInPlace: Where whose output is its third input's buffer (a persistent
// state buffer). The loops over the dims where the condition varies run
// outside; when the condition is false nothing is written, when true the
// broadcast slab of x is copied. A one-hot slot mask [1,T,1] over a cache
// [H,T,D] writes H*D values, not H*T*D.
import { registerKernel } from './registry.js';
import { bstrides, collapse } from '../loops.js';
import { nodeError } from '../../../ir/errors.js';
import { numel } from '../../../ir/types.js';

registerKernel({
  ops: ['WhereInPlace'],
  emit(ctx) {
    const n = ctx.node;
    const c = n.inputs[0]!, x = n.inputs[1]!, s = n.inputs[2]!, y = n.outputs[0]!;
    if (ctx.ptr(y) !== ctx.ptr(s)) throw nodeError(n, 'internal: WhereInPlace output is not stored in its state input');
    const out = y.type.shape;
    if (numel(out) === 0) return '  /* empty tensor */\n';
    const sc = bstrides(c.type.shape, out), sx = bstrides(x.type.shape, out);
    const so: number[] = [];
    for (let d = out.length - 1, acc = 1; d >= 0; d--) { so[d] = acc; acc *= out[d]!; }
    const outerD = out.map((_, d) => d).filter((d) => sc[d] !== 0);
    const innerD = out.map((_, d) => d).filter((d) => sc[d] === 0);
    const outer = collapse(outerD.map((d) => out[d]!), [outerD.map((d) => sc[d]!), outerD.map((d) => sx[d]!), outerD.map((d) => so[d]!)]);
    const inner = collapse(innerD.map((d) => out[d]!), [innerD.map((d) => sx[d]!), innerD.map((d) => so[d]!)]);
    const ov = outer.dims.map((_, i) => `o${i}`), iv = inner.dims.map((_, i) => `i${i}`);
    const off = (vars: string[], st: number[]) => vars.map((v, i) => (st[i] === 0 ? '' : st[i] === 1 ? v : `${v} * ${st[i]}u`)).filter(Boolean);
    const sum = (terms: string[]) => (terms.length ? terms.join(' + ') : '0');
    const lines: string[] = ['  {'];
    if (ov.length + iv.length) lines.push(`    size_t ${[...ov, ...iv].join(', ')};`);
    let pad = '    ';
    outer.dims.forEach((d, i) => { lines.push(`${pad}for (${ov[i]} = 0; ${ov[i]} < ${d}u; ${ov[i]}++)`); pad += '  '; });
    lines.push(`${pad}if (${ctx.cptr(c)}[${sum(off(ov, outer.strides[0]!))}]) {`);
    pad += '  ';
    const ip = pad;
    inner.dims.forEach((d, i) => { lines.push(`${pad}for (${iv[i]} = 0; ${iv[i]} < ${d}u; ${iv[i]}++)`); pad += '  '; });
    const xo = sum([...off(ov, outer.strides[1]!), ...off(iv, inner.strides[0]!)]);
    const yo = sum([...off(ov, outer.strides[2]!), ...off(iv, inner.strides[1]!)]);
    lines.push(`${pad}${ctx.ptr(y)}[${yo}] = ${ctx.cptr(x)}[${xo}];`);
    lines.push(`${ip.slice(2)}}`);
    lines.push('  }');
    return lines.join('\n') + '\n';
  },
});
