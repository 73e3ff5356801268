// An RSP simulator for the subset the assembler emits: scalar unit, COP0
// DMA/status registers, and the COP2 vector unit bit-exact (48-bit
// accumulator per lane, multiply rounding and clamps, VCO/VCC/VCE).
// Semantics follow the public documentation (n64brew "Reality Signal
// Processor/CPU Core", rasky's r64emu doc/rsp.md).
//
// Timing model (stated, simple): one cycle per instruction, single issue
// (the real RSP can pair one scalar and one vector op; we do not model
// pairing nor pipeline stalls). A DMA takes DMA_SETUP + ceil(bytes/8)
// cycles; at most one runs and one waits (SP_DMA_FULL); data moves when the
// DMA completes, so reading a buffer before waiting for its DMA reads stale
// bytes (the tests catch missing waits).
import { DnncError } from '../../ir/errors.js';
import { OP_SPECIAL, OP_REGIMM, OP_COP0, OP_COP2, OP_LWC2, OP_SWC2, SIGN16, selLane, VLS } from './isa.js';
import { IMEM_SIZE, DMEM_SIZE } from './asm.js';

export const DMA_SETUP = 16;
const TWO16 = 65536, TWO32 = 4294967296, TWO47 = 140737488355328, TWO48 = 281474976710656;

interface Dma { toRdram: boolean; mem: number; dram: number; len: number; count: number; skip: number; bytes: number; done: number }

export interface SimStats {
  instructions: number;
  cycles: number;
  /** instructions spent polling DMA_BUSY/DMA_FULL while a DMA was still running */
  dmaWaitInstructions: number;
  dmaReadBytes: number;
  dmaWriteBytes: number;
  dmaCount: number;
}

function wrap48(x: number): number {
  let r = x % TWO48;
  if (r < 0) r += TWO48;
  return r >= TWO47 ? r - TWO48 : r;
}
const s16 = (x: number) => (x << 16) >> 16;
const u16 = (x: number) => x & 0xffff;
const sclamp = (x: number) => (x < -32768 ? -32768 : x > 32767 ? 32767 : x);
/** ACC(47..16) of a signed 48-bit value, as a signed 32-bit integer. */
const hi32 = (a: number) => Math.floor(a / TWO16);

export class Rsp {
  imem = new Uint8Array(IMEM_SIZE);
  dmem = new Uint8Array(DMEM_SIZE);
  rdram: Uint8Array;
  r = new Int32Array(32);
  vr = new Uint16Array(32 * 8);
  acc = new Float64Array(8); // signed 48-bit per lane, exact in a double
  vco = 0; vcc = 0; vce = 0;
  divIn = 0; divOut = 0; divInLoaded = false;
  pc = 0;
  halted = false;
  semaphore = 0;
  memAddr = 0; dramAddr = 0;
  dmas: Dma[] = [];
  stats: SimStats = { instructions: 0, cycles: 0, dmaWaitInstructions: 0, dmaReadBytes: 0, dmaWriteBytes: 0, dmaCount: 0 };
  /** Counts executed instructions per IMEM word (for listings). */
  profile = new Float64Array(IMEM_SIZE / 4);
  /** Estimated issue cycles charged to each IMEM word under the pipeline model (see pipeline()). */
  pipeProfile = new Float64Array(IMEM_SIZE / 4);
  private pipe = { t: 0, lastUnit: '', lastPaired: true, lastDests: [] as number[], lastBranch: false, readyG: new Float64Array(32), readyV: new Float64Array(32) };

  constructor(rdramBytes = 1 << 20) {
    this.rdram = new Uint8Array(rdramBytes);
  }

  loadImem(code: Uint8Array, at = 0) { this.imem.set(code, at); }
  loadDmem(data: Uint8Array, at = 0) { this.dmem.set(data, at); }

  // ---------------------------------------------------------- vector helpers
  lane(v: number, i: number): number { return this.vr[v * 8 + i]!; }
  setLane(v: number, i: number, x: number) { this.vr[v * 8 + i] = x & 0xffff; }
  vector(v: number): number[] { return Array.from(this.vr.subarray(v * 8, v * 8 + 8)); }
  setVector(v: number, xs: number[]) { xs.forEach((x, i) => this.setLane(v, i, x)); }
  /** Byte b (0 = most significant of lane 0) of vector register v. */
  vbyte(v: number, b: number): number {
    const x = this.vr[v * 8 + ((b & 15) >> 1)]!;
    return b & 1 ? x & 0xff : x >> 8;
  }
  setVbyte(v: number, b: number, x: number) {
    const k = v * 8 + ((b & 15) >> 1);
    const cur = this.vr[k]!;
    this.vr[k] = b & 1 ? (cur & 0xff00) | (x & 0xff) : (cur & 0xff) | ((x & 0xff) << 8);
  }
  accSlice(i: number, which: 'hi' | 'md' | 'lo'): number {
    const a = wrap48(this.acc[i]!);
    const u = a < 0 ? a + TWO48 : a;
    if (which === 'hi') return Math.floor(u / TWO32) & 0xffff;
    if (which === 'md') return Math.floor(u / TWO16) & 0xffff;
    return u % TWO16;
  }
  setAccLo(i: number, x: number) {
    const a = wrap48(this.acc[i]!);
    const u = a < 0 ? a + TWO48 : a;
    this.acc[i] = wrap48(u - (u % TWO16) + u16(x));
  }

  // ---------------------------------------------------------- memory
  private dm8(a: number) { return this.dmem[a & 0xfff]!; }
  private dmw8(a: number, x: number) { this.dmem[a & 0xfff] = x & 0xff; }

  // ---------------------------------------------------------- DMA
  private dmaBusy(): boolean { this.retire(); return this.dmas.length > 0; }
  private dmaFull(): boolean { this.retire(); return this.dmas.length > 1; }
  private retire() {
    while (this.dmas.length && this.dmas[0]!.done <= this.stats.cycles) {
      const d = this.dmas.shift()!;
      this.performDma(d);
    }
  }
  private performDma(d: Dma) {
    const spmem = d.mem & 0x1000 ? this.imem : this.dmem;
    let m = d.mem & 0xfff, r = d.dram;
    for (let c = 0; c < d.count; c++) {
      for (let b = 0; b < d.len; b++) {
        if (r + b >= this.rdram.length) throw new DnncError(`rsp sim: DMA outside RDRAM (0x${(r + b).toString(16)})`);
        if (d.toRdram) this.rdram[r + b] = spmem[(m + b) & 0xfff]!;
        else spmem[(m + b) & 0xfff] = this.rdram[r + b]!;
      }
      m += d.len; r += d.len + d.skip;
    }
  }
  private startDma(lenReg: number, toRdram: boolean) {
    this.retire();
    if (this.dmas.length > 1) throw new DnncError('rsp sim: DMA started while SP_DMA_FULL');
    if (this.memAddr & 7 || this.dramAddr & 7) throw new DnncError(`rsp sim: DMA addresses must be 8-byte aligned (mem 0x${this.memAddr.toString(16)}, dram 0x${this.dramAddr.toString(16)})`);
    const len = ((lenReg & 0xfff) | 7) + 1, count = ((lenReg >>> 12) & 0xff) + 1, skip = (lenReg >>> 20) & 0xfff;
    if ((lenReg & 0xfff) % 8 !== 7) throw new DnncError(`rsp sim: DMA length ${(lenReg & 0xfff) + 1} is not a multiple of 8`);
    const bytes = len * count;
    const start = Math.max(this.stats.cycles, this.dmas.length ? this.dmas[this.dmas.length - 1]!.done : 0);
    this.dmas.push({ toRdram, mem: this.memAddr, dram: this.dramAddr, len, count, skip, bytes, done: start + DMA_SETUP + Math.ceil(bytes / 8) });
    this.stats.dmaCount++;
    if (toRdram) this.stats.dmaWriteBytes += bytes; else this.stats.dmaReadBytes += bytes;
    // the hardware advances the address registers past the transfer
    this.memAddr = (this.memAddr & 0x1000) | ((this.memAddr + bytes) & 0xfff);
    this.dramAddr = this.dramAddr + bytes + skip * count;
  }
  /** Finish every outstanding DMA (what the CPU sees after the task ends). */
  drain() { for (const d of this.dmas.splice(0)) this.performDma(d); }

  private readCop0(rd: number): number {
    switch (rd) {
      case 0: return this.memAddr;
      case 1: return this.dramAddr;
      case 2: case 3: return 0xff8;
      case 4: return (this.halted ? 1 : 0) | (this.dmaBusy() ? 4 : 0) | (this.dmaFull() ? 8 : 0);
      case 5: return this.dmaFull() ? 1 : 0;
      case 6: return this.dmaBusy() ? 1 : 0;
      case 7: { const s = this.semaphore; this.semaphore = 1; return s; }
      default: return 0;
    }
  }
  private writeCop0(rd: number, x: number) {
    switch (rd) {
      case 0: this.memAddr = x & 0x1ff8 | (x & 7); break;
      case 1: this.dramAddr = x & 0xffffff; break;
      case 2: this.startDma(x >>> 0, false); break;
      case 3: this.startDma(x >>> 0, true); break;
      case 4: if (x & 2) this.halted = true; break;
      case 7: this.semaphore = 0; break;
      default: break;
    }
  }

  // ---------------------------------------------------------- run
  /** Run from `pc` until BREAK (or a write of SET_HALT); returns the stats. */
  run(pc = 0, maxInstructions = 50_000_000): SimStats {
    this.pc = pc & 0xffc;
    this.halted = false;
    let delayTarget = -1;
    while (!this.halted) {
      if (this.stats.instructions >= maxInstructions) throw new DnncError(`rsp sim: no BREAK after ${maxInstructions} instructions (pc 0x${this.pc.toString(16)})`);
      const pc0 = this.pc;
      const w = ((this.imem[pc0]! << 24) | (this.imem[pc0 + 1]! << 16) | (this.imem[pc0 + 2]! << 8) | this.imem[pc0 + 3]!) >>> 0;
      const target = delayTarget;
      delayTarget = -1;
      this.pc = (pc0 + 4) & 0xffc;
      this.stats.instructions++;
      this.stats.cycles++;
      this.profile[pc0 >> 2]!++;
      this.pipeline(w, pc0, target >= 0);
      const branch = this.step(w, pc0);
      if (branch >= 0) delayTarget = branch;
      if (target >= 0) this.pc = target & 0xffc;
    }
    this.retire();
    return this.stats;
  }

  /** Execute one instruction; returns a branch target (taken) or -1. */
  private step(w: number, pc: number): number {
    const op = w >>> 26, rs = (w >>> 21) & 31, rt = (w >>> 16) & 31, rd = (w >>> 11) & 31, sa = (w >>> 6) & 31;
    const r = this.r;
    const imm = SIGN16(w & 0xffff), uimm = w & 0xffff;
    const set = (k: number, x: number) => { if (k) r[k] = x | 0; };
    const btarget = (pc + 4 + imm * 4) & 0xffc;
    switch (op) {
      case OP_SPECIAL: {
        const fn = w & 63;
        switch (fn) {
          case 0x00: set(rd, r[rt]! << sa); return -1;
          case 0x02: set(rd, r[rt]! >>> sa); return -1;
          case 0x03: set(rd, r[rt]! >> sa); return -1;
          case 0x04: set(rd, r[rt]! << (r[rs]! & 31)); return -1;
          case 0x06: set(rd, r[rt]! >>> (r[rs]! & 31)); return -1;
          case 0x07: set(rd, r[rt]! >> (r[rs]! & 31)); return -1;
          case 0x08: return r[rs]! & 0xffc;
          case 0x09: { const t = r[rs]! & 0xffc; set(rd, (pc + 8) & 0xfff); return t; }
          case 0x0d: this.halted = true; return -1;
          case 0x20: case 0x21: set(rd, r[rs]! + r[rt]!); return -1;
          case 0x22: case 0x23: set(rd, r[rs]! - r[rt]!); return -1;
          case 0x24: set(rd, r[rs]! & r[rt]!); return -1;
          case 0x25: set(rd, r[rs]! | r[rt]!); return -1;
          case 0x26: set(rd, r[rs]! ^ r[rt]!); return -1;
          case 0x27: set(rd, ~(r[rs]! | r[rt]!)); return -1;
          case 0x2a: set(rd, r[rs]! < r[rt]! ? 1 : 0); return -1;
          case 0x2b: set(rd, r[rs]! >>> 0 < r[rt]! >>> 0 ? 1 : 0); return -1;
        }
        break;
      }
      case OP_REGIMM: {
        const x = r[rs]!;
        if (rt === 0x10 || rt === 0x11) r[31] = (pc + 8) & 0xfff;
        if (rt === 0x00 || rt === 0x10) return x < 0 ? btarget : -1;
        if (rt === 0x01 || rt === 0x11) return x >= 0 ? btarget : -1;
        break;
      }
      case 0x02: return (w << 2) & 0xffc;
      case 0x03: r[31] = (pc + 8) & 0xfff; return (w << 2) & 0xffc;
      case 0x04: return r[rs] === r[rt] ? btarget : -1;
      case 0x05: return r[rs] !== r[rt] ? btarget : -1;
      case 0x06: return r[rs]! <= 0 ? btarget : -1;
      case 0x07: return r[rs]! > 0 ? btarget : -1;
      case 0x08: case 0x09: set(rt, r[rs]! + imm); return -1;
      case 0x0a: set(rt, r[rs]! < imm ? 1 : 0); return -1;
      case 0x0b: set(rt, r[rs]! >>> 0 < imm >>> 0 ? 1 : 0); return -1;
      case 0x0c: set(rt, r[rs]! & uimm); return -1;
      case 0x0d: set(rt, r[rs]! | uimm); return -1;
      case 0x0e: set(rt, r[rs]! ^ uimm); return -1;
      case 0x0f: set(rt, uimm << 16); return -1;
      case 0x20: case 0x24: { const a = r[rs]! + imm; const b = this.dm8(a); set(rt, op === 0x20 ? (b << 24) >> 24 : b); return -1; }
      case 0x21: case 0x25: { const a = r[rs]! + imm; const h = (this.dm8(a) << 8) | this.dm8(a + 1); set(rt, op === 0x21 ? s16(h) : h); return -1; }
      case 0x23: { const a = r[rs]! + imm; set(rt, (this.dm8(a) << 24) | (this.dm8(a + 1) << 16) | (this.dm8(a + 2) << 8) | this.dm8(a + 3)); return -1; }
      case 0x28: this.dmw8(r[rs]! + imm, r[rt]!); return -1;
      case 0x29: { const a = r[rs]! + imm; this.dmw8(a, r[rt]! >> 8); this.dmw8(a + 1, r[rt]!); return -1; }
      case 0x2b: { const a = r[rs]! + imm, x = r[rt]!; this.dmw8(a, x >> 24); this.dmw8(a + 1, x >> 16); this.dmw8(a + 2, x >> 8); this.dmw8(a + 3, x); return -1; }
      case OP_COP0: {
        if (rs === 0) {
          const x = this.readCop0(rd & 15);
          if ((rd === 4 && x & 12) || ((rd === 5 || rd === 6) && x)) this.stats.dmaWaitInstructions += 3;
          set(rt, x);
        } else if (rs === 4) this.writeCop0(rd & 15, r[rt]!);
        else break;
        return -1;
      }
      case OP_COP2: {
        if (rs & 16) { this.vector_op(w); return -1; }
        const e = (w >>> 7) & 15;
        if (rs === 0) { set(rt, s16((this.vbyte(rd, e) << 8) | this.vbyte(rd, e + 1))); return -1; }
        if (rs === 4) { this.setVbyte(rd, e, r[rt]! >> 8); if (e < 15) this.setVbyte(rd, e + 1, r[rt]!); return -1; }
        if (rs === 2) { const c = rd & 3; set(rt, c === 0 ? s16(this.vco) : c === 1 ? s16(this.vcc) : this.vce & 0xff); return -1; }
        if (rs === 6) { const c = rd & 3, x = r[rt]!; if (c === 0) this.vco = x & 0xffff; else if (c === 1) this.vcc = x & 0xffff; else this.vce = x & 0xff; return -1; }
        break;
      }
      case OP_LWC2: case OP_SWC2: this.vector_ls(w, op === OP_SWC2); return -1;
    }
    throw new DnncError(`rsp sim: unsupported instruction 0x${w.toString(16).padStart(8, '0')} at 0x${pc.toString(16)}`);
  }

  /**
   * Issue-cycle estimate with the documented RSP pipeline effects (n64brew
   * "Reality Signal Processor/CPU Pipeline"): a VU register written by a VU
   * op, a vector load or mtc2 is ready 4 cycles after issue; lw/lh/lb,
   * mfc0, mfc2, cfc2 results 3 cycles after; other SU results next cycle;
   * an SU and a VU instruction adjacent in program order issue together
   * when the second does not read what the first writes (not in a branch
   * delay slot). Accumulator and VCO/VCC dependencies are assumed
   * forwarded. An estimate: the real pairing rules have more conditions.
   */
  private pipeline(w: number, pc: number, inDelaySlot: boolean) {
    const op = w >>> 26, rs = (w >>> 21) & 31, rt = (w >>> 16) & 31, rd = (w >>> 11) & 31, sa = (w >>> 6) & 31;
    const srcG: number[] = [], srcV: number[] = [];
    let dstG = -1, dstV: number[] = [], latG = 1, unit = 'su', branch = false;
    if (op === OP_COP2 && rs & 16) {
      unit = 'vu';
      const fn = w & 63;
      if (fn === 0x1d) dstV = [sa];
      else if (fn !== 0x37) { srcV.push(rd, rt); if (fn >= 0x30) srcV.push(sa); dstV = [sa]; }
    } else if (op === OP_SPECIAL) {
      const fn = w & 63;
      if (fn === 0x08 || fn === 0x09) { srcG.push(rs); branch = true; if (fn === 0x09) dstG = rd; }
      else if (fn !== 0x0d) { srcG.push(rs, rt); dstG = rd; }
    } else if (op === OP_REGIMM) { srcG.push(rs); branch = true; if (rt & 0x10) dstG = 31; }
    else if (op === 0x02 || op === 0x03) { branch = true; if (op === 0x03) dstG = 31; }
    else if (op >= 0x04 && op <= 0x07) { srcG.push(rs, rt); branch = true; }
    else if (op >= 0x08 && op <= 0x0f) { srcG.push(rs); dstG = rt; }
    else if (op >= 0x20 && op <= 0x25) { srcG.push(rs); dstG = rt; latG = 3; }
    else if (op >= 0x28 && op <= 0x2b) srcG.push(rs, rt);
    else if (op === OP_COP0) { if (rs === 0) { dstG = rt; latG = 3; } else srcG.push(rt); }
    else if (op === OP_COP2) {
      if (rs === 0) { srcV.push(rd); dstG = rt; latG = 3; }
      else if (rs === 4) { srcG.push(rt); dstV = [rd]; }
      else if (rs === 2) { dstG = rt; latG = 3; }
      else srcG.push(rt);
    } else if (op === OP_LWC2) { srcG.push(rs); dstV = ((w >>> 11) & 31) === 11 ? [0, 1, 2, 3, 4, 5, 6, 7].map((k) => (rt & ~7) + k) : [rt]; }
    else if (op === OP_SWC2) { srcG.push(rs); srcV.push(...(((w >>> 11) & 31) === 11 ? [0, 1, 2, 3, 4, 5, 6, 7].map((k) => (rt & ~7) + k) : [rt])); }
    const p = this.pipe;
    let ready = 0;
    for (const g of srcG) if (g) ready = Math.max(ready, p.readyG[g]!);
    for (const v of srcV) ready = Math.max(ready, p.readyV[v]!);
    const dests = [...(dstG > 0 ? [dstG] : []), ...dstV.map((v) => 32 + v)];
    const readsLast = srcG.some((g) => g && p.lastDests.includes(g)) || srcV.some((v) => p.lastDests.includes(32 + v));
    let t: number;
    if (!p.lastPaired && p.lastUnit && p.lastUnit !== unit && !inDelaySlot && !p.lastBranch && !readsLast && ready <= p.t) { t = p.t; p.lastPaired = true; }
    else { t = Math.max(p.t + 1, ready); p.lastPaired = false; }
    this.pipeProfile[pc >> 2]! += t - p.t;
    p.t = t;
    p.lastUnit = unit; p.lastDests = dests; p.lastBranch = branch;
    if (dstG > 0) p.readyG[dstG] = t + latG;
    for (const v of dstV) p.readyV[v] = t + 4;
  }

  private vector_ls(w: number, store: boolean) {
    const base = (w >>> 21) & 31, vt = (w >>> 16) & 31, sub = (w >>> 11) & 31, e = (w >>> 7) & 15;
    const o = ((w & 0x7f) << 25) >> 25;
    const d = Object.values(VLS).find((x) => x.op === sub && x.store === store);
    if (!d) throw new DnncError(`rsp sim: unsupported vector ${store ? 'store' : 'load'} sub-opcode ${sub}`);
    const addr = (this.r[base]! + o * d.scale) & 0xfff;
    switch (sub) {
      case 0: case 1: case 2: case 3: { // bv sv lv dv
        const n = d.scale;
        if (store) for (let k = 0; k < n; k++) this.dmw8(addr + k, this.vbyte(vt, (e + k) & 15));
        else for (let k = 0; k < n && e + k < 16; k++) this.setVbyte(vt, e + k, this.dm8(addr + k));
        return;
      }
      case 4: { // qv: up to the next 16-byte boundary
        const end = (addr & ~15) + 16;
        if (store) for (let k = 0; addr + k < end; k++) this.dmw8(addr + k, this.vbyte(vt, (e + k) & 15));
        else for (let k = 0; addr + k < end && e + k < 16; k++) this.setVbyte(vt, e + k, this.dm8(addr + k));
        return;
      }
      case 5: { // rv: from the previous 16-byte boundary up to addr (excluded), right-aligned in the register
        const start = addr & ~15, n = addr - start;
        if (store) for (let k = 0; k < n; k++) this.dmw8(start + k, this.vbyte(vt, (e + 16 - n + k) & 15));
        else for (let k = 0; k < n; k++) { const b = e + 16 - n + k; if (b < 16) this.setVbyte(vt, b, this.dm8(start + k)); }
        return;
      }
      case 6: case 7: { // pv / uv: 8 bytes, one per lane, in bits 15..8 (pv) or 14..7 (uv)
        const sh = sub === 6 ? 8 : 7;
        const swap = store && e >= 8;
        const shift = swap ? 15 - sh : sh;
        for (let k = 0; k < 8; k++) {
          const lane = (e + k) & 7;
          const a = (addr & ~7) + (((addr & 7) + k) & 7);
          if (store) this.dmw8(a, this.lane(vt, lane) >> shift);
          else this.setLane(vt, lane, this.dm8(a) << sh);
        }
        return;
      }
      case 11: { // tv: lane i of register (vt&~7)+((i - e/2) & 7)
        const g = vt & ~7, start = e >> 1;
        for (let k = 0; k < 8; k++) {
          const reg = g + k, lane = (start + k) & 7;
          const a = (addr & ~15) + ((((addr & 15) + 2 * k)) & 15);
          if (store) { const x = this.lane(reg, lane); this.dmw8(a, x >> 8); this.dmw8((a & ~15) + ((a + 1) & 15), x); }
          else this.setLane(reg, lane, (this.dm8(a) << 8) | this.dm8((a & ~15) + ((a + 1) & 15)));
        }
        return;
      }
    }
    throw new DnncError(`rsp sim: vector ${store ? 'store' : 'load'} sub-opcode ${sub} is not simulated`);
  }

  private vector_op(w: number) {
    const e = (w >>> 21) & 15, vt = (w >>> 16) & 31, vs = (w >>> 11) & 31, vd = (w >>> 6) & 31, fn = w & 63;
    const S = new Array<number>(8), T = new Array<number>(8), D = new Array<number>(8);
    for (let i = 0; i < 8; i++) { S[i] = this.lane(vs, i); T[i] = this.lane(vt, selLane(e, i)); }
    const acc = this.acc;
    const mul = (kind: 'f' | 'u' | 'l' | 'm' | 'n' | 'h', accumulate: boolean, rnd: boolean) => {
      for (let i = 0; i < 8; i++) {
        const s = S[i]!, t = T[i]!;
        let p: number;
        switch (kind) {
          case 'f': case 'u': p = s16(s) * s16(t) * 2 + (rnd ? 0x8000 : 0); break;
          case 'l': p = Math.floor((s * t) / TWO16); break;
          case 'm': p = s16(s) * t; break;
          case 'n': p = s * s16(t); break;
          case 'h': p = s16(s) * s16(t) * TWO16; break;
        }
        const a = wrap48((accumulate ? acc[i]! : 0) + p);
        acc[i] = a;
        const h = hi32(a);
        switch (kind) {
          case 'f': case 'm': case 'h': D[i] = sclamp(h); break;
          case 'u': D[i] = a < 0 ? 0 : h > 32767 ? 0xffff : u16(h); break;
          case 'l': case 'n': {
            // ACC_LO if ACC(47..16) is a sign-extended 16-bit value, else 0 / 0xffff
            D[i] = h < -32768 ? 0 : h > 32767 ? 0xffff : u16(a - h * TWO16);
            break;
          }
        }
      }
    };
    const sel = (cond: boolean[]) => {
      for (let i = 0; i < 8; i++) { D[i] = cond[i] ? S[i]! : T[i]!; this.setAccLo(i, D[i]!); }
    };
    switch (fn) {
      case 0x00: mul('f', false, true); break;
      case 0x01: mul('u', false, true); break;
      case 0x04: mul('l', false, false); break;
      case 0x05: mul('m', false, false); break;
      case 0x06: mul('n', false, false); break;
      case 0x07: mul('h', false, false); break;
      case 0x08: mul('f', true, false); break;
      case 0x09: mul('u', true, false); break;
      case 0x0c: mul('l', true, false); break;
      case 0x0d: mul('m', true, false); break;
      case 0x0e: mul('n', true, false); break;
      case 0x0f: mul('h', true, false); break;
      case 0x10: case 0x11: { // vadd / vsub with carry-in from VCO
        for (let i = 0; i < 8; i++) {
          const c = (this.vco >> i) & 1;
          const x = fn === 0x10 ? s16(S[i]!) + s16(T[i]!) + c : s16(S[i]!) - s16(T[i]!) - c;
          this.setAccLo(i, x);
          D[i] = sclamp(x);
        }
        this.vco = 0;
        break;
      }
      case 0x13: { // vabs
        for (let i = 0; i < 8; i++) {
          const s = s16(S[i]!), t = s16(T[i]!);
          let x = s < 0 ? -t : s === 0 ? 0 : t;
          if (s < 0 && t === -32768) { this.setAccLo(i, 0x8000); D[i] = 0x7fff; continue; }
          x = u16(x);
          this.setAccLo(i, x);
          D[i] = x;
        }
        break;
      }
      case 0x14: case 0x15: { // vaddc / vsubc
        let vco = 0;
        for (let i = 0; i < 8; i++) {
          const x = fn === 0x14 ? S[i]! + T[i]! : S[i]! - T[i]!;
          this.setAccLo(i, x);
          D[i] = u16(x);
          if (fn === 0x14) { if (x > 0xffff) vco |= 1 << i; }
          else { if (x < 0) vco |= 1 << i; if (x !== 0) vco |= 1 << (i + 8); }
        }
        this.vco = vco;
        break;
      }
      case 0x1d: { // vsar
        for (let i = 0; i < 8; i++) D[i] = e === 8 ? this.accSlice(i, 'hi') : e === 9 ? this.accSlice(i, 'md') : e === 10 ? this.accSlice(i, 'lo') : 0;
        break;
      }
      case 0x20: case 0x21: case 0x22: case 0x23: { // vlt veq vne vge
        const c: boolean[] = [];
        let vcc = 0;
        for (let i = 0; i < 8; i++) {
          const s = s16(S[i]!), t = s16(T[i]!);
          const carry = (this.vco >> i) & 1, ne = (this.vco >> (i + 8)) & 1;
          let b: boolean;
          if (fn === 0x20) b = s < t || (s === t && ne === 1 && carry === 1);
          else if (fn === 0x21) b = s === t && ne === 0;
          else if (fn === 0x22) b = s !== t || ne === 1;
          else b = s > t || (s === t && !(ne === 1 && carry === 1));
          c.push(b);
          if (b) vcc |= 1 << i;
        }
        sel(c);
        this.vcc = vcc;
        this.vco = 0;
        break;
      }
      case 0x24: { // vcl
        let vcc = this.vcc;
        for (let i = 0; i < 8; i++) {
          const s = S[i]!, t = T[i]!;
          const carry = (this.vco >> i) & 1, ne = (this.vco >> (i + 8)) & 1, ce = (this.vce >> i) & 1;
          if (!carry && !ne) { if (s >= t) vcc |= 1 << (i + 8); else vcc &= ~(1 << (i + 8)); }
          if (carry && !ne) {
            const sum = s + t, lz = (sum & 0xffff) === 0, c = sum > 0xffff;
            const le = ce ? lz || c : lz && c;
            if (le) vcc |= 1 << i; else vcc &= ~(1 << i);
          }
          const clip = carry ? (vcc >> i) & 1 : (vcc >> (i + 8)) & 1;
          const vtAbs = carry ? u16(-t) : t;
          D[i] = clip ? vtAbs : s;
          this.setAccLo(i, D[i]!);
        }
        this.vcc = vcc; this.vco = 0; this.vce = 0;
        break;
      }
      case 0x25: case 0x26: { // vch / vcr
        let vco = 0, vcc = 0, vce = 0;
        for (let i = 0; i < 8; i++) {
          const s = s16(S[i]!), t = s16(T[i]!);
          const sign = (s ^ t) < 0;
          let ge: boolean, le: boolean, x: number;
          if (fn === 0x25) {
            if (sign) {
              ge = t < 0; le = s + t <= 0;
              const eq = s + t === -1;
              if (eq) vce |= 1 << i;
              if (s + t !== 0 && !eq) vco |= 1 << (i + 8);
              vco |= 1 << i;
              x = le ? -t : s;
            } else {
              le = t < 0; ge = s - t >= 0;
              if (s - t !== 0) vco |= 1 << (i + 8);
              x = ge ? t : s;
            }
          } else {
            if (sign) { ge = t < 0; le = s + t + 1 <= 0; x = le ? ~t : s; }
            else { le = t < 0; ge = s - t >= 0; x = ge ? t : s; }
          }
          if (le) vcc |= 1 << i;
          if (ge) vcc |= 1 << (i + 8);
          D[i] = u16(x);
          this.setAccLo(i, D[i]!);
        }
        this.vcc = vcc;
        this.vco = fn === 0x25 ? vco : 0;
        this.vce = fn === 0x25 ? vce : 0;
        break;
      }
      case 0x27: { // vmrg
        const c: boolean[] = [];
        for (let i = 0; i < 8; i++) c.push(((this.vcc >> i) & 1) === 1);
        sel(c);
        break;
      }
      case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: {
        for (let i = 0; i < 8; i++) {
          const s = S[i]!, t = T[i]!;
          let x = fn < 0x2a ? s & t : fn < 0x2c ? s | t : s ^ t;
          if (fn & 1) x = ~x;
          D[i] = u16(x);
          this.setAccLo(i, D[i]!);
        }
        break;
      }
      case 0x30: case 0x31: case 0x32: case 0x34: case 0x35: case 0x36: case 0x33: { // single lane: de in vs field, source lane from e
        const de = vs & 7, se = e & 7;
        for (let i = 0; i < 8; i++) this.setAccLo(i, T[i]!);
        for (let i = 0; i < 8; i++) D[i] = this.lane(vd, i);
        const src = this.lane(vt, se);
        if (fn === 0x33) D[de] = src;
        else if (fn === 0x32 || fn === 0x36) { D[de] = this.divOut & 0xffff; this.divIn = src; this.divInLoaded = true; }
        else {
          const input = (fn === 0x31 || fn === 0x35) && this.divInLoaded ? ((this.divIn << 16) | src) | 0 : s16(src);
          this.divInLoaded = false;
          const res = fn === 0x30 || fn === 0x31 ? rcp(input) : rsq(input);
          D[de] = res & 0xffff;
          this.divOut = (res >>> 16) & 0xffff;
        }
        break;
      }
      case 0x37: return; // vnop
      default:
        throw new DnncError(`rsp sim: vector opcode 0x${fn.toString(16)} is not simulated`);
    }
    for (let i = 0; i < 8; i++) this.setLane(vd, i, D[i]!);
  }
}

// Reciprocal / reciprocal square root: the 512-entry ROM of the hardware is
// generated by the formulas below (documented by the emulator authors; see
// test/rsp/sim.test.ts for the values checked against the published table).
let RCP_ROM: Uint16Array | undefined, RSQ_ROM: Uint16Array | undefined;
function roms() {
  if (RCP_ROM && RSQ_ROM) return;
  RCP_ROM = new Uint16Array(512); RSQ_ROM = new Uint16Array(512);
  for (let i = 0; i < 512; i++) {
    const rc = Number((((1n << 34n) / BigInt(i + 512)) + 1n) >> 8n);
    RCP_ROM[i] = rc >= 0x20000 ? 0xffff : rc & 0xffff;
    // published RSQ index i: i < 256 covers [256, 512) (odd exponent), i >= 256 covers [512, 1024) step 2
    const a = BigInt(i < 256 ? i + 256 : 2 * i);
    let b = 1n << 17n;
    while (a * (b + 1n) * (b + 1n) < (1n << 44n)) b++;
    const rq = Number(b >> 1n);
    RSQ_ROM[i] = rq >= 0x20000 ? 0xffff : rq & 0xffff;
  }
}
export function rcpRom(): Uint16Array { roms(); return RCP_ROM!; }
export function rsqRom(): Uint16Array { roms(); return RSQ_ROM!; }

function rcp(input: number): number {
  roms();
  if (input === 0) return 0x7fffffff;
  if (input === -32768) return 0xffff0000 | 0;
  const x = Math.abs(input);
  const lz = Math.clz32(x);
  const idx = ((x << lz) >>> 22) & 0x1ff;
  const r = Math.floor(((0x10000 | RCP_ROM![idx]!) * 2 ** 14) / 2 ** (31 - lz)) | 0;
  return input < 0 ? ~r : r;
}
function rsq(input: number): number {
  roms();
  if (input === 0) return 0x7fffffff;
  if (input === -32768) return 0xffff0000 | 0;
  const x = Math.abs(input);
  const lz = Math.clz32(x);
  const idx = ((((x << lz) >>> 0) >>> 23) & 0xff) | ((lz & 1) << 8);
  const r = Math.floor(((0x10000 | RSQ_ROM![idx]!) * 2 ** 14) / 2 ** ((31 - lz) >> 1)) | 0;
  return input < 0 ? ~r : r;
}
