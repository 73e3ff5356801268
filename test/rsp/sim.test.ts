// RSP simulator semantics, against the documented behaviour:
//  [DOC] rasky's r64emu doc/rsp.md (also on n64brew / emudev.org): pseudo-code
//        of VMULF/VMULU/VMACF/VMUDx/VMADx/VADD/VADDC/VSUBC/VLT/VGE/VEQ/VNE/
//        VCH/VCL/VMRG/VSAR, clamping rules, LQV/LRV/SQV behaviour, the
//        RCP/RSQ ROM tables; libdragon rsp.inc (vsra/vsrl macros: vmudm/vmudl
//        by 2^(16-n) are arithmetic/logical right shifts by n).
//  [SP]  the SP DMA length register: (bytes-1) | (count-1)<<12 | skip<<20
//        (libdragon DMA_SIZE3), RDRAM skip after each row.
import { describe, it, expect } from 'vitest';
import { assemble } from '../../compiler/rsp/asm.js';
import { Rsp, rcpRom, rsqRom } from '../../compiler/rsp/sim.js';
import { dmaLen } from '../../compiler/rsp/kernels/common.js';

/** Assemble `code` + break, run with the given vector registers preset. */
function exec(code: string, vregs: Record<number, number[]> = {}, setup?: (r: Rsp) => void): Rsp {
  const r = new Rsp(1 << 16);
  const img = assemble(code + '\nbreak\nnop\n');
  r.loadImem(img.imem);
  for (const [k, v] of Object.entries(vregs)) r.setVector(Number(k), v.map((x) => x & 0xffff));
  setup?.(r);
  r.run(0, 1_000_000);
  return r;
}
const s16 = (x: number) => (x << 16) >> 16;
const sv = (r: Rsp, v: number) => r.vector(v).map(s16);
const acc = (r: Rsp, i: number) => [r.accSlice(i, 'hi'), r.accSlice(i, 'md'), r.accSlice(i, 'lo')];

describe('RSP simulator: multiply family', () => {
  it('[DOC] VMULF rounds with 0x8000 and saturates 0x8000*0x8000 to 0x7FFF', () => {
    const r = exec('vmulf $v03, $v01, $v02', { 1: [0x4000, 0x8000, 0x7fff, -0x4000, 1, 0x2000, 0, 0x100], 2: [0x4000, 0x8000, 0x7fff, 0x4000, 1, 0x0001, 5, 0x100] });
    // 0.5*0.5 = 0.25; -1*-1 -> clamp; 0x7fff^2*2+0x8000 >> 16 = 0x7ffe; -0.5*0.5; 1*1*2+0x8000 >> 16 = 0 (rounds);
    expect(sv(r, 3)).toEqual([0x2000, 0x7fff, 0x7ffe, -0x2000, 0, 0, 0, 2]);
    expect(acc(r, 1)).toEqual([0x0000, 0x8000, 0x8000]); // 0x8000*0x8000*2 + 0x8000 = 0x0000_8000_8000
    expect(acc(r, 4)).toEqual([0, 0, 0x8002]);
  });
  it('[DOC] VMULU clamps negative results to 0 and overflow to 0xFFFF', () => {
    const r = exec('vmulu $v03, $v01, $v02', { 1: [0x8000, -0x4000, 0x4000, 0, 0, 0, 0, 0], 2: [0x8000, 0x4000, 0x4000, 0, 0, 0, 0, 0] });
    expect(r.vector(3).slice(0, 3)).toEqual([0xffff, 0, 0x2000]);
  });
  it('[DOC] VMUDH puts the product at ACC(47..16) and returns it clamped; VMADH accumulates', () => {
    const r = exec('vmudh $v03, $v01, $v02\nvmadh $v04, $v01, $v02.e0', { 1: [300, -300, 2, 0, 0, 0, 0, 0], 2: [300, 300, 3, 0, 0, 0, 0, 0] });
    expect(sv(r, 3).slice(0, 3)).toEqual([32767, -32768, 6]);
    // lane 0: 90000 + 90000 = 180000 = 0x2BF20 at ACC(47..16)
    expect(acc(r, 0)).toEqual([0x0002, 0xbf20, 0]);
    // lane 1: -90000 + (-300 * 300) = -180000
    expect(acc(r, 1)).toEqual([0xfffd, 0x40e0, 0]);
    expect(sv(r, 4).slice(0, 3)).toEqual([32767, -32768, 606]); // lane 2: 6 + 2*300
  });
  it('[DOC] VMUDN: unsigned vs x signed vt at ACC(31..0); returns ACC_LO unless ACC(47..16) is not a sign-extended 16-bit value', () => {
    const r = exec('vmudn $v03, $v01, $v02\nvmudn $v04, $v01, $v02\nvmadn $v04, $v01, $v02', { 1: [0xffff, 0x8000, 2, 0x1234, 0, 0, 0, 0], 2: [1, -1, -3, 0x100, 0, 0, 0, 0] });
    expect(r.vector(3).slice(0, 4)).toEqual([0xffff, 0x8000, 0xfffa, 0x3400]);
    expect(acc(r, 1)).toEqual([0xffff, 0xffff, 0x0000]); // 2 * (-0x8000) = -0x10000 after vmadn
    // lane 3: 2 * 0x123400 = 0x246800: ACC(47..16) = 0x24 fits, so ACC_LO 0x6800 is returned
    expect(r.vector(4)[3]).toBe(0x6800);
    const big = exec('vmudn $v03, $v01, $v02\nvmadh $v03, $v01, $v02\nvmadn $v03, $v05, $v05', { 1: [0x7fff, 0, 0, 0, 0, 0, 0, 0], 2: [0x7fff, 0, 0, 0, 0, 0, 0, 0], 5: [0, 0, 0, 0, 0, 0, 0, 0] });
    expect(big.vector(3)[0]).toBe(0xffff); // ACC(47..16) > 32767: positive overflow
  });
  it('[DOC] VMUDL keeps the high half of unsigned x unsigned; VMUDM is signed x unsigned', () => {
    const r = exec('vmudl $v03, $v01, $v02\nvmudm $v04, $v01, $v02', { 1: [0xffff, 0x8000, -2, 0, 0, 0, 0, 0], 2: [0xffff, 0x8000, 0x8000, 0, 0, 0, 0, 0] });
    expect(r.vector(3).slice(0, 2)).toEqual([0xfffe, 0x4000]);
    expect(sv(r, 4).slice(0, 3)).toEqual([-1, -16384, -1]); // (-1*65535)>>16 = -1; -32768*32768 >> 16; -2*32768>>16
  });
  it('[DOC/libdragon vsra] VMUDM by 2^(16-n) is an arithmetic right shift by n', () => {
    const xs = [-32768, -12345, -1, 0, 1, 777, 32767, -3];
    for (const n of [1, 4, 15]) {
      const r = exec('vmudm $v03, $v01, $v02.e0', { 1: xs, 2: [2 ** (16 - n), 0, 0, 0, 0, 0, 0, 0] });
      expect(sv(r, 3)).toEqual(xs.map((x) => x >> n));
    }
  });
  it('[DOC] VMACF accumulates without rounding; VSAR reads HI/MD/LO and other elements read 0', () => {
    const r = exec('vmulf $v03, $v01, $v02\nvmacf $v04, $v01, $v02\nvsar $v05, COP2_ACC_HI\nvsar $v06, COP2_ACC_MD\nvsar $v07, COP2_ACC_LO\nvsar $v08, 3', { 1: [0x4000, 0, 0, 0, 0, 0, 0, 0], 2: [0x4000, 0, 0, 0, 0, 0, 0, 0] });
    expect(r.vector(4)[0]).toBe(0x4000);
    expect([r.vector(5)[0], r.vector(6)[0], r.vector(7)[0]]).toEqual([0, 0x4000, 0x8000]);
    expect(r.vector(8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('RSP simulator: add, carry, compare, select', () => {
  it('[DOC] VADDC sets VCO carry, VADD consumes it (32-bit add) and saturates', () => {
    // (0x0001_FFFF + 0x0000_0001) and (0x7FFF_FFFF + 1): lo via vaddc, hi via vadd
    const r = exec('vaddc $v05, $v01, $v03\ncfc2 $t0, $vco\nvadd $v06, $v02, $v04\ncfc2 $t1, $vco\nsw $t0, 0($zero)\nsw $t1, 4($zero)', {
      1: [0xffff, 0xffff, 5, 0, 0, 0, 0, 0], 2: [1, 0x7fff, -5, 0, 0, 0, 0, 0], 3: [1, 1, 1, 0, 0, 0, 0, 0], 4: [0, 0, -32768, 0, 0, 0, 0, 0],
    });
    expect(r.vector(5).slice(0, 3)).toEqual([0, 0, 6]);
    expect(sv(r, 6).slice(0, 3)).toEqual([2, 32767, -32768]);
    expect(new DataView(r.dmem.buffer).getInt32(0)).toBe(3); // carries of lanes 0 and 1
    expect(new DataView(r.dmem.buffer).getInt32(4)).toBe(0); // cleared by vadd
    expect(r.accSlice(1, 'lo')).toBe(0x8000); // ACC_LO gets the unclamped sum
  });
  it('[DOC] VSUBC sets borrow in VCO(i) and "not equal" in VCO(i+8)', () => {
    const r = exec('vsubc $v05, $v01, $v02\ncfc2 $t0, $vco\nsw $t0, 0($zero)', { 1: [1, 5, 5, 0, 0, 0, 0, 0], 2: [2, 5, 3, 0, 0, 0, 0, 0] });
    expect(r.vector(5).slice(0, 3)).toEqual([0xffff, 0, 2]);
    expect(new DataView(r.dmem.buffer).getInt32(0) & 0xffff).toBe(0x0001 | (0x0005 << 8));
  });
  it('[DOC] VLT/VGE/VEQ/VNE select into vd and set VCC; VCO breaks ties', () => {
    const a = [1, 5, -3, 7, 0, 0, 0, 0], b = [2, 5, -4, 7, 0, 0, 0, 0];
    const r = exec('vlt $v05, $v01, $v02\ncfc2 $t0, $vcc\nvge $v06, $v01, $v02\nveq $v07, $v01, $v02\nvne $v08, $v01, $v02\ncfc2 $t1, $vcc\nsw $t0, 0($zero)\nsw $t1, 4($zero)', { 1: a, 2: b });
    expect(sv(r, 5).slice(0, 4)).toEqual([1, 5, -4, 7]); // min
    expect(sv(r, 6).slice(0, 4)).toEqual([2, 5, -3, 7]); // max
    expect(sv(r, 7).slice(0, 4)).toEqual([2, 5, -4, 7]); // veq returns vt
    const dv = new DataView(r.dmem.buffer);
    expect(dv.getInt32(0) & 0xff).toBe(0b00000001);
    expect(dv.getInt32(4) & 0xff).toBe(0b00000101); // vne: lanes 0, 2
    // tie-break: after vsubc with a borrow and ne set (lane 0: 1 - 2), vlt on equal operands selects vs
    const t = exec('vsubc $v09, $v01, $v02\nvlt $v05, $v03, $v04\ncfc2 $t0, $vcc\nsw $t0, 0($zero)', { 1: [1, 0, 0, 0, 0, 0, 0, 0], 2: [2, 0, 0, 0, 0, 0, 0, 0], 3: [9, 9, 0, 0, 0, 0, 0, 0], 4: [9, 9, 0, 0, 0, 0, 0, 0] });
    expect(new DataView(t.dmem.buffer).getInt32(0) & 0xff).toBe(0b00000001);
  });
  it('[DOC] VMRG selects by VCC and leaves the flags; VCH clips vs into [-vt, vt]', () => {
    const r = exec('vlt $v05, $v01, $v02\nvmrg $v06, $v03, $v04\nvch $v07, $v01, $v02', {
      1: [5, -5, 2, -2, 0, 0, 0, 0], 2: [3, 3, 3, 3, 1, 1, 1, 1], 3: [10, 11, 12, 13, 14, 15, 16, 17], 4: [20, 21, 22, 23, 24, 25, 26, 27],
    });
    expect(sv(r, 6)).toEqual([20, 11, 12, 13, 14, 15, 16, 17]);
    expect(sv(r, 7).slice(0, 4)).toEqual([3, -3, 2, -2]);
  });
  it('[DOC] VABS and the logical ops write ACC_LO too', () => {
    const r = exec('vabs $v03, $v01, $v02\nvnxor $v04, $v01, $v02', { 1: [-1, 0, 7, -1, 0, 0, 0, 0], 2: [5, 5, 5, -32768, 0, 0, 0, 0] });
    expect(sv(r, 3).slice(0, 4)).toEqual([-5, 0, 5, 32767]);
    expect(r.vector(4)[0]).toBe(~(0xffff ^ 5) & 0xffff);
    expect(r.accSlice(0, 'lo')).toBe(~(0xffff ^ 5) & 0xffff);
  });
  it('[DOC] RCP/RSQ ROM tables match the published values (first/last entries of rows)', () => {
    const rcp = rcpRom(), rsq = rsqRom();
    expect([rcp[0], rcp[1], rcp[2], rcp[16], rcp[255], rcp[256], rcp[511]]).toEqual([0xffff, 0xff00, 0xfe01, 0xf07c, 0x55c7, 0x5555, 0x0040]);
    expect([rsq[0], rsq[1], rsq[2], rsq[16], rsq[255], rsq[256], rsq[511]]).toEqual([0xffff, 0xff00, 0xfe02, 0xf0b6, 0x6a64, 0x6a09, 0x0040]);
  });
});

describe('RSP simulator: loads, stores, scalar unit, DMA', () => {
  it('[DOC] LQV/LRV pair loads 16 unaligned bytes; SQV/SRV store them back', () => {
    const r = exec('li $t0, 0x108\nlqv $v01[0], 0($t0)\nlrv $v01[0], 16($t0)\nli $t1, 0x208\nsqv $v01[0], 0($t1)\nsrv $v01[0], 16($t1)', {}, (r) => {
      for (let i = 0; i < 48; i++) r.dmem[0x100 + i] = i;
    });
    expect(r.vector(1)).toEqual([0x0809, 0x0a0b, 0x0c0d, 0x0e0f, 0x1011, 0x1213, 0x1415, 0x1617]);
    expect(Array.from(r.dmem.subarray(0x208, 0x218))).toEqual(Array.from({ length: 16 }, (_, i) => 8 + i));
  });
  it('[DOC] LSV/SSV/LDV use their element as a byte index; MFC2 sign-extends, MTC2 writes 16 bits', () => {
    const r = exec('li $t0, 0x7ffe\nmtc2 $t0, $v02.e3\nssv $v02[6], 0x40($zero)\nlsv $v03[4], 0x40($zero)\nmfc2 $t1, $v03.e2\nsw $t1, 0x50($zero)\nldv $v04[8], 0x40($zero)');
    expect(r.vector(3)[2]).toBe(0x7ffe);
    expect(new DataView(r.dmem.buffer).getInt32(0x50)).toBe(0x7ffe);
    expect(r.vector(4)[4]).toBe(0x7ffe);
  });
  it('scalar unit: delay slots, jal/jr, signed/unsigned loads, shifts, slt', () => {
    const r = exec([
      'li $t0, -8', 'sra $t1, $t0, 1', 'srl $t2, $t0, 28', 'slt $t3, $t0, $zero', 'sltu $t4, $t0, $zero',
      'jal sub', 'addiu $t5, $zero, 1', 'b end', 'addiu $t6, $zero, 2', 'sub: jr $ra', 'addiu $t5, $t5, 10',
      'end: sh $t0, 0($zero)', 'lh $t7, 0($zero)', 'lhu $s0, 0($zero)',
    ].join('\n'));
    expect([r.r[9], r.r[10], r.r[11], r.r[12], r.r[13], r.r[14], r.r[15], r.r[16]]).toEqual([-4, 15, 1, 0, 11, 2, -8, 0xfff8]);
  });
  it('[SP] DMA: strided rows with skip, BUSY until done, stale DMEM before completion, FULL with two queued', () => {
    const r = new Rsp(1 << 16);
    for (let i = 0; i < 256; i++) r.rdram[0x1000 + i] = i;
    r.setVector(0, [0, 0, 0, 0, 0, 0, 0, 0]);
    const len = dmaLen(8, 3, 8); // 3 rows of 8 bytes, skipping 8 bytes of RDRAM after each row
    const img = assemble([
      'li $t0, 0x100', 'mtc0 $t0, SP_MEM_ADDR', 'li $t1, 0x1000', 'mtc0 $t1, SP_DRAM_ADDR', `li $t2, ${len}`, 'mtc0 $t2, SP_RD_LEN',
      'lw $s0, 0x100($zero)', 'mfc0 $s1, SP_DMA_BUSY',
      'li $t0, 0x200', 'mtc0 $t0, SP_MEM_ADDR', 'mtc0 $t1, SP_DRAM_ADDR', 'li $t2, 7', 'mtc0 $t2, SP_RD_LEN', 'mfc0 $s2, SP_DMA_FULL',
      'wait: mfc0 $t3, SP_DMA_BUSY', 'bnez $t3, wait', 'nop', 'lw $s3, 0x100($zero)', 'lw $s4, 0x108($zero)', 'break',
    ].join('\n'));
    r.loadImem(img.imem);
    r.run();
    expect(r.r[16]).toBe(0); // not arrived yet
    expect(r.r[17]).toBe(1);
    expect(r.r[18]).toBe(1);
    expect(r.r[19]).toBe(0x00010203);
    expect(r.r[20]).toBe(0x10111213); // second row starts 8 bytes after the first one ended
    expect(Array.from(r.dmem.subarray(0x110, 0x118))).toEqual([0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27]);
    expect(r.stats.dmaReadBytes).toBe(32);
    expect(r.stats.dmaWaitInstructions).toBeGreaterThan(0);
    expect(() => exec('li $t0, 4\nmtc0 $t0, SP_MEM_ADDR\nli $t0, 7\nmtc0 $t0, SP_RD_LEN')).toThrow(/aligned/);
  });
});

describe('RSP simulator: pipeline estimate', () => {
  /** cycles between the issue of instruction 0 and instruction 1 */
  const gap = (code: string) => exec(code).pipeProfile[1]!;
  it('stalls a VU read of a freshly loaded register (ready 4 cycles after) and pairs independent SU/VU neighbours', () => {
    expect(gap('lqv $v01[0], 0($zero)\nvmudh $v02, $v01, $v01')).toBe(4);
    expect(gap('lqv $v01[0], 0($zero)\nvmudh $v02, $v03, $v03')).toBe(0); // paired
    expect(gap('vmudh $v02, $v03, $v03\nvadd $v04, $v02, $v02')).toBe(4);
    expect(gap('vmudh $v02, $v03, $v03\nvadd $v04, $v05, $v05')).toBe(1); // two VU ops never pair
    expect(gap('lw $t0, 0($zero)\naddu $t1, $t0, $t0')).toBe(3);
    expect(gap('addiu $t0, $zero, 1\naddu $t1, $t0, $t0')).toBe(1);
    expect(gap('vmudh $v02, $v03, $v03\nsqv $v02[0], 0($zero)')).toBe(4);
  });
});
