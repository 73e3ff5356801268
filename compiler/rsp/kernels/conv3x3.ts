// 3x3 convolution, stride 1, all input channels (group 1), on a pre-padded
// int16 tile:
//   Y[co][oy][ox] = requant_co( sum_ci sum_{ky,kx} W[co][ci][ky*3+kx] * X[ci][oy+ky][ox+kx] )
// X tile: Ci planes of (OH+2) rows of IWp int16 (as the depthwise tile;
// IWp = OW+2 rounded up to 8). Y tile: Co planes of OH x OW, OW a multiple
// of 8. Per output vector (8 columns of one row of one channel) the
// accumulator runs over all Ci planes (a runtime loop), so with 48-bit
// accumulation the weight signs are stored next to the weights.
import { DnncError } from '../../../ir/errors.js';
import { wrapKernel, finishKernel, requantLanes, requantAsm, requant48Lanes, requant48Asm, requant48Pairs, requant48Lreps, chooseAcc, be16, PtrWalker, type RspKernel, type Requant } from './common.js';
import { depthwiseRowWidth } from './depthwise.js';

export interface Conv3x3Spec {
  Ci: number; Co: number; OH: number; OW: number;
  weights: Int16Array | number[]; // [Co][Ci][9]
  requant: Requant[];             // per output channel
  acc?: 32 | 48 | 'wrap32';
}

export function conv3x3Kernel(spec: Conv3x3Spec): RspKernel {
  const { Ci, Co, OH, OW } = spec;
  if (OW % 8 || OW <= 0 || OH <= 0 || Ci <= 0 || Co <= 0) throw new DnncError(`RSP conv3x3: OW=${OW} must be a positive multiple of 8`);
  if (spec.weights.length !== Co * Ci * 9 || spec.requant.length !== Co) throw new DnncError('RSP conv3x3: Co x Ci x 9 weights and Co requant entries');
  const IWp = depthwiseRowWidth(OW), rowB = IWp * 2, planeB = (OH + 2) * rowB;
  const acc = chooseAcc(spec.requant, (c) => { let a = 0; for (let i = 0; i < Ci * 9; i++) a += Math.abs(spec.weights[c * Ci * 9 + i]!); return a; }, spec.acc);
  const wide = acc === 48;
  const nW = Co * Ci * 16;
  const w = new Int16Array(nW * (wide ? 2 : 1));
  for (let c = 0; c < Co; c++) for (let i = 0; i < Ci; i++) for (let t = 0; t < 9; t++) {
    const v = spec.weights[(c * Ci + i) * 9 + t]!;
    w[(c * Ci + i) * 16 + t] = v;
    if (wide) w[nW + (c * Ci + i) * 16 + t] = v < 0 ? -1 : 0;
  }
  const wBytes = w.length * 2;
  const prm: number[] = [];
  for (const q of spec.requant) prm.push(...(wide ? requant48Lanes(q) : requantLanes(q)));
  const constData = new Uint8Array(wBytes + Co * 16 + 16);
  constData.set(be16(w), 0);
  constData.set(be16(prm), wBytes);
  constData.set(be16(Array(8).fill(1)), wBytes + Co * 16);
  const layout = { constBytes: constData.length, in0Bytes: Ci * planeB, in1Bytes: 0, outBytes: Co * OH * OW * 2 };
  const base = wrapKernel(layout, []).map.const;
  if (base + wBytes > 32767 || planeB > 32767) throw new DnncError('RSP conv3x3: tile too large');
  const pairs = requant48Pairs(spec.requant);
  const TAP = ['$v00', '$v01', '$v02', '$v03', '$v04', '$v05', '$v06', '$v07', '$v12'];
  const body: string[] = [
    `li $t0, ${base}              # weights of (co, ci = 0)`,
    `li $t1, ${base + wBytes}     # param vector of co`,
    'move $t3, $s2',
    `li $t4, ${Co}`,
    'conv_co:',
    'lqv $v30[0], 0($t1)',
    'move $t5, $s0                # row oy of plane 0',
    `li $t6, ${OH}`,
    'conv_row:',
  ];
  for (let g = 0; g < OW / 8; g++) {
    const L = `conv_ci_${g}`;
    body.push(
      'move $a2, $t0',
      ...(wide ? [`addiu $a3, $t0, ${nW * 2}`] : []),
      'move $t7, $t5',
      `li $v0, ${Ci}`,
      'vmudh $v15, $v27, $v27       # clear the accumulator ($v27 = 0)',
      `${L}:`,
      'lqv $v28[0], 0($a2)',
      'lqv $v29[0], 16($a2)',
      ...(wide ? ['lqv $v23[0], 0($a3)', 'lqv $v24[0], 16($a3)'] : []),
      'addiu $at, $t7, 2',
      'addiu $fp, $t7, 4',
    );
    const pending: string[] = [];
    const p0 = new PtrWalker('$t7', pending), p1 = new PtrWalker('$at', pending), p2 = new PtrWalker('$fp', pending);
    for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
      const off = ky * rowB + 16 * g, vr = TAP[ky * 3 + kx]!;
      const at = (kx === 0 ? p0 : kx === 1 ? p1 : p2).at(off);
      body.push(...pending.splice(0));
      if (kx === 0) body.push(`lqv ${vr}[0], ${at}`);
      else {
        const m = /^(-?\d+)\((.+)\)$/.exec(at)!;
        body.push(`lqv ${vr}[0], ${at}`, `lrv ${vr}[0], ${Number(m[1]) + 16}(${m[2]})`);
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
      `bnez $v0, ${L}`,
      `addiu $t7, $t7, ${planeB - p0.cur}`,
    );
    body.push(...(wide ? requant48Asm('$v08', '$v30', '$v09', '$v10', '$v31', pairs, requant48Lreps(spec.requant)) : requantAsm('$v08', '$v30', '$v09', '$v10', '$v11')));
    body.push(`sqv $v08[0], ${16 * g}($t3)`);
  }
  body.push(
    'addiu $t6, $t6, -1',
    `addiu $t5, $t5, ${rowB}`,
    'bnez $t6, conv_row',
    `addiu $t3, $t3, ${OW * 2}`,
    `addiu $t0, $t0, ${Ci * 32}`,
    'addiu $t4, $t4, -1',
    'bnez $t4, conv_co',
    'addiu $t1, $t1, 16',
  );
  const setup = [`li $t0, ${base + wBytes + Co * 16}`, 'lqv $v31[0], 0($t0)', 'vxor $v27, $v27, $v27'];
  const { asm, map } = wrapKernel(layout, body, setup);
  return finishKernel({
    name: 'conv3x3', description: `3x3 conv tile, stride 1: Ci=${Ci}, Co=${Co}, OH=${OH}, OW=${OW} (input rows of ${IWp}, ${acc}-bit accumulation)`,
    layout, map, asm, constData, opsPerTile: Co * Ci * OH * OW * 9,
  });
}
