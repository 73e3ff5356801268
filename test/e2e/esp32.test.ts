// The ESP32 family: ESP-IDF projects (snapshots, and the generated C built and
// run on the host against stub ESP-IDF headers), the memory plan per chip,
// the C3 FPU warning, and verification of esp32c3 (rv32imc) under
// qemu-system-riscv32 against onnxruntime.
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { verify } from '../../compiler/verify.js';
import { compile } from '../../compiler/driver.js';
import { writeProject } from '../../compiler/project.js';
import { getTarget } from '../../compiler/targets/target.js';
import { planFlash, parseSize, MODEL_CALL_DEPTH } from '../../compiler/targets/memory.js';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { dnnc, example, tmpDir, writeModel, ROOT } from '../helpers.js';

const CHIPS = ['esp32', 'esp32s3', 'esp32c3'] as const;

/** A model whose activations (3 x 256 KiB) fit no chip's internal RAM; small weights and output. */
function bigArenaModel(): string {
  const b = new OnnxBuilder('big_arena');
  b.input('x', 'float32', [1, 64, 32, 32]);
  let x = b.node('Relu', ['x'])[0]!;
  x = b.node('Sigmoid', [x])[0]!;
  x = b.node('Relu', [x])[0]!;
  b.node('GlobalAveragePool', [x], {}, ['y']);
  b.output('y', 'float32', [1, 64, 1, 1]);
  return writeModel(b);
}

describe.each(['mlp', 'cnn'])('example %s on esp32c3 (rv32imc under qemu-system-riscv32)', (name) => {
  it('verifies against onnxruntime', async () => {
    const r = await verify(example(name), { target: 'esp32c3' });
    expect(r.line).toMatch(/^PASS max_abs_err=/);
    expect(r.maxAbsErr).toBeLessThan(1e-5);
    // the stack allowance in sdkconfig.defaults covers the frames measured on rv32
    const note = (r.notes ?? []).join('\n');
    const m = /model code stack (\d+) B/.exec(note);
    expect(m, note).not.toBeNull();
    const mcu = getTarget('esp32c3')!.mcu!;
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThanOrEqual(MODEL_CALL_DEPTH * mcu.stackFrameBytes);
    // one inference retires a plausible number of instructions (instret under qemu -icount)
    const ic = /rv32imc: (\d+) instructions per inference \(software float/.exec(note);
    expect(ic, note).not.toBeNull();
    expect(Number(ic![1])).toBeGreaterThan(10_000);
  });
});

describe('dnnc verify --target esp32c3 from the command line', () => {
  it('prints PASS like host', () => {
    const r = dnnc(['verify', example('mlp'), '--target', 'esp32c3']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^PASS max_abs_err=/);
    expect(r.stderr).toMatch(/rv32imc: flash \d+ B, ram \d+ B/);
  });

  it('reports a wrong result as FAIL', async () => {
    // software float on rv32 differs from onnxruntime in the last bits: a tolerance of 0 fails
    const r = await verify(example('cnn'), { target: 'esp32c3', tolerance: 0 });
    expect(r.maxAbsErr).toBeGreaterThan(0);
    expect(r.pass).toBe(false);
    expect(r.line).toMatch(/^FAIL mismatch in probs \(max_abs_err=/);
  });

  it('says why the Xtensa chips cannot be verified here', () => {
    const r = dnnc(['verify', example('mlp'), '--target', 'esp32']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no emulator/);
  });
});

describe.each(CHIPS)('ESP-IDF project for %s', (chip) => {
  let files: Record<string, string>;
  beforeAll(async () => {
    files = (await compile(example('cnn'), { target: chip })).files as Record<string, string>;
  });

  it('has the ESP-IDF layout with the model as a component', () => {
    const names = Object.keys(files).sort();
    for (const f of ['CMakeLists.txt', 'sdkconfig.defaults', 'README.md', 'main/CMakeLists.txt', 'main/main.c',
      'components/model/CMakeLists.txt', 'components/model/model.c', 'components/model/model.h', 'components/model/model_weights.c',
      'components/model/runtime/dnnc.h', 'components/model/runtime/pool.c']) {
      expect(names).toContain(f);
    }
    expect(names).not.toContain('partitions.csv'); // small weights: default partition table
    expect(files['CMakeLists.txt']).toMatch(/include\(\$ENV\{IDF_PATH\}\/tools\/cmake\/project\.cmake\)/);
    expect(files['main/CMakeLists.txt']).toMatch(/idf_component_register\(SRCS "main\.c"[\s\S]*REQUIRES model esp_timer\)/);
    expect(files['components/model/CMakeLists.txt']).toMatch(/idf_component_register\(SRCS "model\.c" "model_weights\.c" "runtime\/(conv|pool)\.c"/); // no FPU (esp32c3): sfconv.c instead of conv.c
    expect(files['sdkconfig.defaults']).toContain(`CONFIG_IDF_TARGET="${chip}"`);
    expect(files['README.md']).toContain(`idf.py set-target ${chip} build flash monitor`);
    expect(files['main/main.c']).toMatch(/void app_main\(void\)[\s\S]*esp_timer_get_time\(\)/);
  });

  it('matches the snapshots', async () => {
    const snap = ['CMakeLists.txt', 'sdkconfig.defaults', 'README.md', 'main/CMakeLists.txt', 'main/main.c', 'components/model/CMakeLists.txt', 'components/model/model.c'];
    if (chip === 'esp32c3') snap.push('test/semihost_main.c');
    for (const f of snap) await expect(files[f]).toMatchFileSnapshot(`../__snapshots__/esp32/${chip}/${f}.snap`);
  });

  it('its main.c and component build and print PASS against stub ESP-IDF headers', () => {
    const dir = tmpDir(`idfstub-${chip}`);
    writeProject(path.join(dir, 'p'), files, true);
    const r = buildWithStubs(dir, path.join(dir, 'p'));
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/^PASS max_abs_err=/m);
    expect(r.out).toMatch(/time per inference: [\d.]+ us/);
  });
});

// Stand-ins for the few ESP-IDF APIs main.c uses, so the generated C is compiled
// with -Wall -Wextra -Werror and run on the host.
function buildWithStubs(dir: string, proj: string): { status: number; out: string } {
  const stub = path.join(dir, 'stub');
  fs.mkdirSync(path.join(stub, 'freertos'), { recursive: true });
  fs.writeFileSync(path.join(stub, 'freertos', 'FreeRTOS.h'), '#pragma once\n');
  fs.writeFileSync(path.join(stub, 'freertos', 'task.h'), '#pragma once\nvoid vTaskDelay(unsigned ticks);\n');
  fs.writeFileSync(path.join(stub, 'esp_timer.h'), '#pragma once\n#include <stdint.h>\nint64_t esp_timer_get_time(void);\n');
  fs.writeFileSync(path.join(stub, 'esp_attr.h'), '#pragma once\n#define EXT_RAM_BSS_ATTR __attribute__((section(".ext_ram.bss")))\n');
  fs.writeFileSync(path.join(stub, 'stub.c'), [
    '#define _POSIX_C_SOURCE 199309L',
    '#include <stdint.h>',
    '#include <time.h>',
    'void vTaskDelay(unsigned ticks) { (void)ticks; }',
    'int64_t esp_timer_get_time(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000; }',
    'void app_main(void);',
    'int main(void) { app_main(); return 0; }',
    '',
  ].join('\n'));
  const comp = path.join(proj, 'components', 'model');
  const srcs = [path.join(proj, 'main', 'main.c'), ...walk(comp).filter((f) => f.endsWith('.c')), path.join(stub, 'stub.c')];
  const cc = spawnSync('cc', ['-std=gnu11', '-O1', '-Wall', '-Wextra', '-Werror', '-I', stub, '-I', comp, '-I', path.join(comp, 'runtime'), ...srcs, '-o', path.join(dir, 'app'), '-lm'], { encoding: 'utf8' });
  if (cc.status !== 0) return { status: cc.status ?? -1, out: cc.stderr };
  const r = spawnSync(path.join(dir, 'app'), { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, out: r.stdout + r.stderr };
}

function walk(d: string): string[] {
  return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
}

describe('memory per chip', () => {
  it('prints where the arena, weights and stack go', () => {
    for (const chip of CHIPS) {
      const dir = tmpDir('mem');
      const r = dnnc(['compile', example('cnn'), '--target', chip, '-o', path.join(dir, 'o')]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`${chip}: arena \\d+ B \\+ outputs 40 B -> internal RAM \\([\\d.]+ KiB budget, \\d+% used\\); weights \\d+ B in flash \\.rodata`));
    }
  });

  it('fails with exit 2 and one line of numbers when nothing fits', () => {
    const model = bigArenaModel();
    const dir = tmpDir('nofit');
    for (const chip of CHIPS) {
      const r = dnnc(['compile', model, '--target', chip, '-o', path.join(dir, chip)]);
      expect(r.status, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      const budget = getTarget(chip)!.ramBytes;
      expect(lines[0]).toMatch(new RegExp(`^dnnc: error: .*model does not fit ${chip}: it needs 262400 B \\(256\\.3 KiB\\) of RAM \\(arena 262144 B \\+ golden-test outputs 256 B\\), the target has ${budget} B`));
      expect(lines[0]).toMatch(chip === 'esp32c3' ? /and no PSRAM$/ : /no PSRAM was given \(--psram <size>\)$/);
    }
    // a PSRAM too small for the arena still fails, naming its size
    const small = dnnc(['compile', model, '--target', 'esp32', '--psram', '256K', '-o', path.join(dir, 'small')]);
    expect(small.status).toBe(2);
    expect(small.stderr).toMatch(/and 262144 B \(256\.0 KiB\) of PSRAM/);
    // the C3 has no PSRAM at all
    const c3 = dnnc(['compile', model, '--target', 'esp32c3', '--psram', '4M', '-o', path.join(dir, 'c3')]);
    expect(c3.status).toBe(2);
    expect(c3.stderr).toMatch(/--psram: target esp32c3 has no external PSRAM/);
  });

  it('puts the arena in PSRAM with a warning when --psram is given, and the app still runs', async () => {
    const model = bigArenaModel();
    const dir = tmpDir('psram');
    const r = dnnc(['compile', model, '--target', 'esp32s3', '--psram', '8M', '-o', path.join(dir, 'p')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: the arena \(262144 B, 256\.0 KiB\) does not fit esp32s3's internal RAM .* goes to PSRAM \(EXT_RAM_BSS_ATTR\)/);
    const modelC = fs.readFileSync(path.join(dir, 'p', 'components', 'model', 'model.c'), 'utf8');
    expect(modelC).toMatch(/#include "esp_attr\.h"\nstatic uint8_t g_arena\[262144\] DNNC_ALIGN\(16\) EXT_RAM_BSS_ATTR;/);
    const sdk = fs.readFileSync(path.join(dir, 'p', 'sdkconfig.defaults'), 'utf8');
    expect(sdk).toMatch(/^CONFIG_SPIRAM=y$/m);
    expect(sdk).toMatch(/^CONFIG_SPIRAM_ALLOW_BSS_SEG_EXTERNAL_MEMORY=y$/m);
    const run = buildWithStubs(dir, path.join(dir, 'p'));
    expect(run.status, run.out).toBe(0);
    expect(run.out).toMatch(/^PASS /m);
  });

  it('writes partitions.csv when the weights outgrow the default app partition', async () => {
    const b = new OnnxBuilder('wide');
    b.input('x', 'float32', [1, 512]);
    const w = b.init('w', seededTensor([512, 640], 1, 0.05));
    b.node('MatMul', ['x', w], {}, ['y']);
    b.output('y', 'float32', [1, 640]);
    const c = await compile(writeModel(b), { target: 'esp32', reference: false });
    expect(c.mcuMemory!.flash!.weightBytes).toBe(512 * 640 * 4);
    const csv = c.files['partitions.csv'] as string;
    expect(csv).toBeDefined();
    const factory = /^factory,\s*app,\s*factory,\s*0x10000,\s*(0x[0-9a-f]+),$/m.exec(csv);
    expect(factory, csv).not.toBeNull();
    const size = parseInt(factory![1]!, 16);
    expect(size % 0x10000).toBe(0);
    expect(size).toBeGreaterThanOrEqual(c.mcuMemory!.flash!.appBytes);
    expect(c.files['sdkconfig.defaults']).toMatch(/CONFIG_PARTITION_TABLE_CUSTOM=y\nCONFIG_PARTITION_TABLE_CUSTOM_FILENAME="partitions.csv"\nCONFIG_ESPTOOLPY_FLASHSIZE_4MB=y/);
    expect(c.files['components/model/model_weights.c']).toMatch(/^const float model_w_w\[327680\] = \{/m);
  });

  it('plans flash from the chip facts', () => {
    const esp32 = getTarget('esp32')!;
    expect(planFlash(esp32, 100_000, 1000)!.partition).toBeNull();
    const p = planFlash(esp32, 3 * 1024 * 1024, 0)!.partition!;
    expect(p.appBytes).toBe(3 * 1024 * 1024 + 256 * 1024);
    expect(p.flashBytes).toBe(4 * 1024 * 1024);
    expect(() => planFlash(esp32, 5 * 1024 * 1024, 0)).toThrow(/exceed the 4096\.0 KiB of flash the cache maps/);
    expect(planFlash(getTarget('host')!, 5 * 1024 * 1024, 0)).toBeNull();
    expect(parseSize('4M')).toBe(4 * 1024 * 1024);
    expect(parseSize('512KiB')).toBe(512 * 1024);
    expect(parseSize('8MB')).toBe(8 * 1024 * 1024);
    expect(() => parseSize('lots')).toThrow(/should be a size/);
  });
});

describe('ESP32-C3 has no FPU', () => {
  it('warns for float32 models and points to int8 quantization', () => {
    const dir = tmpDir('fpu');
    const c3 = dnnc(['compile', example('mlp'), '--target', 'esp32c3', '-o', path.join(dir, 'c3')]);
    expect(c3.status, c3.stderr).toBe(0);
    expect(c3.stderr).toMatch(/^dnnc: warning: esp32c3 has no FPU: the \d+ float kernel\(s\) of this model run in software floating point .*--quantize int8/m);
    for (const chip of ['esp32', 'esp32s3']) {
      const r = dnnc(['compile', example('mlp'), '--target', chip, '-o', path.join(dir, chip)]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/no FPU/);
    }
  });

  it('does not warn for an integer-only model', async () => {
    const b = new OnnxBuilder('ints');
    b.input('a', 'int32', [4]);
    b.input('b', 'int32', [4]);
    b.node('Add', ['a', 'b'], {}, ['y']);
    b.output('y', 'int32', [4]);
    const c = await compile(writeModel(b), { target: 'esp32c3', reference: false });
    expect(c.warnings.filter((w) => /no FPU/.test(w))).toEqual([]);
  });
});

// A sample of the ONNX backend node tests on rv32 (needs libonnx-testdata, which
// the conformance run unpacks into .cache/onnx-testdata; DNNC_ONNX_TESTDATA overrides).
const NODE_DIR = process.env.DNNC_ONNX_TESTDATA ?? path.join(ROOT, '.cache', 'onnx-testdata', 'x', 'usr', 'share', 'libonnx-testdata', 'data', 'node');
const haveNodeTests = fs.existsSync(NODE_DIR);
const SAMPLE = ['test_conv_with_strides_padding', 'test_gemm_all_attributes', 'test_maxpool_2d_pads', 'test_averagepool_2d_pads',
  'test_softmax_axis_1', 'test_add_bcast', 'test_matmul_3d', 'test_mod_mixed_sign_int64', 'test_where_example', 'test_pow'];

describe.skipIf(!haveNodeTests)(`ONNX node tests on esp32c3${haveNodeTests ? '' : ' (skipped: libonnx-testdata not found; set DNNC_ONNX_TESTDATA)'}`, () => {
  it.each(SAMPLE)('%s', async (t) => {
    const d = path.join(NODE_DIR, t);
    const inputs = fs.readdirSync(path.join(d, 'test_data_set_0')).filter((f) => f.startsWith('input_')).sort().map((f) => path.join(d, 'test_data_set_0', f));
    const r = await verify(path.join(d, 'model.onnx'), { target: 'esp32c3', inputs, tolerance: 1e-3 });
    expect(r.line).toMatch(/^PASS /);
  });
});

// Xtensa chips have no emulator here; with ESP-IDF installed, build the projects for real.
const IDF = process.env.IDF_PATH;
describe.skipIf(!IDF)(`idf.py build${IDF ? '' : ' (skipped: IDF_PATH is not set, so ESP-IDF is not installed)'}`, () => {
  it.each(CHIPS)('%s', async (chip) => {
    const dir = tmpDir(`idf-${chip}`);
    const c = await compile(example('cnn'), { target: chip });
    writeProject(dir, c.files, true);
    const r = spawnSync('idf.py', ['-C', dir, 'set-target', chip, 'build'], { encoding: 'utf8', timeout: 1_200_000 });
    expect(r.status, (r.stdout + r.stderr).slice(-4000)).toBe(0);
  }, 1_200_000);
});
