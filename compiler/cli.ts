// The dnnc command line. Errors become one line on stderr and exit code 2.
import { Command, Option, CommanderError } from 'commander';
import path from 'node:path';
import { compile, lower, memorySummary, writeProject, generateForTarget, type CompileOptions } from './driver.js';
import { verify } from './verify.js';
import { bench } from './bench.js';
import { targetNames } from './targets/target.js';
import { DnncError } from '../ir/errors.js';
import { printGraph } from '../ir/printer.js';
import { allPasses } from '../passes/index.js';
import { allOps } from '../ir/ops/index.js';
import { getKernel } from './codegen/kernels/index.js';
import { parseSize, formatMemoryReport } from './targets/memory.js';
import { formatReport } from './memory-budget.js';
import { inspectMemory, inspectQuant, quantParams } from './inspect.js';
import { tileTable, formatTileTable } from '../passes/tile.js';
import { progressBar, type QuantizeRequest, type CalibrationMethod } from './quantize.js';
import { addGenerateOptions, generateCompileOptions, type GenerateCli } from './generate-cli.js';
import { benchGenerate } from './generate-run.js';
import { addTrainOptions, compileTrainCommand, inspectTrainCommand, type TrainCliOpts } from './train-cli.js';
import { rspListing, RSP_KERNELS } from './rsp/listing.js';
import { rspReport, formatRspReport } from './rsp/report.js';

let verbose = process.argv.includes('--verbose');

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
}

function collectOne(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

function parseShapes(items: string[] = []): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const it of items) {
    const m = /^(.+)=(\d+(?:[x,]\d+)*)?$/.exec(it);
    if (!m) throw new DnncError(`--shape '${it}' should look like name=1x3x32x32`);
    out[m[1]!] = m[2] ? m[2].split(/[x,]/).map(Number) : [];
  }
  return out;
}

function parseFreeze(items: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of items) {
    const i = it.lastIndexOf('=');
    if (i <= 0) throw new DnncError(`--freeze-input '${it}' should look like name=file.pb`);
    out[it.slice(0, i)] = it.slice(i + 1);
  }
  return out;
}

function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new DnncError(`${name} needs a positive integer, got '${v}'`);
    return n;
  };
}

function nonNegativeNumber(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new DnncError(`${name} needs a number >= 0, got '${v}'`);
    return n;
  };
}

interface CommonOpts {
  target: string;
  shape?: string[];
  freezeInput?: string[];
  maxModelBytes?: number;
  maxTensorBytes?: number;
  maxNodes?: number;
  printAfter?: string[];
  printIr?: boolean;
  prefix?: string;
  kernels?: 'optimized' | 'reference';
  input?: string[];
  seed?: number;
  tolerance?: number;
  psram?: string;
  weights?: 'embed' | 'rom' | 'auto';
  expansionPak?: boolean;
  weightDtype?: 'fp32' | 'fp16';
  streamTile?: string;
  quantize?: 'int8' | 'int16';
  calibrate?: string;
  calibrateRandom?: number;
  calibration?: CalibrationMethod;
  symmetricActivations?: boolean;
  evaluate?: string;
  state?: string[];
  tile?: string | boolean;
  rspModel?: boolean;
  rsp?: boolean;
  fusePatches?: boolean;
  maxRecompute?: number;
}

function compileOptions(o: CommonOpts): CompileOptions {
  return {
    target: o.target,
    shapes: parseShapes(o.shape),
    freeze: parseFreeze(o.freezeInput),
    maxModelBytes: o.maxModelBytes,
    maxTensorBytes: o.maxTensorBytes,
    maxNodes: o.maxNodes,
    printAfter: o.printAfter,
    prefix: o.prefix,
    kernels: o.kernels,
    inputs: o.input,
    seed: o.seed,
    tolerance: o.tolerance,
    psramBytes: o.psram !== undefined ? parseSize(o.psram) : undefined,
    weights: o.weights,
    expansionPak: o.expansionPak,
    weightDtype: o.weightDtype === 'fp16' ? 'float16' : undefined,
    streamTileBytes: o.streamTile !== undefined ? parseSize(o.streamTile) : undefined,
    fusePatches: o.fusePatches || o.maxRecompute !== undefined ? true : undefined,
    maxRecompute: o.maxRecompute,
    log: (m) => process.stderr.write(m + '\n'),
    print: (t) => process.stdout.write(t),
    quantize: quantizeRequest(o),
    progress: progressBar((s) => process.stderr.write(s), !!process.stderr.isTTY),
    state: o.state,
    rsp: o.rsp,
    tile: o.tile || o.rspModel ? { level: typeof o.tile === 'string' ? o.tile : undefined, rspModel: !!o.rspModel } : undefined,
  };
}

function quantizeRequest(o: CommonOpts): QuantizeRequest | undefined {
  if (!o.quantize) {
    if (o.calibrate || o.calibrateRandom || o.calibration || o.symmetricActivations || o.evaluate) throw new DnncError(`--calibrate, --calibrate-random, --calibration, --symmetric-activations and --evaluate need --quantize`);
    return undefined;
  }
  if (o.calibrate && o.calibrateRandom) throw new DnncError(`give either --calibrate <folder> or --calibrate-random N, not both`);
  if (o.quantize === 'int16' && o.symmetricActivations) throw new DnncError(`int16 activations are always symmetric`);
  return { dtype: o.quantize, calibrate: o.calibrate, calibrateRandom: o.calibrateRandom, method: o.calibration, symmetricActivations: o.symmetricActivations, seed: o.seed, evaluate: o.evaluate };
}

function addQuantize(cmd: Command): Command {
  return cmd
    .addOption(new Option('--quantize <type>', 'post-training quantization of weights and activations').choices(['int8', 'int16']))
    .option('--calibrate <folder>', 'calibration inputs: a folder of .pb/.bin tensors (one per sample, or input_K files per subfolder)')
    .option('--calibrate-random <n>', 'calibrate on N seeded random inputs (default 16)', positiveInt('--calibrate-random'))
    .addOption(new Option('--calibration <method>', 'how activation ranges are chosen').choices(['minmax', 'percentile', 'mse']))
    .option('--symmetric-activations', 'int8 activations without zero point')
    .option('--evaluate <folder>', 'inputs of the accuracy report (same layout as --calibrate; default: the calibration inputs)');
}

function addCommon(cmd: Command, withTarget = true): Command {
  if (withTarget) cmd.addOption(new Option('-t, --target <name>', 'target machine').choices(targetNames()).default('host'));
  return cmd
    .option('--shape <name=dims>', 'set an input shape, e.g. input=1x3x32x32 (repeatable)', collectOne)
    .option('--freeze-input <name=file.pb>', 'turn a graph input into a constant read from a TensorProto file (repeatable)', collectOne)
    .option('--prefix <name>', 'C prefix of the generated API and file names', 'model')
    .addOption(new Option('--kernels <variant>', 'kernel variants').choices(['optimized', 'reference']).default('optimized'))
    .addOption(new Option('--weights <where>', 'weights as const arrays (embed), streamed from a ROM weight pack (rom), or embed when they fit in RAM (auto)').choices(['embed', 'rom', 'auto']).default('auto'))
    .option('--expansion-pak', 'n64: the Expansion Pak is present (8 MB RDRAM instead of 4 MB)')
    .addOption(new Option('--weight-dtype <type>', 'storage of MatMul/Gemm/Gather weights: fp16 stores IEEE half, converted to float by row in the kernels').choices(['fp32', 'fp16']))
    .option('--stream-tile <size>', 'with --weights rom: weights larger than this stream in double-buffered row tiles of at most this size, e.g. 64K (default: tiles only when whole layers do not fit)')
    .option('--print-after <pass>', "print the IR after a pass ('all' for every pass, 'import' for the imported graph)", collect)
    .option('--max-model-bytes <n>', 'largest model file accepted', positiveInt('--max-model-bytes'))
    .option('--max-tensor-bytes <n>', 'largest single tensor accepted', positiveInt('--max-tensor-bytes'))
    .option('--max-nodes <n>', 'largest node count accepted', positiveInt('--max-nodes'))
    .option('--state <in=out>', "keep graph input/output pairs in persistent state buffers updated in place, e.g. 'past.*=present.*' (repeatable), or 'auto' (past*/past_key_values* -> present*)", collectOne)
    .option('--psram <size>', 'external PSRAM on the board (esp32, esp32s3), e.g. 4M: the arena goes there when internal RAM is too small')
    .option('--tile [level]', "tile Conv/Gemm/MatMul/pooling into a memory level of the target (default its first: n64 'RSP DMEM', host 'L1'; also 'dcache', 'sram')")
    .option('--rsp-model', 'n64: run every tile as an RSP kernel would: DMA-style copies into a 4 KB DMEM scratch buffer (implies --tile dmem)')
    .option('--rsp', 'n64 with --quantize int16: run the layers that have an exactly matching RSP vector kernel on the RSP (the others stay on the CPU; `dnnc inspect --rsp` says which and why)')
    .option('--fuse-patches', 'run chains of spatial layers row by row with small row rings (fused patch execution) where it lowers the peak RAM')
    .option('--max-recompute <x>', 'fused patch execution: most extra instructions allowed, as a fraction of layer by layer (default 0.15; implies --fuse-patches)', nonNegativeNumber('--max-recompute'))
    .option('--verbose', 'show stack traces of internal errors');
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('dnnc')
    .description('Compile ONNX models into small, dependency-free C for the Nintendo 64, ESP32 and host')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  addCommon(addQuantize(addTrainOptions(
    program
      .command('compile')
      .description('compile a model into a Makefile-ready project for a target')
      .argument('<model.onnx>', 'ONNX model file')
      .requiredOption('-o, --out <dir>', 'output folder')
      .option('--force', 'write into a non-empty folder that dnnc did not create')
      .option('--input <file>', 'sample input for the golden test (.pb TensorProto or raw .bin), one per graph input (repeatable)', collectOne)
      .option('--seed <n>', 'seed of the random sample input (with --generate: of the C PRNG unless --gen-seed)', (v) => Number(v), 1)
      .option('--tolerance <x>', 'relative tolerance of the golden test', (v) => Number(v), 1e-4))),
  );
  addGenerateOptions(program.commands.find((c) => c.name() === 'compile')!).action(async (model: string, o: CommonOpts & GenerateCli & TrainCliOpts & { out: string; force?: boolean }) => {
    const gen = generateCompileOptions(o);
    if (o.train) return compileTrainCommand(model, o.out, !!o.force, compileOptions(o), o);
    const t0 = Date.now();
    const c = await compile(model, { ...compileOptions(o), ...gen });
    writeProject(o.out, c.files, !!o.force);
    for (const w of c.warnings) process.stderr.write(`dnnc: warning: ${w}\n`);
    process.stderr.write(`dnnc: wrote ${Object.keys(c.files).length} files to ${path.relative(process.cwd(), o.out) || '.'} for ${c.target.name} (${c.graph.nodes.length} kernels, ${Date.now() - t0} ms)\n`);
    if (c.mcuMemory) process.stderr.write(`dnnc: ${formatMemoryReport(c.mcuMemory, c.target)}\n`);
    process.stderr.write(`dnnc: ${memorySummary(c.graph)}${c.code.pack ? `; resident ${c.code.weightBytes} B, streamed from ROM ${c.memory?.streamedWeights ?? 0} B` : ''}\n`);
    if (c.memory) process.stderr.write(formatReport(c.memory).map((l) => `dnnc: ${l}\n`).join(''));
    if (c.code.pack) process.stderr.write(`dnnc: weight pack ${c.code.pack.file}: ${c.code.pack.tensors.length} tensors, ${c.code.pack.data.length} B, ${c.code.pack.steps} layers stream their weights${c.code.pack.tiledTensors ? `, ${c.code.pack.tiledTensors} weights in row tiles of ${c.code.pack.tileBufferBytes! - 2 * c.target.weightPack!.align} B` : ''}\n`);
    if (c.quant?.report) process.stderr.write(`dnnc: ${c.quant.report.replace(/\n/g, '\ndnnc: ')}\n`);
    if (!c.golden.expected) process.stderr.write('dnnc: note: onnxruntime-node is not installed, so main.c has no expected output to compare with\n');
  });

  addCommon(addQuantize(addTrainOptions(
    program
      .command('inspect')
      .description('show the IR after passes, the memory plan, and what is unsupported')
      .argument('<model.onnx>', 'ONNX model file')
      .option('--print-ir', 'print the IR after the full pipeline')
      .option('--memory', 'print the memory plan (tensors, offsets, lifetimes)')
      .option('--json', 'machine-readable output (with --memory)')
      .option('--quant-params', 'print every quantization number: scales, zero points, biases, decoded multipliers')
      .option('--tiles', 'print the per-layer tile table (tile shape, scratch bytes); implies --tile'))),
  ).action(async (model: string, o: CommonOpts & TrainCliOpts & { memory?: boolean; json?: boolean; quantParams?: boolean; tiles?: boolean }) => {
    const opts = compileOptions(o);
    if (o.train) return void process.stdout.write(await inspectTrainCommand(model, opts, o));
    if (o.tiles && !opts.tile) opts.tile = {};
    const { graph, target } = lower(model, opts);
    if (opts.rsp && !o.printIr && !o.printAfter && !o.memory) {
      process.stdout.write(formatRspReport(rspReport(graph)));
      return;
    }
    if (o.tiles) {
      process.stdout.write(formatTileTable(tileTable(graph)));
      return;
    }
    if (o.printIr || (!o.printAfter && !o.memory)) process.stdout.write(printGraph(graph, { storage: true }));
    if (graph.meta.quantized || graph.nodes.some((n) => n.op.startsWith('Q') || n.op.endsWith('QuantizeLinear'))) process.stdout.write(inspectQuant(graph));
    if (o.quantParams) process.stdout.write(quantParams(graph));
    if (o.memory) {
      // targets with a RAM map: where the weights go and whether it all fits
      const budget = target.memoryMap ? generateForTarget(model, graph, target, opts).memory : null;
      process.stdout.write(inspectMemory(graph, !!o.json, target, budget));
    }
    else process.stderr.write(`dnnc: ${memorySummary(graph)}\n`);
  });

  addCommon(addQuantize(
    program
      .command('verify')
      .description('compile, build and run on the target, and compare every output with onnxruntime')
      .argument('<model.onnx>', 'ONNX model file')
      .option('--input <file>', 'input (.pb or raw .bin), one per graph input (repeatable); default: seeded random', collectOne)
      .option('--seed <n>', 'seed of the random inputs', (v) => Number(v), 1)
      .option('--tolerance <x>', 'pass when max_abs_err <= x * max(1, max|ref|)', (v) => Number(v), 1e-4)
      .option('--sanitize', 'build with AddressSanitizer and UBSan (host)')
      .option('--emulator <name>', 'run a bare-metal build in a system emulator (n64: mupen64plus, a real ROM)')
      .option('--layer-ticks', 'with --target n64 --emulator mupen64plus: print the CP0 Count ticks of every layer')
      .option('--keep', 'keep the build folder')),
  ).action(async (model: string, o: CommonOpts & { sanitize?: boolean; keep?: boolean; emulator?: string; layerTicks?: boolean }) => {
    if (o.layerTicks && !(o.target === 'n64' && o.emulator === 'mupen64plus')) throw new DnncError('--layer-ticks needs --target n64 --emulator mupen64plus (the bare-metal ROM main counts the ticks)');
    const r = await verify(model, { ...compileOptions(o), sanitize: o.sanitize, keep: o.keep, emulator: o.emulator, layerTicks: o.layerTicks });
    if (r.how) process.stderr.write(`dnnc: ${r.how}\n`);
    if (o.keep) process.stderr.write(`dnnc: build folder kept at ${r.dir}\n`);
    for (const w of r.warnings ?? []) process.stderr.write(`dnnc: warning: ${w}\n`);
    for (const n of r.notes ?? []) process.stderr.write(`dnnc: ${n}\n`);
    process.stdout.write(r.line + '\n');
    if (!r.pass) process.exitCode = 1;
  });

  addCommon(addQuantize(
    program
      .command('bench')
      .description('count the instructions of one inference on the target (emulated), and code/weight/arena bytes')
      .argument('<model.onnx>', 'ONNX model file')
      .option('--json', 'machine-readable output')
      .option('--keep', 'keep the build folder')),
  );
  addGenerateOptions(program.commands.find((c) => c.name() === 'bench')!).action(async (model: string, o: CommonOpts & GenerateCli & { json?: boolean; keep?: boolean }) => {
    const gen = generateCompileOptions(o);
    if (gen.generate) {
      const g = await benchGenerate(model, { ...compileOptions(o), ...gen, generate: gen.generate, keep: o.keep });
      if (o.json) process.stdout.write(JSON.stringify(g) + '\n');
      else process.stdout.write(`model ${g.model} on ${g.target}: ${g.tokens} tokens generated in ${g.steps} steps, ${g.instructions} instructions\ninstructions per token: ${g.instructionsPerToken}\nweight bytes: ${g.weightBytes}\narena bytes: ${g.arenaBytes}\nstate bytes: ${g.stateBytes}\n`);
      return;
    }
    const r = await bench(model, { ...compileOptions(o), keep: o.keep });
    if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
    else {
      process.stdout.write(`model ${r.model} on ${r.target} (${r.kernels} kernels)\n`);
      process.stdout.write(`instructions per inference: ${r.instructions}\n`);
      process.stdout.write(`code bytes (.text of model + kernels): ${r.codeBytes}\n`);
      process.stdout.write(`weight bytes: ${r.weightBytes}\narena bytes: ${r.arenaBytes}\n`);
    }
  });

  program
    .command('ops')
    .description('list the operators dnnc compiles (a shape rule and a C kernel each)')
    .action(() => {
      const ops = allOps().filter((op) => getKernel(op));
      process.stdout.write(`${ops.length} ops: ${ops.join(', ')}\n`);
      const noKernel = allOps().filter((op) => !getKernel(op));
      if (noKernel.length) process.stdout.write(`shape rules only (fold at compile time, no kernel yet): ${noKernel.join(', ')}\n`);
    });

  program
    .command('rsp-listing')
    .description(`print a generated RSP kernel (${RSP_KERNELS.join(', ')}) with per-tile instruction counts, static cycles and DMA bytes (simulated)`)
    .argument('<kernel>', 'kernel name')
    .option('--k <n>', 'gemm: reduction length', positiveInt('--k'))
    .option('--p <n>', 'gemm: positions per tile (multiple of 8)', positiveInt('--p'))
    .option('--co <n>', 'gemm/conv3x3: output channels', positiveInt('--co'))
    .option('--c <n>', 'conv3x3: input channels; depthwise/pool: channels', positiveInt('--c'))
    .option('--oh <n>', 'depthwise/pool: output rows', positiveInt('--oh'))
    .option('--ow <n>', 'depthwise/pool: output columns (multiple of 8)', positiveInt('--ow'))
    .option('--n <n>', 'add/mul/clamp: elements per tile (multiple of 8)', positiveInt('--n'))
    .option('--shift <n>', 'requantization shift', positiveInt('--shift'))
    .option('--acc <bits>', 'gemm/depthwise accumulator: 32, or 48 with full-range weights', (v: string) => {
      if (v !== '32' && v !== '48') throw new DnncError(`--acc takes 32 or 48, got '${v}'`);
      return Number(v);
    })
    .option('--tiles <n>', 'tiles to simulate', positiveInt('--tiles'))
    .option('--seed <n>', 'seed of the random weights and tiles', positiveInt('--seed'))
    .option('--cpu', 'also count the VR4300 instructions of the same tile with the CPU int16 kernel (qemu-mips64)')
    .action((kernel: string, o: Record<string, number>) => {
      process.stdout.write(rspListing(kernel, o).text);
    });

  program
    .command('passes')
    .description('list the available passes')
    .action(() => {
      for (const p of allPasses()) process.stdout.write(`${p.name.padEnd(18)} ${p.description}\n`);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  verbose = argv.includes('--verbose');
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof DnncError) {
      process.stderr.write(`dnnc: error: ${e.format()}\n`);
      if (verbose && e.stack) process.stderr.write(e.stack + '\n');
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`dnnc: internal error: ${err?.message ?? String(e)}${verbose ? '' : ' (run with --verbose for the stack)'}\n`);
    if (verbose && err?.stack) process.stderr.write(err.stack + '\n');
    return 3;
  }
}
