// `dnnc bench`: deterministic cost of one inference on a target — executed
// instructions (QEMU TCG plugin on the emulated targets, callgrind on host),
// code bytes (.text of model + kernels), weight bytes and arena bytes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compile, type CompileOptions } from './driver.js';
import { writeProject } from './project.js';
import { render, ROOT } from './codegen/templates.js';
import { run, haveCommand } from './toolchain.js';
import type { TargetDesc } from './targets/target.js';
import { DnncError } from '../ir/errors.js';
import { cArrayBody } from './codegen/c.js';
import { rv32LinkFlags } from './runners/qemu-riscv32.js';

export interface BenchResult {
  model: string;
  target: string;
  kernels: string;
  instructions: number;
  codeBytes: number;
  weightBytes: number;
  arenaBytes: number;
}

const PLUGIN_SRC = path.join(ROOT, 'bench', 'plugin', 'insncount.c');

/** Build the instruction-count plugin once (cached next to the project). */
export function pluginPath(): string {
  const dir = path.join(ROOT, '.cache', 'bench');
  const so = path.join(dir, 'libinsncount.so');
  if (fs.existsSync(so) && fs.statSync(so).mtimeMs >= fs.statSync(PLUGIN_SRC).mtimeMs) return so;
  fs.mkdirSync(dir, { recursive: true });
  const r = run('cc', ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-o', so, PLUGIN_SRC]);
  if (r.status !== 0) throw new DnncError(`cannot build the instruction-count plugin: ${r.stderr.split('\n')[0]}`);
  return so;
}

/** Emulator options that count the instructions between dnnc_bench_begin and dnnc_bench_end of `exe` (QEMU TCG plugin). */
export function regionPluginArgs(target: TargetDesc, exe: string): string[] {
  const so = pluginPath();
  return ['-plugin', `${so},begin=${symbolAddress(target, exe, 'dnnc_bench_begin')},end=${symbolAddress(target, exe, 'dnnc_bench_end')}`, '-d', 'plugin'];
}

/** The plugin's count: instructions of the measured regions and how many regions ran (null: no count printed). */
export function regionCount(text: string): { instructions: number; regions: number } | null {
  const m = /insncount: region=(\d+) total=\d+ regions=(\d+)/.exec(text);
  return m ? { instructions: Number(m[1]), regions: Number(m[2]) } : null;
}

function tool(target: TargetDesc, name: 'nm' | 'size'): string {
  const cc = target.cc[0]!;
  return cc.endsWith('gcc') ? cc.slice(0, -3) + name : name;
}

function symbolAddress(target: TargetDesc, exe: string, sym: string): string {
  const r = run(tool(target, 'nm'), [exe]);
  const line = r.stdout.split('\n').find((l) => l.endsWith(` ${sym}`));
  if (!line) throw new DnncError(`symbol ${sym} not found in ${exe}`);
  return '0x' + line.split(' ')[0];
}

/** .text bytes of the given object files. */
function textBytes(target: TargetDesc, objects: string[]): number {
  const r = run(tool(target, 'size'), objects);
  if (r.status !== 0) throw new DnncError(`size failed: ${r.stderr.split('\n')[0]}`);
  return r.stdout.split('\n').slice(1).filter((l) => l.trim()).reduce((a, l) => a + Number(l.trim().split(/\s+/)[0]), 0);
}

export interface BenchOptions extends CompileOptions {
  keep?: boolean;
}

export async function bench(file: string, opts: BenchOptions): Promise<BenchResult> {
  const c = await compile(file, { ...opts, reference: false });
  const t = c.target;
  if (!t.runner) throw new DnncError(`bench for target '${t.name}' is not available: no emulator for it here`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-bench-'));
  try {
    writeProject(dir, c.files, true);
    const data = {
      prefix: c.code.prefix,
      inputs: c.code.inputs.map((io, i) => ({ ...io, sampleBody: c.golden.inputs[i]!.size ? cArrayBody(c.golden.inputs[i]!) : '  0' })),
      outputs: c.code.outputs.map((io) => ({ ...io, load: (e: string) => (io.dtype === 'float16' ? `dnnc_f16_to_f32(${e})` : e) })),
    };
    const sub = (p: string) => p.replace('{prefix}', c.code.prefix);
    const modelDir = t.layout.modelDir === '.' ? dir : path.join(dir, sub(t.layout.modelDir));
    const rtDir = path.join(dir, sub(t.layout.runtimeDir));
    fs.writeFileSync(path.join(dir, 'bench_main.c'), render('common/bench_main.c.njk', data));
    const [cc, ...ccArgs] = t.cc;
    if (!haveCommand(cc!)) throw new DnncError(`'${cc}' is not installed (run scripts/setup.sh)`);
    const flags = [...ccArgs, ...t.cflags.filter((f) => f !== '-Werror'), '-I', modelDir, '-I', rtDir];
    const sources = [
      path.join(modelDir, `${c.code.prefix}.c`),
      path.join(modelDir, `${c.code.prefix}_weights.c`),
      ...c.code.kernels.map((k) => path.join(rtDir, `${k}.c`)),
    ];
    // objects of the model and kernels, for code size
    const objs = sources.map((s) => {
      const o = s.replace(/\.c$/, '.bench.o');
      const r = run(cc!, [...flags.filter((f) => f !== '-static' && !f.startsWith('--crt0') && !f.startsWith('--oslib')), '-c', s, '-o', o], { timeoutMs: 600_000 });
      if (r.status !== 0) throw new DnncError(`build for ${t.name} failed: ${r.stderr.split('\n').find((l) => /error/.test(l)) ?? r.stderr.split('\n')[0]}`);
      return o;
    });
    const exe = path.join(dir, 'bench.elf');
    const boardFlags = t.runner === 'qemu-riscv32-semihost' ? rv32LinkFlags(c) : [];
    const rl = run(cc!, [...flags, path.join(dir, 'bench_main.c'), ...objs, '-o', exe, ...boardFlags, ...t.ldflags], { timeoutMs: 600_000 });
    if (rl.status !== 0) throw new DnncError(`link for ${t.name} failed: ${rl.stderr.split('\n').find((l) => /error/.test(l)) ?? rl.stderr.split('\n')[0]}`);
    const codeBytes = textBytes(t, objs.filter((o) => !o.endsWith('_weights.bench.o')));

    let instructions: number;
    if (!t.runner) throw new DnncError(`bench for target '${t.name}' is not available: no emulator for it here`);
    if (t.runner === 'host-make') {
      if (!haveCommand('valgrind')) throw new DnncError(`valgrind is not installed (run scripts/setup.sh)`);
      const out = path.join(dir, 'callgrind.out');
      const r = run('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, '--toggle-collect=dnnc_bench_region', exe], { timeoutMs: 1_800_000 });
      if (r.status !== 0) throw new DnncError(`the benchmark program failed under valgrind: ${r.stderr.split('\n').slice(-3).join(' ')}`);
      const m = /^summary:\s+(\d+)/m.exec(fs.readFileSync(out, 'utf8')) ?? /^totals:\s+(\d+)/m.exec(fs.readFileSync(out, 'utf8'));
      if (!m) throw new DnncError('callgrind reported no instruction count');
      instructions = Number(m[1]);
    } else {
      const [emu, ...emuArgs] = t.run;
      if (!haveCommand(emu!)) throw new DnncError(`'${emu}' is not installed (run scripts/setup.sh)`);
      const r = run(emu!, [...regionPluginArgs(t, exe), ...emuArgs, exe], { timeoutMs: 1_800_000 });
      const text = r.stdout + r.stderr;
      const m = regionCount(text);
      if (r.status !== 0 || !m) throw new DnncError(`the benchmark program failed under ${emu}: ${text.split('\n').filter((l) => l.trim()).slice(-2).join(' ')}`);
      if (m.regions !== 1) throw new DnncError(`expected one measured region, got ${m.regions}`);
      instructions = m.instructions;
    }
    return {
      model: path.basename(file),
      target: t.name,
      kernels: opts.kernels ?? 'optimized',
      instructions,
      codeBytes,
      weightBytes: c.code.weightBytes,
      arenaBytes: c.code.arenaBytes,
    };
  } finally {
    if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}
