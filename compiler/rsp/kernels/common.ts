// The tile ABI shared by every generated RSP kernel, the double-buffered
// SP DMA loop around a kernel's compute body, and the int16
// requantization sequence (see README "RSP kernels" for the contract).
//
// DMEM layout (all offsets from 0, every block 16-byte aligned):
//   0x000 params block (64 bytes, big-endian words, written by the CPU):
//     0x00 ntiles
//     0x04 const_rdram   0x08 const_len    (const block: weights, per-channel
//                                            requant params, constant vectors;
//                                            loaded once per task)
//     0x10 in0_rdram     0x14 in0_stride   0x18 in0_len
//     0x20 in1_rdram     0x24 in1_stride   0x28 in1_len
//     0x30 out_rdram     0x34 out_stride   0x38 out_len
//     (`*_len` are SP_RD_LEN/SP_WR_LEN values: (bytes-1) | (rows-1)<<12 |
//      skip<<20, so a tile may be gathered from / scattered to rows of a
//      larger tensor; bytes per row a multiple of 8, addresses 8-aligned.)
//   0x040 const block (constBytes)
//   then in0 buffers A,B; in1 buffers A,B; out buffers A,B.
// Tile t reads in0_rdram + t*in0_stride (and in1) and writes
// out_rdram + t*out_stride.
import { DnncError } from '../../../ir/errors.js';
import { assemble, type AsmResult, DMEM_SIZE, IMEM_SIZE } from '../asm.js';

export const PARAMS = 0x000;
export const PARAMS_BYTES = 0x40;
export const CONST_BASE = 0x040;

export interface KernelLayout {
  constBytes: number;
  in0Bytes: number;
  in1Bytes: number; // 0: no second input
  outBytes: number;
  /** one in0 buffer instead of two (tiles too large to double-buffer): each tile's input DMA waits before its compute */
  singleIn?: boolean;
}

export interface DmemMap {
  const: number;
  in0: [number, number];
  in1: [number, number];
  out: [number, number];
  end: number;
}

const al16 = (x: number) => (x + 15) & ~15;

export function dmemMap(l: KernelLayout): DmemMap {
  let p = CONST_BASE + al16(l.constBytes);
  const take = (n: number): [number, number] => { const a = p; p += al16(n); const b = p; p += al16(n); return n ? [a, b] : [0, 0]; };
  const one = (n: number): [number, number] => { const a = p; p += al16(n); return [a, a]; };
  const in0 = l.singleIn ? one(l.in0Bytes) : take(l.in0Bytes), in1 = take(l.in1Bytes), out = take(l.outBytes);
  return { const: CONST_BASE, in0, in1, out, end: p };
}

/** A generated kernel: its assembly, images and DMEM map. */
export interface RspKernel {
  name: string;
  description: string;
  layout: KernelLayout;
  map: DmemMap;
  asm: string;
  image: AsmResult;
  /** const block bytes (big-endian), to be placed in RDRAM and DMA'd at start */
  constData: Uint8Array;
  /** multiply-accumulates (or element operations) per tile, for reports */
  opsPerTile: number;
}

/** Requantization parameters of one output channel (RSP-exact contract, see README). */
export interface Requant {
  /** shift s in [2, 32]: y = floor((acc + c) / 2^s), c = bias + 2^(s-1) */
  shift: number;
  bias: number;
  lo: number;
  hi: number;
}

/** The 8 int16 lanes of a channel's param vector: [cl, ch, mA, mB, lo, hi, 0, 0]. */
export function requantLanes(q: Requant): number[] {
  const s = q.shift;
  if (!Number.isInteger(s) || s < 2 || s > 32) throw new DnncError(`RSP requantization needs a shift in [2, 32], got ${s}`);
  const c = q.bias + 2 ** (s - 1);
  if (c < -(2 ** 31) || c >= 2 ** 31) throw new DnncError(`RSP requantization: bias + rounding ${c} does not fit 32 bits`);
  if (q.lo < -32768 || q.hi > 32767 || q.lo > q.hi) throw new DnncError(`RSP requantization: clamp [${q.lo}, ${q.hi}] outside int16`);
  const cu = c < 0 ? c + 2 ** 32 : c;
  const mA = s <= 16 ? 2 ** (16 - s) : 0;
  const mB = s > 16 ? 2 ** (32 - s) : 0;
  return [cu & 0xffff, Math.floor(cu / 65536) & 0xffff, mA & 0xffff, mB & 0xffff, q.lo & 0xffff, q.hi & 0xffff, 0, 0];
}

/**
 * Read the accumulator (sum at ACC(47..16), from vmudh/vmadh) and requantize
 * into `vy` with the channel's param vector `vp`:
 *   hi:mid = ACC(47..16) (32-bit sum), + c (vaddc/vadd with carry),
 *   route A (s <= 16): sat16(((hi:mid) * 2^(16-s)) >> 16) via vmudn/vmadh,
 *   route B (s >= 17): (hi * 2^(32-s)) >> 16 via vmadm (arithmetic shift),
 * then clamp to [lo, hi]. 9 vector instructions; clobbers vh, vm, vt.
 */
export function requantAsm(vy: string, vp: string, vh: string, vm: string, vt: string): string[] {
  return [
    `vsar ${vh}, COP2_ACC_HI`,
    `vsar ${vm}, COP2_ACC_MD`,
    `vaddc ${vm}, ${vm}, ${vp}.e0`,
    `vadd ${vh}, ${vh}, ${vp}.e1`,
    `vmudn ${vt}, ${vm}, ${vp}.e2`,
    `vmadh ${vt}, ${vh}, ${vp}.e2`,
    `vmadm ${vy}, ${vh}, ${vp}.e3`,
    `vge ${vy}, ${vy}, ${vp}.e4`,
    `vlt ${vy}, ${vy}, ${vp}.e5`,
  ];
}

/**
 * 48-bit accumulation (sum at ACC(47..0), exact for |sum| < 2^47): the
 * channel's param vector is [c_lo, c_mid, m1, m2, lo, hi, m34, 0] with
 * c = bias + 2^(s-1) and the rescale V * (m1 + m2 + 2*m34) = V * 2^(32-s)
 * of V = ACC(47..16) split into pairs of at most 2^14 (vmudn's multiplier
 * is signed): s >= 18 one pair, s = 17 two, s = 16 four. Shifts in [16, 32].
 * Lane 7 holds 2 (sign of a vector v: vmudm v, p.e7 = v >> 15).
 */
export function requant48Lanes(q: Requant): number[] {
  const s = q.shift;
  if (!Number.isInteger(s) || s < LOW48 || s > 32) throw new DnncError(`RSP 48-bit requantization needs a shift in [${LOW48}, 32], got ${s}`);
  const c = q.bias + 2 ** (s - 1);
  if (c < -(2 ** 31) || c >= 2 ** 31) throw new DnncError(`RSP requantization: bias + rounding ${c} does not fit 32 bits`);
  if (q.lo < -32768 || q.hi > 32767 || q.lo > q.hi) throw new DnncError(`RSP requantization: clamp [${q.lo}, ${q.hi}] outside int16`);
  const cu = c < 0 ? c + 2 ** 32 : c;
  // s < 16: V * 2^(32-s) as 2^(18-s) pairs of 16384 (all channels of the kernel share s; see requant48Asm)
  const m1 = s >= 18 ? 2 ** (32 - s) : 16384, m2 = s <= 17 ? 16384 : 0, m34 = s <= 16 ? 16384 : 0;
  // lane 7 = 2: vmudm by it is an arithmetic shift right by 15 (the sign of a weight vector)
  return [cu & 0xffff, Math.floor(cu / 65536) & 0xffff, m1, m2, q.lo & 0xffff, q.hi & 0xffff, m34, 2];
}

/** Smallest shift of the 48-bit readout (s < 16 needs all channels of a kernel to share s: 2^(18-s) rescale pairs). */
export const LOW48 = 13;

/** Rescale pairs needed by a set of 48-bit requantizations (1, 2, 4, or 2^(18-s) when s < 16). */
export function requant48Pairs(qs: Requant[]): number {
  const low = Math.min(...qs.map((q) => q.shift));
  if (low < 16) return 2 ** (18 - Math.max(low, LOW48)); // chooseAcc has checked that all channels share s
  return qs.some((q) => q.shift === 16) ? 4 : qs.some((q) => q.shift === 17) ? 2 : 1;
}

/** Times the low accumulator word L = ACC(15..0) is added with the multiplier 2 (lane 7) when s < 16: 2^(15-s). */
export function requant48Lreps(qs: Requant[]): number {
  const low = Math.min(...qs.map((q) => q.shift));
  return low < 16 ? 2 ** (15 - low) : 0;
}

/**
 * Readout of a 48-bit sum (built with vmudm/vmadm + vmadh sign fix-ups):
 * add c at ACC(31..0) (vmadh ones*c_mid, vmadm ones*c_lo), read
 * V = ACC(47..16) (vsar), y = sat16(V * 2^(32-s) >> 16) via vmudn/vmadh
 * pairs, clamp. `ones` is a vector of 1s. Clobbers vh, vm and $v15.
 */
export function requant48Asm(vy: string, vp: string, vh: string, vm: string, ones: string, pairs: number, lreps = 0): string[] {
  const out = [
    `vmadh $v15, ${ones}, ${vp}.e1`,
    `vmadm $v15, ${ones}, ${vp}.e0`,
    `vsar ${vh}, COP2_ACC_HI`,
    `vsar ${vm}, COP2_ACC_MD`,
  ];
  // s < 16: y = sat16((V * 2^(32-s) + L * 2^(16-s)) >> 16), L = ACC(15..0) (unsigned), read into vy first
  if (lreps) {
    out.push(`vsar ${vy}, COP2_ACC_LO`, `vmudn $v15, ${vy}, ${vp}.e7`);
    for (let i = 1; i < lreps; i++) out.push(`vmadn $v15, ${vy}, ${vp}.e7`);
  }
  out.push(`${lreps ? 'vmadn' : 'vmudn'} $v15, ${vm}, ${vp}.e2`, `vmadh ${vy}, ${vh}, ${vp}.e2`);
  if (pairs >= 2) out.push(`vmadn $v15, ${vm}, ${vp}.e3`, `vmadh ${vy}, ${vh}, ${vp}.e3`);
  for (let i = 2; i < pairs; i++) out.push(`vmadn $v15, ${vm}, ${vp}.e6`, `vmadh ${vy}, ${vh}, ${vp}.e6`);
  out.push(`vge ${vy}, ${vy}, ${vp}.e4`, `vlt ${vy}, ${vy}, ${vp}.e5`);
  return out;
}

/**
 * Accumulator width for a set of channels with weight rows `w(c)`: 32 when
 * 32768 * sum|w| + |bias| + 2^(s-1) < 2^31 and s in [2, 31] (one vmadh per
 * 8 MACs), else 48 when s in [16, 32] (vmadm + vmadh per 8 MACs), else a
 * DnncError saying why the RSP cannot do it exactly.
 */
export function chooseAcc(qs: Requant[], rowAbsSum: (c: number) => number, want?: 32 | 48 | 'wrap32'): 32 | 48 {
  let why32 = '', why48 = '';
  qs.forEach((q, c) => {
    const s = q.shift;
    if (!why32) {
      if (!Number.isInteger(s) || s < 2 || s > 31) why32 = `channel ${c}: shift ${s} outside [2, 31]`;
      else {
        const bound = 32768 * rowAbsSum(c) + Math.abs(q.bias) + 2 ** (s - 1);
        if (bound >= 2 ** 31) why32 = `channel ${c}: 32768 * sum|w| + |bias| + 2^(s-1) = ${bound} >= 2^31 (the sum could overflow)`;
      }
    }
    if (!why48 && (!Number.isInteger(s) || s < LOW48 || s > 32)) why48 = `channel ${c}: shift ${s} outside [${LOW48}, 32]`;
    if (!why48 && s < 16) {
      // the readout scales the sum by 2^(16-s) inside the 48-bit accumulator: keep it below 2^46
      const bound = 32768 * rowAbsSum(c) + Math.abs(q.bias) + 2 ** (s - 1) + 65536;
      if (bound * 2 ** (16 - s) >= 2 ** 46) why48 = `channel ${c}: sum bound ${bound} * 2^${16 - s} >= 2^46`;
      else if (qs.some((o) => o.shift !== s)) why48 = `shift ${s} < 16 with other shifts in the layer`;
    }
  });
  // 'wrap32': 32-bit accumulation without the overflow check (tests of the RSP-exact C model)
  if (want === 'wrap32') return 32;
  if (want === 32 && why32) throw new DnncError(`RSP kernel: 32-bit accumulation: ${why32}`);
  if (want === 48 && why48) throw new DnncError(`RSP kernel: 48-bit accumulation: ${why48}`);
  if (want) return want;
  if (!why32) return 32;
  if (!why48) return 48;
  throw new DnncError(`RSP kernel: 32-bit accumulation: ${why32}; 48-bit accumulation: ${why48}`);
}

export interface BodyCtx {
  map: DmemMap;
  /** unique label prefix */
  L: string;
}

/**
 * Wrap a compute body into the complete microcode: const DMA, the
 * double-buffered tile loop, and BREAK at the end.
 * Register use: $s0/$s1 current in0/in1 buffer, $s2 current out buffer,
 * $s6 ntiles, $s7 tile index, $gp/$k0 next in0/in1 RDRAM address,
 * $k1 out RDRAM address of the previous tile, $t8/$t9 DMA scratch.
 * The body may use $t0-$t7, $a0-$a3, $v0, $v1, $s3-$s5, $at, $fp, $ra and
 * every vector register; `setup` runs once after the const block arrived.
 */
export function wrapKernel(layout: KernelLayout, body: string[], setup: string[] = [], opts: WrapOptions = {}): { asm: string; map: DmemMap } {
  const map = dmemMap(layout);
  if ((opts.group && opts.group > 1) || (opts.outParts && opts.outParts > 1)) return wrapGrouped(layout, map, body, setup, opts.group ?? 1, opts.outParts ?? 1);
  if (map.end > DMEM_SIZE) throw new DnncError(`RSP kernel needs ${map.end} bytes of DMEM (const ${layout.constBytes}, tiles 2x(${layout.in0Bytes}+${layout.in1Bytes}+${layout.outBytes})), DMEM holds ${DMEM_SIZE}`);
  const two = layout.in1Bytes > 0;
  if (layout.singleIn && two) throw new DnncError('RSP kernel: a single in0 buffer only without in1');
  let n = 0;
  const waitIdle = () => { const l = `wait_idle_${n++}`; return [`${l}: mfc0 $t8, SP_DMA_BUSY`, `bnez $t8, ${l}`, 'nop']; };
  const waitFull = () => { const l = `wait_full_${n++}`; return [`${l}: mfc0 $t8, SP_DMA_FULL`, `bnez $t8, ${l}`, 'nop']; };
  const dma = (memReg: string, dramReg: string, lenOff: number, reg: 'SP_RD_LEN' | 'SP_WR_LEN') => [
    ...waitFull(),
    `mtc0 ${memReg}, SP_MEM_ADDR`,
    `mtc0 ${dramReg}, SP_DRAM_ADDR`,
    `lw $t9, ${lenOff}($zero)`,
    `mtc0 $t9, ${reg}`,
  ];
  const x0 = map.in0[0] ^ map.in0[1], x1 = map.in1[0] ^ map.in1[1], xo = map.out[0] ^ map.out[1];
  const lines = [
    '.text',
    'start:',
    'lw $s6, 0x00($zero)          # ntiles',
    `li $t0, ${map.const}`,
    'lw $t1, 0x04($zero)',
    ...(layout.constBytes ? dma('$t0', '$t1', 0x08, 'SP_RD_LEN') : []),
    'beqz $s6, finish',
    'nop',
    `li $s0, ${map.in0[0]}`,
    `li $s1, ${map.in1[0]}`,
    `li $s2, ${map.out[0]}`,
    'lw $gp, 0x10($zero)',
    ...dma('$s0', '$gp', 0x18, 'SP_RD_LEN'),
    ...(two ? ['lw $k0, 0x20($zero)', ...dma('$s1', '$k0', 0x28, 'SP_RD_LEN')] : []),
    'lw $k1, 0x30($zero)',
    ...waitIdle(),
    ...setup,
    'li $s7, 0',
    'tile_loop:',
    ...waitIdle(),
    '# write back the previous tile',
    'beqz $s7, prefetch',
    `xori $t0, $s2, ${xo}`,
    ...dma('$t0', '$k1', 0x38, 'SP_WR_LEN'),
    'lw $t1, 0x34($zero)',
    'addu $k1, $k1, $t1',
    'prefetch:',
    ...(layout.singleIn ? [
      // one input buffer: load this tile's input (tile 0 came before the loop) and wait for it
      'beqz $s7, compute',
      'lw $t1, 0x14($zero)',
      'addu $gp, $gp, $t1',
      ...dma('$s0', '$gp', 0x18, 'SP_RD_LEN'),
      ...waitIdle(),
    ] : [
      'addiu $t0, $s7, 1',
      'beq $t0, $s6, compute',
      'lw $t1, 0x14($zero)',
      'addu $gp, $gp, $t1',
      `xori $t0, $s0, ${x0}`,
      ...dma('$t0', '$gp', 0x18, 'SP_RD_LEN'),
    ]),
    ...(two ? ['lw $t1, 0x24($zero)', 'addu $k0, $k0, $t1', `xori $t0, $s1, ${x1}`, ...dma('$t0', '$k0', 0x28, 'SP_RD_LEN')] : []),
    'compute:',
    ...body,
    'compute_end:',
    'addiu $s7, $s7, 1',
    `xori $s0, $s0, ${x0}`,
    ...(two ? [`xori $s1, $s1, ${x1}`] : []),
    'bne $s7, $s6, tile_loop',
    `xori $s2, $s2, ${xo}`,
    '# last tile',
    ...waitIdle(),
    `xori $t0, $s2, ${xo}`,
    ...dma('$t0', '$k1', 0x38, 'SP_WR_LEN'),
    ...waitIdle(),
    'finish:',
    'break',
    'nop',
  ];
  return { asm: lines.map((l) => (/^[\w.]+:/.test(l) || l.startsWith('.') || l.startsWith('#') ? l : '  ' + l)).join('\n') + '\n', map };
}

/** wrapKernel options (default: one output tile per input tile, as before). */
export interface WrapOptions {
  /**
   * Tiles come in groups of `group` (ntiles a multiple of it): the output
   * buffer is written once per group (after its last tile) and steps by
   * out_stride; within a group in0/in1 step by in*_stride, from the last tile
   * of a group to the first of the next by the params words 0x1C (in0) /
   * 0x2C (in1). The body reads the tile's index within its group in $s5
   * (which it must not write).
   */
  group?: number;
  /**
   * The output buffer is written as `outParts` equal SP DMAs (each with
   * out_len), the DMEM address stepping by outBytes / outParts, the RDRAM
   * address by the params word 0x3C (e.g. one DMA per output channel when
   * the channels' rows cannot share one skip). Default 1.
   */
  outParts?: number;
}

/** wrapKernel with tile groups (see WrapOptions.group); same registers as wrapKernel plus $s5. */
function wrapGrouped(layout: KernelLayout, map: DmemMap, body: string[], setup: string[], N: number, parts: number): { asm: string; map: DmemMap } {
  const two = layout.in1Bytes > 0;
  let n = 0;
  if (layout.outBytes % (16 * parts)) throw new DnncError(`RSP kernel: ${layout.outBytes} output bytes do not split into ${parts} 16-byte aligned parts`);
  const waitIdle = () => { const l = `wait_idle_${n++}`; return [`${l}: mfc0 $t8, SP_DMA_BUSY`, `bnez $t8, ${l}`, 'nop']; };
  const waitFull = () => { const l = `wait_full_${n++}`; return [`${l}: mfc0 $t8, SP_DMA_FULL`, `bnez $t8, ${l}`, 'nop']; };
  const dma = (memReg: string, dramReg: string, lenOff: number, reg: 'SP_RD_LEN' | 'SP_WR_LEN') => [
    ...waitFull(),
    `mtc0 ${memReg}, SP_MEM_ADDR`,
    `mtc0 ${dramReg}, SP_DRAM_ADDR`,
    `lw $t9, ${lenOff}($zero)`,
    `mtc0 $t9, ${reg}`,
  ];
  const x0 = map.in0[0] ^ map.in0[1], x1 = map.in1[0] ^ map.in1[1], xo = map.out[0] ^ map.out[1];
  // the output buffer at $t0 to RDRAM $k1 (in `parts` DMAs: DMEM step outBytes/parts, RDRAM step params 0x3C)
  let nw = 0;
  const writeOut = (): string[] => {
    if (parts === 1) return dma('$t0', '$k1', 0x38, 'SP_WR_LEN');
    const l = `write_part_${nw++}`;
    return ['move $t3, $k1', `li $t2, ${parts}`, `${l}:`, ...dma('$t0', '$t3', 0x38, 'SP_WR_LEN'),
      `addiu $t0, $t0, ${layout.outBytes / parts}`, 'lw $t1, 0x3c($zero)', 'addiu $t2, $t2, -1', `bnez $t2, ${l}`, 'addu $t3, $t3, $t1'];
  };
  const lines = [
    '.text',
    'start:',
    'lw $s6, 0x00($zero)          # ntiles',
    `li $t0, ${map.const}`,
    'lw $t1, 0x04($zero)',
    ...(layout.constBytes ? dma('$t0', '$t1', 0x08, 'SP_RD_LEN') : []),
    'beqz $s6, finish',
    'nop',
    `li $s0, ${map.in0[0]}`,
    `li $s1, ${map.in1[0]}`,
    `li $s2, ${map.out[0]}`,
    'lw $gp, 0x10($zero)',
    ...dma('$s0', '$gp', 0x18, 'SP_RD_LEN'),
    ...(two ? ['lw $k0, 0x20($zero)', ...dma('$s1', '$k0', 0x28, 'SP_RD_LEN')] : []),
    'lw $k1, 0x30($zero)',
    ...waitIdle(),
    ...setup,
    'li $s7, 0',
    'li $s5, 0                    # index of the tile in its group',
    'tile_loop:',
    ...waitIdle(),
    '# a group starts: write back the previous group\'s output',
    'bnez $s5, prefetch',
    'nop',
    'beqz $s7, prefetch',
    `xori $t0, $s2, ${xo}`,
    ...writeOut(),
    'lw $t1, 0x34($zero)',
    'addu $k1, $k1, $t1',
    'prefetch:',
    'addiu $t0, $s7, 1',
    'beq $t0, $s6, compute',
    `addiu $t2, $s5, ${1 - N}      # 0: last tile of its group`,
    'lw $t1, 0x14($zero)',
    'bnez $t2, step_in0',
    'nop',
    'lw $t1, 0x1c($zero)',
    'step_in0:',
    'addu $gp, $gp, $t1',
    `xori $t0, $s0, ${x0}`,
    ...dma('$t0', '$gp', 0x18, 'SP_RD_LEN'),
    ...(two ? [
      'lw $t1, 0x24($zero)',
      'bnez $t2, step_in1',
      'nop',
      'lw $t1, 0x2c($zero)',
      'step_in1:',
      'addu $k0, $k0, $t1', `xori $t0, $s1, ${x1}`, ...dma('$t0', '$k0', 0x28, 'SP_RD_LEN')] : []),
    'compute:',
    ...body,
    'compute_end:',
    'addiu $s7, $s7, 1',
    `xori $s0, $s0, ${x0}`,
    ...(two ? [`xori $s1, $s1, ${x1}`] : []),
    'addiu $s5, $s5, 1',
    `addiu $t0, $s5, ${-N}`,
    'bnez $t0, same_group',
    'nop',
    'li $s5, 0',
    `xori $s2, $s2, ${xo}`,
    'same_group:',
    'bne $s7, $s6, tile_loop',
    'nop',
    '# last tile',
    ...waitIdle(),
    `xori $t0, $s2, ${xo}`,
    ...writeOut(),
    ...waitIdle(),
    'finish:',
    'break',
    'nop',
  ];
  return { asm: lines.map((l) => (/^[\w.]+:/.test(l) || l.startsWith('.') || l.startsWith('#') ? l : '  ' + l)).join('\n') + '\n', map };
}

export function finishKernel(k: Omit<RspKernel, 'image'>): RspKernel {
  const image = assemble(k.asm);
  if (image.imem.length > IMEM_SIZE) throw new DnncError(`RSP kernel ${k.name} needs ${image.imem.length} bytes of IMEM`);
  return { ...k, image };
}

/** Big-endian int16 array bytes. */
export function be16(xs: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(xs.length * 2);
  for (let i = 0; i < xs.length; i++) { out[2 * i] = (xs[i]! >> 8) & 0xff; out[2 * i + 1] = xs[i]! & 0xff; }
  return out;
}

export function fromBe16(b: Uint8Array, off: number, n: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  return out;
}

/** SP DMA length register value for `rows` rows of `bytes` each, `skip` bytes between rows in RDRAM. */
export function dmaLen(bytes: number, rows = 1, skip = 0): number {
  if (bytes % 8 || bytes <= 0 || bytes > 4096) throw new DnncError(`DMA row of ${bytes} bytes: must be a positive multiple of 8, at most 4096`);
  if (rows < 1 || rows > 256 || skip % 8 || skip < 0 || skip > 0xfff) throw new DnncError(`DMA of ${rows} rows with skip ${skip}: out of range`);
  return ((bytes - 1) | ((rows - 1) << 12) | (skip << 20)) >>> 0;
}

/** Emit `lqv`/`sqv`-style addressing for a byte offset that may exceed the 7-bit scaled range. */
export class PtrWalker {
  cur = 0;
  constructor(public reg: string, public out: string[], public scale = 16) {}
  /** Returns an `off(reg)` operand for absolute offset `abs` from the pointer's start. */
  at(abs: number): string {
    let rel = abs - this.cur;
    if (rel < -64 * this.scale || rel > 63 * this.scale || rel % this.scale) {
      const step = abs - (abs % this.scale) - this.cur;
      this.out.push(`addiu ${this.reg}, ${this.reg}, ${step}`);
      this.cur += step;
      rel = abs - this.cur;
    }
    return `${rel}(${this.reg})`;
  }
}
