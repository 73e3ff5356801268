// Build and run a --generate program (compiled with compile({ generate })) on
// its target: host (the project's Makefile), n64 (the POSIX generate main
// under qemu-mips64, as `dnnc verify` does) or esp32c3 (rv32imc bare metal
// under qemu-system-riscv32). Returns the token ids it printed and the
// instructions per step: instret on rv32, the QEMU instruction-count plugin
// between the bench markers on qemu-mips64, callgrind on host when asked.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { compile, type Compiled, type CompileOptions } from './driver.js';
import { projectFiles, binaryFiles, writeProject } from './project.js';
import { buildCross, buildHost, run, haveCommand } from './toolchain.js';
import { buildRv32 } from './runners/qemu-riscv32.js';
import { regionPluginArgs, regionCount } from './bench.js';
import { generateProjectData, type GenerateOptions } from './generate.js';
import { DnncError } from '../ir/errors.js';

export interface GenerateRun {
  /** what the program printed */
  text: string;
  /** generated token ids (the DNNC-TOKENS line) */
  tokens: number[];
  /** model steps (prompt + generated tokens fed back) */
  steps: number;
  /** instructions of the whole generation (null when not counted) */
  instructions: number | null;
  /** instructions / steps */
  instructionsPerToken: number | null;
  /** the program's own tokens/s line (host) */
  speed: string;
}

function parse(text: string, instructions: number | null): GenerateRun {
  const m = /^DNNC-TOKENS((?: \d+)*)\s*$/m.exec(text);
  if (!m) throw new DnncError(`the generate program printed no DNNC-TOKENS line: ${text.trim().split('\n').slice(-2).join(' ').slice(0, 200)}`);
  const tokens = m[1]!.trim() ? m[1]!.trim().split(/\s+/).map(Number) : [];
  const s = /(\d+) steps/.exec(text);
  const steps = s ? Number(s[1]) : 0;
  const speed = text.split('\n').find((l) => /^generated /.test(l)) ?? '';
  return { text, tokens, steps, instructions, instructionsPerToken: instructions !== null && steps ? Math.round(instructions / steps) : null, speed };
}

/** Build the generate program of `c` in `dir` and run it once. `count`: count instructions (slower). */
export function runGenerate(c: Compiled, gen: GenerateOptions, dir: string, opts: { count?: boolean } = {}): GenerateRun {
  const t = c.target;
  switch (t.runner) {
    case 'host-make': {
      writeProject(dir, c.files, true);
      const exe = buildHost(dir, c.code.prefix);
      if (opts.count) {
        if (!haveCommand('valgrind')) throw new DnncError('valgrind is not installed (run scripts/setup.sh)');
        const out = path.join(dir, 'callgrind.out');
        const r = run('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, '--toggle-collect=gen_measured', exe], { timeoutMs: 600_000 });
        const cg = /^(?:summary|totals):\s+(\d+)/m.exec(fs.readFileSync(out, 'utf8'));
        return parse(r.stdout, cg ? Number(cg[1]) : null);
      }
      const r = run(exe, [], { timeoutMs: 300_000 });
      if (r.status !== 0) throw new DnncError(`the generate program failed: ${(r.stdout + r.stderr).trim().split('\n').slice(-1)[0]}`);
      return parse(r.stdout, null);
    }
    case 'qemu-user': {
      const files = { ...projectFiles(t, c.code, c.golden, { tolerance: 1e-4, ...generateProjectData(c.graph, c.code, gen) }, 'test'), ...binaryFiles(t, c.code) };
      writeProject(dir, files, true);
      const sources = Object.keys(files).filter((f) => f.endsWith('.c')).sort();
      const exe = buildCross(t, dir, sources, path.join(dir, `${c.code.prefix}.elf`));
      const [emu, ...emuArgs] = t.run;
      if (opts.count) {
        const r = run(emu!, [...regionPluginArgs(t, exe), ...emuArgs, exe], { cwd: dir, timeoutMs: 900_000 });
        const text = r.stdout + r.stderr;
        const m = regionCount(text);
        if (r.status !== 0 || !m || m.regions !== 1) throw new DnncError(`the generate program failed under ${emu}: ${text.trim().split('\n').slice(-2).join(' ')}`);
        return parse(r.stdout, m.instructions);
      }
      const r = run(emu!, [...emuArgs, exe], { cwd: dir, timeoutMs: 600_000 });
      if (r.status !== 0) throw new DnncError(`the generate program failed under ${emu}: ${(r.stdout + r.stderr).trim().split('\n').slice(-1)[0]}`);
      return parse(r.stdout, null);
    }
    case 'qemu-riscv32-semihost': {
      writeProject(dir, c.files, true);
      const build = buildRv32(c, dir);
      const [qemu, ...qargs] = t.run;
      const r = run(qemu!, [...qargs, build.elf], { cwd: dir, timeoutMs: 900_000 });
      const text = r.stderr + r.stdout;
      if (r.status !== 0) throw new DnncError(`the generate program failed under ${qemu}: ${text.trim().split('\n').slice(-1)[0]}`);
      const ic = /^DNNC-INSTRET (\d+) (\d+)$/m.exec(text);
      return parse(text, ic ? Number(ic[1]) * 2 ** 32 + Number(ic[2]) : null);
    }
    default:
      throw new DnncError(`--generate runs are not available for target '${t.name}' here (no emulator)`);
  }
}

export interface TokenBench {
  model: string;
  target: string;
  tokens: number;
  steps: number;
  instructions: number;
  instructionsPerToken: number;
  weightBytes: number;
  arenaBytes: number;
  stateBytes: number;
}

/** `dnnc bench --generate`: instructions of a whole generation on the target (emulated; callgrind on host), per step. */
export async function benchGenerate(file: string, opts: CompileOptions & { generate: GenerateOptions; keep?: boolean }): Promise<TokenBench> {
  const c = await compile(file, { ...opts, reference: false });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-bench-gen-'));
  try {
    const r = runGenerate(c, opts.generate, dir, { count: true });
    if (r.instructions === null || !r.steps) throw new DnncError('the generation was not measured (no instruction count)');
    return {
      model: path.basename(file), target: c.target.name, tokens: r.tokens.length, steps: r.steps,
      instructions: r.instructions, instructionsPerToken: Math.round(r.instructions / r.steps),
      weightBytes: c.code.weightBytes, arenaBytes: c.code.arenaBytes, stateBytes: c.code.stateBytes ?? 0,
    };
  } finally {
    if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}
