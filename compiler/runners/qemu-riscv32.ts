// `dnnc verify` for rv32imc targets (esp32c3): build model.c + kernels + the
// generated semihosting test main with picolibc for qemu's virt board, run it
// bare metal under qemu-system-riscv32 and read the outputs back.
//
// Why embedded data and printed hex: the sample input is already embedded in
// the test main (the same golden data the ESP-IDF app uses), and every output
// is printed as hex bytes between markers on the semihosting console. That
// needs no host files (no paths shared between qemu and dnnc, works with any
// semihosting target), is bit-exact (no float formatting), and a crash or
// truncated run shows up as a missing DNNC-END marker.
import fs from 'node:fs';
import path from 'node:path';
import type { Compiled } from '../driver.js';
import { run } from '../toolchain.js';
import { Tensor } from '../../ir/tensor.js';
import { DnncError } from '../../ir/errors.js';

/** the generated test main (layout file of the esp32c3 target) */
export const SEMIHOST_MAIN = 'test/semihost_main.c';

const KiB = 1024, MiB = 1024 * 1024;
const FLASH_BASE = 0x80000000;

export interface Rv32Build {
  elf: string;
  flashBytes: number;
  ramBytes: number;
  /** stack the model code needs, from -fstack-usage: model_run's frame plus the two
   *  largest kernel frames (a kernel and a helper it calls) */
  modelStackBytes: number;
}

function pow2AtLeast(x: number, min: number): number {
  let p = min;
  while (p < x) p *= 2;
  return p;
}

/** Memory map for the virt board: flash (code, weights, golden data) then RAM, both grown as the model needs. */
export function rv32MemoryMap(c: Compiled): { flash: number; ram: number } {
  const golden = [...c.golden.inputs, ...(c.golden.expected ?? [])].reduce((a, t) => a + t.byteLength, 0);
  const outputs = c.code.outputs.reduce((a, o) => a + o.bytes, 0);
  const flash = pow2AtLeast(c.code.weightBytes + golden + 512 * KiB, 2 * MiB);
  const ram = pow2AtLeast(c.code.arenaBytes + outputs + 512 * KiB, 2 * MiB);
  return { flash, ram };
}

/** Linker flags placing the program on the virt board's flash and RAM. */
export function rv32LinkFlags(c: Compiled): string[] {
  const { flash, ram } = rv32MemoryMap(c);
  return [
    `-Wl,--defsym=__flash=0x${FLASH_BASE.toString(16)}`, `-Wl,--defsym=__flash_size=0x${flash.toString(16)}`,
    `-Wl,--defsym=__ram=0x${(FLASH_BASE + flash).toString(16)}`, `-Wl,--defsym=__ram_size=0x${ram.toString(16)}`,
    '-Wl,--defsym=__stack_size=0x10000',
  ];
}

export function buildRv32(c: Compiled, dir: string): Rv32Build {
  const t = c.target;
  if (!c.files[SEMIHOST_MAIN]) throw new DnncError(`internal: target ${t.name} has no ${SEMIHOST_MAIN} in its layout`);
  const modelDir = t.layout.modelDir.replace('{prefix}', c.code.prefix);
  const runtimeDir = t.layout.runtimeDir.replace('{prefix}', c.code.prefix);
  const sources = Object.keys(c.files).filter((f) => f.endsWith('.c') && f.startsWith(modelDir + '/')).sort();
  const { flash, ram } = rv32MemoryMap(c);
  const [cc, ...ccArgs] = t.cc;
  const args = [
    ...ccArgs, ...t.cflags, '-fstack-usage',
    '-I', modelDir, '-I', runtimeDir,
    SEMIHOST_MAIN, ...sources,
    '-o', 'x.elf',
    ...rv32LinkFlags(c),
    ...t.ldflags,
  ];
  const r = run(cc!, args, { cwd: dir, timeoutMs: 300_000 });
  if (r.status !== 0) {
    const first = r.stderr.split('\n').find((l) => /error/.test(l)) ?? r.stderr.split('\n')[0];
    throw new DnncError(`C build for ${t.name} failed: ${first?.trim()}`, { file: dir });
  }
  // stack frames of the model code (not the test main, not the C library)
  let runFrame = 0;
  const kernelFrames: number[] = [];
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('.su') || f.includes('semihost_main')) continue;
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const m = /:([A-Za-z_][A-Za-z0-9_]*)\t(\d+)\t/.exec(line);
      if (!m) continue;
      if (m[1] === `${c.code.prefix}_run`) runFrame = Number(m[2]);
      else kernelFrames.push(Number(m[2]));
    }
  }
  kernelFrames.sort((a, b) => b - a);
  const modelStack = runFrame + (kernelFrames[0] ?? 0) + (kernelFrames[1] ?? 0);
  return { elf: path.join(dir, 'x.elf'), flashBytes: flash, ramBytes: ram, modelStackBytes: modelStack };
}

/** Parse the DNNC-OUTPUT blocks printed by the test main. */
export function parseHexOutputs(text: string, c: Compiled, littleEndian = true): Tensor[] | string {
  if (!/^DNNC-END$/m.test(text)) {
    const last = text.trim().split('\n').slice(-1)[0] ?? '';
    return `the program stopped before printing all outputs${last ? ` (last line: ${last.slice(0, 120)})` : ''}`;
  }
  const outs: Tensor[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^DNNC-OUTPUT (\d+) (\d+)$/.exec(lines[i]!.trim());
    if (!m) continue;
    const idx = Number(m[1]), bytes = Number(m[2]);
    const io = c.code.outputs[idx];
    if (!io || io.bytes !== bytes) return `output ${idx}: ${bytes} bytes printed, ${io?.bytes ?? 'no such output'} expected`;
    let hex = '';
    while (hex.length < 2 * bytes && i + 1 < lines.length) hex += lines[++i]!.trim();
    if (hex.length !== 2 * bytes || !/^[0-9a-f]*$/.test(hex)) return `output ${idx}: bad hex dump`;
    outs[idx] = Tensor.fromBytes(io.dtype, io.shape, new Uint8Array(Buffer.from(hex, 'hex')), littleEndian);
  }
  for (let k = 0; k < c.code.outputs.length; k++) if (!outs[k]) return `output ${k} was not printed`;
  return outs;
}

export interface Rv32Run {
  outputs: Tensor[] | string;
  build: Rv32Build;
  /** the test main's own line (PASS/FAIL against the embedded expected output) */
  selfCheck: string;
  /** instructions retired by one inference (instret under qemu -icount), null if not printed */
  instructions: number | null;
}

export function runQemuRiscv32(c: Compiled, dir: string, timeoutMs = 300_000): Rv32Run {
  return runRv32Elf(c, dir, buildRv32(c, dir), timeoutMs);
}

/** Run a built test program under qemu-system-riscv32 and read what it printed. */
export function runRv32Elf(c: Compiled, dir: string, build: Rv32Build, timeoutMs = 300_000): Rv32Run {
  const [qemu, ...qargs] = c.target.run;
  const r = run(qemu!, [...qargs, build.elf], { cwd: dir, timeoutMs });
  // semihosting console output arrives on qemu's stderr; main's return is the exit status
  const text = r.stderr + r.stdout;
  const selfCheck = text.split('\n').find((l) => /^(PASS|FAIL) /.test(l)) ?? '';
  const ic = /^DNNC-INSTRET (\d+) (\d+)$/m.exec(text);
  const instructions = ic ? Number(ic[1]) * 2 ** 32 + Number(ic[2]) : null;
  if (r.timedOut) return { outputs: `timeout after ${timeoutMs / 1000} s under ${qemu}`, build, selfCheck, instructions };
  if (r.status !== 0) {
    const last = text.trim().split('\n').slice(-1)[0] ?? '';
    return { outputs: `program exited with ${r.status} under ${qemu}${last ? `: ${last.slice(0, 160)}` : ''}`, build, selfCheck, instructions };
  }
  return { outputs: parseHexOutputs(text, c), build, selfCheck, instructions };
}
