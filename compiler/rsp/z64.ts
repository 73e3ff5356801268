// Run a generated kernel task on mupen64plus-rsp-z64 (the low-level RSP
// plugin of mupen64plus, Debian package of that name) through a small host
// program (test/rsp/z64run.c) that loads the plugin and calls its
// InitiateRSP/DoRspCycles entry points: a second, independent RSP
// implementation for the kernels, without a ROM.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DnncError } from '../../ir/errors.js';
import { run } from '../toolchain.js';
import { ROOT } from '../codegen/templates.js';
import { prepareTask } from './run.js';
import type { RspKernel } from './kernels/common.js';

const PLUGIN_DIRS = ['/usr/lib/x86_64-linux-gnu/mupen64plus', '/usr/lib/aarch64-linux-gnu/mupen64plus', '/usr/lib/mupen64plus', '/usr/local/lib/mupen64plus'];

/** Path of mupen64plus-rsp-z64.so, or undefined when it is not installed. */
export function z64Plugin(): string | undefined {
  for (const d of PLUGIN_DIRS) {
    const f = path.join(d, 'mupen64plus-rsp-z64.so');
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

let runner: string | undefined;

function buildRunner(): string {
  if (runner && fs.existsSync(runner)) return runner;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-z64-'));
  const exe = path.join(dir, 'z64run');
  const r = run('cc', ['-std=c99', '-O1', '-Wall', '-Wextra', '-Werror', '-D_DEFAULT_SOURCE', path.join(ROOT, 'test/rsp/z64run.c'), '-o', exe, '-ldl']);
  if (r.status !== 0) throw new DnncError(`cannot build the z64 runner: ${r.stderr.split('\n')[0]}`);
  runner = exe;
  return exe;
}

/** Run raw task images (big-endian RDRAM, DMEM, IMEM) on the plugin; returns RDRAM after the task. */
export function runImagesOnZ64(rdram: Uint8Array, dmem: Uint8Array, imem: Uint8Array): { rdram: Uint8Array; executed: number } {
  const plugin = z64Plugin();
  if (!plugin) throw new DnncError('mupen64plus-rsp-z64 is not installed (run scripts/setup.sh)');
  if (rdram.length !== 1 << 20) throw new DnncError('the z64 runner models 1 MiB of RDRAM');
  const exe = buildRunner();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-z64task-'));
  try {
    const f = (n: string) => path.join(dir, n);
    fs.writeFileSync(f('rdram.bin'), rdram);
    fs.writeFileSync(f('dmem.bin'), dmem);
    fs.writeFileSync(f('imem.bin'), imem);
    const r = run(exe, [plugin, f('rdram.bin'), f('dmem.bin'), f('imem.bin'), f('out.bin')], { timeoutMs: 60_000 });
    const m = /z64run: executed (\d+)/.exec(r.stdout);
    if (r.status !== 0 || !m) throw new DnncError(`z64 run failed (${r.status}): ${(r.stderr + r.stdout).trim().split('\n').slice(-1)[0]}`);
    return { rdram: new Uint8Array(fs.readFileSync(f('out.bin'))), executed: Number(m[1]) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Output tiles of a task run on mupen64plus-rsp-z64, and the instructions it reports. */
export function runOnZ64(k: RspKernel, in0: Int16Array[], in1: Int16Array[] = []): { out: Int16Array[]; executed: number } {
  const task = prepareTask(k, in0, in1);
  const r = runImagesOnZ64(task.rdram, task.dmem, task.imem);
  return { out: task.outputs(r.rdram), executed: r.executed };
}
