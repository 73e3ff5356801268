// The tiling figures of the README: for every bench model (examples and
// MLPerf Tiny) in float32, int8 and int16, tiled for the n64 RSP DMEM
// (--rsp-model): the per-layer tile table, and the scratch high-water mark
// measured under qemu-mips64 with whether the outputs equal the untiled ones.
//   npx tsx scripts/tile-report.ts [--tables] [--no-run]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compile, lower, type CompileOptions } from '../compiler/driver.js';
import { buildForTarget } from '../compiler/verify.js';
import { MLPERF_TINY } from '../compiler/onnx/mlperf-tiny.js';
import { tileTable, formatTileTable } from '../passes/tile.js';
import { isFloatType } from '../ir/types.js';
import type { Tensor } from '../ir/tensor.js';

const args = process.argv.slice(2);
const tables = args.includes('--tables');
const runIt = !args.includes('--no-run');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-tile-report-'));
const models: [string, string][] = [
  ['mlp', 'examples/mlp/model.onnx'],
  ['cnn', 'examples/cnn/model.onnx'],
  ...Object.entries(MLPERF_TINY).map(([name, build]) => {
    const f = path.join(dir, `${name}.onnx`);
    fs.writeFileSync(f, build().bytes());
    return [name, f] as [string, string];
  }),
];

async function outputs(file: string, opts: CompileOptions): Promise<{ outs: Tensor[]; notes: string[] }> {
  const c = await compile(file, { ...opts, reference: false, seed: 7 });
  const d = fs.mkdtempSync(path.join(dir, 'run-'));
  const r = buildForTarget(c, d).run();
  if (typeof r.outputs === 'string') throw new Error(r.outputs);
  return { outs: r.outputs, notes: r.notes ?? [] };
}

function maxRel(got: Tensor[], ref: Tensor[]): number {
  let worst = 0;
  got.forEach((g, i) => {
    const r = ref[i]!;
    let scale = 0, err = 0;
    for (let k = 0; k < r.size; k++) scale = Math.max(scale, Math.abs(r.get(k)));
    for (let k = 0; k < r.size; k++) err = Math.max(err, Math.abs(g.get(k) - r.get(k)));
    worst = Math.max(worst, isFloatType(r.dtype) ? err / (scale || 1) : err);
  });
  return worst;
}

const rows: string[] = ['| model | dtype | tiled layers | largest tile (B) | high-water measured (B) | tiled vs untiled |', '| --- | --- | ---: | ---: | ---: | --- |'];
for (const [name, file] of models) {
  for (const q of [undefined, 'int8', 'int16'] as const) {
    if (q && name === 'fc_autoencoder') continue;
    const quantize = q ? { dtype: q, calibrateRandom: 4 } : undefined;
    const opts: CompileOptions = { target: 'n64', quantize, tile: { rspModel: true } };
    const g = lower(file, opts).graph;
    const t = tileTable(g);
    if (tables) process.stdout.write(`\n### ${name} ${q ?? 'float32'}\n\n${formatTileTable(t)}`);
    const largest = Math.max(...t.map((r) => r.bytes));
    let hwm = '-', same = '-';
    if (runIt) {
      const ref = await outputs(file, { target: 'n64', quantize });
      const tiled = await outputs(file, opts);
      hwm = /high-water (\d+)/.exec(tiled.notes.join('\n'))?.[1] ?? '?';
      const e = maxRel(tiled.outs, ref.outs);
      same = e === 0 ? 'bit-exact' : q ? `DIFFERS (${e})` : `max rel ${e.toExponential(1)}`;
    }
    rows.push(`| ${name} | ${q ?? 'float32'} | ${t.filter((r) => r.tile).length} of ${t.length} | ${largest} | ${hwm} | ${same} |`);
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  }
}
process.stdout.write('\n' + rows.join('\n') + '\n');
fs.rmSync(dir, { recursive: true, force: true });
