// RSP instruction-set tables shared by the assembler, disassembler and
// simulator. Encodings: MIPS R4000 for the scalar unit; COP2 vector unit as
// documented on n64brew ("Reality Signal Processor/CPU Core") and in
// rasky's r64emu doc/rsp.md; libdragon's include/rsp.inc for the assembly
// syntax conventions (element names, COP0/COP2 register names).

export const GPR_NAMES = ['zero', 'at', 'v0', 'v1', 'a0', 'a1', 'a2', 'a3', 't0', 't1', 't2', 't3', 't4', 't5', 't6', 't7',
  's0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 't8', 't9', 'k0', 'k1', 'gp', 'sp', 'fp', 'ra'];

/** COP0 registers of the RSP (DMA and status); names as in the issue and libdragon. */
export const COP0_NAMES = ['SP_MEM_ADDR', 'SP_DRAM_ADDR', 'SP_RD_LEN', 'SP_WR_LEN', 'SP_STATUS', 'SP_DMA_FULL', 'SP_DMA_BUSY', 'SP_SEMAPHORE',
  'DPC_START', 'DPC_END', 'DPC_CURRENT', 'DPC_STATUS', 'DPC_CLOCK', 'DPC_BUSY', 'DPC_PIPE_BUSY', 'DPC_TMEM_BUSY'];
export const COP0_ALIASES: Record<string, number> = {
  COP0_DMA_SPADDR: 0, COP0_DMA_RAMADDR: 1, COP0_DMA_READ: 2, COP0_DMA_WRITE: 3, COP0_SP_STATUS: 4, COP0_DMA_FULL: 5,
  COP0_DMA_BUSY: 6, COP0_SEMAPHORE: 7,
};

/** R-type SPECIAL functs. */
export const SPECIAL: Record<string, number> = {
  sll: 0x00, srl: 0x02, sra: 0x03, sllv: 0x04, srlv: 0x06, srav: 0x07, jr: 0x08, jalr: 0x09, break: 0x0d,
  add: 0x20, addu: 0x21, sub: 0x22, subu: 0x23, and: 0x24, or: 0x25, xor: 0x26, nor: 0x27, slt: 0x2a, sltu: 0x2b,
};
/** I-type primary opcodes. */
export const IOPS: Record<string, number> = {
  j: 0x02, jal: 0x03, beq: 0x04, bne: 0x05, blez: 0x06, bgtz: 0x07, addi: 0x08, addiu: 0x09, slti: 0x0a, sltiu: 0x0b,
  andi: 0x0c, ori: 0x0d, xori: 0x0e, lui: 0x0f, lb: 0x20, lh: 0x21, lw: 0x23, lbu: 0x24, lhu: 0x25, sb: 0x28, sh: 0x29, sw: 0x2b,
};
export const REGIMM: Record<string, number> = { bltz: 0x00, bgez: 0x01, bltzal: 0x10, bgezal: 0x11 };
export const OP_SPECIAL = 0x00, OP_REGIMM = 0x01, OP_COP0 = 0x10, OP_COP2 = 0x12, OP_LWC2 = 0x32, OP_SWC2 = 0x3a;

/** Vector computational functs (COP2, bit 25 set). */
export const VOPS: Record<string, number> = {
  vmulf: 0x00, vmulu: 0x01, vrndp: 0x02, vmulq: 0x03, vmudl: 0x04, vmudm: 0x05, vmudn: 0x06, vmudh: 0x07,
  vmacf: 0x08, vmacu: 0x09, vrndn: 0x0a, vmacq: 0x0b, vmadl: 0x0c, vmadm: 0x0d, vmadn: 0x0e, vmadh: 0x0f,
  vadd: 0x10, vsub: 0x11, vabs: 0x13, vaddc: 0x14, vsubc: 0x15, vsar: 0x1d,
  vlt: 0x20, veq: 0x21, vne: 0x22, vge: 0x23, vcl: 0x24, vch: 0x25, vcr: 0x26, vmrg: 0x27,
  vand: 0x28, vnand: 0x29, vor: 0x2a, vnor: 0x2b, vxor: 0x2c, vnxor: 0x2d,
  vrcp: 0x30, vrcpl: 0x31, vrcph: 0x32, vmov: 0x33, vrsq: 0x34, vrsql: 0x35, vrsqh: 0x36, vnop: 0x37,
};
export const SINGLE_LANE = new Set(['vrcp', 'vrcpl', 'vrcph', 'vmov', 'vrsq', 'vrsql', 'vrsqh']);

/** Vector loads/stores (LWC2/SWC2 sub-opcode in bits 15..11) and their offset scale in bytes. */
export const VLS: Record<string, { op: number; store: boolean; scale: number }> = {};
for (const [n, op, scale] of [['bv', 0, 1], ['sv', 1, 2], ['lv', 2, 4], ['dv', 3, 8], ['qv', 4, 16], ['rv', 5, 16],
  ['pv', 6, 8], ['uv', 7, 8], ['hv', 8, 16], ['fv', 9, 16], ['tv', 11, 16]] as [string, number, number][]) {
  VLS['l' + n] = { op, store: false, scale };
  VLS['s' + n] = { op, store: true, scale };
}
// lhv/lfv/shv/sfv (sub-opcodes 8, 9) assemble but are not simulated; swv is not supported.

/** Element selector names for computational opcodes (libdragon's .v/.q0/.h0/.e0 and [0q]/[0h] forms). */
export function elementName(e: number): string {
  if (e === 0) return '';
  if (e === 2 || e === 3) return `[${e - 2}q]`;
  if (e >= 4 && e <= 7) return `[${e - 4}h]`;
  if (e >= 8) return `[${e - 8}]`;
  return `[e${e}]`;
}

/** Lane of vt read by lane i under element selector e. */
export function selLane(e: number, i: number): number {
  if (e < 2) return i;
  if (e < 4) return (i & 6) | (e & 1);
  if (e < 8) return (i & 4) | (e & 3);
  return e & 7;
}

export const SIGN16 = (v: number) => (v << 16) >> 16;
