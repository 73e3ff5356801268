// 2x2 pooling with stride 2 on int16 tiles: R row pairs (C planes x OH
// output rows, contiguous) of width IW = 2*OW, OW a multiple of 8.
//   max: y = max of the 4 taps (exactly dnnc's int16 MaxPool)
//   avg: y = floor((sum + 2) / 4), ties rounded up. dnnc's CPU AvgPool
//        rounds ties away from zero (dnnc_div_round): equal for sums >= 0
//        (e.g. after ReLU), one lower on negative ties. The RSP-exact C
//        variant is dnnc_rsp_avgpool2_ref.
// Horizontal pairs use the .q0/.q1 element selectors (even lanes keep the
// result), and the even lanes are stored with ssv.
import { DnncError } from '../../../ir/errors.js';
import { wrapKernel, finishKernel, be16, PtrWalker, type RspKernel } from './common.js';

export interface PoolSpec { rows: number; OW: number }

function pool(kind: 'max' | 'avg', spec: PoolSpec): RspKernel {
  const { rows, OW } = spec;
  if (OW % 8 || OW <= 0 || rows <= 0) throw new DnncError(`RSP pool: OW=${OW} must be a positive multiple of 8`);
  const IW = 2 * OW, rowB = IW * 2;
  const constData = be16([...Array(8).fill(0x4000), ...Array(8).fill(1), 0x8000, 0, 0, 0, 0, 0, 0, 0]);
  const layout = { constBytes: kind === 'avg' ? constData.length : 0, in0Bytes: rows * 2 * rowB, in1Bytes: 0, outBytes: rows * OW * 2 };
  const base = wrapKernel(layout, []).map.const;
  const setup = kind === 'avg' ? [`lqv $v28[0], ${base}($zero)`, `lqv $v29[0], ${base + 16}($zero)`, `lqv $v30[0], ${base + 32}($zero)`] : [];
  const body: string[] = ['move $t5, $s0', 'move $t3, $s2', `li $t4, ${rows}`, `${kind}pool_row:`];
  const pin = new PtrWalker('$t5', body), pout = new PtrWalker('$t3', body, 2);
  for (let g = 0; g < OW / 8; g++) {
    const o = 32 * g;
    for (const [v, off] of [['$v0', o], ['$v1', o + 16], ['$v2', o + rowB], ['$v3', o + rowB + 16]] as const) body.push(`lqv ${v}[0], ${pin.at(off)}`);
    if (kind === 'max') {
      body.push('vge $v0, $v0, $v2', 'vge $v1, $v1, $v3', 'vge $v0, $v0, $v0.q1', 'vge $v1, $v1, $v1.q1');
    } else {
      for (const [a, b, y] of [['$v0', '$v2', '$v0'], ['$v1', '$v3', '$v1']] as const) {
        body.push(`vmudn $v15, $v28, ${a}.q0`, `vmadn $v15, $v28, ${a}.q1`, `vmadn $v15, $v28, ${b}.q0`, `vmadn $v15, $v28, ${b}.q1`, `vmadm ${y}, $v29, $v30.e0`);
      }
    }
    for (let j = 0; j < 8; j++) body.push(`ssv ${j < 4 ? '$v0' : '$v1'}[${4 * (j % 4)}], ${pout.at(16 * g + 2 * j)}`);
  }
  body.push(
    'addiu $t4, $t4, -1',
    `addiu $t5, $t5, ${2 * rowB - pin.cur}`,
    `bnez $t4, ${kind}pool_row`,
    `addiu $t3, $t3, ${OW * 2 - pout.cur}`,
  );
  const { asm, map } = wrapKernel(layout, body, setup);
  return finishKernel({
    name: `${kind}pool2x2`, description: `${kind} pool 2x2 stride 2: ${rows} output rows of ${OW}`,
    layout, map, asm, constData: kind === 'avg' ? constData : new Uint8Array(0), opsPerTile: rows * OW * 4,
  });
}

export const maxpoolKernel = (s: PoolSpec) => pool('max', s);
export const avgpoolKernel = (s: PoolSpec) => pool('avg', s);
