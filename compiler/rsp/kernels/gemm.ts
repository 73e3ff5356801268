// Pointwise convolution / GEMM tile on the RSP:
//   Y[co][p] = requant_co( sum_k W[co][k] * X[k][p] )
// X tile: K rows of P int16 (P a multiple of 8: 8 output positions per
// vector lane group). W: Co rows of K int16 (padded to a multiple of 8 in
// the const block), one param vector per output channel.
// Products accumulate at ACC(47..16) with vmudh/vmadh (32-bit sum, exact
// while |sum| < 2^31), the weight broadcast from a register by element
// selector (.e0-.e7); then the requantization sequence of common.ts.
import { DnncError } from '../../../ir/errors.js';
import { wrapKernel, finishKernel, requantLanes, requantAsm, requant48Lanes, requant48Asm, requant48Pairs, requant48Lreps, chooseAcc, be16, PtrWalker, type RspKernel, type Requant } from './common.js';

export interface GemmSpec {
  K: number;      // reduction length (input channels)
  P: number;      // positions per tile (multiple of 8)
  Co: number;     // output channels
  weights: Int16Array | number[]; // [Co][K]
  requant: Requant[];             // per output channel
  /** accumulator width; default: 32 when the weights allow it exactly, else 48 ('wrap32': 32 unchecked, for tests) */
  acc?: 32 | 48 | 'wrap32';
  /** one input tile buffer (tiles of large K that cannot be double-buffered) */
  singleIn?: boolean;
}

const WREGS = 14; // $v16..$v29 hold up to 112 weights of the current channel

export function gemmKernel(spec: GemmSpec): RspKernel {
  const { K, P, Co } = spec;
  if (P % 8 || P <= 0) throw new DnncError(`RSP gemm: P=${P} must be a positive multiple of 8`);
  if (K <= 0 || Co <= 0) throw new DnncError('RSP gemm: empty tile');
  if (spec.weights.length !== Co * K) throw new DnncError(`RSP gemm: ${spec.weights.length} weights for Co=${Co} x K=${K}`);
  if (spec.requant.length !== Co) throw new DnncError('RSP gemm: one requant entry per output channel');
  const Kp = Math.ceil(K / 8) * 8;
  const acc = chooseAcc(spec.requant, (c) => { let a = 0; for (let k = 0; k < K; k++) a += Math.abs(spec.weights[c * K + k]!); return a; }, spec.acc);
  // acc48 with weights streamed (K > 56): sign rows (-1 where w < 0) stored after the
  // weight rows; with the weights in registers the signs are computed (vmudm by 2 = >> 15)
  const signRows = acc === 48 && Kp / 8 > 7;
  const wBytes = Co * Kp * 2 * (signRows ? 2 : 1), pBytes = Co * 16;
  const w = new Int16Array(Co * Kp * (signRows ? 2 : 1));
  for (let c = 0; c < Co; c++) for (let k = 0; k < K; k++) {
    const v = spec.weights[c * K + k]!;
    w[c * Kp + k] = v;
    if (signRows) w[Co * Kp + c * Kp + k] = v < 0 ? -1 : 0;
  }
  const prm: number[] = [];
  for (const q of spec.requant) prm.push(...(acc === 48 ? requant48Lanes(q) : requantLanes(q)));
  const constData = new Uint8Array(wBytes + pBytes + (acc === 48 ? 16 : 0));
  constData.set(be16(w), 0);
  constData.set(be16(prm), wBytes);
  if (acc === 48) constData.set(be16(Array(8).fill(1)), wBytes + pBytes);
  const layout = { constBytes: constData.length, in0Bytes: K * P * 2, in1Bytes: 0, outBytes: Co * P * 2, ...(spec.singleIn ? { singleIn: true } : {}) };
  const map0 = wrapKernel(layout, []).map; // addresses only
  const xs = acc === 32 && K <= XREGS.length;
  const body: string[] = xs ? xStationary(spec, Kp, wBytes, map0.const) : streaming(spec, Kp, wBytes, map0.const, acc);
  const setup = acc === 48 ? [`li $t0, ${map0.const + wBytes + pBytes}`, 'lqv $v31[0], 0($t0)'] : [];
  const { asm, map } = wrapKernel(layout, body, setup);
  return finishKernel({
    name: 'gemm', description: `pointwise conv / GEMM tile: K=${K}, P=${P}, Co=${Co} (${xs ? 'X in registers' : 'X streamed'}, ${acc}-bit accumulation)`,
    layout, map, asm, constData, opsPerTile: K * P * Co,
  });
}

/** K > 16: per output channel the weights sit in registers (K <= 112) or are
 * reloaded every 8 k; X is streamed from DMEM (one lqv per MAC). */
function streaming(spec: GemmSpec, Kp: number, wBytes: number, base: number, acc: 32 | 48): string[] {
  const body: string[] = [];
  const { K, P, Co } = spec;
  const wide = acc === 48;
  // acc48: weights in $v16.. and signs in $v23.. (7 + 7 registers) or streamed pairs
  const wInRegs = Kp / 8 <= (wide ? 7 : WREGS);
  const sOff = Co * Kp * 2; // sign rows after the weight rows (acc48)
  const pairs = requant48Pairs(spec.requant);
  body.push(
    `li $t0, ${base}              # W row of co`,
    `li $t1, ${base + wBytes}     # param vector of co`,
    'move $t3, $s2                      # Y row of co',
    `li $t4, ${Co}`,
    'gemm_co:',
    'lqv $v30[0], 0($t1)',
  );
  if (wInRegs) {
    for (let j = 0; j < Kp / 8; j++) body.push(`lqv $v${16 + j}[0], ${16 * j}($t0)`);
    // signs of the weights (-1 / 0), before the accumulation starts (vmudm uses the accumulator)
    if (wide) for (let j = 0; j < Kp / 8; j++) body.push(`vmudm $v${23 + j}, $v${16 + j}, $v30.e7`);
  }
  body.push('move $t5, $s0                    # X column group', `li $t6, ${P / 8}`, 'gemm_pg:', 'move $t7, $t5');
  const xw = new PtrWalker('$t7', body);
  const ww = new PtrWalker('$t2', body, 16), sw = new PtrWalker('$a1', body, 16);
  if (!wInRegs) body.push('move $t2, $t0', ...(wide ? [`addiu $a1, $t0, ${sOff}`] : []));
  // loads run AHEAD vectors before their use (a loaded VU register is ready 4 cycles later)
  const AHEAD = 4;
  const loadX = (k: number) => body.push(`lqv $v${k % 8}[0], ${xw.at(k * P * 2)}`);
  const wReg = (k: number) => (wInRegs ? `$v${16 + (k >> 3)}` : `$v${16 + ((k >> 3) % 2)}`);
  const sReg = (k: number) => (wInRegs ? `$v${23 + (k >> 3)}` : `$v${18 + ((k >> 3) % 2)}`);
  const loadW = (j: number) => {
    body.push(`lqv $v${16 + (j % 2)}[0], ${ww.at(j * 16)}`);
    if (wide) body.push(`lqv $v${18 + (j % 2)}[0], ${sw.at(j * 16)}`);
  };
  if (!wInRegs) loadW(0);
  for (let k = 0; k < Math.min(AHEAD, K); k++) loadX(k);
  for (let k = 0; k < K; k++) {
    if (k + AHEAD < K) loadX(k + AHEAD);
    if (!wInRegs && k % 8 === 4 && 8 * ((k >> 3) + 1) < K) loadW((k >> 3) + 1);
    if (wide) {
      body.push(`${k === 0 ? 'vmudm' : 'vmadm'} $v15, $v${k % 8}, ${wReg(k)}.e${k % 8}`);
      body.push(`vmadh $v15, $v${k % 8}, ${sReg(k)}.e${k % 8}`);
    } else body.push(`${k === 0 ? 'vmudh' : 'vmadh'} $v15, $v${k % 8}, ${wReg(k)}.e${k % 8}`);
  }
  body.push(...(wide ? requant48Asm('$v8', '$v30', '$v9', '$v10', '$v31', pairs, requant48Lreps(spec.requant)) : requantAsm('$v8', '$v30', '$v9', '$v10', '$v11')));
  body.push(
    'addiu $t6, $t6, -1',
    'sqv $v8[0], 0($t3)',
    'addiu $t3, $t3, 16',
    'bnez $t6, gemm_pg',
    'addiu $t5, $t5, 16',
    `addiu $t0, $t0, ${Kp * 2}`,
    'addiu $t4, $t4, -1',
    'bnez $t4, gemm_co',
    'addiu $t1, $t1, 16',
  );
  return body;
}

/** X registers of the X-stationary variant (16 vectors). */
const XREGS = [0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 16, 17, 18, 19, 20].map((r) => `$v${String(r).padStart(2, '0')}`);

/**
 * K <= 16: the K input vectors of an 8-position group stay in registers
 * while the output channels run over them (one vmadh per 8 MACs), two
 * channels per loop iteration with alternating weight/param registers so
 * that the next channel's loads pair with the current MACs and the two
 * requantizations interleave (VU results are ready 4 cycles after issue).
 */
function xStationary(spec: GemmSpec, Kp: number, wBytes: number, base: number): string[] {
  const { K, P, Co } = spec;
  const nw = Kp / 8;
  const W = [['$v25', '$v26'], ['$v27', '$v28']], PR = ['$v30', '$v31'];
  const body: string[] = ['move $t5, $s0', 'move $t3, $s2', `li $t6, ${P / 8}`, 'gemmx_pg:', 'move $t7, $t5'];
  const xw = new PtrWalker('$t7', body);
  for (let k = 0; k < K; k++) body.push(`lqv ${XREGS[k]}[0], ${xw.at(k * P * 2)}`);
  body.push(`li $t0, ${base}`, `li $t1, ${base + wBytes}`, 'move $a0, $t3');
  const loadSet = (set: number, co: number) => [
    ...Array.from({ length: nw }, (_, j) => `lqv ${W[set]![j]}[0], ${co * Kp * 2 + 16 * j}($t0)`),
  ];
  const macs = (set: number, loads: string[]) => {
    const out: string[] = [];
    for (let k = 0; k < K; k++) {
      if (loads[k]) out.push(loads[k]!);
      out.push(`${k === 0 ? 'vmudh' : 'vmadh'} $v15, ${XREGS[k]}, ${W[set]![k >> 3]}.e${k % 8}`);
    }
    for (let k = K; k < loads.length; k++) out.push(loads[k]!);
    return out;
  };
  body.push(...loadSet(0, 0), `lqv ${PR[0]}[0], 0($t1)`);
  const pairs = Math.floor(Co / 2);
  if (pairs > 0) {
    body.push(`li $t4, ${pairs}`, 'gemmx_co:');
    body.push(...macs(0, [...loadSet(1, 1), `lqv ${PR[1]}[0], 16($t1)`]));
    body.push('vsar $v08, COP2_ACC_HI', 'vsar $v09, COP2_ACC_MD');
    body.push(...macs(1, loadSet(0, 2)));
    body.push('vsar $v10, COP2_ACC_HI', 'vsar $v11, COP2_ACC_MD');
    body.push(
      `vaddc $v09, $v09, ${PR[0]}.e0`, `vadd $v08, $v08, ${PR[0]}.e1`,
      `vaddc $v11, $v11, ${PR[1]}.e0`, `vadd $v10, $v10, ${PR[1]}.e1`,
      `vmudn $v15, $v09, ${PR[0]}.e2`, `vmadh $v15, $v08, ${PR[0]}.e2`, `vmadm $v21, $v08, ${PR[0]}.e3`,
      `vmudn $v15, $v11, ${PR[1]}.e2`, `vmadh $v15, $v10, ${PR[1]}.e2`, `vmadm $v22, $v10, ${PR[1]}.e3`,
      `vge $v21, $v21, ${PR[0]}.e4`, `vge $v22, $v22, ${PR[1]}.e4`,
      `vlt $v21, $v21, ${PR[0]}.e5`, `vlt $v22, $v22, ${PR[1]}.e5`,
      `lqv ${PR[0]}[0], 32($t1)`,
      'addiu $t4, $t4, -1',
      `addiu $t0, $t0, ${2 * Kp * 2}`,
      'addiu $t1, $t1, 32',
      'sqv $v21[0], 0($a0)',
      `sqv $v22[0], ${P * 2}($a0)`,
      'bnez $t4, gemmx_co',
      `addiu $a0, $a0, ${2 * P * 2}`,
    );
  }
  if (Co % 2) {
    body.push(...macs(0, []));
    body.push(...requantAsm('$v21', PR[0]!, '$v08', '$v09', '$v15'), 'sqv $v21[0], 0($a0)');
  }
  body.push(
    'addiu $t6, $t6, -1',
    'addiu $t5, $t5, 16',
    'bnez $t6, gemmx_pg',
    'addiu $t3, $t3, 16',
  );
  return body;
}
