// The benchmark's instruction counts are deterministic: the same build
// counted twice gives the same number, and the optimised kernels execute
// fewer instructions than the reference ones.
import { describe, it, expect } from 'vitest';
import { bench } from '../../compiler/bench.js';
import { example } from '../helpers.js';
import { haveCommand } from '../../compiler/toolchain.js';

describe('dnnc bench', () => {
  it.each(['host', 'n64'])('counts instructions on %s identically run after run', async (target) => {
    const a = await bench(example('mlp'), { target });
    const b = await bench(example('mlp'), { target });
    expect(a.instructions).toBeGreaterThan(1000);
    expect(b.instructions).toBe(a.instructions);
    expect(a.codeBytes).toBeGreaterThan(0);
    expect(a.weightBytes).toBe(11112);
    const ref = await bench(example('mlp'), { target, kernels: 'reference' });
    expect(ref.instructions).toBeGreaterThan(a.instructions);
  });

  it.skipIf(!haveCommand('qemu-system-riscv32') || !haveCommand('riscv64-unknown-elf-gcc'))('counts an int8 model on esp32c3 identically run after run; the optimised integer kernels execute fewer instructions', async () => {
    const q = { dtype: 'int8' as const, calibrateRandom: 4 };
    const a = await bench(example('cnn'), { target: 'esp32c3', quantize: q });
    const b = await bench(example('cnn'), { target: 'esp32c3', quantize: q });
    expect(a.instructions).toBeGreaterThan(100_000);
    expect(b.instructions).toBe(a.instructions);
    const ref = await bench(example('cnn'), { target: 'esp32c3', kernels: 'reference', quantize: q });
    expect(ref.instructions).toBeGreaterThan(3 * a.instructions);
  }, 300_000);
});
