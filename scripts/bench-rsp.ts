// `npm run bench:rsp` (npx tsx scripts/bench-rsp.ts [--only=NAME] [--no-layers]): the n64 int16
// ROM of each model with and without --rsp in mupen64plus with the low-level RSP plugin
// (mupen64plus-rsp-z64, which runs an RSP task synchronously when the CPU starts it, so the
// CP0 Count the ROM prints is the CPU side only). Per model: CPU-side Count ticks per
// inference of both builds, the ratio, the layers on the RSP (compiler/rsp/report.ts), the
// RSP's own cycles and DMA bytes from the bit-exact simulator, and whether the two builds
// print the same output bytes (the DNNC-OUTPUT hex). Then, from a second pair of ROMs built
// with layerTicks (a Count read after every layer), where the CPU-side time goes per layer.
// Writes bench/rsp.md (no dates or wall-clock times in it: the same tree gives the same file).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { verify } from '../compiler/verify.js';
import { lower } from '../compiler/driver.js';
import { rspReport, type RspReportRow } from '../compiler/rsp/report.js';
import { MLPERF_TINY } from '../compiler/onnx/mlperf-tiny.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-bench-rsp-'));
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const layers = !process.argv.includes('--no-layers');
const Q = { dtype: 'int16' as const, calibrateRandom: 4 };

const models: [string, () => string][] = [
  ['examples/cnn', () => path.join(root, 'examples/cnn/model.onnx')],
  ...(['resnet8', 'mobilenet_v1_025', 'ds_cnn'] as const).map((k): [string, () => string] => [k, () => {
    const f = path.join(tmp, `${k}.onnx`);
    fs.writeFileSync(f, MLPERF_TINY[k]!().bytes());
    return f;
  }]),
];

interface Rom { ticks: number; runs: number; hex: string; pass: boolean; layers: { name: string; ticks: number }[]; rspErrors: number }

/** Build and run the n64 int16 ROM; read Count ticks, DNNC-LAYER lines and the output hex from the emulator log. */
async function rom(file: string, rsp: boolean, layerTicks: boolean): Promise<Rom> {
  const r = await verify(file, { target: 'n64', emulator: 'mupen64plus', keep: true, quantize: Q, rsp, layerTicks, tolerance: 1e-2 });
  const log = fs.readFileSync(path.join(r.dir, 'emulator.log'), 'utf8');
  fs.rmSync(r.dir, { recursive: true, force: true });
  const lines = log.split('\n').filter((l) => l.startsWith('Core: IS64: ')).map((l) => l.slice(12));
  const cnt = lines.map((l) => /^DNNC-COUNT (\d+) (\d+) (\d+) (\d+)$/.exec(l)).find((m) => m);
  if (!cnt) throw new Error(`${file}${rsp ? ' --rsp' : ''}: no DNNC-COUNT line (${r.line})`);
  let hex = '';
  let inOut = false;
  for (const l of lines) {
    if (l.startsWith('DNNC-OUTPUT')) { inOut = true; hex += '|'; continue; }
    if (inOut && /^[0-9a-f]+$/.test(l)) hex += l;
    else inOut = false;
  }
  const lay = lines.map((l) => /^DNNC-LAYER (\d+) (\d+) (.*)$/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => ({ name: m[3]!, ticks: Number(m[2]) }));
  return { ticks: (Number(cnt[1]) * 2 ** 32 + Number(cnt[2])) / Number(cnt[3]), runs: Number(cnt[3]), hex, pass: r.pass, layers: lay, rspErrors: lines.filter((l) => l.startsWith('DNNC-RSP')).length };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const summary: string[] = [];
const details: string[] = [];
const t00 = Date.now();
for (const [name, make] of models) {
  if (only && !name.includes(only)) continue;
  const f = make();
  const say = (s: string) => process.stdout.write(`[${((Date.now() - t00) / 1000).toFixed(0).padStart(4)} s] ${name}: ${s}\n`);
  say('planning --rsp layers');
  const rows: RspReportRow[] = rspReport(lower(f, { target: 'n64', quantize: Q, rsp: true }).graph);
  const on = rows.filter((r) => r.where === 'RSP');
  const cycles = on.reduce((a, r) => a + r.cycles!, 0), dma = on.reduce((a, r) => a + r.dmaBytes!, 0);
  say(`${on.length} of ${rows.length} layers on the RSP; CPU int16 ROM`);
  const cpu = await rom(f, false, false);
  say(`CPU int16 ${fmt(cpu.ticks)} ticks; --rsp ROM`);
  const rsp = await rom(f, true, false);
  const exact = rsp.hex === cpu.hex && cpu.hex.length > 1 && rsp.rspErrors === 0;
  say(`--rsp ${fmt(rsp.ticks)} ticks (${(cpu.ticks / rsp.ticks).toFixed(2)}x), bit-exact ${exact ? 'yes' : 'NO'}`);
  summary.push(`| ${name} | ${fmt(cpu.ticks)} | ${fmt(rsp.ticks)} | ${(cpu.ticks / rsp.ticks).toFixed(2)}x | ${on.length} of ${rows.length} | ${fmt(cycles)} | ${fmt(dma)} | ${exact ? 'yes' : 'NO'} |`);

  details.push(`### ${name}`, '');
  if (layers) {
    say('per-layer ticks: CPU int16 ROM with layerTicks');
    const lc = await rom(f, false, true);
    say('per-layer ticks: --rsp ROM with layerTicks');
    const lr = await rom(f, true, true);
    const where = new Map(rows.map((r) => [r.node, r]));
    const sumR = lr.layers.reduce((a, l) => a + l.ticks, 0);
    details.push(`Per layer, CP0 Count ticks per inference (ROMs built with layerTicks: totals ${fmt(lc.ticks)} and ${fmt(lr.ticks)}, ` +
      `${lr.hex === lc.hex && lc.hex === cpu.hex ? 'same outputs as above' : 'OUTPUTS DIFFER'}). Layers under 0.5 % of the --rsp total are summed in the last row.`, '',
      '| layer | op | --rsp | CPU int16 ticks | --rsp CPU-side ticks | share of --rsp | why on the CPU |', '|---|---|---|---:|---:|---:|---|');
    let restC = 0, restR = 0, restN = 0;
    lr.layers.forEach((l, i) => {
      const c = lc.layers[i]?.ticks ?? NaN;
      const [op, node] = l.name.split(' ') as [string, string];
      const w = where.get(node);
      if (l.ticks < 0.005 * sumR && w?.where !== 'RSP') { restC += c; restR += l.ticks; restN++; return; }
      details.push(`| ${node} | ${op} | ${w ? w.where : '-'} | ${fmt(c)} | ${fmt(l.ticks)} | ${((100 * l.ticks) / sumR).toFixed(1)} % | ${w && w.where === 'CPU' ? w.why : ''} |`);
    });
    if (restN) details.push(`| ${restN} other layers | | | ${fmt(restC)} | ${fmt(restR)} | ${((100 * restR) / sumR).toFixed(1)} % | |`);
    details.push('');
  }
  const cpuRows = rows.filter((r) => r.where === 'CPU');
  if (!layers && cpuRows.length) {
    details.push('On the CPU:', '', ...cpuRows.map((r) => `- ${r.node} (${r.op}): ${r.why}`), '');
  }
  if (on.length) {
    details.push('On the RSP (simulator, 1 cycle per instruction):', '', '| layer | op | kernel | tasks | tiles | RSP cycles | DMA bytes |', '|---|---|---|---:|---:|---:|---:|',
      ...on.map((r) => `| ${r.node} | ${r.op} | ${r.why} | ${r.tasks} | ${r.tiles} | ${fmt(r.cycles!)} | ${fmt(r.dmaBytes!)} |`), '');
  }
}
fs.rmSync(tmp, { recursive: true, force: true });

const md = [
  '# --rsp on the N64: CPU-side time with and without the RSP',
  '',
  'Generated by `npm run bench:rsp` (scripts/bench-rsp.ts). Each model is quantized to int16 (4 seeded random',
  'calibration inputs) and built as a bare-metal n64 ROM twice, without and with `--rsp`, and run in mupen64plus',
  '(interpreter) with the low-level RSP plugin mupen64plus-rsp-z64. The ROM reads the CP0 Count register around',
  'each inference (46.875 MHz; mupen64plus adds 1 per instruction, so these are its timing, not a cycle-exact',
  "VR4300). z64 runs an RSP task to its end when the CPU starts it, so the Count figures are the CPU side only;",
  "the RSP's own time is the simulator's cycle count beside them (compiler/rsp/sim.ts, 1 cycle per instruction,",
  'no stall model; `dnnc inspect --rsp` per layer). Bit-exact: both ROMs print the same output bytes.',
  '',
  '| model | CPU int16 ticks | --rsp ticks (CPU side) | ratio | layers on the RSP | RSP cycles (sim) | SP DMA bytes | bit-exact |',
  '|---|---:|---:|---:|---:|---:|---:|---|',
  ...summary,
  '',
  '## Per model',
  '',
  ...details,
].join('\n');
if (only) process.stdout.write(md + '\n'); // a partial run does not overwrite the table
else {
  fs.mkdirSync(path.join(root, 'bench'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench/rsp.md'), md);
  process.stdout.write(`wrote bench/rsp.md (${((Date.now() - t00) / 1000).toFixed(0)} s)\n`);
}
