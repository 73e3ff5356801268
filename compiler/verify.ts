// `dnnc verify`: compile, build, run on the target (or its emulator) and
// compare every output with onnxruntime. Building and running the program is
// per target (RUNNERS, chosen by TargetDesc.runner); comparing is shared.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compile, type CompileOptions, type Compiled } from './driver.js';
import { projectFiles, binaryFiles, writeProject } from './project.js';
import { buildCross, buildHost, run } from './toolchain.js';
import { buildRv32, runRv32Elf } from './runners/qemu-riscv32.js';
import { mupen64plusRunner } from './runners/mupen64plus.js';
import type { RunnerKind } from './targets/target.js';
import { Tensor } from '../ir/tensor.js';
import { DnncError } from '../ir/errors.js';
import { isFloatType } from '../ir/types.js';

export interface VerifyResult {
  pass: boolean;
  maxAbsErr: number;
  reason?: string;
  line: string;
  dir: string;
  /** how the program was built and run */
  how?: string;
  /** extra lines for the user (e.g. stack frames or instructions measured on the target) */
  notes?: string[];
  /** compile warnings (e.g. no FPU on the target) */
  warnings?: string[];
}

/** max |got - ref| and whether it is within tol * max(1, max|ref|) (exact for ints). */
export function compareTensors(got: Tensor, ref: Tensor, tol = 1e-4): { ok: boolean; maxAbsErr: number } {
  let maxAbs = 0, scale = 1, ok = true;
  const fl = isFloatType(ref.dtype);
  for (let i = 0; i < ref.size; i++) scale = Math.max(scale, Math.abs(ref.get(i)));
  for (let i = 0; i < ref.size; i++) {
    const a = got.get(i), b = ref.get(i);
    let d: number;
    if (Number.isNaN(a) && Number.isNaN(b)) d = 0;
    else if (a === b) d = 0;
    else d = Math.abs(a - b);
    if (Number.isNaN(d)) d = Infinity;
    if (!fl && (ref.dtype === 'int64' || ref.dtype === 'uint64') && got.getBig(i) !== ref.getBig(i)) ok = false;
    maxAbs = Math.max(maxAbs, d);
  }
  if (fl) ok = maxAbs <= tol * scale;
  else ok = ok && maxAbs === 0;
  return { ok, maxAbsErr: maxAbs };
}

export interface VerifyOptions extends CompileOptions {
  keep?: boolean;
  sanitize?: boolean;
  /** run a bare-metal build in this whole-machine emulator (TargetDesc.emulators), e.g. mupen64plus for n64 */
  emulator?: string;
}

export interface BuildRequest {
  sanitize?: boolean;
  emulator?: string;
}

/** What a run gives back: the outputs, or why there are none. */
export interface RunOutcome {
  outputs: Tensor[] | string;
  notes?: string[];
}

/** A built test program, ready to run (again) on the golden inputs. */
export interface Prepared {
  /** how it was built and is run (one line for the CLI) */
  how: string;
  run(): RunOutcome;
  /** for file-based programs: the command that starts it (inputs and outputs follow) */
  cmd?: string;
  args?: string[];
}

type Runner = (c: Compiled, dir: string, req: BuildRequest) => Prepared;

/** Programs that read raw inputs and write raw outputs: `cmd ...args IN... OUT...` in `dir`. */
export function fileIo(c: Compiled, dir: string, cmd: string, args: string[], how: string, littleEndian = c.target.littleEndian): Prepared {
  const le = littleEndian;
  return {
    how,
    cmd,
    args,
    run() {
      const io: string[] = [];
      c.golden.inputs.forEach((t, i) => {
        const f = path.join(dir, `in${i}.bin`);
        fs.writeFileSync(f, t.toBytes(le));
        io.push(f);
      });
      c.code.outputs.forEach((_, i) => io.push(path.join(dir, `out${i}.bin`)));
      const r = run(cmd, [...args, ...io], { cwd: dir, timeoutMs: 300_000 });
      if (r.status !== 0) {
        return { outputs: r.timedOut ? 'timeout' : `program exited with ${r.status}: ${(r.stderr || r.stdout).split('\n').find((l) => l.trim()) ?? ''}` };
      }
      // lines the test program marks as notes (e.g. the tile scratch high-water mark)
      const notes = (r.stderr ?? '').split('\n').filter((l) => l.startsWith('dnnc-note: ')).map((l) => l.slice('dnnc-note: '.length));
      return { outputs: c.code.outputs.map((o, i) => Tensor.fromBytes(o.dtype, o.shape, new Uint8Array(fs.readFileSync(path.join(dir, `out${i}.bin`))), le)), ...(notes.length ? { notes } : {}) };
    },
  };
}

/** Native: the project's own Makefile and main.c. */
function hostMake(c: Compiled, dir: string, req: BuildRequest): Prepared {
  writeProject(dir, { ...c.files, ...binaryFiles(c.target, c.code) }, true);
  const exe = buildHost(dir, c.code.prefix, { extraCflags: req.sanitize ? ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-g'] : [] });
  return fileIo(c, dir, exe, [], 'built with the project Makefile, run natively');
}

/** Cross: the POSIX test main (TargetDesc.testMain) with the target's cc/cflags, run under its user-mode emulator. */
function qemuUser(c: Compiled, dir: string, req: BuildRequest): Prepared {
  if (req.sanitize) throw new DnncError(`--sanitize is only available on the host target`);
  const files = { ...projectFiles(c.target, c.code, c.golden, { tolerance: 1e-4 }, 'test'), ...binaryFiles(c.target, c.code) };
  writeProject(dir, files, true);
  const sources = Object.keys(files).filter((f) => f.endsWith('.c')).sort();
  const exe = buildCross(c.target, dir, sources, path.join(dir, `${c.code.prefix}.elf`));
  const [cmd, ...args] = c.target.run;
  const how = `built with ${[...c.target.cc, ...c.target.cflags].join(' ')} (${sources.length} C files), run under ${cmd ? c.target.run.join(' ') : 'the host'}`;
  return fileIo(c, dir, cmd ?? exe, cmd ? [...args, exe] : [], how);
}

/** Bare metal rv32imc under qemu-system-riscv32: inputs embedded, outputs printed over semihosting. */
function qemuRv32(c: Compiled, dir: string, req: BuildRequest): Prepared {
  if (req.sanitize) throw new DnncError(`--sanitize is only available on the host target`);
  writeProject(dir, c.files, true);
  const build = buildRv32(c, dir);
  return {
    how: `built with ${[...c.target.cc, ...c.target.cflags].join(' ')}, run under ${c.target.run.join(' ')}`,
    run() {
      const r = runRv32Elf(c, dir, build);
      const notes = [`rv32imc: flash ${build.flashBytes} B, ram ${build.ramBytes} B, model code stack ${build.modelStackBytes} B (-fstack-usage)`];
      if (r.instructions !== null) {
        const mhz = c.target.mcu?.cpuMhz ?? 160;
        notes.push(`rv32imc: ${r.instructions} instructions per inference (${c.target.hasFpu ? 'hardware' : 'software'} float; at ${mhz} MHz and 1 instruction/cycle that is ${(r.instructions / mhz / 1000).toFixed(2)} ms, a lower bound)`);
      }
      return { outputs: r.outputs, notes };
    },
  };
}

export const RUNNERS: Record<RunnerKind, Runner> = {
  'host-make': hostMake,
  'qemu-user': qemuUser,
  'qemu-riscv32-semihost': qemuRv32,
  'mupen64plus-rom': mupen64plusRunner,
};

/** Build the compiled model's test program in `dir` for its target. */
export function buildForTarget(c: Compiled, dir: string, req: BuildRequest = {}): Prepared {
  if (req.emulator) {
    const emu = c.target.emulators?.[req.emulator];
    const names = Object.keys(c.target.emulators ?? {});
    if (!emu) throw new DnncError(`--emulator ${req.emulator}: target '${c.target.name}' ${names.length ? `can run in: ${names.join(', ')}` : 'has no system emulator here'}`);
    return RUNNERS[emu.runner](c, dir, req);
  }
  const runner = c.target.runner ? RUNNERS[c.target.runner] : undefined;
  if (!runner) {
    throw new DnncError(`verify for target '${c.target.name}' is not available: no emulator for it here${c.target.mcu ? ' (its ESP-IDF project is checked by snapshot tests and, with IDF_PATH set, by idf.py build; verify esp32c3 for the same C on rv32)' : ''}`);
  }
  return runner(c, dir, req);
}

/** Run the built program on the golden inputs and compare every output with the reference. */
export function runAndCompare(c: Compiled, prepared: Prepared, dir: string, tol = 1e-4): VerifyResult {
  if (!c.golden.expected) throw new DnncError('onnxruntime-node is not available, so there is nothing to verify against');
  const out = prepared.run();
  const base = { dir, how: prepared.how, notes: out.notes ?? [], warnings: c.warnings };
  if (typeof out.outputs === 'string') {
    const why = out.outputs;
    return { ...base, pass: false, maxAbsErr: NaN, reason: why, line: `FAIL ${why}` };
  }
  let maxErr = 0;
  const bad: string[] = [];
  const got = out.outputs;
  c.code.outputs.forEach((io, i) => {
    const cmp = compareTensors(got[i]!, c.golden.expected![i]!, tol);
    maxErr = Math.max(maxErr, cmp.maxAbsErr);
    if (!cmp.ok) bad.push(`${io.name} (max_abs_err=${cmp.maxAbsErr})`);
  });
  if (bad.length) {
    const reason = `mismatch in ${bad.join(', ')}`;
    return { ...base, pass: false, maxAbsErr: maxErr, reason, line: `FAIL ${reason}` };
  }
  return { ...base, pass: true, maxAbsErr: maxErr, line: `PASS max_abs_err=${maxErr.toExponential(3)}` };
}

export async function verify(file: string, opts: VerifyOptions): Promise<VerifyResult> {
  const c = await compile(file, { ...opts, reference: true });
  if (!c.golden.expected) throw new DnncError('onnxruntime-node is not available, so there is nothing to verify against');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-verify-'));
  try {
    const prepared = buildForTarget(c, dir, { sanitize: opts.sanitize, emulator: opts.emulator });
    return runAndCompare(c, prepared, dir, opts.tolerance ?? 1e-4);
  } finally {
    if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}
