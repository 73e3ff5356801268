// Emitters of weights read by rows (fp16 storage, row tiles streamed from the
// weight pack): MatMul/Gemm through runtime-c/kernels/wrows.c, Gather row by row.
// Called by the MatMul, Gemm and Gather emitters when ctx.weightRows() knows the weight.
import type { EmitCtx } from './registry.js';
import type { WeightRowsRef } from '../weight-rows.js';
import { kernelName } from './geometry.js';
import { cfloat } from '../c.js';
import { numel } from '../../../ir/types.js';

/** y = a x op(W) (+ bias) with W read by rows (whole, or in double-buffered row tiles). */
export function emitRowsDense(ctx: EmitCtx, wr: WeightRowsRef): string {
  const n = ctx.node;
  const a = n.inputs[0]!, w = n.inputs[1]!, y = n.outputs[0]!;
  const gemm = n.op === 'Gemm';
  const trans = gemm ? n.int('transB', 0)! : 0;
  const c = gemm ? n.inputs[2] ?? null : null;
  const K = a.type.shape[a.type.shape.length - 1]!;
  const N = trans ? w.type.shape[0]! : w.type.shape[1]!;
  const M = numel(y.type.shape) / Math.max(1, N);
  const alpha = gemm ? n.float('alpha', 1)! : 1, beta = gemm ? n.float('beta', 1)! : 1;
  const biasN = c ? numel(c.type.shape) : 0;
  ctx.use('wrows');
  const params = ctx.decl('wrows', 'dnnc_wrows_params',
    `{ ${M}, ${N}, ${K}, ${trans}, ${wr.half ? 1 : 0}, ${cfloat(alpha)}, ${cfloat(beta)}, ${biasN}, ${cfloat(n.float('act_min', -Infinity)!)}, ${cfloat(n.float('act_max', Infinity)!)} }`);
  const mm = kernelName(ctx, 'dnnc_wrows_matmul');
  const A = ctx.cptr(a), Y = ctx.ptr(y), B = c ? ctx.cptr(c) : 'NULL';
  const finish = `  dnnc_wrows_finish(${Y}, ${B}, &${params});\n`;
  if (!wr.tiled) return `  ${mm}(${A}, (const void *)${ctx.cptr(w)}, ${Y}, 0, ${wr.rows}, &${params});\n` + finish;
  return tileLoop(ctx, wr, `${w.name}: ${wr.rows} rows of ${wr.rowBytes} B`, 'rows', true, ({ t, wp, R, rowsOf }) => ({
    decls: [],
    body: [`      ${mm}(${A}, ${wp}, ${Y}, (int32_t)${t} * ${R}, ${rowsOf(t)}, &${params});`],
  })) + finish;
}

/** Gather of embedding rows: converted from half, and read one row at a time from the pack when tiled. */
export function emitRowsGather(ctx: EmitCtx, wr: WeightRowsRef): string {
  const n = ctx.node;
  const x = n.inputs[0]!, idx = n.inputs[1]!, y = n.outputs[0]!;
  const count = numel(idx.type.shape);
  ctx.use('wrows');
  const j = ctx.local('j'), i = ctx.local('i'), r = ctx.local('r');
  const src = wr.tiled
    ? [`      ${r} = dnnc_wpack_span_start(${wr.pack}, ${wr.offset}u + (uint32_t)${i} * ${wr.rowBytes}u, ${wr.rowBytes}u, ${wr.align}u, ${wr.buffers[0]});`,
      `      if ((rc = dnnc_wpack_span_wait(${wr.pack})) != 0) return rc;`]
    : [`      ${r} = (const uint8_t *)${ctx.cptr(x)} + (size_t)${i} * ${wr.rowBytes}u;`];
  return [
    `  { /* rows of ${x.name}${wr.tiled ? ' read from the weight pack one at a time' : ''}${wr.half ? ', half to float' : ''} */`,
    `    size_t ${j};`,
    `    for (${j} = 0; ${j} < ${count}u; ${j}++) {`,
    `      int64_t ${i} = (int64_t)${ctx.cptr(idx)}[${j}];`,
    `      const uint8_t *${r};`,
    `      if (${i} < 0) ${i} += ${wr.rows};`,
    `      if (${i} < 0 || ${i} >= ${wr.rows}) ${i} = 0; /* out-of-range index: ONNX leaves it undefined */`,
    ...src,
    `      dnnc_wrows_row(${r}, ${ctx.ptr(y)} + ${j} * ${wr.rowElems}u, ${wr.rowElems}, ${wr.half ? 1 : 0});`,
    '    }',
    '  }',
  ].join('\n') + '\n';
}

/**
 * Quantized dense layer (QGemm, weight [N, K] int8/int16) with its weight
 * streamed in row tiles: each tile is a block of output columns, computed by
 * the ordinary q kernel on the tile with the per-column tables offset.
 */
export function emitRowsQGemm(ctx: EmitCtx, wr: WeightRowsRef, kernel: string, params: string): string {
  const n = ctx.node;
  const a = n.inputs[0]!, w = n.inputs[1]!, b = n.inputs[2] ?? null, y = n.outputs[0]!;
  const [N, K] = w.type.shape as [number, number];
  const M = numel(a.type.shape) / K;
  const wt = w.type.dtype === 'int16' ? 'int16_t' : 'int8_t';
  return tileLoop(ctx, wr, `${w.name}: ${wr.rows} output columns of ${wr.rowBytes} B`, '', false, ({ t, wp, R, rowsOf }) => {
    const tp = ctx.local('tp'), m = ctx.local('m'), n0 = ctx.local('n');
    return {
      decls: [`    int32_t ${m}, ${n0};`, `    dnnc_qgemm_params ${tp};`],
      body: [
        `      ${n0} = (int32_t)${t} * ${R};`,
        `      ${tp} = ${params};`,
        `      ${tp}.M = 1;`,
        `      ${tp}.N = ${rowsOf(t)};`,
        `      if (${tp}.mult) ${tp}.mult += ${n0};`,
        `      if (${tp}.shift) ${tp}.shift += ${n0};`,
        `      if (${tp}.wsum) ${tp}.wsum += ${n0};`,
        `      for (${m} = 0; ${m} < ${M}; ${m}++) ${kernel}(${ctx.cptr(a)} + (size_t)${m} * ${K}u, (const ${wt} *)${wp}, ${b ? `${ctx.cptr(b)} + ${n0}` : 'NULL'}, ${ctx.ptr(y)} + (size_t)${m} * ${N}u + ${n0}, &${tp});`,
      ],
    };
  });
}

interface TileLoop {
  /** loop counter (tile index) and pointer to the tile's rows */
  t: string;
  wp: string;
  /** rows of a full tile, and the C expression of the rows of tile i */
  R: number;
  rowsOf: (i: string) => string;
}

/**
 * The double-buffered loop over a streamed weight's row tiles: tile t+1 is
 * requested while tile t computes, each tile CRC-checked on the first load.
 * `inner` gives the loop's extra declarations and its body.
 */
function tileLoop(ctx: EmitCtx, wr: WeightRowsRef, what: string, unit: string, crcComment: boolean, inner: (l: TileLoop) => { decls: string[]; body: string[] }): string {
  const R = wr.tileRows, NT = Math.ceil(wr.rows / R), lastR = wr.rows - (NT - 1) * R;
  const tileB = R * wr.rowBytes;
  const t = ctx.local('t'), cur = ctx.local('cur'), wp = ctx.local('w'), crc = ctx.local('crc');
  const rowsOf = (i: string) => `(${i} + 1u < ${NT}u ? ${R} : ${lastR})`;
  const { decls, body } = inner({ t, wp, R, rowsOf });
  return [
    `  { /* ${what} in ${NT} row tiles of ${R}${unit ? ' ' + unit : ''}, double-buffered */`,
    `    uint32_t ${t}, ${crc} = 0;`,
    ...decls,
    `    const uint8_t *${wp};`,
    `    const uint8_t *${cur} = dnnc_wpack_span_start(${wr.pack}, ${wr.offset}u, ${NT > 1 ? R : lastR}u * ${wr.rowBytes}u, ${wr.align}u, ${wr.buffers[0]});`,
    `    for (${t} = 0; ${t} < ${NT}u; ${t}++) {`,
    `      if ((rc = dnnc_wpack_span_wait(${wr.pack})) != 0) return rc;`,
    `      ${wp} = ${cur};`,
    `      if (${t} + 1u < ${NT}u) ${cur} = dnnc_wpack_span_start(${wr.pack}, ${wr.offset}u + (${t} + 1u) * ${tileB}u, (uint32_t)${rowsOf(`(${t} + 1u)`)} * ${wr.rowBytes}u, ${wr.align}u, (${t} & 1u) ? ${wr.buffers[0]} : ${wr.buffers[1]});`,
    ...(crcComment ? ['      /* first load: CRC over the tiles in order, checked against the manifest after the last */'] : []),
    `      if ((rc = dnnc_wpack_tile_check(${wr.pack}, ${wr.tensor}u, &${crc}, ${wp}, (uint32_t)${rowsOf(t)} * ${wr.rowBytes}u, ${t} == 0, ${t} + 1u == ${NT}u)) != 0) return rc;`,
    ...body,
    '    }',
    '  }',
  ].join('\n') + '\n';
}

/**
 * Conv with half weights (marked by passes/conv-weights-fp16): one output
 * channel at a time, its weights converted into the node's scratch, convolved
 * by the ordinary float kernel as a one-channel, one-group convolution.
 */
export function emitHalfConv(ctx: EmitCtx, wr: WeightRowsRef, kernel: string, params: string): string {
  const n = ctx.node;
  const x = n.inputs[0]!, w = n.inputs[1]!, b = n.inputs[2] ?? null, y = n.outputs[0]!;
  const xs = x.type.shape, ys = y.type.shape;
  const N = xs[0]!, cin = xs[1]!, cout = ys[1]!, group = n.int('group', 1)!;
  const inPlane = numel(xs.slice(2)), outPlane = numel(ys.slice(2));
  const cinG = cin / group, coutG = cout / group;
  const oc = ctx.local('oc'), bi = ctx.local('b'), cp = ctx.local('cp'), wf = ctx.local('wf');
  return [
    `  { /* ${w.name} stored as half: one output channel at a time, converted into scratch */`,
    `    int32_t ${oc}, ${bi};`,
    `    dnnc_conv2d_params ${cp} = ${params};`,
    `    float *${wf} = (float *)${ctx.scratch()};`,
    `    ${cp}.n = 1;`,
    `    ${cp}.cin = ${cinG};`,
    `    ${cp}.cout = 1;`,
    `    ${cp}.group = 1;`,
    `    for (${oc} = 0; ${oc} < ${cout}; ${oc}++) {`,
    `      dnnc_wrows_row((const uint8_t *)${ctx.cptr(w)} + (size_t)${oc} * ${wr.rowBytes}u, ${wf}, ${wr.rowElems}, 1);`,
    `      for (${bi} = 0; ${bi} < ${N}; ${bi}++) ${kernel}(${ctx.cptr(x)} + ((size_t)${bi} * ${cin} + (size_t)(${oc} / ${coutG}) * ${cinG}) * ${inPlane}u, ${wf}, ${b ? `${ctx.cptr(b)} + ${oc}` : 'NULL'}, ${ctx.ptr(y)} + ((size_t)${bi} * ${cout} + (size_t)${oc}) * ${outPlane}u, &${cp});`,
    '    }',
    '  }',
  ].join('\n') + '\n';
}
