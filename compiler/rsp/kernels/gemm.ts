// Pointwise convolution / GEMM tile on the RSP:
//   Y[co][p] = requant_co( sum_k W[co][k] * X[k][p] )
// X tile: K rows of P int16 (P a multiple of 8: 8 output positions per
// vector lane group). W: Co rows of K int16 (padded to a multiple of 8 in
// the const block), one param vector per output channel.
// Products accumulate at ACC(47..16) with vmudh/vmadh (32-bit sum, exact
// while |sum| < 2^31), the weight broadcast from a register by element
// selector (.e0-.e7); then the requantization sequence of common.ts.
import { DnncError } from '../../../ir/errors.js';
import { wrapKernel, finishKernel, requantLanes, requantAsm, be16, PtrWalker, type RspKernel, type Requant } from './common.js';

export interface GemmSpec {
  K: number;      // reduction length (input channels)
  P: number;      // positions per tile (multiple of 8)
  Co: number;     // output channels
  weights: Int16Array | number[]; // [Co][K]
  requant: Requant[];             // per output channel
}

const WREGS = 14; // $v16..$v29 hold up to 112 weights of the current channel

export function gemmKernel(spec: GemmSpec): RspKernel {
  const { K, P, Co } = spec;
  if (P % 8 || P <= 0) throw new DnncError(`RSP gemm: P=${P} must be a positive multiple of 8`);
  if (K <= 0 || Co <= 0) throw new DnncError('RSP gemm: empty tile');
  if (spec.weights.length !== Co * K) throw new DnncError(`RSP gemm: ${spec.weights.length} weights for Co=${Co} x K=${K}`);
  if (spec.requant.length !== Co) throw new DnncError('RSP gemm: one requant entry per output channel');
  const Kp = Math.ceil(K / 8) * 8;
  const wBytes = Co * Kp * 2, pBytes = Co * 16;
  const w = new Int16Array(Co * Kp);
  for (let c = 0; c < Co; c++) for (let k = 0; k < K; k++) w[c * Kp + k] = spec.weights[c * K + k]!;
  const prm: number[] = [];
  for (const q of spec.requant) prm.push(...requantLanes(q));
  const constData = new Uint8Array(wBytes + pBytes);
  constData.set(be16(w), 0);
  constData.set(be16(prm), wBytes);
  const layout = { constBytes: constData.length, in0Bytes: K * P * 2, in1Bytes: 0, outBytes: Co * P * 2 };
  const map0 = wrapKernel(layout, []).map; // addresses only
  const body: string[] = K <= XREGS.length ? xStationary(spec, Kp, wBytes, map0.const) : streaming(spec, Kp, wBytes, map0.const);
  const { asm, map } = wrapKernel(layout, body);
  return finishKernel({
    name: 'gemm', description: `pointwise conv / GEMM tile: K=${K}, P=${P}, Co=${Co} (${K <= XREGS.length ? 'X in registers' : 'X streamed'})`,
    layout, map, asm, constData, opsPerTile: K * P * Co,
  });
}

/** K > 20: per output channel the weights sit in registers (K <= 112) or are
 * reloaded every 8 k; X is streamed from DMEM (one lqv per MAC). */
function streaming(spec: GemmSpec, Kp: number, wBytes: number, base: number): string[] {
  const body: string[] = [];
  const { K, P, Co } = spec;
  const wInRegs = Kp / 8 <= WREGS;
  body.push(
    `li $t0, ${base}              # W row of co`,
    `li $t1, ${base + wBytes}     # param vector of co`,
    'move $t3, $s2                      # Y row of co',
    `li $t4, ${Co}`,
    'gemm_co:',
    'lqv $v30[0], 0($t1)',
  );
  if (wInRegs) for (let j = 0; j < Kp / 8; j++) body.push(`lqv $v${16 + j}[0], ${16 * j}($t0)`);
  body.push('move $t5, $s0                    # X column group', `li $t6, ${P / 8}`, 'gemm_pg:', 'move $t7, $t5');
  const xw = new PtrWalker('$t7', body);
  const ww = new PtrWalker('$t2', [], 16);
  if (!wInRegs) body.push('move $t2, $t0');
  for (let k = 0; k < K; k++) {
    const xr = `$v${k % 8}`;
    body.push(`lqv ${xr}[0], ${xw.at(k * P * 2)}`);
    let wr: string;
    if (wInRegs) wr = `$v${16 + (k >> 3)}`;
    else {
      wr = `$v${16 + ((k >> 3) % 2)}`;
      if (k % 8 === 0) { ww.out = body; body.push(`lqv ${wr}[0], ${ww.at(k * 2)}`); }
    }
    body.push(`${k === 0 ? 'vmudh' : 'vmadh'} $v15, ${xr}, ${wr}.e${k % 8}`);
  }
  body.push(...requantAsm('$v8', '$v30', '$v9', '$v10', '$v11'));
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

/** X registers of the X-stationary variant (20 vectors). */
const XREGS = [0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24].map((r) => `$v${String(r).padStart(2, '0')}`);

/** K <= 20: the K input vectors of an 8-position group stay in registers
 * while every output channel runs over them (one vmadh per 8 MACs). */
function xStationary(spec: GemmSpec, Kp: number, wBytes: number, base: number): string[] {
  const { K, P, Co } = spec;
  const body: string[] = ['move $t5, $s0', 'move $t3, $s2', `li $t6, ${P / 8}`, 'gemmx_pg:', 'move $t7, $t5'];
  const xw = new PtrWalker('$t7', body);
  for (let k = 0; k < K; k++) body.push(`lqv ${XREGS[k]}[0], ${xw.at(k * P * 2)}`);
  body.push(`li $t0, ${base}`, `li $t1, ${base + wBytes}`, 'move $a0, $t3', `li $t4, ${Co}`, 'gemmx_co:', 'lqv $v30[0], 0($t1)');
  for (let j = 0; j < Kp / 8; j++) body.push(`lqv $v${25 + j}[0], ${16 * j}($t0)`);
  for (let k = 0; k < K; k++) body.push(`${k === 0 ? 'vmudh' : 'vmadh'} $v15, ${XREGS[k]}, $v${25 + (k >> 3)}.e${k % 8}`);
  body.push(...requantAsm('$v8', '$v30', '$v9', '$v10', '$v11'));
  body.push(
    'addiu $t4, $t4, -1',
    'sqv $v8[0], 0($a0)',
    `addiu $a0, $a0, ${P * 2}`,
    `addiu $t0, $t0, ${Kp * 2}`,
    'bnez $t4, gemmx_co',
    'addiu $t1, $t1, 16',
    'addiu $t6, $t6, -1',
    'addiu $t5, $t5, 16',
    'bnez $t6, gemmx_pg',
    'addiu $t3, $t3, 16',
  );
  return body;
}
