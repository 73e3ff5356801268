// Command-line options of training (dnnc compile/inspect --train).
import { Option, type Command } from 'commander';
import path from 'node:path';
import { DnncError } from '../ir/errors.js';
import { compileTrain, type TrainRequest } from './train.js';
import { writeProject, type CompileOptions } from './driver.js';
import { inspectMemory } from './inspect.js';

export interface TrainCliOpts {
  train?: boolean;
  loss?: string;
  optimizer?: 'adam' | 'sgd';
  lr?: string;
  betas?: string;
  lrDecay?: 'linear' | 'none';
  steps?: string;
  batchSeq?: string;
  data?: string;
  printEvery?: string;
  samples?: string;
  sampleTemperature?: string;
  trainParams?: string;
  trainSeed?: string;
}

export function addTrainOptions(cmd: Command): Command {
  return cmd
    .option('--train', 'emit a training program: forward, loss, backward (autodiff) and the optimizer step, parameters in RAM')
    .option('--loss <spec>', 'training loss: cross_entropy:<logits>,<targets> | mse:<output>,<target> | value:<output> (default cross_entropy:<first output>,targets)')
    .addOption(new Option('--optimizer <name>', 'optimizer of --train').choices(['adam', 'sgd']))
    .option('--lr <x>', 'learning rate (default 0.01)')
    .option('--betas <b1,b2>', 'Adam betas (default 0.85,0.99)')
    .addOption(new Option('--lr-decay <kind>', 'learning-rate schedule (default linear to 0)').choices(['linear', 'none']))
    .option('--steps <n>', 'training steps (default 1000)')
    .option('--batch-seq <n>', 'tokens per training step (the model\'s context; checked)')
    .option('--data <file>', 'training text, one document per line (default: English first names from @faker-js/faker)')
    .option('--print-every <n>', 'print the loss every N steps (default 100)')
    .option('--samples <n>', 'documents sampled after training (default 20)')
    .option('--sample-temperature <x>', 'temperature of the names sampled after training (default 0.8)')
    .option('--train-params <names>', 'comma-separated initializers to train (default: every float initializer of rank >= 1 the loss depends on)')
    .option('--train-seed <n>', 'seed of the data order and sampling (default 42)');
}

function num(name: string, v: string | undefined, int = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && (!Number.isSafeInteger(n) || n < 0))) throw new DnncError(`${name} needs ${int ? 'a non-negative integer' : 'a number'}, got '${v}'`);
  return n;
}

export function trainRequest(o: TrainCliOpts): Partial<TrainRequest> {
  let betas: [number, number] | undefined;
  if (o.betas !== undefined) {
    const b = o.betas.split(',').map(Number);
    if (b.length !== 2 || b.some((x) => !(x >= 0 && x < 1))) throw new DnncError(`--betas needs two numbers in [0, 1), e.g. 0.85,0.99`);
    betas = [b[0]!, b[1]!];
  }
  const steps = num('--steps', o.steps, true);
  if (steps === 0) throw new DnncError(`--steps must be positive`);
  return {
    loss: o.loss,
    optimizer: o.optimizer,
    lr: num('--lr', o.lr),
    betas,
    lrDecay: o.lrDecay,
    steps,
    batchSeq: num('--batch-seq', o.batchSeq, true),
    data: o.data,
    printEvery: num('--print-every', o.printEvery, true) || undefined,
    samples: num('--samples', o.samples, true),
    temperature: num('--sample-temperature', o.sampleTemperature),
    params: o.trainParams ? o.trainParams.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    seed: num('--train-seed', o.trainSeed, true),
  };
}

/** `dnnc compile --train`: write the trainer project and report its memory. */
export async function compileTrainCommand(model: string, out: string, force: boolean, opts: CompileOptions, o: TrainCliOpts): Promise<void> {
  const t0 = Date.now();
  const tc = await compileTrain(model, opts, trainRequest(o));
  writeProject(out, tc.files, force);
  for (const w of tc.warnings) process.stderr.write(`dnnc: warning: ${w}\n`);
  const how = tc.target.mcu
    ? `ESP-IDF app: idf.py set-target ${tc.target.mcu.idfTarget} build flash monitor${tc.target.runner ? '; under the emulator: make run' : ''}`
    : 'build and run with make run';
  process.stderr.write(`dnnc: wrote ${Object.keys(tc.files).length} files to ${path.relative(process.cwd(), out) || '.'}: trainer for ${tc.target.name} (${tc.graph.nodes.length} kernels: forward, loss, optimizer step; ${Date.now() - t0} ms); ${how}\n`);
  for (const l of tc.memory.lines) process.stderr.write(`dnnc: ${l}\n`);
}

/** `dnnc inspect --train [--memory]`: the training graph's IR or memory plan. */
export async function inspectTrainCommand(model: string, opts: CompileOptions, o: TrainCliOpts & { memory?: boolean; json?: boolean }): Promise<string> {
  const tc = await compileTrain(model, opts, trainRequest(o));
  if (o.memory) return inspectMemory(tc.graph, !!o.json, tc.target, null) + (o.json ? '' : tc.memory.lines.join('\n') + '\n');
  const { printGraph } = await import('../ir/printer.js');
  return printGraph(tc.graph, { storage: true }) + tc.memory.lines.join('\n') + '\n';
}
