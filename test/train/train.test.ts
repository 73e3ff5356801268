// The generated trainer of microgpt (compiler/onnx/gpt-train.ts): on the host
// its per-step loss equals the TypeScript reference trainer's (float64, hand-
// written backward) and falls; under qemu-system-riscv32 (esp32c3, software
// float) and qemu-mips64 (n64) it trains 100 steps with the host's losses,
// in under 100 KB of static RAM on the esp32c3.
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { buildGptTrain } from '../../compiler/onnx/gpt-train.js';
import { MICROGPT, gpt2Config } from '../../compiler/onnx/gpt.js';
import { compileTrain, buildAndRunTrainer, parseTrainOutput, type TrainRun } from '../../compiler/train.js';
import { referenceTrain } from '../../compiler/train-reference.js';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { run } from '../../compiler/toolchain.js';
import { tmpDir, writeModel, dnnc, ROOT } from '../helpers.js';

let model = '';
beforeAll(() => {
  model = writeModel(buildGptTrain(MICROGPT), tmpDir('train'), 'microgpt_train.onnx');
});

describe('microgpt trainer on the host', () => {
  it('loss of the first 50 steps equals the reference trainer; 1,000 steps lower it', async () => {
    const tc = await compileTrain(model, { target: 'host' }, { steps: 1000 });
    expect(tc.memory.totalBytes).toBeLessThan(100 * 1024);
    const dir = path.join(path.dirname(model), 'host');
    const host: TrainRun = await buildAndRunTrainer(tc, dir, { steps: 1000, printEvery: 1, samples: 10 });
    expect(host.losses.length).toBe(1000);
    const init = Object.fromEntries(tc.meta.params.map((p) => [p.name, p.init.data as Float32Array]));
    const ref = referenceTrain(MICROGPT, init, tc.docs, tc.vocab, tc.req, 50, 1000);
    for (let i = 0; i < 50; i++) expect(Math.abs(host.losses[i]!.loss - ref[i]!) / ref[i]!, `step ${i + 1}`).toBeLessThan(1e-4);
    // starts near ln 27, ends well below
    const mean = (a: number, b: number) => host.losses.slice(a, b).reduce((s, l) => s + l.loss, 0) / (b - a);
    expect(host.losses[0]!.loss).toBeGreaterThan(3.0);
    expect(host.losses[0]!.loss).toBeLessThan(3.6);
    expect(mean(900, 1000)).toBeLessThan(mean(0, 100) - 0.3);
    expect(mean(900, 1000)).toBeLessThan(2.45);
    expect(host.samples.length).toBe(10);
    for (const s of host.samples) expect(s).toMatch(/^[a-z]*$/);
    expect(host.samples.filter((s) => s.length >= 3).length).toBeGreaterThan(4);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('runs clean under AddressSanitizer and UBSan', async () => {
    const tc = await compileTrain(model, { target: 'host' }, { steps: 20 });
    const dir = path.join(path.dirname(model), 'asan');
    const r = await buildAndRunTrainer(tc, dir, { steps: 20, printEvery: 1, samples: 2, extraCflags: ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-g'] });
    expect(r.losses.length).toBe(20);
    expect(r.output).not.toMatch(/runtime error|AddressSanitizer/);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});

describe('microgpt trainer under emulators', () => {
  for (const target of ['esp32c3', 'n64']) {
    it(`${target}: 100 steps with the reference trainer's losses, instructions per step`, async () => {
      const tc = await compileTrain(model, { target }, { steps: 100 });
      const dir = path.join(path.dirname(model), target);
      const r = await buildAndRunTrainer(tc, dir, { steps: 100, printEvery: 1, samples: 2, bench: true });
      expect(r.losses.length).toBe(100);
      // the reference trainer's losses of the same 100-step schedule
      const init = Object.fromEntries(tc.meta.params.map((p) => [p.name, p.init.data as Float32Array]));
      const ref = referenceTrain(MICROGPT, init, tc.docs, tc.vocab, tc.req, 100, 100);
      for (let i = 0; i < 100; i++) expect(Math.abs(r.losses[i]!.loss - ref[i]!) / ref[i]!, `step ${i + 1}`).toBeLessThan(1e-4);
      const first = r.losses.slice(0, 20).reduce((s, l) => s + l.loss, 0) / 20;
      const last = r.losses.slice(80).reduce((s, l) => s + l.loss, 0) / 20;
      expect(last).toBeLessThan(first - 0.2);
      expect(r.instructionsPerStep).toBeGreaterThan(100_000);
      if (target === 'esp32c3') {
        expect(tc.memory.totalBytes).toBeLessThan(100 * 1024);
        expect(r.staticRamBytes).toBeLessThan(100 * 1024);
        // the ESP-IDF app's main compiles for the chip (ESP-IDF itself is not installed here)
        expect(tc.files['main/CMakeLists.txt']).toMatch(/idf_component_register\(SRCS "app_main.c" "..\/model.c"/);
        const cc = run('riscv64-unknown-elf-gcc', ['-std=c99', '-O2', '-march=rv32imc', '-mabi=ilp32', '--specs=picolibc.specs', '-Wall', '-Wextra', '-Werror',
          '-I', dir, '-I', path.join(dir, 'runtime'), '-c', path.join(dir, 'main', 'app_main.c'), '-o', path.join(dir, 'app_main.o')]);
        expect(cc.status, cc.stderr).toBe(0);
      }
      console.log(`${target}: ${r.instructionsPerStep} instructions per training step, static RAM ${r.staticRamBytes} B, stack ${r.stackBytes} B (model data ${tc.memory.totalBytes} B), loss ${r.losses[0]!.loss} -> ${r.losses[99]!.loss}`);
      fs.rmSync(dir, { recursive: true, force: true });
    }, 180_000);
  }
});

describe('dnnc compile --train', () => {
  it('writes a trainer project that make builds and runs, on a given data file', () => {
    const dir = path.dirname(model);
    const data = path.join(dir, 'names.txt');
    fs.writeFileSync(data, 'emma\nolivia\nava\nisabella\nsophia\nmia\ncharlotte\namelia\n');
    const out = path.join(dir, 'cli');
    const r = dnnc(['compile', model, '--train', '--data', data, '--steps', '30', '--print-every', '10', '--samples', '3', '--optimizer', 'sgd', '--lr', '0.5', '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/training memory \(host\): \d+ B static RAM = parameters 16768 B \+ arena \d+ B \(planned: forward activations kept for backward, gradients until their optimizer update/);
    const m = run('make', ['-s', '-C', out, 'run']);
    expect(m.status, m.stderr).toBe(0);
    const { losses, samples } = parseTrainOutput(m.stdout);
    expect(losses.map((l) => l.step)).toEqual([1, 10, 20, 30]);
    expect(losses[3]!.mean).toBeLessThan(losses[0]!.loss);
    expect(samples.length).toBe(3);
  }, 120_000);

  it('names the op that has no gradient rule, in one line', () => {
    const b = new OnnxBuilder('nograd', 17);
    const w = b.init('w', seededTensor([3, 4], 3));
    const [f] = b.node('Floor', [w]);
    b.output(f!, 'float32', [3, 4]);
    const file = writeModel(b, tmpDir('nograd'));
    const r = dnnc(['inspect', file, '--train', '--loss', `mse:${f},target`]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^dnnc: error: .*\(Floor\): no gradient rule for op 'Floor'/);
    expect(r.stderr.trim().split('\n').length).toBe(1);
    const bad = dnnc(['inspect', file, '--train', '--loss', 'hinge:y']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--loss 'hinge:y': expected cross_entropy/);
  });
});

describe('GPT-2 layout (layer norms, GELU, biases, tied embeddings)', () => {
  it('a 1-layer model trains on the host', async () => {
    const c = gpt2Config(1, 16, 4, 27, 16);
    const file = writeModel(buildGptTrain(c), tmpDir('gpt2'), 'gpt2_train.onnx');
    const tc = await compileTrain(file, { target: 'host' }, { steps: 150 });
    expect(tc.meta.params.map((p) => p.name)).toContain('l0.ln2.weight');
    expect(tc.meta.params.map((p) => p.name)).not.toContain('lm_head');
    const r = await buildAndRunTrainer(tc, path.join(path.dirname(file), 'run'), { steps: 150, printEvery: 1, samples: 0 });
    const mean = (a: number, b: number) => r.losses.slice(a, b).reduce((s, l) => s + l.loss, 0) / (b - a);
    expect(mean(120, 150)).toBeLessThan(r.losses[0]!.loss - 0.6);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }, 120_000);
});

describe('--train on other models: one embedded sample', () => {
  it('the CNN example (Conv, BatchNormalization, Relu, MaxPool, Gemm) overfits its sample; a warning for Softmax outputs', async () => {
    const cnn = path.join(ROOT, 'examples', 'cnn', 'model.onnx');
    const soft = await compileTrain(cnn, { target: 'host' }, { steps: 40 });
    expect(soft.warnings.join('\n')).toMatch(/'probs' is the output of Softmax/);
    const tc = await compileTrain(cnn, { target: 'host' }, { steps: 40, loss: 'cross_entropy:gemm13,targets' });
    expect(tc.warnings).toEqual([]);
    const dir = path.join(path.dirname(model), 'cnn');
    const r = await buildAndRunTrainer(tc, dir, { steps: 40, printEvery: 1, samples: 0 });
    expect(r.losses.length).toBe(40);
    expect(r.losses[39]!.loss).toBeLessThan(0.1 * r.losses[0]!.loss);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
