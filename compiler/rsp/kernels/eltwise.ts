// Elementwise int16 tiles: add / mul with rescale, and clamp (ReLU/ReLU6).
//   add:   y = clamp(floor((a*ma + b*mb + 2^(s-1)) / 2^s))   (ma, mb int16 multipliers)
//   mul:   y = clamp(floor((a*b + 2^(s-1)) / 2^s))
//   clamp: y = min(max(x, lo), hi)
// n (elements per tile) a multiple of 8.
import { DnncError } from '../../../ir/errors.js';
import { wrapKernel, finishKernel, requantLanes, be16, type RspKernel } from './common.js';

export interface AddSpec { n: number; ma: number; mb: number; shift: number; lo: number; hi: number }
export interface MulSpec { n: number; shift: number; lo: number; hi: number }
export interface ClampSpec { n: number; lo: number; hi: number }

function checkN(n: number) {
  if (n % 8 || n <= 0) throw new DnncError(`RSP elementwise: n=${n} must be a positive multiple of 8`);
}

/**
 * dnnc's int16 Add is y = sat(rshift_rnd(a<<am + b<<bm, s)); with s < 2 the
 * RSP sequence needs the multipliers lifted by 2^(2-s) (exact: the rounding
 * term stays below the lifted unit). Returns RSP (ma, mb, shift).
 */
export function liftAdd(am: number, bm: number, s: number): { ma: number; mb: number; shift: number } {
  const lift = Math.max(0, 2 - s);
  const ma = 2 ** (am + lift), mb = 2 ** (bm + lift);
  if (ma > 32767 || mb > 32767) throw new DnncError(`RSP add: input shifts ${am}, ${bm} (lifted by ${lift}) do not fit int16 multipliers`);
  return { ma, mb, shift: s + lift };
}

/**
 * Loop over the tile 8 elements at a time, unrolled by u (4, 2 or 1 as n
 * allows). `stages(k)` gives the code of vector k as stages; every stage is
 * emitted for all k before the next stage, so a VU result is used at least
 * u instructions after it is produced (VU registers are ready 4 cycles after
 * issue). Accumulator chains must not span stages.
 */
function loop(label: string, n: number, stages: (k: number) => string[][], two: boolean): string[] {
  const u = n % 32 === 0 ? 4 : n % 16 === 0 ? 2 : 1;
  const per = Array.from({ length: u }, (_, k) => stages(k));
  const body: string[] = [];
  for (let st = 0; st < per[0]!.length; st++) for (let k = 0; k < u; k++) body.push(...per[k]![st]!);
  return [
    'move $t5, $s0',
    ...(two ? ['move $t6, $s1'] : []),
    'move $t3, $s2',
    `li $t4, ${n / (8 * u)}`,
    `${label}:`,
    ...body,
    'addiu $t4, $t4, -1',
    `addiu $t5, $t5, ${16 * u}`,
    ...(two ? [`addiu $t6, $t6, ${16 * u}`] : []),
    `bnez $t4, ${label}`,
    `addiu $t3, $t3, ${16 * u}`,
  ];
}

/** Registers of vector k in an unrolled loop: inputs a, b, result y, temps h, m. */
function regs(k: number) {
  const v = (r: number) => `$v${String(r).padStart(2, '0')}`;
  return { a: v(2 * k), b: v(2 * k + 1), y: v(8 + k), h: v(12 + 2 * k), m: v(13 + 2 * k) };
}

/** The general requantization (common.ts requantAsm) split into stages. */
function requantStages(y: string, p: string, h: string, m: string): string[][] {
  return [
    [`vsar ${h}, COP2_ACC_HI`, `vsar ${m}, COP2_ACC_MD`],
    [`vaddc ${m}, ${m}, ${p}.e0`, `vadd ${h}, ${h}, ${p}.e1`],
    [`vmudn $v31, ${m}, ${p}.e2`, `vmadh $v31, ${h}, ${p}.e2`, `vmadm ${y}, ${h}, ${p}.e3`],
    [`vge ${y}, ${y}, ${p}.e4`],
    [`vlt ${y}, ${y}, ${p}.e5`],
  ];
}

export function addKernel(spec: AddSpec): RspKernel {
  checkN(spec.n);
  for (const m of [spec.ma, spec.mb]) if (!Number.isInteger(m) || m < -32768 || m > 32767) throw new DnncError(`RSP add: multiplier ${m} outside int16`);
  const lanes = requantLanes({ shift: spec.shift, bias: 0, lo: spec.lo, hi: spec.hi });
  // fast path: a*ma*2^(16-s) + b*mb*2^(16-s) + 2^15 at ACC(31..0) with vmudm/vmadm
  // (signed x unsigned), read back as sat16(ACC(47..16)) = sat16(floor((sum + 2^(s-1)) / 2^s))
  const fa = spec.shift <= 16 ? spec.ma * 2 ** (16 - spec.shift) : -1, fb = spec.shift <= 16 ? spec.mb * 2 ** (16 - spec.shift) : -1;
  const fast = fa >= 0 && fa <= 0xffff && fb >= 0 && fb <= 0xffff;
  if (fast) { lanes[2] = fa; lanes[3] = fb; lanes[6] = 0x8000; lanes[7] = 1; }
  else { lanes[6] = spec.ma & 0xffff; lanes[7] = spec.mb & 0xffff; }
  const constData = be16([...lanes, ...Array(8).fill(1)]);
  const layout = { constBytes: 32, in0Bytes: spec.n * 2, in1Bytes: spec.n * 2, outBytes: spec.n * 2 };
  const base = wrapKernel(layout, []).map.const;
  const body = loop('add_loop', spec.n, (k) => {
    const { a, b, y, h, m } = regs(k);
    const ld = [`lqv ${a}[0], ${16 * k}($t5)`, `lqv ${b}[0], ${16 * k}($t6)`];
    const st = [`sqv ${y}[0], ${16 * k}($t3)`];
    if (fast) return [ld, [`vmudm $v31, ${a}, $v30.e2`, `vmadm $v31, ${b}, $v30.e3`, `vmadm ${y}, $v29, $v30.e6`], [`vge ${y}, ${y}, $v30.e4`], [`vlt ${y}, ${y}, $v30.e5`], st];
    const rq = requantStages(y, '$v30', h, m);
    return [ld, [`vmudh $v31, ${a}, $v30.e6`, `vmadh $v31, ${b}, $v30.e7`, ...rq[0]!], ...rq.slice(1), st];
  }, true);
  const { asm, map } = wrapKernel(layout, body, [`lqv $v30[0], ${base}($zero)`, `lqv $v29[0], ${base + 16}($zero)`]);
  return finishKernel({ name: 'add', description: `int16 add with rescale, ${spec.n} elements per tile${fast ? ' (vmudm path)' : ''}`, layout, map, asm, constData, opsPerTile: spec.n });
}

export function mulKernel(spec: MulSpec): RspKernel {
  checkN(spec.n);
  const constData = be16(requantLanes({ shift: spec.shift, bias: 0, lo: spec.lo, hi: spec.hi }));
  const layout = { constBytes: 16, in0Bytes: spec.n * 2, in1Bytes: spec.n * 2, outBytes: spec.n * 2 };
  const base = wrapKernel(layout, []).map.const;
  const body = loop('mul_loop', spec.n, (k) => {
    const { a, b, y, h, m } = regs(k);
    const rq = requantStages(y, '$v30', h, m);
    return [[`lqv ${a}[0], ${16 * k}($t5)`, `lqv ${b}[0], ${16 * k}($t6)`], [`vmudh $v31, ${a}, ${b}`, ...rq[0]!], ...rq.slice(1), [`sqv ${y}[0], ${16 * k}($t3)`]];
  }, true);
  const { asm, map } = wrapKernel(layout, body, [`lqv $v30[0], ${base}($zero)`]);
  return finishKernel({ name: 'mul', description: `int16 mul with rescale, ${spec.n} elements per tile`, layout, map, asm, constData, opsPerTile: spec.n });
}

export function clampKernel(spec: ClampSpec): RspKernel {
  checkN(spec.n);
  if (spec.lo < -32768 || spec.hi > 32767 || spec.lo > spec.hi) throw new DnncError(`RSP clamp: [${spec.lo}, ${spec.hi}] outside int16`);
  const constData = be16([spec.lo & 0xffff, spec.hi & 0xffff, 0, 0, 0, 0, 0, 0]);
  const layout = { constBytes: 16, in0Bytes: spec.n * 2, in1Bytes: 0, outBytes: spec.n * 2 };
  const base = wrapKernel(layout, []).map.const;
  const body = loop('clamp_loop', spec.n, (k) => {
    const { a } = regs(k);
    return [[`lqv ${a}[0], ${16 * k}($t5)`], [`vge ${a}, ${a}, $v30.e0`], [`vlt ${a}, ${a}, $v30.e1`], [`sqv ${a}[0], ${16 * k}($t3)`]];
  }, false);
  const { asm, map } = wrapKernel(layout, body, [`lqv $v30[0], ${base}($zero)`]);
  return finishKernel({ name: 'clamp', description: `int16 clamp [${spec.lo}, ${spec.hi}], ${spec.n} elements per tile`, layout, map, asm, constData, opsPerTile: spec.n });
}
