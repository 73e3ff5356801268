// Write a distilgpt2-shaped GPT-2 step graph (6 layers, 768 wide, 12 heads,
// 50,257 vocab, seeded weights: the shapes matter, not the values) to a cache
// folder (it is ~330 MB: never commit it) and print the n64 memory report with
// the weights streamed from the ROM pack in row tiles, float16 by default.
//
//   npx tsx scripts/distilgpt2-memory.ts [--context 64|128] [--weight-dtype fp16|fp32] [--stream-tile 64K] [--out DIR] [--expansion-pak] [--no-state] [--verify]
//   (--verify: run one step under qemu-mips64 and compare with onnxruntime instead;
//    the key/value cache is kept in persistent state buffers (--state auto) and counted, unless --no-state)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildGptStep, gpt2Config, parameterCount } from '../compiler/onnx/gpt.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const state = !process.argv.includes('--no-state');
// with the cache in state buffers, context 64 is what fits the 4 MB console (128 needs --expansion-pak)
const context = Number(arg('--context', state ? '64' : '128'));
const dtype = arg('--weight-dtype', 'fp16');
const tile = arg('--stream-tile', '64K');
const dir = arg('--out', path.join(process.env.DNNC_CACHE ?? os.tmpdir(), 'dnnc-distilgpt2'));
fs.mkdirSync(dir, { recursive: true });
const cfg = { ...gpt2Config(6, 768, 12, 50257, context), name: `distilgpt2_shape_ctx${context}` };
const file = path.join(dir, `${cfg.name}.onnx`);
if (!fs.existsSync(file)) {
  process.stderr.write(`writing ${file} (${parameterCount(cfg).toLocaleString('en')} parameters)...\n`);
  fs.writeFileSync(file, buildGptStep(cfg).bytes());
}
process.stderr.write(`${file}: ${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MiB, ${parameterCount(cfg).toLocaleString('en')} parameters\n`);
// (int8 is not offered: --quantize calibrates by running the float model compiled for the host with
// embedded weights, which stops at 64 MB of weights; QGemm int8 weights do stream in row tiles)
if (dtype !== 'fp16' && dtype !== 'fp32') throw new Error('--weight-dtype: fp16 or fp32');
const wargs = ['--weight-dtype', dtype, ...(state ? ['--state', 'auto'] : []), ...(process.argv.includes('--expansion-pak') ? ['--expansion-pak'] : [])];
const args = ['--max-old-space-size=8192', path.join(ROOT, 'bin', 'dnnc.js'), 'inspect', file, '--target', 'n64', '--weights', 'rom', ...wargs, '--stream-tile', tile, '--memory'];
process.stderr.write(`dnnc ${args.slice(2).join(' ')}\n`);
if (process.argv.includes('--verify')) {
  // one step under qemu-mips64, weights streamed in row tiles from the big-endian pack, against onnxruntime
  const v = ['--max-old-space-size=8192', path.join(ROOT, 'bin', 'dnnc.js'), 'verify', file, '--target', 'n64', '--weights', 'rom', ...wargs, '--stream-tile', tile, '--tolerance', dtype === 'fp16' ? '1e-2' : '1e-4'];
  process.stderr.write(`dnnc ${v.slice(2).join(' ')}\n`);
  process.exit(spawnSync(process.execPath, v, { stdio: 'inherit' }).status ?? 1);
}
const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 28 });
// the memory report (the per-tensor arena listing is left out: `dnnc inspect --memory` prints it)
const out = r.stdout ?? '';
const at = out.indexOf('memory report for');
process.stdout.write(at >= 0 ? out.slice(at) : out);
// the key/value cache: in the persistent state buffers of the report (--state), else the step graph's inputs and outputs
const kv = 2 * cfg.layers * cfg.context * cfg.embd * 4;
const pack = parameterCount(cfg) * (dtype === 'fp16' ? 2 : 4);
process.stdout.write(state
  ? `  key/value cache (float32, ${cfg.layers} layers x ${cfg.context} positions): ${kv} B (${(kv / 2 ** 20).toFixed(2)} MiB), the persistent state above, updated in place\n`
  : `  key/value cache (float32, ${cfg.layers} layers x ${cfg.context} positions): ${kv} B per copy (${(kv / 2 ** 20).toFixed(2)} MiB), past inputs + present outputs = ${2 * kv} B; not counted above\n`);
process.stdout.write(`  weight pack: ~${(pack / 2 ** 20).toFixed(1)} MiB of ${dtype} weights in the ROM file system\n`);
process.exit(r.status ?? 1);
