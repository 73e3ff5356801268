// A two-pass assembler (and a disassembler) for the RSP: the scalar MIPS
// subset and the COP2 vector unit. Text syntax follows common RSP assembly
// (libdragon's rsp.inc conventions):
//   labels `name:`, comments `#`, `//` or `;`, sections `.text` / `.data`,
//   `.half/.word/.byte/.space/.align n` (2^n bytes), `.equ name, expr`.
//   Scalar registers `$0..$31` or `$t0`, `$s1`, `$ra`...; vector registers
//   `$v00..$v31` (in a vector operand position `$v1` is vector 1 too).
//   Computational element selectors: `$v03.e5` / `$v03[5]` (broadcast lane
//   5, encoding 13), `.q0 .q1` / `[0q] [1q]`, `.h0..h3` / `[0h]..[3h]`,
//   `.v` / none (0); or a fourth operand `e(5)`.
//   Loads/stores: `lqv $v01[e], off($base)` or `lqv $v01, e, off, $base`
//   with `e` a byte index (`.eN` means byte 2N, `.bN` byte N) and the
//   offset in bytes (a multiple of the access size, which is what gets
//   encoded scaled down: lqv/lrv/ltv x16, ldv/lpv/luv x8, llv x4, lsv x2).
//   mfc2/mtc2 `$t0, $v01.e3` (byte 6) or `$v01[6]`; cfc2/ctc2 `$t0, $vcc`.
//   vsar `$v01, COP2_ACC_HI|COP2_ACC_MD|COP2_ACC_LO` (8, 9, 10).
//   COP0 `mfc0 $t0, SP_DMA_BUSY` (or `$c6`, or libdragon's COP0_DMA_BUSY).
// Pseudo-instructions: nop, li, la, move, b, beqz, bnez. No reordering:
// branch delay slots are written explicitly.
import { DnncError } from '../../ir/errors.js';
import {
  GPR_NAMES, COP0_NAMES, COP0_ALIASES, SPECIAL, IOPS, REGIMM, VOPS, VLS, SINGLE_LANE,
  OP_SPECIAL, OP_REGIMM, OP_COP0, OP_COP2, OP_LWC2, OP_SWC2, SIGN16,
} from './isa.js';

export const IMEM_SIZE = 4096;
export const DMEM_SIZE = 4096;

export interface AsmResult {
  imem: Uint8Array;            // code (big-endian words), length = code bytes used
  dmem: Uint8Array;            // data section image, length = data bytes used
  symbols: Map<string, number>;
  /** one entry per emitted instruction: IMEM address, source line, text */
  lines: { addr: number; word: number; src: string; line: number }[];
}

const ACC_SEL: Record<string, number> = { COP2_ACC_HI: 8, COP2_ACC_MD: 9, COP2_ACC_LO: 10, ACC_HI: 8, ACC_MD: 9, ACC_LO: 10 };
const CTRL: Record<string, number> = { $vco: 0, $vcc: 1, $vce: 2, COP2_CTRL_VCO: 0, COP2_CTRL_VCC: 1, COP2_CTRL_VCE: 2 };

class AsmError extends DnncError {}

function fail(line: number, msg: string): never {
  throw new AsmError(`rsp asm: line ${line}: ${msg}`);
}

/** Split operands on commas outside parentheses/brackets. */
function splitOps(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) { out.push(cur.trim()); cur = ''; } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Integer expression: numbers, symbols, + - * / << >> & | ^ ~ ( ), %lo() %hi(). */
export function evalExpr(src: string, sym: (n: string) => number | undefined, line = 0): number | undefined {
  const toks = src.match(/0x[0-9a-fA-F]+|0b[01]+|\d+|%lo|%hi|[A-Za-z_.][\w.]*|<<|>>|[-+*/&|^~()]/g);
  if (!toks || toks.join('') !== src.replace(/\s+/g, '')) fail(line, `bad expression '${src}'`);
  let i = 0, unknown = false;
  const peek = () => toks[i];
  const prim = (): number => {
    const t = toks[i++];
    if (t === undefined) fail(line, `bad expression '${src}'`);
    if (t === '(') { const v = or(); if (toks[i++] !== ')') fail(line, `missing ) in '${src}'`); return v; }
    if (t === '-') return -prim();
    if (t === '+') return prim();
    if (t === '~') return ~prim();
    if (t === '%lo' || t === '%hi') {
      if (toks[i++] !== '(') fail(line, `${t} needs (`);
      const v = or();
      if (toks[i++] !== ')') fail(line, `missing ) in '${src}'`);
      return t === '%lo' ? SIGN16(v & 0xffff) : ((v + 0x8000) >>> 16) & 0xffff;
    }
    if (/^\d/.test(t)) return t.startsWith('0b') ? parseInt(t.slice(2), 2) : Number(t);
    const v = sym(t);
    if (v === undefined) { unknown = true; return 0; }
    return v;
  };
  const bin = (next: () => number, ops: string[], f: (a: number, b: number, op: string) => number) => () => {
    let a = next();
    while (ops.includes(peek() ?? '')) { const op = toks[i++]!; a = f(a, next(), op); }
    return a;
  };
  const mul = bin(prim, ['*', '/'], (a, b, op) => (op === '*' ? a * b : Math.trunc(a / b)));
  const add = bin(mul, ['+', '-'], (a, b, op) => (op === '+' ? a + b : a - b));
  const sh = bin(add, ['<<', '>>'], (a, b, op) => (op === '<<' ? a * 2 ** b : Math.floor(a / 2 ** b)));
  const and = bin(sh, ['&'], (a, b) => a & b);
  const xor = bin(and, ['^'], (a, b) => a ^ b);
  const or: () => number = bin(xor, ['|'], (a, b) => a | b);
  const v = or();
  if (i !== toks.length) fail(line, `bad expression '${src}'`);
  return unknown ? undefined : v;
}

function gpr(s: string, line: number): number {
  const m = /^\$(\d+)$/.exec(s);
  if (m) { const n = Number(m[1]); if (n < 32) return n; }
  const k = GPR_NAMES.indexOf(s.replace(/^\$/, ''));
  if (s.startsWith('$') && k >= 0) return k;
  if (s === '$s8') return 30;
  return fail(line, `expected a scalar register, got '${s}'`);
}

function vreg(s: string, line: number): number {
  const m = /^\$v(\d{1,2})$/.exec(s);
  if (m && Number(m[1]) < 32) return Number(m[1]);
  return fail(line, `expected a vector register, got '${s}'`);
}

/** Computational element selector from a suffix: '.e3', '.q1', '.h2', '.v', '[3]', '[1q]', '[2h]' or 'e(3)'. */
function computeElement(suffix: string, line: number): number {
  if (!suffix || suffix === '.v' || suffix === 'e(v)') return 0;
  let m = /^(?:\.e|\[|e\()(\d)[\])]?$/.exec(suffix);
  if (m) { const n = Number(m[1]); if (n < 8) return 8 + n; }
  m = /^(?:\.q(\d)|\[(\d)q\]|e\((\d)q\))$/.exec(suffix);
  if (m) { const n = Number(m[1] ?? m[2] ?? m[3]); if (n < 2) return 2 + n; }
  m = /^(?:\.h(\d)|\[(\d)h\]|e\((\d)h\))$/.exec(suffix);
  if (m) { const n = Number(m[1] ?? m[2] ?? m[3]); if (n < 4) return 4 + n; }
  return fail(line, `bad element selector '${suffix}'`);
}

/** Byte element for loads/stores/moves: '[N]' byte N, '.eN' byte 2N, '.bN' byte N. */
function byteElement(suffix: string, line: number, sym: (n: string) => number | undefined): number {
  if (!suffix) return 0;
  let m = /^\.e(\d)$/.exec(suffix);
  if (m) return 2 * Number(m[1]);
  m = /^\.b(\d{1,2})$/.exec(suffix);
  if (m && Number(m[1]) < 16) return Number(m[1]);
  m = /^\[(.+)\]$/.exec(suffix);
  if (m) { const v = evalExpr(m[1]!, sym, line); if (v !== undefined && v >= 0 && v < 16) return v; }
  return fail(line, `bad byte element '${suffix}'`);
}

function splitVec(s: string): [string, string] {
  const m = /^(\$v\d{1,2})(.*)$/.exec(s.trim());
  return m ? [m[1]!, m[2]!.trim()] : [s, ''];
}

interface Item { kind: 'insn' | 'data'; section: 'text' | 'data'; addr: number; size: number; op: string; args: string[]; line: number; src: string; big?: boolean }

const PSEUDO_SIZE: Record<string, number> = { nop: 4, move: 4, b: 4, beqz: 4, bnez: 4 };

export function assemble(source: string, opts: { dataBase?: number } = {}): AsmResult {
  const symbols = new Map<string, number>();
  const items: Item[] = [];
  const pc = { text: 0, data: opts.dataBase ?? 0 };
  let section: 'text' | 'data' = 'text';
  const lookup = (n: string) => symbols.get(n);
  const srcLines = source.split('\n');
  // pass 1: sizes and labels
  srcLines.forEach((raw, idx) => {
    const line = idx + 1;
    let s = raw.replace(/(#|\/\/|;).*$/, '').trim();
    while (true) {
      const m = /^([A-Za-z_.$][\w.$]*):\s*(.*)$/.exec(s);
      if (!m) break;
      if (symbols.has(m[1]!)) fail(line, `label '${m[1]}' defined twice`);
      symbols.set(m[1]!, pc[section]);
      s = m[2]!;
    }
    if (!s) return;
    const sp = s.search(/\s/);
    const op = (sp < 0 ? s : s.slice(0, sp)).toLowerCase();
    const args = sp < 0 ? [] : splitOps(s.slice(sp + 1));
    if (op === '.text' || op === '.data') { section = op.slice(1) as 'text' | 'data'; return; }
    if (op === '.equ' || op === '.set') {
      const v = evalExpr(args[1] ?? '', lookup, line);
      if (v === undefined) fail(line, `.equ needs a value known at that point`);
      symbols.set(args[0]!, v);
      return;
    }
    if (op === '.align') {
      const a = 2 ** (evalExpr(args[0] ?? '', lookup, line) ?? 0);
      const pad = (a - (pc[section] % a)) % a;
      if (pad) items.push({ kind: 'data', section, addr: pc[section], size: pad, op: '.space', args: [String(pad)], line, src: s });
      pc[section] += pad;
      return;
    }
    if (op === '.half' || op === '.word' || op === '.byte' || op === '.space') {
      const unit = op === '.half' ? 2 : op === '.word' ? 4 : 1;
      const size = op === '.space' ? (evalExpr(args[0] ?? '', lookup, line) ?? fail(line, '.space needs a constant')) : unit * args.length;
      items.push({ kind: 'data', section, addr: pc[section], size, op, args, line, src: s });
      pc[section] += size;
      return;
    }
    if (op.startsWith('.')) fail(line, `unknown directive '${op}'`);
    if (section !== 'text') fail(line, `instruction '${op}' outside .text`);
    let size = PSEUDO_SIZE[op] ?? 4;
    let big = false;
    if (op === 'li' || op === 'la') {
      const v = evalExpr(args[1] ?? '', lookup, line);
      big = v === undefined ? op === 'li' : !(v >= -32768 && v <= 65535);
      if (op === 'la') big = v === undefined ? false : big; // DMEM/IMEM addresses fit 16 bits
      size = big ? 8 : 4;
    }
    items.push({ kind: 'insn', section, addr: pc.text, size, op, args, line, src: s, big });
    pc.text += size;
  });
  if (pc.text > IMEM_SIZE) throw new AsmError(`rsp asm: code is ${pc.text} bytes, IMEM holds ${IMEM_SIZE}`);
  if (pc.data > DMEM_SIZE) throw new AsmError(`rsp asm: data ends at ${pc.data}, DMEM holds ${DMEM_SIZE}`);
  // pass 2: encode
  const imem = new Uint8Array(pc.text);
  const dmem = new Uint8Array(pc.data);
  const lines: AsmResult['lines'] = [];
  const val = (e: string, line: number): number => {
    const v = evalExpr(e, lookup, line);
    if (v === undefined) fail(line, `undefined symbol in '${e}'`);
    return v;
  };
  for (const it of items) {
    if (it.kind === 'data') {
      const mem = it.section === 'text' ? imem : dmem;
      const base = it.section === 'data' ? it.addr - (opts.dataBase ?? 0) : it.addr;
      if (it.op === '.space') continue;
      const unit = it.op === '.half' ? 2 : it.op === '.word' ? 4 : 1;
      it.args.forEach((a, k) => {
        const v = val(a, it.line);
        for (let b = 0; b < unit; b++) mem[base + k * unit + b] = Math.floor(v / 2 ** (8 * (unit - 1 - b))) & 0xff;
      });
      continue;
    }
    const words = encode(it, val);
    words.forEach((w, k) => {
      const a = it.addr + 4 * k;
      imem[a] = w >>> 24; imem[a + 1] = (w >>> 16) & 0xff; imem[a + 2] = (w >>> 8) & 0xff; imem[a + 3] = w & 0xff;
      lines.push({ addr: a, word: w >>> 0, src: it.src, line: it.line });
    });
  }
  return { imem, dmem, symbols, lines };
}

function encode(it: Item, val: (e: string, line: number) => number): number[] {
  const { op, args, line } = it;
  const n = (k: number) => args[k] ?? fail(line, `'${op}' needs ${k + 1} operands`);
  const want = (c: number) => { if (args.length !== c) fail(line, `'${op}' takes ${c} operands, got ${args.length}`); };
  const R = (rs: number, rt: number, rd: number, sa: number, fn: number) => ((OP_SPECIAL << 26) | (rs << 21) | (rt << 16) | (rd << 11) | (sa << 6) | fn) >>> 0;
  const I = (o: number, rs: number, rt: number, imm: number) => ((o << 26) | (rs << 21) | (rt << 16) | (imm & 0xffff)) >>> 0;
  const simm = (e: string) => { const v = val(e, line); if (v < -32768 || v > 32767) fail(line, `immediate ${v} does not fit 16 signed bits`); return v; };
  const uimm = (e: string) => { const v = val(e, line); if (v < 0 || v > 65535) fail(line, `immediate ${v} does not fit 16 unsigned bits`); return v; };
  const branchOff = (e: string) => {
    const t = val(e, line);
    const d = (t - (it.addr + 4)) / 4;
    if (!Number.isInteger(d) || d < -32768 || d > 32767) fail(line, `branch target out of range`);
    return d;
  };
  const mem = (e: string): [number, number] => {
    const m = /^(.*)\((\$\w+)\)$/.exec(e);
    if (!m) fail(line, `expected offset(base), got '${e}'`);
    return [m[1]!.trim() ? val(m[1]!, line) : 0, gpr(m[2]!, line)];
  };
  switch (op) {
    case 'nop': want(0); return [0];
    case 'move': want(2); return [R(gpr(n(1), line), 0, gpr(n(0), line), 0, SPECIAL.addu!)];
    case 'li': case 'la': {
      want(2);
      const rt = gpr(n(0), line), v = val(n(1), line) | 0;
      if (!it.big) {
        if (v >= -32768 && v <= 32767) return [I(IOPS.addiu!, 0, rt, v)];
        if (v >= 0 && v <= 65535) return [I(IOPS.ori!, 0, rt, v)];
        fail(line, `'${op}' value changed size between passes`);
      }
      return [I(IOPS.lui!, 0, rt, (v >>> 16) & 0xffff), I(IOPS.ori!, rt, rt, v & 0xffff)];
    }
    case 'b': want(1); return [I(IOPS.beq!, 0, 0, branchOff(n(0)))];
    case 'beqz': want(2); return [I(IOPS.beq!, gpr(n(0), line), 0, branchOff(n(1)))];
    case 'bnez': want(2); return [I(IOPS.bne!, gpr(n(0), line), 0, branchOff(n(1)))];
    case 'sll': case 'srl': case 'sra': {
      want(3);
      const sa = val(n(2), line);
      if (sa < 0 || sa > 31) fail(line, `shift amount ${sa} out of range`);
      return [R(0, gpr(n(1), line), gpr(n(0), line), sa, SPECIAL[op]!)];
    }
    case 'sllv': case 'srlv': case 'srav': want(3); return [R(gpr(n(2), line), gpr(n(1), line), gpr(n(0), line), 0, SPECIAL[op]!)];
    case 'add': case 'addu': case 'sub': case 'subu': case 'and': case 'or': case 'xor': case 'nor': case 'slt': case 'sltu':
      want(3); return [R(gpr(n(1), line), gpr(n(2), line), gpr(n(0), line), 0, SPECIAL[op]!)];
    case 'jr': want(1); return [R(gpr(n(0), line), 0, 0, 0, SPECIAL.jr!)];
    case 'jalr': {
      if (args.length === 1) return [R(gpr(n(0), line), 0, 31, 0, SPECIAL.jalr!)];
      want(2); return [R(gpr(n(1), line), 0, gpr(n(0), line), 0, SPECIAL.jalr!)];
    }
    case 'break': return [R(0, 0, 0, 0, SPECIAL.break!) | ((args.length ? val(n(0), line) & 0xfffff : 0) << 6)];
    case 'addi': case 'addiu': case 'slti': case 'sltiu':
      want(3); return [I(IOPS[op]!, gpr(n(1), line), gpr(n(0), line), simm(n(2)))];
    case 'andi': case 'ori': case 'xori': want(3); return [I(IOPS[op]!, gpr(n(1), line), gpr(n(0), line), uimm(n(2)))];
    case 'lui': want(2); return [I(IOPS.lui!, 0, gpr(n(0), line), uimm(n(1)))];
    case 'lb': case 'lh': case 'lw': case 'lbu': case 'lhu': case 'sb': case 'sh': case 'sw': {
      want(2);
      const [off, base] = mem(n(1));
      if (off < -32768 || off > 32767) fail(line, `offset ${off} out of range`);
      return [I(IOPS[op]!, base, gpr(n(0), line), off)];
    }
    case 'beq': case 'bne': want(3); return [I(IOPS[op]!, gpr(n(0), line), gpr(n(1), line), branchOff(n(2)))];
    case 'blez': case 'bgtz': want(2); return [I(IOPS[op]!, gpr(n(0), line), 0, branchOff(n(1)))];
    case 'bltz': case 'bgez': case 'bltzal': case 'bgezal': want(2); return [I(OP_REGIMM, gpr(n(0), line), REGIMM[op]!, branchOff(n(1)))];
    case 'j': case 'jal': {
      want(1);
      const t = val(n(0), line);
      if (t % 4 || t < 0 || t >= IMEM_SIZE) fail(line, `jump target ${t} outside IMEM`);
      return [((IOPS[op]! << 26) | ((t >>> 2) & 0x3ffffff)) >>> 0];
    }
    case 'mfc0': case 'mtc0': {
      want(2);
      const s = n(1);
      let rd = COP0_NAMES.indexOf(s);
      if (rd < 0) rd = COP0_ALIASES[s] ?? -1;
      if (rd < 0) { const m = /^\$c?(\d+)$/.exec(s); if (m && Number(m[1]) < 16) rd = Number(m[1]); }
      if (rd < 0) fail(line, `expected a COP0 register, got '${s}'`);
      return [((OP_COP0 << 26) | ((op === 'mfc0' ? 0 : 4) << 21) | (gpr(n(0), line) << 16) | (rd << 11)) >>> 0];
    }
    case 'mfc2': case 'mtc2': {
      want(2);
      const [v, suf] = splitVec(n(1));
      const e = byteElement(suf, line, (x) => val(x, line));
      return [((OP_COP2 << 26) | ((op === 'mfc2' ? 0 : 4) << 21) | (gpr(n(0), line) << 16) | (vreg(v, line) << 11) | (e << 7)) >>> 0];
    }
    case 'cfc2': case 'ctc2': {
      want(2);
      const c = CTRL[n(1)] ?? (/^\$?\d$/.test(n(1)) ? Number(n(1).replace('$', '')) : -1);
      if (c < 0 || c > 2) fail(line, `expected $vco, $vcc or $vce, got '${n(1)}'`);
      return [((OP_COP2 << 26) | ((op === 'cfc2' ? 2 : 6) << 21) | (gpr(n(0), line) << 16) | (c << 11)) >>> 0];
    }
  }
  if (op in VLS) {
    const d = VLS[op]!;
    let vt: number, e: number, off: number, base: number;
    if (args.length === 4) {
      vt = vreg(n(0), line); e = val(n(1), line); off = val(n(2), line); base = gpr(n(3), line);
    } else if (args.length === 3) {
      const [v, suf] = splitVec(n(0));
      vt = vreg(v, line); e = byteElement(suf, line, (x) => val(x, line)); off = val(n(1), line); base = gpr(n(2), line);
    } else {
      want(2);
      const [v, suf] = splitVec(n(0));
      vt = vreg(v, line); e = byteElement(suf, line, (x) => val(x, line));
      [off, base] = mem(n(1));
    }
    if (e < 0 || e > 15) fail(line, `element ${e} out of range`);
    if (off % d.scale) fail(line, `${op} offset ${off} is not a multiple of ${d.scale}`);
    const o = off / d.scale;
    if (o < -64 || o > 63) fail(line, `${op} offset ${off} out of range [${-64 * d.scale}, ${63 * d.scale}]`);
    return [(((d.store ? OP_SWC2 : OP_LWC2) << 26) | (base << 21) | (vt << 16) | (d.op << 11) | (e << 7) | (o & 0x7f)) >>> 0];
  }
  if (op in VOPS) {
    const fn = VOPS[op]!;
    const V = (e: number, vt: number, vs: number, vd: number) => ((OP_COP2 << 26) | (1 << 25) | (e << 21) | (vt << 16) | (vs << 11) | (vd << 6) | fn) >>> 0;
    if (op === 'vnop') { want(0); return [V(0, 0, 0, 0)]; }
    if (op === 'vsar') {
      if (args.length !== 2) fail(line, `vsar takes '$vd, COP2_ACC_HI|MD|LO'`);
      const e = ACC_SEL[n(1)] ?? val(n(1), line);
      return [V(e, 0, 0, vreg(n(0), line))];
    }
    if (SINGLE_LANE.has(op)) {
      // vrcp $vd.eD, $vt.eS  (or $vd[D], $vt[S]); de goes in the vs field, 8+S in the element field
      want(2);
      const [d, ds] = splitVec(n(0)), [t, ts] = splitVec(n(1));
      const de = computeElement(ds, line) & 7, se = computeElement(ts, line);
      if (se < 8) fail(line, `${op} needs a single-lane source element`);
      return [V(se, vreg(t, line), de, vreg(d, line))];
    }
    // vop vd, vs, vt[e] | vop vd, vs, vt, e(x) | vop vd, vt[e] (vs = vd)
    let vd: string, vs: string, vt: string, es: string;
    if (args.length === 4) { vd = n(0); vs = n(1); vt = n(2); es = n(3); }
    else if (args.length === 3) { vd = n(0); vs = n(1); [vt, es] = splitVec(n(2)); }
    else { want(2); vd = n(0); vs = n(0); [vt, es] = splitVec(n(1)); }
    return [V(computeElement(es, line), vreg(vt, line), vreg(vs, line), vreg(vd, line))];
  }
  return fail(line, `unknown instruction '${op}'`);
}

// ---------------------------------------------------------------- disassembler

const VOP_BY_FN = new Map(Object.entries(VOPS).map(([k, v]) => [v, k]));
const SPECIAL_BY_FN = new Map(Object.entries(SPECIAL).map(([k, v]) => [v, k]));
const IOP_BY_OP = new Map(Object.entries(IOPS).map(([k, v]) => [v, k]));
const REGIMM_BY = new Map(Object.entries(REGIMM).map(([k, v]) => [v, k]));

const g = (r: number) => '$' + GPR_NAMES[r];
const v = (r: number) => '$v' + String(r).padStart(2, '0');
const sel = (e: number) => (e === 0 ? '' : e < 4 ? `.q${e - 2}` : e < 8 ? `.h${e - 4}` : `.e${e - 8}`);

/** One instruction as text in the syntax the assembler accepts (round trip). */
export function disassemble(w: number, addr = 0): string {
  const op = w >>> 26, rs = (w >>> 21) & 31, rt = (w >>> 16) & 31, rd = (w >>> 11) & 31, sa = (w >>> 6) & 31, fn = w & 63;
  const imm = SIGN16(w & 0xffff), uimm = w & 0xffff;
  const tgt = (d: number) => '0x' + ((addr + 4 + d * 4) & 0xfff).toString(16).padStart(3, '0');
  if (w === 0) return 'nop';
  if (op === OP_SPECIAL) {
    const name = SPECIAL_BY_FN.get(fn);
    if (!name) return `.word 0x${w.toString(16)}`;
    if (name === 'sll' || name === 'srl' || name === 'sra') return `${name} ${g(rd)}, ${g(rt)}, ${sa}`;
    if (name.endsWith('v') && name.length === 4) return `${name} ${g(rd)}, ${g(rt)}, ${g(rs)}`;
    if (name === 'jr') return `jr ${g(rs)}`;
    if (name === 'jalr') return rd === 31 ? `jalr ${g(rs)}` : `jalr ${g(rd)}, ${g(rs)}`;
    if (name === 'break') return 'break';
    return `${name} ${g(rd)}, ${g(rs)}, ${g(rt)}`;
  }
  if (op === OP_REGIMM) return `${REGIMM_BY.get(rt) ?? '?'} ${g(rs)}, ${tgt(imm)}`;
  if (op === OP_COP0) return `${rs === 0 ? 'mfc0' : 'mtc0'} ${g(rt)}, ${COP0_NAMES[rd & 15]}`;
  if (op === OP_COP2) {
    if (rs & 16) {
      const name = VOP_BY_FN.get(fn) ?? `vop${fn}`;
      const e = rs & 15, vs = rd, vd = sa;
      if (name === 'vnop') return 'vnop';
      if (name === 'vsar') return `vsar ${v(vd)}, ${['COP2_ACC_HI', 'COP2_ACC_MD', 'COP2_ACC_LO'][e - 8] ?? e}`;
      if (SINGLE_LANE.has(name)) return `${name} ${v(vd)}.e${vs & 7}, ${v(rt)}${sel(e)}`;
      return `${name} ${v(vd)}, ${v(vs)}, ${v(rt)}${sel(e)}`;
    }
    const e = (w >>> 7) & 15;
    if (rs === 0 || rs === 4) return `${rs === 0 ? 'mfc2' : 'mtc2'} ${g(rt)}, ${v(rd)}[${e}]`;
    if (rs === 2 || rs === 6) return `${rs === 2 ? 'cfc2' : 'ctc2'} ${g(rt)}, ${['$vco', '$vcc', '$vce'][rd] ?? rd}`;
    return `.word 0x${w.toString(16)}`;
  }
  if (op === OP_LWC2 || op === OP_SWC2) {
    const sub = rd, e = (w >>> 7) & 15, o = ((w & 0x7f) << 25) >> 25;
    const ent = Object.entries(VLS).find(([, d]) => d.op === sub && d.store === (op === OP_SWC2));
    if (!ent) return `.word 0x${w.toString(16)}`;
    return `${ent[0]} ${v(rt)}[${e}], ${o * ent[1].scale}(${g(rs)})`;
  }
  const name = IOP_BY_OP.get(op);
  if (!name) return `.word 0x${w.toString(16)}`;
  if (name === 'j' || name === 'jal') return `${name} 0x${((w & 0x3ffffff) << 2 & 0xfff).toString(16).padStart(3, '0')}`;
  if (name === 'beq' || name === 'bne') return `${name} ${g(rs)}, ${g(rt)}, ${tgt(imm)}`;
  if (name === 'blez' || name === 'bgtz') return `${name} ${g(rs)}, ${tgt(imm)}`;
  if (name === 'lui') return `lui ${g(rt)}, 0x${uimm.toString(16)}`;
  if (name === 'andi' || name === 'ori' || name === 'xori') return `${name} ${g(rt)}, ${g(rs)}, 0x${uimm.toString(16)}`;
  if (name.startsWith('l') || name.startsWith('s') && name.length === 2) return `${name} ${g(rt)}, ${imm}(${g(rs)})`;
  return `${name} ${g(rt)}, ${g(rs)}, ${imm}`;
}

/** Read the 32-bit big-endian word at a byte address. */
export function wordAt(mem: Uint8Array, a: number): number {
  return ((mem[a]! << 24) | (mem[a + 1]! << 16) | (mem[a + 2]! << 8) | mem[a + 3]!) >>> 0;
}
