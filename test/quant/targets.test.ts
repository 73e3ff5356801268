// Quantized examples on the emulated targets: the generated int8 and int16
// C built for the ESP32-C3 (rv32imc, no FPU, under qemu-system-riscv32) and
// for the N64 (VR4300, big-endian, under qemu-mips64), with optimised and
// reference kernels, must reproduce the host's run of the same quantized
// model bit for bit (integer kernels; the n64 int8 case is in ptq.test.ts; on the ESP32-C3 the input quantizer
// is the integer threshold search instead of soft-float division).
import { describe, it, expect } from 'vitest';
import { compile } from '../../compiler/driver.js';
import { buildForTarget, runAndCompare } from '../../compiler/verify.js';
import { haveCommand } from '../../compiler/toolchain.js';
import { example, tmpDir } from '../helpers.js';

const haveRv32 = haveCommand('riscv64-unknown-elf-gcc') && haveCommand('qemu-system-riscv32');
const haveMips = haveCommand('mips64-linux-gnuabi64-gcc') && haveCommand('qemu-mips64');

const cases = [
  ['esp32c3', 'cnn', 'int8', 'optimized', haveRv32],
  ['esp32c3', 'cnn', 'int16', 'optimized', haveRv32],
  ['n64', 'cnn', 'int16', 'optimized', haveMips],
] as const;

describe('quantized examples on the emulated targets', () => {
  it.each(cases)('%s %s %s (%s kernels) reproduces the host run bit-exactly', async (target, name, dtype, kernels, have) => {
    if (!have) return; // toolchain or emulator missing: scripts/setup.sh installs them
    const c = await compile(example(name), { target, kernels, quantize: { dtype, calibrateRandom: 4 } });
    if (target === 'esp32c3' && dtype === 'int8' && kernels === 'optimized') {
      // no FPU: the input quantizer searches the float's bits (no soft-float division)
      expect(c.files['main/model.c'] ?? Object.entries(c.files).find(([f]) => f.endsWith('/model.c') || f === 'model.c')?.[1]).toMatch(/dnnc_quantize_f32_i8_keys\(/);
    }
    const dir = tmpDir(`q${target}${dtype}`);
    const r = runAndCompare(c, buildForTarget(c, dir), dir, 0);
    expect(r.line).toMatch(/^PASS/);
    expect(r.maxAbsErr).toBe(0);
  }, 300_000);
});
