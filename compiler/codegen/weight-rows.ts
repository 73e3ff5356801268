// Weights read by rows: fp16 storage (--weight-dtype fp16) and row-tile
// streaming from the ROM weight pack (--stream-tile). A constant qualifies
// when every node reading it reads it as a row-major matrix of rows:
//   MatMul B [K, N] (rows along K), Gemm B (transA 0; rows along K, or along N
//   with transB), Gather data [V, C] with axis 0 (one row per index), QGemm
//   weight [N, K] (int8/int16, rows are output columns; tiles only).
// Such a weight may be stored as IEEE half (the kernel converts each row to
// float as it uses it) and, when streamed and larger than the tile size, is
// read in row tiles into two fixed buffers (double buffering) instead of
// whole into a layer buffer; a Gather reads only the rows it needs.
import type { Graph, Node, Value } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { numel, dtypeSize } from '../../ir/types.js';

export type WeightDtype = 'float32' | 'float16';
/** tile size when the driver falls back to row tiles (whole layers do not fit) or the caller gives none */
export const DEFAULT_STREAM_TILE = 1024 * 1024;

export interface WeightRows {
  half: boolean;
  rows: number;
  /** elements of one stored row */
  rowElems: number;
  rowBytes: number;
  /** read in row tiles from the pack (rom only) */
  tiled: boolean;
  /** rows per tile (tiled) */
  tileRows: number;
}

/** Where a tiled weight lives in the pack, for the emitter. */
export interface WeightRowsRef extends WeightRows {
  /** C expression of the pack descriptor (address-of) */
  pack: string;
  offset: number;
  /** index in the pack's tensor table (CRC check) */
  tensor: number;
  align: number;
  buffers: [string, string];
}

/** Does `n` read `v` as a matrix of rows the row kernels handle? */
export function rowReader(n: Node, v: Value): boolean {
  const f32 = (x: Value | null | undefined) => !!x && x.type.dtype === 'float32';
  // Conv marked by passes/conv-weights-fp16 (half storage only, one output channel = one row)
  if (n.op === 'Conv') return n.inputs[1] === v && n.inputs[0] !== v && n.int('weight_fp16', 0) === 1 && v.type.dtype === 'float32';
  if (v.type.shape.length !== 2) return false;
  // quantized dense layers: the weight is [N, K] (rows are output columns), int8 or int16
  if (n.op === 'QGemm') return n.inputs[1] === v && n.inputs[0] !== v && (v.type.dtype === 'int8' || v.type.dtype === 'int16');
  if (v.type.dtype !== 'float32') return false;
  if (n.op === 'MatMul') return n.inputs[1] === v && n.inputs[0] !== v && f32(n.inputs[0]) && f32(n.outputs[0]);
  if (n.op === 'Gemm') {
    const c = n.inputs[2];
    if (n.inputs[1] !== v || n.inputs[0] === v || c === v || n.int('transA', 0) !== 0 || !f32(n.inputs[0]) || n.inputs[0]!.type.shape.length !== 2) return false;
    if (c) {
      const N = n.outputs[0]!.type.shape[1]!;
      const cs = c.type.shape.filter((d, i) => !(d === 1 && i < c.type.shape.length - 1));
      if (!f32(c) || !(numel(c.type.shape) === 1 || (cs.length === 1 && cs[0] === N))) return false;
    }
    return true;
  }
  if (n.op === 'Gather') return n.inputs[0] === v && n.inputs[1] !== v && n.int('axis', 0) === 0;
  return false;
}

export function planWeightRows(g: Graph, o: { half: boolean; rom: boolean; tileBytes: number }): Map<Value, WeightRows> {
  const out = new Map<Value, WeightRows>();
  if (!o.half && !o.rom) return out;
  const users = g.usersMap();
  for (const v of g.constants()) {
    const us = users.get(v) ?? [];
    if (!us.length || g.outputs.includes(v) || numel(v.type.shape) === 0) continue;
    if (!us.every((n) => rowReader(n, v))) continue;
    const rows = v.type.shape[0]!, rowElems = numel(v.type.shape) / Math.max(1, rows);
    const half = o.half && v.type.dtype === 'float32';
    const es = half ? 2 : dtypeSize(v.type.dtype);
    const rowBytes = rowElems * es;
    const tileable = us.every((n) => n.op !== 'Conv');
    const tiled = tileable && o.rom && rows * rowBytes > o.tileBytes && rowBytes <= o.tileBytes;
    if (!half && !tiled) continue;
    out.set(v, { half, rows, rowElems, rowBytes, tiled, tileRows: tiled ? Math.max(1, Math.floor(o.tileBytes / rowBytes)) : rows });
  }
  return out;
}

/** The tensor as stored in the weights (half bits when fp16). */
export function storedTensor(v: Value, wr: WeightRows | undefined): Tensor {
  const t = v.const!;
  if (!wr?.half) return t;
  const h = new Tensor('float16', [...t.shape]);
  for (let i = 0; i < t.size; i++) h.set(i, t.get(i));
  return h;
}
