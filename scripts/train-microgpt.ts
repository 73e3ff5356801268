// `npm run train-demo [-- --target=esp32c3|n64|host] [--steps=1000] [--out=dir]`:
// writes the microgpt training graph, compiles it with --train, trains it on
// the English first names of @faker-js/faker (natively on the host, under
// qemu for esp32c3 and n64) and prints the loss curve, the memory report,
// the instructions per step (emulated targets) and sampled names.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildGptTrain } from '../compiler/onnx/gpt-train.js';
import { MICROGPT, parameterCount } from '../compiler/onnx/gpt.js';
import { compileTrain, buildAndRunTrainer } from '../compiler/train.js';

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const target = arg('target', 'host');
const steps = Number(arg('steps', '1000'));
const every = Number(arg('every', '100'));
const out = arg('out', fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-train-')));

fs.mkdirSync(out, { recursive: true });
const model = path.join(out, 'microgpt_train.onnx');
fs.writeFileSync(model, buildGptTrain(MICROGPT).bytes());
console.log(`microgpt: ${parameterCount(MICROGPT)} parameters (1 layer, embedding 16, 4 heads, context 16, vocabulary 27); model ${model}`);
const tc = await compileTrain(model, { target }, { steps, printEvery: every });
console.log(`training graph: ${tc.graph.nodes.length} kernels (forward, cross-entropy loss, backward)`);
for (const l of tc.memory.lines) console.log(l);
const t0 = Date.now();
const r = await buildAndRunTrainer(tc, path.join(out, target), { steps, printEvery: every, samples: 20, bench: target !== 'host', timeoutMs: 3 * 3600_000 });
console.log(`\nloss (single document at the step; mean over the steps since the previous line), ${target}, ${((Date.now() - t0) / 1000).toFixed(1)} s:`);
for (const l of r.losses) console.log(`  step ${String(l.step).padStart(5)}: loss ${l.loss.toFixed(4)}  mean ${l.mean.toFixed(4)}`);
console.log(`\nsampled names (temperature 0.8): ${r.samples.join(', ')}`);
if (r.staticRamBytes !== undefined) console.log(`static RAM of the program (.data + .bss, C library included): ${r.staticRamBytes} B; stack of a step: ${r.stackBytes ?? '?'} B`);
if (r.instructionsPerStep !== undefined) console.log(`instructions per training step (step 2, QEMU instruction-count plugin): ${r.instructionsPerStep}`);
console.log(`project: ${path.join(out, target)}`);
