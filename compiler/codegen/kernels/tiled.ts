// Emitter of tiled nodes (those the `tile` pass gave a `tile` attribute):
// the op's usual parameter struct plus a dnnc_tile_params struct (tile
// sizes and the scratch layout from passes/tile.ts tileLayout()), and a call
// to the tile driver in runtime-c/kernels/tile_*.c, which loops over the
// tiles, copies each tile's data into the node's scratch area (planned by
// plan-memory from `scratch_bytes`), runs the untiled kernel there and
// copies the result out.
import type { EmitCtx, KernelEmitter } from './registry.js';
import { Node, Value } from '../../../ir/graph.js';
import { getKernel } from './registry.js';
import { ctype } from '../c.js';
import { conv2dFields } from './geometry.js';
import { cfloat } from '../c.js';
import { bstrides } from '../loops.js';
import { nodeError } from '../../../ir/errors.js';
import { tileProblem, tileLayout, type TileProblem } from '../../../passes/tile.js';

/** The tiled emitter for a node, or undefined when the node is not tiled. */
export function tiledKernel(n: Node): KernelEmitter | undefined {
  return n.attrs.has('tile') ? TILED : undefined;
}

const TILED: KernelEmitter = { ops: [], emit: emitTiled };

function actRange(n: Node): [string, string] {
  return [cfloat(n.float('act_min', -Infinity)), cfloat(n.float('act_max', Infinity))];
}

function perChannel(ctx: EmitCtx, name: string, channels: number): string {
  const n = ctx.node;
  const a = n.ints(name);
  if (!a) return 'NULL';
  return ctx.table(`tq_${name}`, a.length === 1 ? new Array(channels).fill(a[0]) : a);
}

function qbounds(n: Node, dt: string): [number, number] {
  const def: [number, number] = dt === 'int16' ? [-32768, 32767] : [-128, 127];
  return [n.int('act_min', def[0]), n.int('act_max', def[1])];
}

function tileParams(ctx: EmitCtx, p: TileProblem): string {
  const n = ctx.node;
  const [oc, oh, ow, ic] = n.ints('tile')!;
  const cpad = n.int('tile_cpad', 1);
  const L = tileLayout(p, { oc: oc!, oh: oh!, ow: ow!, ic: ic! }, cpad, 8);
  if (L.bytes !== n.int('tile_bytes', -1)) throw nodeError(n, `internal: tile layout ${L.bytes} B differs from the planned ${n.int('tile_bytes', -1)} B`);
  if (ctx.scratchBytes < L.bytes) throw nodeError(n, `internal: tile scratch ${ctx.scratchBytes} B < ${L.bytes} B`);
  return ctx.decl('tile', 'dnnc_tile_params',
    `{ ${oc}, ${oh}, ${ow}, ${ic}, ${cpad}, { ${L.offX.join(', ')} }, { ${L.offW.join(', ')} }, { ${L.offB.join(', ')} }, { ${L.offQ.join(', ')} }, ` +
    `${L.offAcc}, ${L.offPart}, ${L.bytes}u, ${n.int('tile_dma', 0)} }`);
}

function emitTiled(ctx: EmitCtx): string {
  const n = ctx.node;
  const p = tileProblem(n);
  if (!p) throw nodeError(n, `internal: node has a tile schedule but the tiler does not handle it`);
  ctx.use('tile');
  if (p.kind === 'eltwise') return emitEltwise(ctx, p);
  const tp = tileParams(ctx, p);
  const call = (fn: string, args: string[]) => `  if (${fn}(${args.join(', ')}, &${tp}, ${ctx.scratch()}) != 0) return 12; /* tile scratch bounds or DMA rules broken */\n`;
  const x = n.inputs[0]!, y = n.outputs[0]!;
  if (n.op === 'Conv') {
    const w = n.inputs[1]!, b = n.inputs[2] ?? null;
    const [amin, amax] = actRange(n);
    ctx.use('conv');
    ctx.use('tile_conv');
    const params = ctx.decl('conv', 'dnnc_conv2d_params', `{ ${conv2dFields(n, x.type.shape, y.type.shape)}, ${amin}, ${amax} }`);
    return call('dnnc_tiled_conv2d_f32', [ctx.cptr(x), ctx.cptr(w), b ? ctx.cptr(b) : 'NULL', ctx.ptr(y), `&${params}`]);
  }
  if (n.op === 'QConv') {
    const w = n.inputs[1]!, b = n.inputs[2] ?? null;
    const sfx = p.dtype;
    const [lo, hi] = qbounds(n, x.type.dtype);
    const cout = y.type.shape[1]!;
    ctx.use('qmath');
    ctx.use('qconv');
    ctx.use('tile_qconv');
    const params = ctx.decl('qconv', 'dnnc_qconv2d_params',
      `{ ${conv2dFields(n, x.type.shape, y.type.shape)}, ${n.int('x_zp', 0)}, ${n.int('y_zp', 0)}, ${perChannel(ctx, 'mult', cout)}, ${perChannel(ctx, 'shift', cout)}, ${lo}, ${hi}, NULL, NULL, 0 }`);
    return call(`dnnc_tiled_qconv2d_${sfx}`, [ctx.cptr(x), ctx.cptr(w), b ? ctx.cptr(b) : 'NULL', ctx.ptr(y), `&${params}`]);
  }
  if (n.op === 'Gemm' || n.op === 'MatMul') {
    const b = n.inputs[1]!, c = n.op === 'Gemm' ? n.inputs[2] ?? null : null;
    const M = p.oh, N = p.cout, K = p.cin;
    let csm = 0, csn = 0;
    if (c) [csm, csn] = bstrides(c.type.shape, [M, N]) as [number, number];
    const [amin, amax] = actRange(n);
    const alpha = n.op === 'Gemm' ? n.float('alpha', 1) : 1, beta = n.op === 'Gemm' ? n.float('beta', 1) : 0;
    ctx.use('gemm');
    ctx.use('tile_gemm');
    const params = ctx.decl('gemm', 'dnnc_gemm_params', `{ ${M}, ${N}, ${K}, ${p.transA}, ${p.transB}, ${cfloat(alpha)}, ${cfloat(beta)}, ${csm}, ${csn}, ${amin}, ${amax} }`);
    return call('dnnc_tiled_gemm_f32', [ctx.cptr(x), ctx.cptr(b), c ? ctx.cptr(c) : 'NULL', ctx.ptr(y), `&${params}`]);
  }
  if (n.op === 'QGemm') {
    const w = n.inputs[1]!, b = n.inputs[2] ?? null;
    const [lo, hi] = qbounds(n, x.type.dtype);
    ctx.use('qmath');
    ctx.use('qgemm');
    ctx.use('tile_qgemm');
    const params = ctx.decl('qgemm', 'dnnc_qgemm_params',
      `{ ${p.oh}, ${p.cout}, ${p.cin}, ${n.int('x_zp', 0)}, ${n.int('y_zp', 0)}, ${perChannel(ctx, 'mult', p.cout)}, ${perChannel(ctx, 'shift', p.cout)}, ${lo}, ${hi}, NULL }`);
    return call(`dnnc_tiled_qgemm_${p.dtype}`, [ctx.cptr(x), ctx.cptr(w), b ? ctx.cptr(b) : 'NULL', ctx.ptr(y), `&${params}`]);
  }
  if (n.op === 'MaxPool' || n.op === 'AveragePool') {
    const xs = x.type.shape;
    const r = xs.length - 2;
    const pads = n.ints('pads')!;
    const [pt, pl, pb, pr] = r === 1 ? [0, pads[0]!, 0, pads[1]!] : [pads[0]!, pads[1]!, pads[2]!, pads[3]!];
    ctx.use('pool');
    ctx.use('tile_pool');
    const params = ctx.decl('pool', 'dnnc_pool2d_params',
      `{ ${p.cin}, ${p.ih}, ${p.iw}, ${p.oh}, ${p.ow}, ${p.kh}, ${p.kw}, ${p.sh}, ${p.sw}, ${p.dh}, ${p.dw}, ${pt}, ${pl}, ${pb}, ${pr}, ${n.int('count_include_pad', 0)} }`);
    return call('dnnc_tiled_pool2d_f32', [ctx.cptr(x), ctx.ptr(y), `&${params}`, n.op === 'MaxPool' ? '1' : '0']);
  }
  throw nodeError(n, `internal: no tiled kernel for ${n.op}`);
}

/**
 * Elementwise ops: chunks of T elements; per chunk the inputs are copied into
 * scratch, the op's own emitter (on a stand-in node of T elements whose
 * pointers are the scratch buffers) computes the chunk there, and the result
 * is copied out. A last, shorter chunk gets its own copy of the code.
 */
function emitEltwise(ctx: EmitCtx, p: TileProblem): string {
  const n = ctx.node;
  const k = getKernel(n.op);
  if (!k) throw nodeError(n, `no C kernel for op '${n.op}' yet`);
  const [T] = n.ints('tile')!;
  const L = tileLayout(p, { oc: T!, oh: 1, ow: 1, ic: 1 }, 1, 8);
  const N = p.cout, dma = n.int('tile_dma', 0);
  const y = n.outputs[0]!;
  const C = ctype(y.type.dtype);
  const id = ctx.local('tl');
  const body = (cnt: number, at: string): string => {
    // a stand-in node over `cnt` elements, its values pointing into scratch
    const ins = n.inputs.map((v, i) => new Value(`${v!.name}_tile${i}`, { dtype: v!.type.dtype, shape: [cnt] }));
    const out = new Value(`${y.name}_tile`, { dtype: y.type.dtype, shape: [cnt] });
    const fake = new Node(n.name, n.op, ins, [out], n.attrs, n.domain);
    const names = new Map<Value, string>();
    ins.forEach((v, i) => names.set(v, `${id}_in${i}`));
    names.set(out, `${id}_y`);
    const sub: EmitCtx = { ...ctx, node: fake, ptr: (v) => names.get(v)!, cptr: (v) => names.get(v)! };
    const lines: string[] = [`    {`, `      const uint32_t ${id}_set = ${id}_step++ & 1u;`];
    ins.forEach((_, i) => {
      const off = i === 0 ? L.offX : L.offW;
      lines.push(`      ${C} *${id}_in${i} = (${C} *)dnnc_tile_region(&${id}_s, ${id}_set ? ${off[1]}u : ${off[0]}u, ${cnt * p.xe}u);`);
      lines.push(`      if (!${id}_in${i}) return 12;`);
      lines.push(`      memcpy(${id}_in${i}, ${ctx.cptr(n.inputs[i]!)} + ${at}, ${cnt * p.xe}u);`);
    });
    lines.push(`      ${C} *${id}_y = (${C} *)dnnc_tile_region(&${id}_s, ${L.offAcc}u, ${cnt * p.ae}u);`);
    lines.push(`      if (!${id}_y) return 12;`);
    lines.push(k.emit(sub).replace(/^/gm, '    ').trimEnd());
    lines.push(`      memcpy(${ctx.ptr(y)} + ${at}, ${id}_y, ${cnt * p.ae}u);`);
    lines.push('    }');
    return lines.join('\n');
  };
  const full = Math.floor(N / T!), rest = N - full * T!;
  const out = [
    '  {',
    `    dnnc_tile_scratch ${id}_s;`,
    `    uint32_t ${id}_step = 0;`,
    `    size_t ${id}_i;`,
    `    ${id}_s.base = ${ctx.scratch()}; ${id}_s.cap = ${L.bytes}u; ${id}_s.dma = ${dma}; ${id}_s.err = 0;`,
    `    for (${id}_i = 0; ${id}_i < ${full}u; ${id}_i++) /* for i in 0..${N} step ${T} */`,
    body(T!, `${id}_i * ${T}u`),
  ];
  if (rest) out.push(body(rest, `${full * T!}u`));
  out.push(`    (void)${id}_step;`, '  }');
  return out.join('\n') + '\n';
}
