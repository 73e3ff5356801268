// `dnnc compile --train`: a training program for a character language model.
// The training graph (passes/autodiff.ts: loss + backward, parameters as
// inputs) becomes <prefix>.c as usual; around it this file lays out the
// trainer: parameters in RAM initialised from the model's initializers,
// gradient and Adam buffers, the embedded data set, the optimizer step and
// sampling (templates/common/train.inc.njk), a main per target and a Makefile.
import fs from 'node:fs';
import path from 'node:path';
import { lower, generateForTarget, type CompileOptions } from './driver.js';
import type { TargetDesc } from './targets/target.js';
import type { Graph, Value } from '../ir/graph.js';
import { rng } from './inputs.js';
import { isFloatType } from '../ir/types.js';
import type { ModelCode } from './codegen/generate.js';
import type { MemoryPlan } from '../passes/plan-memory.js';
import type { TrainMeta } from '../passes/autodiff.js';
import { render, RUNTIME_DIR } from './codegen/templates.js';
import { cArrayBody } from './codegen/c.js';
import { Tensor } from '../ir/tensor.js';
import { DnncError } from '../ir/errors.js';
import { numel } from '../ir/types.js';
import { run, haveCommand } from './toolchain.js';

export interface TrainRequest {
  /** loss spec (default cross_entropy:<first output>,targets) */
  loss?: string;
  params?: string[];
  optimizer: 'adam' | 'sgd';
  lr: number;
  betas: [number, number];
  eps: number;
  lrDecay: 'none' | 'linear';
  steps: number;
  printEvery: number;
  samples: number;
  temperature: number;
  topK: number;
  seed: number;
  /** a text file, one document per line (default: English first names from @faker-js/faker) */
  data?: string;
  /** tokens per step (the context); must match the model's sequence input */
  batchSeq?: number;
}

export const TRAIN_DEFAULTS: TrainRequest = {
  optimizer: 'adam', lr: 0.01, betas: [0.85, 0.99], eps: 1e-8, lrDecay: 'linear',
  steps: 1000, printEvery: 100, samples: 20, temperature: 0.8, topK: 0, seed: 42,
};

/** English first names (lower-case a-z, deduplicated, in the package's order) from @faker-js/faker. */
export async function fakerFirstNames(): Promise<string[]> {
  let mod: { en: { person?: { first_name?: Record<string, string[]> } } };
  try {
    mod = (await import('@faker-js/faker')) as unknown as typeof mod;
  } catch {
    throw new DnncError(`no data set: give --data <file> (one document per line), or install @faker-js/faker for the default first names`);
  }
  const fn = mod.en.person?.first_name ?? {};
  const all = Object.values(fn).flat().map((s) => s.toLowerCase());
  return [...new Set(all.filter((s) => /^[a-z]+$/.test(s)))];
}

export function readDocs(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new DnncError(`cannot read the data set`, { file });
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

/** Deterministic shuffle (Fisher-Yates with a 32-bit xorshift) so the trainer and references see one order. */
export function shuffleDocs(docs: string[], seed: number): string[] {
  const out = [...docs];
  let s = (seed >>> 0) || 1;
  const next = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Character vocabulary: id 0 is the newline (start/end of a document), then the data's characters. */
export function charVocab(docs: string[], vocab: number): string {
  const chars = [...new Set(docs.join(''))].sort();
  const az = 'abcdefghijklmnopqrstuvwxyz';
  const base = chars.every((c) => az.includes(c)) && vocab >= 27 ? [...az] : chars;
  if (base.length + 1 > vocab) throw new DnncError(`the data set has ${chars.length} distinct characters; the model's vocabulary of ${vocab} holds ${vocab - 1} besides the newline`);
  return '\n' + base.join('');
}

/** Inputs and targets of one document, as the generated trainer builds them. */
export function encodeDoc(doc: string, vocab: string, context: number): { tokens: number[]; targets: number[]; n: number } {
  const ids = [...doc].map((c) => vocab.indexOf(c)).filter((t) => t > 0);
  const seq = [0, ...ids, 0];
  const n = Math.min(context, seq.length - 1);
  const tokens = Array.from({ length: context }, (_, k) => (k < n ? seq[k]! : 0));
  const targets = Array.from({ length: context }, (_, k) => (k < n ? seq[k + 1]! : -1));
  return { tokens, targets, n };
}

export interface TrainMemory {
  paramBytes: number;
  gradBytes: number;
  optimizerBytes: number;
  arenaBytes: number;
  ioBytes: number;
  /** total static RAM the trainer's data needs (no stack, no C library) */
  totalBytes: number;
  /** read-only: data set text and constant tables */
  textBytes: number;
  lines: string[];
}

export interface TrainCompiled {
  graph: Graph;
  target: TargetDesc;
  code: ModelCode;
  meta: TrainMeta;
  docs: string[];
  vocab: string;
  context: number;
  files: Record<string, string>;
  memory: TrainMemory;
  req: TrainRequest;
  warnings: string[];
}

function cString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

function cChar(c: string): string {
  return c === '\n' ? "'\\n'" : c === "'" ? "'\\''" : c === '\\' ? "'\\\\'" : `'${c}'`;
}

function cfloat(x: number): string {
  const s = String(Math.fround(x));
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** Lower the model with its loss and backward pass and lay out the trainer project. */
export async function compileTrain(file: string, opts: CompileOptions, req0: Partial<TrainRequest>): Promise<TrainCompiled> {
  if (opts.quantize) throw new DnncError(`--train cannot be combined with --quantize: training runs in float32`);
  const req: TrainRequest = { ...TRAIN_DEFAULTS, ...Object.fromEntries(Object.entries(req0).filter(([, v]) => v !== undefined)) } as TrainRequest;
  let loss = req.loss;
  if (!loss) {
    // default: cross-entropy of the first output against a new integer input 'targets'
    const probe = lower(file, { ...opts, passes: ['shape-infer'] }).graph;
    const names = (probe.meta.outputNames as string[] | undefined) ?? probe.outputs.map((v) => v.name);
    if (!names.length) throw new DnncError(`the model has no outputs`, { file });
    loss = `cross_entropy:${names[0]},targets`;
  }
  const optimizer = { kind: req.optimizer, beta1: req.betas[0], beta2: req.betas[1], eps: req.eps };
  const { graph, target, warnings } = lower(file, { ...opts, train: { loss, params: req.params, optimizer } });
  const meta = graph.meta.train as TrainMeta;
  const code = generateForTarget(file, graph, target, { ...opts, weights: 'embed' }).code;

  // character language models (tokens int64[T] -> logits [T, V]) get the text trainer;
  // other models a trainer on one embedded sample
  const data = graph.inputs.filter((v) => meta.dataInputs.includes(v.name));
  const tok = data[0], tgt = data[1];
  const logits = graph.outputs[1];
  if (meta.lossKind !== 'cross_entropy' || data.length !== 2 || !tok || !tgt || !logits || tok.type.dtype !== 'int64' || tok.type.shape.length !== 1 || logits.type.shape.length !== 2 || logits.type.shape[0] !== tok.type.shape[0]) {
    if (req.data) throw new DnncError(`--data: the text trainer needs a character language model (one int64 [T] token input, logits [T, V], --loss cross_entropy)`, { file });
    return { ...sampleTrainer(graph, target, code, meta, req), warnings };
  }
  const T = tok.type.shape[0]!, V = logits.type.shape[1]!;
  if (req.batchSeq !== undefined && req.batchSeq !== T) throw new DnncError(`--batch-seq ${req.batchSeq}: the model's token input holds ${T} positions`, { file });
  const docs = shuffleDocs(req.data ? readDocs(req.data) : await fakerFirstNames(), req.seed);
  if (!docs.length) throw new DnncError(`the data set is empty`, { file: req.data });
  const vocab = charVocab(docs, V);
  const text = docs.join('\n') + '\n';

  // parameters: one array, each parameter at its offset
  const { params, init, count: off } = packParams(meta);
  const adam = req.optimizer === 'adam';
  // the optimizer updates parameters and moments in place: the same buffer in and out
  const state = (buf: string) => params.map((p) => `${buf} + ${p.offset}`);
  const runArgs = [
    ...state('g_params'), 'g_tokens', 'g_targets', 'g_hyper', ...(adam ? [...state('g_m'), ...state('g_v')] : []),
    'g_loss', 'g_logits', ...state('g_params'), ...(adam ? [...state('g_m'), ...state('g_v')] : []),
  ];
  if (runArgs.length !== code.inputs.length + code.outputs.length) throw new DnncError(`internal: the training graph has ${code.inputs.length} inputs and ${code.outputs.length} outputs, the trainer passes ${runArgs.length} buffers`);
  const tokenOf = Array.from({ length: 128 }, (_, c) => { const i = vocab.indexOf(String.fromCharCode(c)); return i; });
  const textLines = docs.map((d, i) => cString(d + (i + 1 < docs.length ? '\n' : '\n')));
  const plan = graph.meta.memory as MemoryPlan;
  const tdata = {
    prefix: code.prefix,
    paramCount: off,
    params,
    paramInit: cArrayBody(init),
    context: T,
    vocab: V,
    logitsCount: T * V,
    steps: req.steps,
    printEvery: req.printEvery,
    samples: req.samples,
    docCount: docs.length,
    textBytes: Buffer.byteLength(text),
    textLines,
    tokenOf: tokenOf.join(', '),
    charOf: [...vocab].map(cChar).join(', '),
    runArgs,
    adam,
    lr: cfloat(req.lr),
    b1: cfloat(req.betas[0]),
    b2: cfloat(req.betas[1]),
    eps: cfloat(req.eps),
    linearDecay: req.lrDecay === 'linear',
    temperature: cfloat(req.temperature),
    topK: req.topK,
    seed: (req.seed >>> 0) || 1,
    optimizerText: adam ? `Adam lr ${req.lr} betas ${req.betas.join('/')}${req.lrDecay === 'linear' ? ' linear decay' : ''}` : `SGD lr ${req.lr}`,
    target,
    how: target.runner === 'qemu-riscv32-semihost' ? 'bare metal, semihosting console' : 'POSIX user mode',
  };

  const files = modelSourceFiles(code, ['sample']);
  const host = target.runner === 'host-make';
  files['main.c'] = render(host ? 'host/train_main.c.njk' : 'common/train_test_main.c.njk', tdata);
  const sources = Object.keys(files).filter((f) => f.endsWith('.c') && f !== 'main.c').sort();
  const build = trainBuildFlags(target);
  files['Makefile'] = render('common/train_Makefile.njk', {
    ...tdata, cc: build.cc.join(' '), cflags: build.cflags.join(' '), ldflags: build.ldflags.join(' '), sources,
    exe: host ? '' : '.elf', runCmd: host ? './train' : target.runner ? `${target.run.join(' ')} train.elf` : `@echo "no emulator for ${target.name} here: build the ESP-IDF app instead (idf.py build flash monitor)"`,
  });

  const ioBytes = 4 + T * V * 4 + 2 * T * 8 + 12;
  const mem: TrainMemory = {
    paramBytes: off * 4,
    gradBytes: 0,
    optimizerBytes: adam ? off * 8 : 0,
    arenaBytes: plan.arenaBytes,
    ioBytes,
    totalBytes: off * 4 * (adam ? 3 : 1) + plan.arenaBytes + ioBytes,
    textBytes: Buffer.byteLength(text) + 128 + V,
    lines: [],
  };
  mem.lines = [
    `training memory (${target.name}): ${mem.totalBytes} B static RAM = parameters ${mem.paramBytes} B${adam ? ` + Adam moments ${mem.optimizerBytes} B` : ''} + arena ${mem.arenaBytes} B (planned: forward activations kept for backward, gradients until their optimizer update, backward temporaries) + tokens/targets/loss/logits/step constants ${ioBytes} B`,
    `  ${off} parameters in ${params.length} tensors; data set ${docs.length} documents, ${mem.textBytes} B read-only; target RAM ${target.ramBytes} B${mem.totalBytes > target.ramBytes ? ' (DOES NOT FIT)' : ''}`,
  ];
  if (target.mcu) {
    // the ESP-IDF app that trains on the chip (main.c and the Makefile are the emulator test)
    const idf = { ...tdata, mcu: target.mcu, sources, taskStack: 8192, ramBytes: mem.totalBytes };
    files['CMakeLists.txt'] = render('esp32/train/CMakeLists.txt.njk', idf);
    files['sdkconfig.defaults'] = render('esp32/train/sdkconfig.defaults.njk', idf);
    files['main/CMakeLists.txt'] = render('esp32/train/main/CMakeLists.txt.njk', idf);
    files['main/app_main.c'] = render('esp32/train/main/app_main.c.njk', idf);
  }
  return { graph, target, code, meta, docs, vocab, context: T, files, memory: mem, req, warnings };
}

/** Parameters as one float array: each tensor's offset and the initial values. */
function packParams(meta: TrainMeta): { params: { name: string; shape: number[]; offset: number; count: number }[]; init: Tensor; count: number } {
  let off = 0;
  const params = meta.params.map((p) => {
    const r = { name: p.name, shape: p.shape, offset: off, count: numel(p.shape) };
    off += r.count;
    return r;
  });
  const init = new Tensor('float32', [off]);
  meta.params.forEach((p, i) => (init.data as Float32Array).set(p.init.data as Float32Array, params[i]!.offset));
  return { params, init, count: off };
}

/**
 * The trainer of a model that is not a character language model: one seeded
 * random sample (inputs, and targets: class ids below the class count, or
 * floats) embedded, trained on for the given steps (the loss must fall).
 */
function sampleTrainer(graph: Graph, target: TargetDesc, code: ModelCode, meta: TrainMeta, req: TrainRequest): TrainCompiled {
  const { params, init, count: P } = packParams(meta);
  const adam = req.optimizer === 'adam';
  const r = rng(req.seed);
  const ioOf = (v: Value) => code.inputs[graph.inputs.indexOf(v)]!;
  const classes = meta.lossKind === 'cross_entropy' ? (graph.outputs[1]?.type.shape.slice(-1)[0] ?? 1) : 1;
  const data = graph.inputs.filter((v) => meta.dataInputs.includes(v.name)).map((v, k) => {
    const t = new Tensor(v.type.dtype, v.type.shape);
    const isTarget = v.name === meta.dataInputs[meta.dataInputs.length - 1] && meta.lossKind !== 'value';
    for (let i = 0; i < t.size; i++) t.set(i, isFloatType(v.type.dtype) ? r() * 2 - 1 : v.type.dtype === 'bool' ? (r() < 0.5 ? 1 : 0) : Math.floor(r() * (isTarget ? classes : 4)));
    return { sym: `g_data${k}`, ctype: ioOf(v).ctype, count: Math.max(1, t.size), body: t.size ? cArrayBody(t) : '  0', what: `${isTarget ? 'target' : 'input'} '${v.name}': ${v.type.dtype}[${v.type.shape.join(',')}], seeded random` };
  });
  const outs = code.outputs.slice(0, 1 + meta.originalOutputs.length).map((io, k) => ({ sym: `g_out${k}`, ctype: io.ctype, count: Math.max(1, io.count) }));
  const state = (buf: string) => params.map((p) => `${buf} + ${p.offset}`);
  const runArgs = [...state('g_params'), ...data.map((d) => d.sym), 'g_hyper', ...(adam ? [...state('g_m'), ...state('g_v')] : []),
    ...outs.map((o) => o.sym), ...state('g_params'), ...(adam ? [...state('g_m'), ...state('g_v')] : [])];
  if (runArgs.length !== code.inputs.length + code.outputs.length) throw new DnncError(`internal: the training graph has ${code.inputs.length} inputs and ${code.outputs.length} outputs, the trainer passes ${runArgs.length} buffers`);
  const host = target.runner === 'host-make';
  const tdata = {
    prefix: code.prefix, target, paramCount: P, params, paramInit: cArrayBody(init), adam, data, outs, runArgs, lossSym: outs[0]!.sym,
    steps: req.steps, printEvery: req.printEvery, lr: cfloat(req.lr), b1: cfloat(req.betas[0]), b2: cfloat(req.betas[1]), linearDecay: req.lrDecay === 'linear',
    optimizerText: adam ? `Adam lr ${req.lr} betas ${req.betas.join('/')}${req.lrDecay === 'linear' ? ' linear decay' : ''}` : `SGD lr ${req.lr}`,
    argv: host,
  };
  const files = modelSourceFiles(code);
  files['main.c'] = render('common/train_step_main.c.njk', tdata);
  const sources = Object.keys(files).filter((f) => f.endsWith('.c') && f !== 'main.c').sort();
  const build = trainBuildFlags(target);
  files['Makefile'] = render('common/train_Makefile.njk', {
    ...tdata, cc: build.cc.join(' '), cflags: build.cflags.join(' '), ldflags: build.ldflags.join(' '), sources,
    exe: host ? '' : '.elf', runCmd: host ? './train' : target.runner ? `${target.run.join(' ')} train.elf` : `@echo "no emulator for ${target.name} here"`,
  });
  const plan = graph.meta.memory as MemoryPlan;
  const dataBytes = graph.inputs.filter((v) => meta.dataInputs.includes(v.name)).reduce((a, v) => a + ioOf(v).bytes, 0);
  const ioBytes = dataBytes + code.outputs.slice(0, outs.length).reduce((a, o) => a + o.bytes, 0) + 12;
  const mem: TrainMemory = {
    paramBytes: P * 4, gradBytes: 0, optimizerBytes: adam ? P * 8 : 0, arenaBytes: plan.arenaBytes, ioBytes,
    totalBytes: P * 4 * (adam ? 3 : 1) + plan.arenaBytes + ioBytes, textBytes: 0, lines: [],
  };
  mem.lines = [
    `training memory (${target.name}): ${mem.totalBytes} B static RAM = parameters ${mem.paramBytes} B${adam ? ` + Adam moments ${mem.optimizerBytes} B` : ''} + arena ${mem.arenaBytes} B (planned: forward activations kept for backward, gradients until their optimizer update, backward temporaries) + sample/outputs/step constants ${ioBytes} B`,
    `  ${P} parameters in ${params.length} tensors; trains on one embedded seeded random sample (not a character language model); target RAM ${target.ramBytes} B${mem.totalBytes > target.ramBytes ? ' (DOES NOT FIT)' : ''}`,
  ];
  return { graph, target, code, meta, docs: [], vocab: '', context: 0, files, memory: mem, req, warnings: [] };
}

/** The model's C files and the runtime files it needs (plus `extra` kernel families), by relative path. */
export function modelSourceFiles(code: ModelCode, extra: string[] = []): Record<string, string> {
  const files: Record<string, string> = { ...code.files };
  const kernels = [...new Set([...code.kernels, ...extra])].sort();
  for (const r of ['include/dnnc.h', ...kernels.flatMap((k) => [`kernels/${k}.h`, `kernels/${k}.c`])]) {
    const src = path.join(RUNTIME_DIR, r);
    if (fs.existsSync(src)) files[`runtime/${path.basename(r)}`] = fs.readFileSync(src, 'utf8');
  }
  return files;
}

/** Compiler, flags and link flags of the trainer for a target (the virt board's map for rv32). */
export function trainBuildFlags(t: TargetDesc): { cc: string[]; cflags: string[]; ldflags: string[] } {
  if (t.runner === 'host-make' || !t.runner) return { cc: ['cc'], cflags: ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror'], ldflags: ['-lm'] };
  const ld = [...t.ldflags];
  if (t.runner === 'qemu-riscv32-semihost') {
    const flash = 0x80000000, size = 0x200000;
    ld.unshift(`-Wl,--defsym=__flash=0x${flash.toString(16)}`, `-Wl,--defsym=__flash_size=0x${size.toString(16)}`,
      `-Wl,--defsym=__ram=0x${(flash + size).toString(16)}`, `-Wl,--defsym=__ram_size=0x${size.toString(16)}`, '-Wl,--defsym=__stack_size=0x10000');
  }
  return { cc: [...t.cc], cflags: [...t.cflags], ldflags: ld };
}

export interface TrainRun {
  /** (step, loss, mean loss since the previous line) as printed */
  losses: { step: number; loss: number; mean: number }[];
  samples: string[];
  output: string;
  /** instructions of one training step (the second), when measured */
  instructionsPerStep?: number;
  /** bytes of .data + .bss of the trainer program (static RAM), when known */
  staticRamBytes?: number;
  /** stack of the training step from -fstack-usage: main's chain down to <prefix>_run plus the two largest other frames */
  stackBytes?: number;
}

export function parseTrainOutput(text: string): { losses: TrainRun['losses']; samples: string[] } {
  const losses = [...text.matchAll(/^step (\d+) loss ([-+0-9.eE]+|nan|-nan|inf) mean ([-+0-9.eE]+|nan|-nan|inf)$/gm)].map((m) => ({ step: Number(m[1]), loss: Number(m[2]), mean: Number(m[3]) }));
  const samples = [...text.matchAll(/^sample \d+: (.*)$/gm)].map((m) => m[1]!);
  return { losses, samples };
}

/**
 * Build the trainer in `dir` (written there first) and run it: host natively,
 * emulated targets under their emulator. With `bench`, the second step is
 * measured by the QEMU instruction-count plugin (compiler/bench.ts).
 */
export async function buildAndRunTrainer(tc: TrainCompiled, dir: string, o: { steps: number; printEvery: number; samples: number; bench?: boolean; timeoutMs?: number; extraCflags?: string[] }): Promise<TrainRun> {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(tc.files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const t = tc.target;
  const b = trainBuildFlags(t);
  const host = t.runner === 'host-make' || !t.runner;
  const exe = path.join(dir, host ? 'train' : 'train.elf');
  // main.c is the trainer main of this target; main/ holds the ESP-IDF app (built by idf.py)
  const sources = ['main.c', ...Object.keys(tc.files).filter((f) => f.endsWith('.c') && f !== 'main.c' && !f.startsWith('main/')).sort()];
  const defs = [`-DTRAIN_STEPS=${o.steps}`, `-DTRAIN_PRINT_EVERY=${o.printEvery}`, `-DTRAIN_SAMPLES=${o.samples}`];
  if (!haveCommand(b.cc[0]!)) throw new DnncError(`'${b.cc[0]}' is not installed (run scripts/setup.sh)`);
  const r = run(b.cc[0]!, [...b.cc.slice(1), ...b.cflags, ...(o.extraCflags ?? []), '-fstack-usage', ...defs, '-I', dir, '-I', path.join(dir, 'runtime'), ...sources.map((s) => path.join(dir, s)), '-o', exe, ...b.ldflags], { timeoutMs: 300_000, cwd: dir });
  if (r.status !== 0) throw new DnncError(`trainer build for ${t.name} failed: ${(r.stderr.split('\n').find((l) => /error/.test(l)) ?? r.stderr.split('\n')[0])?.trim()}`, { file: dir });
  let staticRamBytes: number | undefined;
  const sizeTool = b.cc[0]!.endsWith('gcc') ? b.cc[0]!.slice(0, -3) + 'size' : 'size';
  const sz = run(sizeTool, ['-A', exe]);
  if (sz.status === 0) {
    // .data and .bss (and picolibc's .tdata/.tbss) of the whole program
    staticRamBytes = sz.stdout.split('\n').filter((l) => /^\.(data|bss|sdata|sbss|tdata|tbss)\b/.test(l)).reduce((a, l) => a + Number(l.trim().split(/\s+/)[1]), 0);
  }
  let stackBytes: number | undefined;
  {
    const chain = new Set(['main', 'train_main', 'train_step', 'train_run', `${tc.code.prefix}_run`]);
    let inChain = 0;
    const others: number[] = [];
    for (const f of fs.readdirSync(dir)) {
      if (!f.endsWith('.su')) continue;
      for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
        const m = /:([A-Za-z_][A-Za-z0-9_]*)\t(\d+)\t/.exec(line);
        if (!m) continue;
        if (chain.has(m[1]!)) inChain += Number(m[2]);
        else others.push(Number(m[2]));
      }
      fs.rmSync(path.join(dir, f));
    }
    others.sort((x, y) => y - x);
    if (inChain) stackBytes = inChain + (others[0] ?? 0) + (others[1] ?? 0);
  }
  let args: string[], cmd: string;
  if (host) { cmd = exe; args = []; }
  else { const all = [...t.run, exe]; cmd = all[0]!; args = all.slice(1); }
  let instructionsPerStep: number | undefined;
  if (o.bench && !host) {
    const { regionPluginArgs } = await import('./bench.js');
    args = [...regionPluginArgs(t, exe), ...args];
  }
  const res = run(cmd, args, { cwd: dir, timeoutMs: o.timeoutMs ?? 600_000 });
  const output = res.stdout + res.stderr;
  if (res.timedOut) throw new DnncError(`the trainer timed out under ${cmd}`);
  if (res.status !== 0 || !/^DNNC-TRAIN-END$/m.test(output)) throw new DnncError(`the trainer failed (exit ${res.status}): ${output.trim().split('\n').slice(-2).join(' ')}`);
  if (o.bench && !host) {
    const { regionCount } = await import('./bench.js');
    const m = regionCount(output);
    if (m && m.regions === 1) instructionsPerStep = m.instructions;
  }
  return { ...parseTrainOutput(output), output, instructionsPerStep, staticRamBytes, stackBytes };
}
