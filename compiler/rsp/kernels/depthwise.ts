// 3x3 depthwise convolution, stride 1, on a pre-padded int16 tile:
//   Y[c][oy][ox] = requant_c( sum_{ky,kx} W[c][ky*3+kx] * X[c][oy+ky][ox+kx] )
// X tile: C planes of (OH+2) rows of IWp int16 (IWp = OW+2 rounded up to a
// multiple of 8, so rows are 16-byte aligned); the tile pass provides the
// halo (and zero padding at the borders). Y tile: C planes of OH x OW, OW a
// multiple of 8. The kx = 1, 2 taps are unaligned 16-byte loads (lqv+lrv).
import { DnncError } from '../../../ir/errors.js';
import { wrapKernel, finishKernel, requantLanes, requantAsm, requant48Lanes, requant48Asm, requant48Pairs, requant48Lreps, chooseAcc, be16, PtrWalker, type RspKernel, type Requant } from './common.js';

export interface DepthwiseSpec {
  C: number; OH: number; OW: number;
  weights: Int16Array | number[]; // [C][9]
  requant: Requant[];
  /** accumulator width; default: 32 when the weights allow it exactly, else 48 ('wrap32': 32 unchecked, for tests) */
  acc?: 32 | 48 | 'wrap32';
}

export function depthwiseRowWidth(OW: number): number { return Math.ceil((OW + 2) / 8) * 8; }

export function depthwiseKernel(spec: DepthwiseSpec): RspKernel {
  const { C, OH, OW } = spec;
  if (OW % 8 || OW <= 0 || OH <= 0 || C <= 0) throw new DnncError(`RSP depthwise: OW=${OW} must be a positive multiple of 8`);
  if (spec.weights.length !== C * 9 || spec.requant.length !== C) throw new DnncError('RSP depthwise: C x 9 weights and C requant entries');
  const IWp = depthwiseRowWidth(OW), rowB = IWp * 2;
  const acc = chooseAcc(spec.requant, (c) => { let a = 0; for (let t = 0; t < 9; t++) a += Math.abs(spec.weights[c * 9 + t]!); return a; }, spec.acc);
  const wide = acc === 48;
  // weights [C][16] (9 used); acc48: sign rows [C][16] after them (-1 where w < 0)
  const w = new Int16Array(C * 16 * (wide ? 2 : 1));
  for (let c = 0; c < C; c++) for (let t = 0; t < 9; t++) {
    w[c * 16 + t] = spec.weights[c * 9 + t]!;
    if (wide) w[C * 16 + c * 16 + t] = spec.weights[c * 9 + t]! < 0 ? -1 : 0;
  }
  const wBytes = w.length * 2;
  const prm: number[] = [];
  for (const q of spec.requant) prm.push(...(wide ? requant48Lanes(q) : requantLanes(q)));
  const constData = new Uint8Array(wBytes + C * 16 + (wide ? 16 : 0));
  constData.set(be16(w), 0);
  constData.set(be16(prm), wBytes);
  if (wide) constData.set(be16(Array(8).fill(1)), wBytes + C * 16);
  const pairs = requant48Pairs(spec.requant);
  const layout = { constBytes: constData.length, in0Bytes: C * (OH + 2) * rowB, in1Bytes: 0, outBytes: C * OH * OW * 2 };
  const base = wrapKernel(layout, []).map.const;
  const body: string[] = [
    `li $t0, ${base}                 # weights of c`,
    `li $t1, ${base + wBytes}        # param vector of c`,
    ...(wide ? [`li $a1, ${base + C * 32}             # sign rows of c`] : []),
    'move $t3, $s2',
    'move $t5, $s0                  # input plane row',
    `li $t4, ${C}`,
    'dw_c:',
    'lqv $v30[0], 0($t1)',
    'lqv $v28[0], 0($t0)',
    'lqv $v29[0], 16($t0)',
    ...(wide ? ['lqv $v23[0], 0($a1)', 'lqv $v24[0], 16($a1)'] : []),
    `li $t6, ${OH}`,
    'dw_row:',
    'addiu $t7, $t5, 2',
    'addiu $a0, $t5, 4',
  ];
  // Software pipelining across the 8-column groups of a row: the 9 taps of
  // group g+1 (scalar-unit loads) are interleaved with the requantization of
  // group g (vector unit), so they pair and fill the VU latency; two sets of
  // tap registers alternate.
  const pending: string[] = [];
  const p0 = new PtrWalker('$t5', pending), p1 = new PtrWalker('$t7', pending), p2 = new PtrWalker('$a0', pending);
  const TAPS = [['$v00', '$v01', '$v02', '$v03', '$v04', '$v05', '$v06', '$v07', '$v12'], ['$v13', '$v14', '$v16', '$v17', '$v18', '$v19', '$v20', '$v21', '$v22']];
  const loads = (g: number): string[] => {
    const out: string[] = [];
    for (let ky = 0; ky < 3; ky++) {
      for (let kx = 0; kx < 3; kx++) {
        const off = ky * rowB + 16 * g;
        const vr = TAPS[g % 2]![ky * 3 + kx]!;
        const pw = kx === 0 ? p0 : kx === 1 ? p1 : p2;
        const at = pw.at(off);
        out.push(...pending.splice(0));
        if (kx === 0) out.push(`lqv ${vr}[0], ${at}`);
        else {
          const m = /^(-?\d+)\((.+)\)$/.exec(at)!;
          out.push(`lqv ${vr}[0], ${at}`, `lrv ${vr}[0], ${Number(m[1]) + 16}(${m[2]})`);
        }
      }
    }
    return out;
  };
  const G = OW / 8;
  body.push(...loads(0));
  for (let g = 0; g < G; g++) {
    for (let t = 0; t < 9; t++) {
      const x = TAPS[g % 2]![t], e = `.e${t % 8}`;
      if (wide) body.push(`${t === 0 ? 'vmudm' : 'vmadm'} $v15, ${x}, ${t < 8 ? '$v28' : '$v29'}${e}`, `vmadh $v15, ${x}, ${t < 8 ? '$v23' : '$v24'}${e}`);
      else body.push(`${t === 0 ? 'vmudh' : 'vmadh'} $v15, ${x}, ${t < 8 ? '$v28' : '$v29'}${e}`);
    }
    const rq = wide ? requant48Asm('$v08', '$v30', '$v09', '$v10', '$v31', pairs, requant48Lreps(spec.requant)) : requantAsm('$v08', '$v30', '$v09', '$v10', '$v11');
    const next = g + 1 < G ? loads(g + 1) : [];
    // loads may move the pointers (addiu): keep each addiu before the loads that need it
    for (let i = 0; i < rq.length; i++) {
      body.push(rq[i]!);
      for (let j = 0; j < 2 && next.length; j++) body.push(next.shift()!);
    }
    body.push(...next, `sqv $v08[0], ${16 * g}($t3)`);
  }
  // rewind the walkers' drift so each row starts from the same state
  const fix: string[] = [];
  if (p0.cur) fix.push(`addiu $t5, $t5, ${-p0.cur}`);
  body.push(
    ...fix,
    'addiu $t6, $t6, -1',
    `addiu $t5, $t5, ${rowB}`,
    'bnez $t6, dw_row',
    `addiu $t3, $t3, ${OW * 2}`,
    `addiu $t5, $t5, ${2 * rowB}     # skip the halo rows`,
    'addiu $t0, $t0, 32',
    ...(wide ? ['addiu $a1, $a1, 32'] : []),
    'addiu $t4, $t4, -1',
    'bnez $t4, dw_c',
    'addiu $t1, $t1, 16',
  );
  const { asm, map } = wrapKernel(layout, body, wide ? [`li $t0, ${base + wBytes + C * 16}`, 'lqv $v31[0], 0($t0)'] : []);
  return finishKernel({
    name: 'depthwise3x3', description: `3x3 depthwise conv tile, stride 1: C=${C}, OH=${OH}, OW=${OW} (input rows of ${IWp}, ${acc}-bit accumulation)`,
    layout, map, asm, constData, opsPerTile: C * OH * OW * 9,
  });
}
