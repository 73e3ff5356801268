// 3x3 convolution, stride 1, group 1, with the input channels in chunks
// (for layers whose tile does not fit DMEM with all input channels):
//   Y[co][oy][ox] = requant_co( sum_ci sum_{ky,kx} W[co][ci][ky*3+kx] * X[ci][oy+ky][ox+kx] )
// Tiles come in groups of `chunks` (wrapKernel's `group`): tile k of a group
// brings, through in0, `cc` planes (input channels k*cc .. k*cc+cc-1) of
// (OH+2) rows of IWp int16 (the zero-padded input, as conv3x3), and through
// in1 the weights of those channels for the task's `Co` output channels
// ([Co][cc][16] int16, 9 used, see conv3x3Weights(); with 48-bit accumulation
// the kernel derives the sign rows (-1 where w < 0, vmudm by 2) into DMEM
// at the start of each tile, before any accumulator is live). The partial sums of the OH x OW x Co outputs stay
// in DMEM (after the const block) between the tiles of a group:
//   save:    HI, MD (and LO with 48-bit accumulation) read with vsar, HI
//            stored as HI' = HI + (MD < 0) (vsubc, wrapping);
//   restore: acc = LO (vmudn by 1, unsigned) + MD << 16 (vmadh by 1, signed)
//            + HI' << 32 (vmadh by 0x4000, four times)
//          = LO + MD_unsigned << 16 + HI << 32, the saved 48-bit value.
// The first tile of a group starts from a cleared accumulator, the last one
// requantizes (requantAsm / requant48Asm) and writes the output tile, which
// wrapKernel DMAs out once per group. The accumulator width is the caller's
// proof over the whole Ci*9 row (chooseAcc): partial sums are bounded by it.
import { DnncError } from '../../../ir/errors.js';
import { wrapKernel, finishKernel, requantLanes, requantAsm, requant48Lanes, requant48Asm, requant48Pairs, requant48Lreps, be16, type RspKernel, type Requant } from './common.js';
import { depthwiseRowWidth } from './depthwise.js';

export interface Conv3x3cSpec {
  /** input channels per tile (chunk) and chunks per output tile */
  cc: number; chunks: number;
  Co: number; OH: number; OW: number;
  requant: Requant[];
  /** accumulator width, proven by the caller with chooseAcc over all Ci*9 weights of each output channel */
  acc: 32 | 48;
  /**
   * 2: output rows at stride 2 (a 3x3 / stride-2 conv's rows, all columns):
   * the in0 tile has 2*(OH-1)+3 rows per plane and output row j reads input
   * rows 2j..2j+2 (the CPU keeps the even columns). Default 1.
   */
  rowStep?: 1 | 2;
  /** write the output tile as this many SP DMAs, one per output channel (wrapKernel outParts); default 1 */
  outParts?: number;
  /**
   * With rowStep 2: the input rows are column-deinterleaved (conv3x3cDeintRow:
   * the even padded columns E, then the odd ones O), so OW output columns at
   * stride 2 read E[j] (kx = 0), O[j] (kx = 1, aligned) and E[j + 1] (kx = 2):
   * a true stride-2 tile (OW = the layer's output width).
   */
  deint?: boolean;
}

/** Column-deinterleaved input row of a stride-2 tile with OW outputs: E (ew int16: padded columns 0, 2, .., 2*OW) then O (OW int16: 1, 3, ..). */
export function conv3x3cDeintRow(OW: number): { ew: number; rowInts: number } {
  const ew = Math.ceil((OW + 1) / 8) * 8;
  return { ew, rowInts: ew + OW };
}

/** Input rows per plane of a conv3x3c tile of OH output rows. */
export function conv3x3cInRows(OH: number, rowStep: 1 | 2 = 1): number {
  return rowStep * (OH - 1) + 3;
}

/** Bytes of one in1 tile (the weights of one chunk). */
export function conv3x3cWeightBytes(Co: number, cc: number): number {
  return Co * cc * 32;
}

/** DMEM the kernel keeps beside its const block: partial sums (chunks > 1) and derived sign rows (48-bit). */
export function conv3x3cScratchBytes(Co: number, cc: number, chunks: number, OH: number, OW: number, acc: 32 | 48): number {
  return (chunks > 1 ? Co * OH * (OW / 8) * (acc === 48 ? 48 : 32) : 0) + (acc === 48 ? Co * cc * 32 : 0);
}

/** The in1 stream of a task: weights [Co][Ci][9] (Ci = cc * chunks) as chunks of [Co][cc][16], big-endian. */
export function conv3x3Weights(weights: ArrayLike<number>, Co: number, cc: number, chunks: number): Uint8Array {
  const Ci = cc * chunks, per = Co * cc * 16;
  const w = new Int16Array(chunks * per);
  for (let k = 0; k < chunks; k++) {
    for (let c = 0; c < Co; c++) for (let i = 0; i < cc; i++) for (let t = 0; t < 9; t++) w[k * per + (c * cc + i) * 16 + t] = weights[(c * Ci + k * cc + i) * 9 + t]!;
  }
  return be16(w);
}

/**
 * Save the accumulator of 8 lanes at ($t2): HI' = HI + (MD < 0) (wrapping),
 * MD, and LO when `wide` (48-bit accumulation; else LO is 0: only vmadh
 * accumulate). Needs $v25 = 2s; clobbers $v16-$v19 and the accumulator.
 */
export function accSaveAsm(wide: boolean): string[] {
  return [
    'vsar $v16, COP2_ACC_HI', 'vsar $v17, COP2_ACC_MD', ...(wide ? ['vsar $v18, COP2_ACC_LO'] : []),
    'vmudm $v19, $v17, $v25       # MD >> 15: -1 where MD < 0',
    'vsubc $v16, $v16, $v19',
    'sqv $v16[0], 0($t2)', 'sqv $v17[0], 16($t2)', ...(wide ? ['sqv $v18[0], 32($t2)'] : []),
  ];
}

/**
 * Restore the accumulator saved by accSaveAsm: LO (unsigned, vmudn by 1) +
 * MD << 16 (signed, vmadh by 1) + HI' << 32 (vmadh by 0x4000 four times)
 * = LO + MD_unsigned << 16 + HI << 32 (mod 2^48: exact for every value).
 * Needs $v31 = 1s, $v26 = 0x4000s; clobbers $v16-$v18.
 */
export function accRestoreAsm(wide: boolean): string[] {
  const out = wide
    ? ['lqv $v16[0], 0($t2)', 'lqv $v17[0], 16($t2)', 'lqv $v18[0], 32($t2)', 'vmudn $v15, $v18, $v31', 'vmadh $v15, $v17, $v31']
    : ['lqv $v16[0], 0($t2)', 'lqv $v17[0], 16($t2)', 'vmudh $v15, $v17, $v31'];
  for (let i = 0; i < 4; i++) out.push('vmadh $v15, $v16, $v26');
  return out;
}

export function conv3x3cKernel(spec: Conv3x3cSpec): RspKernel {
  const { cc, chunks, Co, OH, OW, acc } = spec;
  if (OW % 8 || OW <= 0 || OH <= 0 || cc <= 0 || chunks <= 0 || Co <= 0) throw new DnncError(`RSP conv3x3c: OW=${OW} must be a positive multiple of 8`);
  if (spec.requant.length !== Co) throw new DnncError('RSP conv3x3c: Co requant entries');
  const wide = acc === 48;
  const step = spec.rowStep ?? 1;
  const deint = !!spec.deint;
  if (deint && step !== 2) throw new DnncError('RSP conv3x3c: column deinterleaving needs rowStep 2');
  const IWp = deint ? conv3x3cDeintRow(OW).rowInts : depthwiseRowWidth(OW), rowB = IWp * 2, planeB = conv3x3cInRows(OH, step) * rowB;
  const oddB = deint ? conv3x3cDeintRow(OW).ew * 2 : 0;
  const G = OW / 8;
  const prm: number[] = [];
  for (const q of spec.requant) prm.push(...(wide ? requant48Lanes(q) : requantLanes(q)));
  // const block: param vectors [Co][8], ones, 0x4000s, 2s; then the partial sums (not loaded)
  const constData = new Uint8Array(Co * 16 + 48);
  constData.set(be16(prm), 0);
  constData.set(be16([...Array(8).fill(1), ...Array(8).fill(0x4000), ...Array(8).fill(2)]), Co * 16);
  const vecB = wide ? 48 : 32; // partial sum of one output vector: HI', MD (, LO)
  const psumB = chunks > 1 ? Co * OH * G * vecB : 0;
  const wB = conv3x3cWeightBytes(Co, cc);
  const layout = { constBytes: constData.length + conv3x3cScratchBytes(Co, cc, chunks, OH, OW, acc), in0Bytes: cc * planeB, in1Bytes: wB, outBytes: Co * OH * OW * 2 };
  const base = wrapKernel(layout, []).map.const;
  const psum = base + constData.length, signs = psum + psumB;
  if (psum + psumB > 32767 || 2 * rowB + Math.max(16, oddB) > 1008) throw new DnncError('RSP conv3x3c: tile too large');
  const pairs = requant48Pairs(spec.requant);
  const TAP = ['$v00', '$v01', '$v02', '$v03', '$v04', '$v05', '$v06', '$v07', '$v12'];
  const save = accSaveAsm(wide), restore = accRestoreAsm(wide);
  const body: string[] = chunks > 1
    ? ['move $s3, $s5                # 0: first chunk', `addiu $s4, $s5, ${1 - chunks}       # 0: last chunk`]
    : ['li $s3, 0', 'li $s4, 0'];
  if (wide) {
    body.push(
      '# sign rows of the chunk weights: -1 where w < 0 (vmudm by 2 = arithmetic shift right by 15)',
      'move $a2, $s1',
      `li $a3, ${signs}`,
      `li $v0, ${Co * cc * 2}`,
      'cc_sign:',
      'lqv $v28[0], 0($a2)',
      'addiu $v0, $v0, -1',
      'vmudm $v28, $v28, $v25',
      'addiu $a2, $a2, 16',
      'sqv $v28[0], 0($a3)',
      'bnez $v0, cc_sign',
      'addiu $a3, $a3, 16',
      `li $v1, ${signs}              # sign rows of (co, chunk)`,
    );
  }
  body.push(
    'move $t0, $s1                # weights of (co, chunk)',
    `li $t1, ${base}              # param vector of co`,
    `li $t2, ${psum}              # partial sums`,
    'move $t3, $s2',
    `li $t4, ${Co}`,
    'cc_co:',
    'lqv $v30[0], 0($t1)',
    'move $t5, $s0                # row oy of plane 0',
    `li $t6, ${OH}`,
    'cc_row:',
    'move $a1, $t5',
    `li $a0, ${G}`,
    'cc_g:',
    'move $a2, $t0',
    ...(wide ? ['move $a3, $v1'] : []),
    'move $t7, $a1',
    `li $v0, ${cc}`,
    'beqz $s3, cc_ci',
    'vmudh $v15, $v27, $v27       # first chunk: clear the accumulator ($v27 = 0)',
    ...restore,
    'cc_ci:',
    'lqv $v28[0], 0($a2)',
    'lqv $v29[0], 16($a2)',
    ...(wide ? ['lqv $v23[0], 0($a3)', 'lqv $v24[0], 16($a3)'] : []),
    'addiu $at, $t7, 2',
    ...(deint ? [] : ['addiu $fp, $t7, 4']),
  );
  for (let ky = 0; ky < 3; ky++) {
    const off = ky * rowB;
    body.push(`lqv ${TAP[ky * 3]}[0], ${off}($t7)`);
    if (deint) {
      body.push(`lqv ${TAP[ky * 3 + 1]}[0], ${off + oddB}($t7)`);
      body.push(`lqv ${TAP[ky * 3 + 2]}[0], ${off}($at)`, `lrv ${TAP[ky * 3 + 2]}[0], ${off + 16}($at)`);
    } else {
      body.push(`lqv ${TAP[ky * 3 + 1]}[0], ${off}($at)`, `lrv ${TAP[ky * 3 + 1]}[0], ${off + 16}($at)`);
      body.push(`lqv ${TAP[ky * 3 + 2]}[0], ${off}($fp)`, `lrv ${TAP[ky * 3 + 2]}[0], ${off + 16}($fp)`);
    }
  }
  for (let t = 0; t < 9; t++) {
    const e = `.e${t % 8}`;
    if (wide) body.push(`vmadm $v15, ${TAP[t]}, ${t < 8 ? '$v28' : '$v29'}${e}`, `vmadh $v15, ${TAP[t]}, ${t < 8 ? '$v23' : '$v24'}${e}`);
    else body.push(`vmadh $v15, ${TAP[t]}, ${t < 8 ? '$v28' : '$v29'}${e}`);
  }
  body.push(
    'addiu $v0, $v0, -1',
    'addiu $a2, $a2, 32',
    ...(wide ? ['addiu $a3, $a3, 32'] : []),
    'bnez $v0, cc_ci',
    `addiu $t7, $t7, ${planeB}`,
    'bnez $s4, cc_save',
    'nop',
    ...(wide ? requant48Asm('$v08', '$v30', '$v09', '$v10', '$v31', pairs, requant48Lreps(spec.requant)) : requantAsm('$v08', '$v30', '$v09', '$v10', '$v11')),
    'b cc_next',
    'sqv $v08[0], 0($t3)',
    'cc_save:',
    ...save,
    'cc_next:',
    'addiu $a0, $a0, -1',
    'addiu $a1, $a1, 16',
    'addiu $t3, $t3, 16',
    'bnez $a0, cc_g',
    `addiu $t2, $t2, ${vecB}`,
    'addiu $t6, $t6, -1',
    'bnez $t6, cc_row',
    `addiu $t5, $t5, ${step * rowB}`,
    `addiu $t0, $t0, ${cc * 32}`,
    ...(wide ? [`addiu $v1, $v1, ${cc * 32}`] : []),
    'addiu $t4, $t4, -1',
    'bnez $t4, cc_co',
    'addiu $t1, $t1, 16',
  );
  const setup = [`li $t0, ${base + Co * 16}`, 'lqv $v31[0], 0($t0)', 'lqv $v26[0], 16($t0)', 'lqv $v25[0], 32($t0)', 'vxor $v27, $v27, $v27'];
  const { asm, map } = wrapKernel(layout, body, setup, { group: chunks, outParts: spec.outParts });
  return finishKernel({
    name: 'conv3x3c', description: `3x3 conv tile, ${deint ? 'stride 2 (column-deinterleaved input)' : step === 2 ? 'even rows (stride 2)' : 'stride 1'}, input channels in chunks: ${chunks} x ${cc} channels -> Co=${Co}, OH=${OH}, OW=${OW} (input rows of ${IWp}, ${acc}-bit accumulation, partial sums in DMEM)`,
    layout, map, asm, constData, opsPerTile: Co * cc * OH * OW * 9,
  });
}
