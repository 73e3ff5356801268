// npm run bench [-- --targets host,n64,esp32c3] [--models substr]
// Instruction counts per inference (deterministic, emulator-counted) for the
// examples and MLPerf Tiny model shapes, optimised vs reference kernels in
// the same run, written to bench/results.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { bench, type BenchResult } from '../compiler/bench.js';
import { MLPERF_TINY } from '../compiler/onnx/mlperf-tiny.js';
import { getTarget } from '../compiler/targets/target.js';
import { haveCommand } from '../compiler/toolchain.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const o = new Command()
  .option('--targets <list>', 'targets to measure', 'host,n64,esp32c3')
  .option('--models <substr>', 'only models whose name contains this')
  .option('--out <file>', 'markdown report', path.join(ROOT, 'bench', 'results.md'))
  .option('--no-quant', 'skip the int8 and int16 columns')
  .option('--float-from <results.md>', 'take the float32 rows from an earlier report instead of measuring them again (when only integer kernels changed)')
  .option('--notes <file>', 'markdown appended to the report (e.g. bench/notes.md)', path.join(ROOT, 'bench', 'notes.md'))
  .parse(process.argv)
  .opts<{ targets: string; models?: string; out: string; quant: boolean; notes: string; floatFrom?: string }>();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-benchset-'));
const models: [string, string][] = [
  ['mlp (example)', path.join(ROOT, 'examples', 'mlp', 'model.onnx')],
  ['cnn (example)', path.join(ROOT, 'examples', 'cnn', 'model.onnx')],
];
for (const [name, build] of Object.entries(MLPERF_TINY)) {
  const f = path.join(tmp, `${name}.onnx`);
  fs.writeFileSync(f, build().bytes());
  models.push([name, f]);
}

// --float-from: float32 rows of an earlier report (| target | model | opt | ref | ratio | code | weight | arena |)
const earlier = new Map<string, BenchResult & { refInstructions: number }>();
if (o.floatFrom) {
  const num = (x: string) => Number(x.replace(/,/g, ''));
  for (const line of fs.readFileSync(o.floatFrom, 'utf8').split('\n')) {
    const c = line.split('|').map((x) => x.trim());
    if (c.length !== 10 || !/^\d/.test(c[3]!) || !/^\d/.test(c[5]!)) continue;
    if (earlier.has(`${c[1]}|${c[2]}`)) continue;
    earlier.set(`${c[1]}|${c[2]}`, { model: c[2]!, target: c[1]!, kernels: 'optimized', instructions: num(c[3]!), refInstructions: num(c[4]!), codeBytes: num(c[6]!), weightBytes: num(c[7]!), arenaBytes: num(c[8]!) });
  }
}
const rows: { name: string; opt: BenchResult; ref: BenchResult; q: Record<string, BenchResult | string> }[] = [];
const skipped: string[] = [];
for (const t of o.targets.split(',')) {
  const desc = getTarget(t);
  if (!desc) throw new Error(`unknown target ${t}`);
  const tool = desc.run[0] ?? 'valgrind';
  if (!haveCommand(tool) || !haveCommand(desc.cc[0]!)) {
    process.stderr.write(`bench: skipping ${t}: ${tool} or ${desc.cc[0]} is not installed\n`);
    continue;
  }
  for (const [name, file] of models) {
    if (o.models && !name.includes(o.models)) continue;
    const t0 = Date.now();
    let opt: BenchResult, ref: BenchResult;
    try {
      const old = earlier.get(`${t}|${name}`);
      if (o.floatFrom && !old) throw new Error(`no float32 row for ${t} ${name} in ${o.floatFrom}`);
      opt = old ? { ...old, kernels: 'optimized' } : await bench(file, { target: t, kernels: 'optimized' });
      ref = old ? { ...old, kernels: 'reference', instructions: old.refInstructions } : await bench(file, { target: t, kernels: 'reference' });
    } catch (e) {
      // e.g. the model does not fit the target: say so in the report
      skipped.push(`${t} ${name}: ${(e as Error).message.split('\n')[0]!.slice(0, 160)}`);
      process.stderr.write(`bench: ${t} ${name}: skipped: ${(e as Error).message.split('\n')[0]}\n`);
      continue;
    }
    const q: Record<string, BenchResult | string> = {};
    if (o.quant) {
      for (const [key, dtype, kernels] of [['int8', 'int8', 'optimized'], ['int8ref', 'int8', 'reference'], ['int16', 'int16', 'optimized']] as const) {
        try {
          q[key] = await bench(file, { target: t, kernels, quantize: { dtype, calibrateRandom: 4 } });
        } catch (e) {
          q[key] = (e as Error).message.split('\n')[0]!.slice(0, 60);
        }
      }
    }
    rows.push({ name, opt, ref, q });
    writeReport();
    const n8 = (k: string) => (typeof q[k] === "object" ? (q[k] as BenchResult).instructions : q[k]);
    process.stderr.write(`bench: ${t} ${name}: ${opt.instructions} vs reference ${ref.instructions}; int8 ${n8("int8")} vs reference ${n8("int8ref")}; int16 ${n8("int16")} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
}

process.stdout.write(writeReport());
fs.rmSync(tmp, { recursive: true, force: true });


/** The report so far (written after every model, so a long run leaves its rows behind). */
function writeReport(): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const lines = [
    '# dnnc benchmark',
    '',
    'Generated by `npm run bench`. Instructions per inference are counted, not timed: a QEMU TCG plugin',
    '(bench/plugin/insncount.c) counts the guest instructions between two marker calls around one model call',
    'on the emulated targets (qemu-mips64 for the VR4300, qemu-system-riscv32 for rv32imc), and callgrind does',
    'the same on host. Counts are identical from run to run. `reference` is the same model built with',
    '`--kernels reference` (plain loops) in the same run; ratio = optimised / reference.',
    ...(o.floatFrom ? ['', `The float32 rows were carried over from an earlier run of this script (\`--float-from\`): only integer kernels changed since.`] : []),
    '',
    '| target | model | instructions (optimised) | instructions (reference) | ratio | code bytes | weight bytes | arena bytes |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.opt.target} | ${r.name} | ${fmt(r.opt.instructions)} | ${fmt(r.ref.instructions)} | ${(r.opt.instructions / r.ref.instructions).toFixed(3)} | ${fmt(r.opt.codeBytes)} | ${fmt(r.opt.weightBytes)} | ${fmt(r.opt.arenaBytes)} |`),
    '',
    ...(skipped.length ? ['Not measured:', '', ...skipped.map((x) => `- ${x}`), ''] : []),
  ];
  if (o.quant) {
    const cell = (r: BenchResult | string | undefined, f: (b: BenchResult) => string) => (r === undefined ? '-' : typeof r === 'string' ? `n/a (${r})` : f(r));
    lines.push(
      '## float32 vs int8 vs int16 (post-training quantized, optimised kernels, 4 random calibration inputs)',
      '',
      '`int8 reference` is the int8 model built with `--kernels reference` (plain integer loops, float input',
      'quantizer); ratio = int8 optimised / int8 reference.',
      '',
      '| target | model | instructions f32 | int8 | int8 reference | int8 ratio | int16 | weight bytes f32 / int8 / int16 | arena bytes f32 / int8 / int16 |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map((r) => {
        const i8 = r.q.int8, i8r = r.q.int8ref;
        const ratio = typeof i8 === 'object' && typeof i8r === 'object' ? (i8.instructions / i8r.instructions).toFixed(3) : '-';
        return `| ${r.opt.target} | ${r.name} | ${fmt(r.opt.instructions)} | ${cell(i8, (b) => fmt(b.instructions))} | ${cell(i8r, (b) => fmt(b.instructions))} | ${ratio} | ${cell(r.q.int16, (b) => fmt(b.instructions))} | ${fmt(r.opt.weightBytes)} / ${cell(i8, (b) => fmt(b.weightBytes))} / ${cell(r.q.int16, (b) => fmt(b.weightBytes))} | ${fmt(r.opt.arenaBytes)} / ${cell(i8, (b) => fmt(b.arenaBytes))} / ${cell(r.q.int16, (b) => fmt(b.arenaBytes))} |`;
      }),
      '',
    );
  }
  if (o.notes && fs.existsSync(o.notes)) lines.push(fs.readFileSync(o.notes, 'utf8').trimEnd(), '');
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, lines.join('\n'));
  return lines.join('\n');
}
