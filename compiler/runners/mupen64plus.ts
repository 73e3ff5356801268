// `dnnc verify --target n64 --emulator mupen64plus`: the model as a real N64 ROM.
//
// The test program is model.c + the kernels (the same C as the libdragon
// project) with a bare-metal main (templates/n64/rom_main.c.njk) and dnnc's own
// small platform layer (runtime-c/platform/n64bare: boot code, crt0, linker
// script, IS-Viewer output, Count timer, PI DMA, libm, libgcc helpers), built with
// the Debian mips64 cross compiler for the VR4300 (o32, big-endian, -mfp32) and
// written into a ROM by compiler/n64rom.ts, weights streamed from the cartridge
// by PI DMA with `--weights rom`. mupen64plus runs it headless: it boots the ROM
// like a console (PIF, our boot code from DMEM, PI DMA of the program into
// 4 MB of RDRAM), and the program prints through the IS-Viewer port, which the
// emulator shows as `Core: IS64: <line>` with --verbose. The emulator never
// exits by itself: a small watcher reads its output as it comes and stops it
// once the program printed DNNC-END (or a CPU exception), with a time limit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Compiled } from '../driver.js';
import type { BuildRequest, Prepared } from '../verify.js';
import type { EmulatorDesc, TargetDesc } from '../targets/target.js';
import { projectFiles, writeProject, type FileData } from '../project.js';
import { RUNTIME_DIR } from '../codegen/templates.js';
import { run, haveCommand } from '../toolchain.js';
import { buildRom } from '../n64rom.js';
import { parseHexOutputs } from './qemu-riscv32.js';
import { DnncError } from '../../ir/errors.js';
import { isFloatType } from '../../ir/types.js';
import { cstring } from '../codegen/c.js';

export const ROM_MAIN_TEMPLATE = 'n64/rom_main.c.njk';
const PLATFORM_DIR = 'platform/n64bare';
const PACK_PLATFORM = `${PLATFORM_DIR}/pack_n64bare.c`;
/** platform files built into every ROM (C sources are compiled, boot.S goes to the ROM header area) */
const PLATFORM_FILES = ['boot.S', 'crt0.S', 'n64bare.ld', 'n64bare.h', 'n64bare.c', 'libm.c', 'libgcc.c',
  'include/math.h', 'include/string.h', 'include/stdio.h', 'include/stdlib.h'];
const MiB = 1024 * 1024;
const STACK_BYTES = 64 * 1024;

function emulatorOf(t: TargetDesc, name: string): EmulatorDesc {
  const e = t.emulators?.[name];
  if (!e) throw new DnncError(`internal: target ${t.name} has no emulator ${name}`);
  return e;
}

/** Refuse early and clearly when the emulator or the cross tools are missing. */
export function checkMupen64plus(e: EmulatorDesc): void {
  const missing = [e.command, 'stdbuf', e.cc[0]!, e.ld[0]!, e.objcopy].filter((c) => !(path.isAbsolute(c) ? fs.existsSync(c) : haveCommand(c)));
  if (missing.length) {
    throw new DnncError(`--emulator mupen64plus: ${missing.join(', ')} not installed (Debian: apt-get install ${[...e.packages, 'gcc-mips64-linux-gnuabi64'].join(' ')}; scripts/setup.sh installs them)`);
  }
}

function fail(what: string, r: { stderr: string; stdout: string }, dir: string): never {
  const text = r.stderr || r.stdout;
  const first = text.split('\n').find((l) => /error|undefined reference|ASSERT|dnnc:/i.test(l)) ?? text.split('\n')[0];
  throw new DnncError(`N64 ROM build failed (${what}): ${first?.trim()}`, { file: dir });
}

export interface RomBuild {
  rom: string;
  romBytes: number;
  programBytes: number;
  bssBytes: number;
  packBytes: number;
  ramBytes: number;
}

/** Write the ROM test program's sources into `dir`, build them and write rom.z64. */
export function buildN64Rom(c: Compiled, dir: string, e: EmulatorDesc, tolerance = 1e-4): RomBuild {
  const t = c.target;
  // the n64 target with the bare-metal main and the PI DMA weight-pack layer instead of libdragon's
  const romTarget: TargetDesc = {
    ...t,
    layout: { ...t.layout, files: { [ROM_MAIN_TEMPLATE]: 'main.c' } },
    weightPack: t.weightPack ? { ...t.weightPack, platform: PACK_PLATFORM } : undefined,
  };
  // the ROM checks its outputs itself unless the expected ones hold NaN (the interpreter halts at a NaN compare)
  const selfCheck = !(c.golden.expected ?? []).some((t) => isFloatType(t.dtype) && Array.from({ length: t.size }, (_, i) => t.get(i)).some(Number.isNaN));
  const files: Record<string, FileData> = projectFiles(romTarget, c.code, c.golden, { tolerance, selfCheck, layerTicks: c.code.layerTicks?.map(cstring) }, 'project');
  for (const f of PLATFORM_FILES) files[`n64bare/${f}`] = fs.readFileSync(path.join(RUNTIME_DIR, PLATFORM_DIR, f), 'utf8');
  writeProject(dir, files, true);

  const [cc, ...ccArgs] = e.cc;
  const gccInclude = gccIncludeDir(e);
  // our own headers only (no glibc): gcc's freestanding ones (stdint.h, stddef.h, ...) and n64bare/include
  const inc = ['-nostdinc', '-isystem', gccInclude, '-I', 'n64bare/include', '-I', 'n64bare', '-I', '.', '-I', 'runtime'];
  const flags = [...ccArgs, ...e.cflags, ...inc];
  const modelSources = Object.keys(files).filter((f) => f.endsWith('.c') && !f.startsWith('n64bare/')).sort();
  const platformSources = ['n64bare/n64bare.c', 'n64bare/libm.c', 'n64bare/libgcc.c'];
  const objs: string[] = [];
  // the platform layer and the kernels are the same bytes from model to model: their objects are
  // kept in a cache keyed by the compiler, the flags, the source and every header they may include
  const headers = Object.keys(files).filter((f) => f.endsWith('.h') && /^(runtime|n64bare)\//.test(f)).sort().map((f) => `${f}\0${files[f]}`).join('\0');
  const cacheDir = path.join(os.tmpdir(), 'dnnc-n64bare-objects');
  const compile = (src: string, extra: string[], cacheable: boolean) => {
    const obj = `obj/${src.replace(/[/.]/g, '_')}.o`;
    const key = cacheable ? createHash('sha256').update(JSON.stringify([e.cc, flags, extra, src, files[src], headers])).digest('hex').slice(0, 32) : '';
    const cached = key ? path.join(cacheDir, `${key}.o`) : '';
    if (cached && fs.existsSync(cached)) {
      fs.copyFileSync(cached, path.join(dir, obj));
    } else {
      const r = run(cc!, [...flags, ...extra, '-c', src, '-o', obj], { cwd: dir, timeoutMs: 300_000 });
      if (r.status !== 0) fail(src, r, dir);
      if (cached) {
        // write then rename: parallel builds never see half an object
        fs.mkdirSync(cacheDir, { recursive: true });
        const tmp = `${cached}.${process.pid}.tmp`;
        fs.copyFileSync(path.join(dir, obj), tmp);
        fs.renameSync(tmp, cached);
      }
    }
    objs.push(obj);
  };
  fs.mkdirSync(path.join(dir, 'obj'), { recursive: true });
  compile('n64bare/crt0.S', [], true);
  // the model code must stay in single precision, as on the libdragon build
  for (const s of modelSources) compile(s, ['-Wdouble-promotion'], s.startsWith('runtime/'));
  // mem*/str* must not be turned into calls to themselves
  for (const s of platformSources) compile(s, ['-fno-tree-loop-distribute-patterns'], true);
  const ramBytes = c.memory?.expansion ? 8 * MiB : 4 * MiB;
  const ramEnd = 0x80000000 + ramBytes;
  const [ld, ...ldArgs] = e.ld;
  let r = run(ld!, [...ldArgs, '-T', 'n64bare/n64bare.ld', '--orphan-handling=error', `--defsym=__ram_end=0x${ramEnd.toString(16)}`,
    `--defsym=__stack_bytes=0x${STACK_BYTES.toString(16)}`, '-Map', 'prog.map', '-o', 'prog.elf', ...objs], { cwd: dir });
  if (r.status !== 0) fail('link', r, dir);
  r = run(e.objcopy, ['-O', 'binary', 'prog.elf', 'prog.bin'], { cwd: dir });
  if (r.status !== 0) fail('objcopy', r, dir);
  // boot code: assembled at the address it runs from (RSP DMEM + 0x40); the same for every ROM
  const bootKey = createHash('sha256').update(JSON.stringify([e.cc, e.ld, flags, files['n64bare/boot.S']])).digest('hex').slice(0, 32);
  const bootCached = path.join(cacheDir, `boot-${bootKey}.bin`);
  if (!fs.existsSync(bootCached)) {
    r = run(cc!, [...flags, '-c', 'n64bare/boot.S', '-o', 'obj/boot.o'], { cwd: dir });
    if (r.status !== 0) fail('boot.S', r, dir);
    r = run(ld!, [...ldArgs, '-Ttext=0xA4000040', '-e', 'boot', '-o', 'boot.elf', 'obj/boot.o'], { cwd: dir });
    if (r.status !== 0) fail('boot link', r, dir);
    r = run(e.objcopy, ['-O', 'binary', '-j', '.text', 'boot.elf', 'boot.bin'], { cwd: dir });
    if (r.status !== 0) fail('boot objcopy', r, dir);
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${bootCached}.${process.pid}.tmp`;
    fs.copyFileSync(path.join(dir, 'boot.bin'), tmp);
    fs.renameSync(tmp, bootCached);
  }
  const boot = new Uint8Array(fs.readFileSync(bootCached));

  const program = new Uint8Array(fs.readFileSync(path.join(dir, 'prog.bin')));
  const syms = symbols(dir, e);
  const bssBytes = (syms.__bss_end ?? 0) - (syms.__bss_start ?? 0);
  const pack = c.code.pack?.data ?? null;
  const img = buildRom({ boot, program, pack, title: `dnnc ${c.code.prefix}` });
  const rom = path.join(dir, `${c.code.prefix}.z64`);
  fs.writeFileSync(rom, img.rom);
  return { rom, romBytes: img.rom.length, programBytes: program.length, bssBytes, packBytes: pack?.length ?? 0, ramBytes };
}

const includeDirs = new Map<string, string>();
/** the cross compiler's own (freestanding) headers */
function gccIncludeDir(e: EmulatorDesc): string {
  const key = e.cc.join(' ');
  let d = includeDirs.get(key);
  if (!d) {
    const [cc, ...args] = e.cc;
    d = run(cc!, [...args, '-print-file-name=include']).stdout.trim();
    includeDirs.set(key, d);
  }
  return d;
}

function symbols(dir: string, e: EmulatorDesc): Record<string, number> {
  const nm = e.objcopy.replace(/objcopy$/, 'nm');
  const r = run(nm, ['prog.elf'], { cwd: dir });
  const out: Record<string, number> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^([0-9a-f]+) \w (__\w+)$/.exec(line.trim());
    if (m) out[m[2]!] = Number(BigInt('0x' + m[1]!) & 0xffffffffn);
  }
  return out;
}

// Runs the emulator, echoes what it prints, and stops it (SIGKILL, by its own pid)
// once the program printed its last line, a CPU exception was reported, or the time is up.
const WATCHER = `
const { spawn } = require('node:child_process');
const [cmd, args, timeoutMs] = JSON.parse(process.argv[1]);
const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
let tail = '', stopped = false;
const stop = (why) => { if (!stopped) { stopped = true; process.stdout.write('\\nDNNC-WATCH ' + why + '\\n'); child.kill('SIGKILL'); } };
const seen = (d) => {
  const s = d.toString();
  process.stdout.write(s);
  tail = (tail + s).slice(-4096);
  if (/IS64: DNNC-END\\b/.test(tail)) stop('done');
  else if (/IS64: FAIL CPU exception/.test(tail)) stop('exception');
};
child.stdout.on('data', seen);
child.stderr.on('data', seen);
const timer = setTimeout(() => stop('timeout'), timeoutMs);
child.on('error', (err) => { process.stdout.write('\\nDNNC-WATCH error ' + err.message + '\\n'); process.exit(0); });
child.on('exit', (code, sig) => { clearTimeout(timer); if (!stopped) process.stdout.write('\\nDNNC-WATCH exited ' + code + ' ' + sig + '\\n'); process.exit(0); });
`;

export interface EmulatorRun {
  /** the program's own lines (IS-Viewer), in order */
  lines: string[];
  /** everything the emulator printed */
  log: string;
  /** done | exception | timeout | exited ... */
  end: string;
  wallMs: number;
}

export function runMupen64plus(e: EmulatorDesc, rom: string, dir: string, expansion: boolean, rspPlugin = 'mupen64plus-rsp-hle.so'): EmulatorRun {
  const cfg = path.join(dir, 'mupen64plus-config');
  fs.mkdirSync(cfg, { recursive: true });
  const args = ['-oL', e.command, '--configdir', cfg, '--noosd', '--nospeedlimit', '--gfx', 'dummy', '--audio', 'dummy', '--input', 'dummy',
    '--rsp', rspPlugin, '--emumode', e.mode, '--verbose', '--set', `Core[DisableExtraMem]=${expansion ? 'False' : 'True'}`, '--set', `Core[CountPerOp]=${e.countPerOp}`, rom];
  const t0 = Date.now();
  const r = run(process.execPath, ['-e', WATCHER, JSON.stringify(['stdbuf', args, e.timeoutMs])], { cwd: dir, timeoutMs: e.timeoutMs + 30_000 });
  const wallMs = Date.now() - t0;
  const log = r.stdout;
  fs.writeFileSync(path.join(dir, 'emulator.log'), log);
  const lines = log.split('\n').filter((l) => l.startsWith('Core: IS64: ')).map((l) => l.slice('Core: IS64: '.length));
  const end = /^DNNC-WATCH (.*)$/m.exec(log)?.[1] ?? (r.timedOut ? 'timeout' : 'no result');
  return { lines, log, end, wallMs };
}

/** The `mupen64plus-rom` runner of compiler/verify.ts. */
export function mupen64plusRunner(c: Compiled, dir: string, req: BuildRequest): Prepared {
  if (req.sanitize) throw new DnncError(`--sanitize is only available on the host target`);
  const name = req.emulator ?? 'mupen64plus';
  const desc = emulatorOf(c.target, name);
  // DNNC_MUPEN64PLUS: another build of the emulator (e.g. from source); DNNC_MUPEN64PLUS_EMUMODE: 0 interpreter, 1 cached, 2 recompiler
  const mode = process.env.DNNC_MUPEN64PLUS_EMUMODE;
  if (mode !== undefined && !/^[012]$/.test(mode)) throw new DnncError(`DNNC_MUPEN64PLUS_EMUMODE must be 0, 1 or 2 (mupen64plus --emumode), not '${mode}'`);
  const e = { ...desc, command: process.env.DNNC_MUPEN64PLUS || desc.command, mode: mode ?? desc.mode };
  checkMupen64plus(e);
  const build = buildN64Rom(c, dir, e);
  const expansion = !!c.memory?.expansion;
  return {
    how: `built as an N64 ROM (${path.basename(build.rom)}, ${build.romBytes} B) with ${[...e.cc, ...e.cflags.slice(0, 10)].join(' ')}, dnnc's boot code and runtime-c/platform/n64bare; run in ${name} (--emumode ${e.mode}, ${expansion ? '8 MB RDRAM: Expansion Pak' : '4 MB RDRAM'})`,
    run() {
      // models with --rsp layers need the low-level RSP plugin (the HLE one only knows the game microcodes)
      const usesRsp = c.graph.nodes.some((n) => n.int('rsp', 0));
      const r = runMupen64plus(e, build.rom, dir, expansion, usesRsp ? 'mupen64plus-rsp-z64.so' : undefined);
      const text = r.lines.join('\n');
      const notes: string[] = [];
      if (usesRsp) notes.push(`${name}: RSP tasks run on the low-level plugin mupen64plus-rsp-z64, synchronously when the CPU starts the RSP (so the time below counts the CPU side only)`);
      const mem = `ROM ${build.romBytes} B: program ${build.programBytes} B (code, embedded weights, sample), weight pack ${build.packBytes} B streamed by PI DMA; RDRAM ${build.programBytes + build.bssBytes + 1024} B of ${build.ramBytes} B used before the ${STACK_BYTES / 1024} KiB stack`;
      notes.push(`n64 ROM: ${mem}`);
      const cnt = /^DNNC-COUNT (\d+) (\d+) (\d+) (\d+)$/m.exec(text);
      if (cnt) {
        const ticks = Number(cnt[1]) * 2 ** 32 + Number(cnt[2]), runs = Number(cnt[3]);
        const us = ticks / runs / (e.timerHz / 1e6);
        const per = Math.round(ticks / runs);
        notes.push(`${name}: time per inference ${fmtUs(us)} (CP0 Count ${per} ticks at ${e.timerHz / 1e6} MHz over ${runs} run${runs > 1 ? 's' : ''}; ` +
          `the emulator adds ${e.countPerOp} to Count per instruction, so that is ${Math.round(per / e.countPerOp)} instructions at ${2 / e.countPerOp} cycles each: its timing, not cycle-exact), ${(r.wallMs / 1000).toFixed(1)} s wall clock`);
      }
      // layerTicks builds: DNNC-LAYER <i> <ticks per inference> <op> <node>
      for (const l of r.lines) { const m = /^DNNC-LAYER (\d+) (\d+) (.*)$/.exec(l); if (m) notes.push(`${name}: layer ${m[1]} ${m[3]}: ${m[2]} Count ticks`); }
      const self = r.lines.find((l) => /^(PASS|FAIL) /.test(l));
      if (self) notes.push(`${name}: the ROM's own check against the embedded expected output: ${self}`);
      if (r.end === 'timeout') return { outputs: `timeout after ${e.timeoutMs / 1000} s in ${name}${lastLine(r.lines)}`, notes };
      if (r.end === 'exception') return { outputs: r.lines.find((l) => l.startsWith('FAIL CPU exception'))!.replace(/^FAIL /, ''), notes };
      if (r.end !== 'done') {
        if (/Invalid operation exception in C opcode/.test(r.log)) {
          return { outputs: `${name} stopped at a floating-point compare with a NaN operand ("Core Error: Invalid operation exception in C opcode": its interpreter halts there, a console does not; DNNC_MUPEN64PLUS_EMUMODE=2 runs on, but its recompiler compares NaN as equal)`, notes };
        }
        const err = r.log.split('\n').find((l) => /error/i.test(l) && !/video device|gstreamer/i.test(l));
        return { outputs: `${name} stopped before the program finished (${r.end})${err ? `: ${err.trim()}` : lastLine(r.lines)}`, notes };
      }
      const fail = r.lines.find((l) => /^FAIL /.test(l));
      if (fail && !r.lines.some((l) => l.startsWith('DNNC-OUTPUT'))) return { outputs: fail.replace(/^FAIL /, ''), notes };
      return { outputs: parseHexOutputs(text + '\n', c, false), notes };
    },
  };
}

function fmtUs(us: number): string {
  return us >= 10_000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(1)} us`;
}

function lastLine(lines: string[]): string {
  const l = lines[lines.length - 1];
  return l ? ` (last line: ${l.slice(0, 120)})` : ' (the program printed nothing)';
}
