// One output channel of a pointwise conv / GEMM whose K input rows do not
// fit a tile: the input comes in chunks of Kc rows x 8 positions, one chunk
// per tile, and the accumulator keeps the sum across tiles (the tile loop of
// wrapKernel does no vector work between tiles). Tiles run position group
// major: tile t = g * C + c holds rows c*Kc .. c*Kc+Kc-1 of group g; the
// first chunk of a group starts from ACC = 0, the last one requantizes and
// stores 8 outputs (the other tiles' output DMAs write stale bytes the CPU
// never reads: relayout.ts keeps tile g * C + C - 1). The MAC sequence is
// the one of the whole-K gemm (same products, same order), so the result is
// the same integer: the exactness proof (chooseAcc) carries over.
import { DnncError } from '../../../ir/errors.js';
import { wrapKernel, finishKernel, requantLanes, requantAsm, requant48Lanes, requant48Asm, requant48Pairs, requant48Lreps, chooseAcc, be16, PtrWalker, type RspKernel, type Requant } from './common.js';

export interface GemmChunkSpec {
  K: number;      // input rows (a multiple of Kc; rows beyond the layer's K have weight 0)
  Kc: number;     // rows per chunk (a multiple of 8)
  weights: ArrayLike<number>; // [K] of the channel
  requant: Requant;
  acc?: 32 | 48 | 'wrap32';
}

export function gemmChunkKernel(spec: GemmChunkSpec): RspKernel {
  const { K, Kc } = spec;
  if (Kc % 8 || Kc <= 0 || K % Kc) throw new DnncError(`RSP gemm chunk: K=${K} must be a multiple of Kc=${Kc} (a multiple of 8)`);
  const C = K / Kc;
  const acc = chooseAcc([spec.requant], () => { let a = 0; for (let k = 0; k < K; k++) a += Math.abs(spec.weights[k]!); return a; }, spec.acc);
  const wide = acc === 48;
  // weights [K], then (48-bit) sign rows [K] (-1 where w < 0), the param vector, (48-bit) a vector of ones
  const w = new Int16Array(K * (wide ? 2 : 1));
  for (let k = 0; k < K; k++) { w[k] = spec.weights[k]!; if (wide) w[K + k] = spec.weights[k]! < 0 ? -1 : 0; }
  const wBytes = w.length * 2;
  const prm = wide ? requant48Lanes(spec.requant) : requantLanes(spec.requant);
  const constData = new Uint8Array(wBytes + 16 + (wide ? 16 : 0));
  constData.set(be16(w), 0);
  constData.set(be16(prm), wBytes);
  if (wide) constData.set(be16(Array(8).fill(1)), wBytes + 16);
  const layout = { constBytes: constData.length, in0Bytes: Kc * 16, in1Bytes: 0, outBytes: 16 };
  const base = wrapKernel(layout, []).map.const;
  // $s3: chunk index within the group; $s4 / $s5: this chunk's weights / sign rows
  const setup = ['li $s3, 0', 'vxor $v14, $v14, $v14', `li $t0, ${base + wBytes}`, 'lqv $v30[0], 0($t0)', ...(wide ? ['lqv $v31[0], 16($t0)'] : [])];
  const body: string[] = [
    'bnez $s3, chunk',
    'nop',
    `li $s4, ${base}`,
    `li $s5, ${base + K * 2}`,
    'vmudh $v15, $v14, $v14            # ACC = 0 at the first chunk of a group',
    'chunk:',
  ];
  const xw = new PtrWalker('$t7', body);
  const ww = new PtrWalker('$t2', body), sw = new PtrWalker('$a1', body);
  body.push('move $t7, $s0', 'move $t2, $s4', ...(wide ? ['move $a1, $s5'] : []));
  const AHEAD = 4;
  const loadX = (k: number) => body.push(`lqv $v${k % 8}[0], ${xw.at(k * 16)}`);
  const loadW = (j: number) => {
    body.push(`lqv $v${16 + (j % 2)}[0], ${ww.at(j * 16)}`);
    if (wide) body.push(`lqv $v${18 + (j % 2)}[0], ${sw.at(j * 16)}`);
  };
  loadW(0);
  for (let k = 0; k < Math.min(AHEAD, Kc); k++) loadX(k);
  for (let k = 0; k < Kc; k++) {
    if (k + AHEAD < Kc) loadX(k + AHEAD);
    if (k % 8 === 4 && 8 * ((k >> 3) + 1) < Kc) loadW((k >> 3) + 1);
    const wr = `$v${16 + ((k >> 3) % 2)}`, sr = `$v${18 + ((k >> 3) % 2)}`;
    if (wide) body.push(`vmadm $v15, $v${k % 8}, ${wr}.e${k % 8}`, `vmadh $v15, $v${k % 8}, ${sr}.e${k % 8}`);
    else body.push(`vmadh $v15, $v${k % 8}, ${wr}.e${k % 8}`);
  }
  body.push(
    `addiu $s4, $s4, ${Kc * 2}`,
    `addiu $s5, $s5, ${Kc * 2}`,
    'addiu $s3, $s3, 1',
    `li $t0, ${C}`,
    'bne $s3, $t0, chunk_done',
    'nop',
    ...(wide ? requant48Asm('$v8', '$v30', '$v9', '$v10', '$v31', requant48Pairs([spec.requant]), requant48Lreps([spec.requant])) : requantAsm('$v8', '$v30', '$v9', '$v10', '$v11')),
    'sqv $v8[0], 0($s2)',
    'li $s3, 0',
    'chunk_done:',
  );
  const { asm, map } = wrapKernel(layout, body, setup);
  return finishKernel({
    name: 'gemmchunk', description: `pointwise conv / GEMM, one output channel, K=${K} in ${C} chunks of ${Kc} rows x 8 positions (${acc}-bit accumulation across tiles)`,
    layout, map, asm, constData, opsPerTile: Kc * 8,
  });
}
