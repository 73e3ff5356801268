// The compiler driver: ONNX -> IR -> passes -> codegen -> project.
import path from 'node:path';
import { importModelFile, type ImportOptions } from './onnx/import.js';
import { readTensorFile } from './onnx/tensors.js';
import { getTarget, targetNames, type TargetDesc } from './targets/target.js';
import { DEFAULT_PIPELINE, type PassContext } from '../passes/index.js';
import { runPipeline } from '../passes/manager.js';
import { generateModel, type ModelCode, type WeightMode } from './codegen/generate.js';
import { memoryReport, doesNotFitMessage, type MemoryReport } from './memory-budget.js';
import { projectFiles, binaryFiles, writeProject, GOLDEN_MAX_ELEMENTS, type Golden, type FileData } from './project.js';
import { randomInputs } from './inputs.js';
import { runOnnxruntime, hasOnnxruntime } from './reference.js';
import type { Graph } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { DnncError } from '../ir/errors.js';
import { printGraph } from '../ir/printer.js';
import { byteSize, formatType, typeEq, numel } from '../ir/types.js';
import type { MemoryPlan } from '../passes/plan-memory.js';
import fs from 'node:fs';
import { placeArena, planFlash, mcuMemoryReport, type McuMemoryReport } from './targets/memory.js';
import { isFloatType } from '../ir/types.js';
import { calibrate, calibrationSamples, loadCalibrationInputs, runOnHost, accuracy, formatAccuracy, type QuantizeRequest, type Calibration, type Progress, type OutputAccuracy } from './quantize.js';
import { QUANT_PIPELINE } from '../passes/index.js';
import type { QuantizeOptions } from '../passes/quantize.js';
import { withStatePass, zeroStateInputs, stateGolden, generateProjectData, withSampleKernel, type GenerateOptions } from './generate.js';
import { TRAIN_PIPELINE } from '../passes/index.js';
import type { TrainOptions } from '../passes/autodiff.js';
import { tiledPipeline, type TileOptions } from '../passes/tile.js';
import { rspPipeline } from '../passes/rsp.js';

export interface FrontOptions {
  /** --shape name=1x3x32x32 */
  shapes?: Record<string, number[]>;
  /** --freeze-input name=file.pb */
  freeze?: Record<string, string>;
  maxModelBytes?: number;
  maxTensorBytes?: number;
  maxNodes?: number;
}

export interface CompileOptions extends FrontOptions {
  target: string;
  prefix?: string;
  kernels?: 'optimized' | 'reference';
  passes?: string[];
  printAfter?: string[];
  verifyEach?: boolean;
  /** sample input files (.pb or raw .bin), one per graph input */
  inputs?: string[];
  seed?: number;
  tolerance?: number;
  /** compute expected outputs with onnxruntime when available (default true) */
  reference?: boolean;
  /** external PSRAM size in bytes (--psram), for targets that have it */
  psramBytes?: number;
  /** embed: const arrays; rom: streamed from a weight pack; auto (default): embed when it fits in RAM */
  weights?: WeightMode | 'auto';
  /** the target's RAM expansion is present (n64: Expansion Pak, 8 MB) */
  expansionPak?: boolean;
  /** write the weight pack in little-endian order whatever the target (tests of the byte-order check) */
  packLittleEndian?: boolean;
  /** storage of MatMul/Gemm/Gather weights (--weight-dtype fp16: float16) */
  weightDtype?: 'float32' | 'float16';
  /** --stream-tile: weights streamed from the pack in row tiles of at most this many bytes */
  streamTileBytes?: number;
  log?: (msg: string) => void;
  print?: (text: string) => void;
  /** post-training quantization (--quantize and the calibration options) */
  quantize?: QuantizeRequest;
  /** progress of long steps (calibration), e.g. a bar on stderr */
  progress?: Progress;
  /** --state: input/output pairs kept in persistent buffers ('past.*=present.*' patterns or 'auto'); see passes/state.ts */
  state?: string[];
  /** --generate: main template running a token loop (see compiler/generate.ts) */
  generate?: GenerateOptions;
  /** training graph (--train): the loss, backward pass and parameters as inputs (passes/autodiff.ts) */
  train?: TrainOptions;
  /** tile kernels into a memory level (--tile [level], --rsp-model); absent: no tiling */
  tile?: TileOptions;
  /** --rsp (n64, int16): layers with an exactly matching RSP kernel run as RSP tasks (passes/rsp.ts) */
  rsp?: boolean;
  /** n64 ROM (verify --emulator mupen64plus): print the CP0 Count ticks of every layer (DNNC-LAYER lines; see generate.ts) */
  layerTicks?: boolean;
  /** fused patch execution (--fuse-patches) and its instruction-overhead cap (--max-recompute); undefined: only when the model does not fit otherwise (compile) */
  fusePatches?: boolean;
  maxRecompute?: number;
}

export interface QuantState {
  dtype: 'int8' | 'int16';
  calibration: Calibration;
  accuracy?: OutputAccuracy[];
  report?: string;
}

export interface Compiled {
  graph: Graph;
  target: TargetDesc;
  code: ModelCode;
  golden: Golden;
  files: Record<string, FileData>;
  warnings: string[];
  /** where an MCU target's arena, weights and stack go (null for other targets) */
  mcuMemory: McuMemoryReport | null;
  /** RAM check of targets with a memory map (null otherwise) */
  memory: MemoryReport | null;
  quant?: QuantState;
}

export function resolveTarget(name: string): TargetDesc {
  const t = getTarget(name);
  if (!t) throw new DnncError(`unknown target '${name}' (choose one of: ${targetNames().join(', ')})`);
  return t;
}

export function importWithOptions(file: string, opts: FrontOptions): Graph {
  const freeze: Record<string, Tensor> = {};
  for (const [name, f] of Object.entries(opts.freeze ?? {})) freeze[name] = readTensorFile(f).tensor;
  const io: ImportOptions = {
    shapes: opts.shapes,
    freeze,
    maxModelBytes: opts.maxModelBytes,
    maxTensorBytes: opts.maxTensorBytes,
    maxNodes: opts.maxNodes,
  };
  return importModelFile(file, io);
}

/** Import and run the pass pipeline. */
export function lower(file: string, opts: CompileOptions): { graph: Graph; target: TargetDesc; warnings: string[]; quant?: QuantState } {
  const target = resolveTarget(opts.target);
  const warnings: string[] = [];
  const g0 = importWithOptions(file, opts);
  const ctx: PassContext = {
    target,
    options: { kernels: opts.kernels ?? 'optimized', weightDtype: opts.weightDtype, ...(opts.train ? { train: opts.train } : {}) },
    log: (m) => opts.log?.(m),
    warn: (m) => warnings.push(m),
  };
  let quant: QuantState | undefined;
  let pipeline = opts.passes ?? (opts.train ? TRAIN_PIPELINE : DEFAULT_PIPELINE);
  if (opts.state?.length) ctx.options.state = opts.state;
  if (opts.state?.length && (opts.train || opts.quantize)) throw new DnncError(`--state does not combine with ${opts.train ? '--train' : '--quantize'}${opts.train ? '' : ' yet'}`, { file });
  if (opts.quantize) {
    // calibration: the float graph after the passes that precede `quantize`, run on the host
    const q = opts.quantize;
    const floatPasses = QUANT_PIPELINE.slice(0, QUANT_PIPELINE.indexOf('quantize'));
    let gf: Graph;
    try {
      gf = runPipeline(importWithOptions(file, opts), floatPasses, { ...ctx, warn: () => {} }, { verifyEach: false });
    } catch (e) {
      if (e instanceof DnncError) e.where.file ??= file;
      throw e;
    }
    const samples = calibrationSamples(gf, q);
    opts.log?.(`dnnc: calibrating on ${samples.length} ${q.calibrate ? 'inputs from ' + q.calibrate : 'seeded random inputs'} (${q.method ?? 'minmax'})`);
    const evalSamples = q.evaluate ? loadCalibrationInputs(q.evaluate, gf.inputs) : undefined;
    const calibration = calibrate(gf, samples, q, opts.progress, evalSamples);
    const qo: QuantizeOptions = { dtype: q.dtype, ranges: calibration.ranges, symmetricActivations: q.symmetricActivations };
    ctx.options.quantize = qo;
    pipeline = opts.passes ?? QUANT_PIPELINE;
    quant = { dtype: q.dtype, calibration };
  }
  if (opts.state?.length) pipeline = withStatePass(pipeline);
  if (opts.tile) {
    ctx.options.tile = opts.tile;
    if (!opts.passes) pipeline = tiledPipeline(pipeline);
  }
  if (opts.rsp) {
    if (opts.quantize?.dtype !== 'int16') throw new DnncError(`--rsp needs --quantize int16 (the RSP kernels are int16)`, { file });
    if (!opts.passes) pipeline = rspPipeline(pipeline);
  }
  if (opts.fusePatches && !opts.passes) {
    ctx.options.fusePatches = true;
    if (opts.maxRecompute !== undefined) ctx.options.maxRecompute = opts.maxRecompute;
    const at = pipeline.lastIndexOf('plan-memory');
    pipeline = [...pipeline.slice(0, at), 'fuse-patches', ...pipeline.slice(at)];
  }
  let graph: Graph;
  try {
    graph = runPipeline(g0, pipeline, ctx, {
      printAfter: opts.printAfter,
      verifyEach: opts.verifyEach ?? true,
      onPrint: (pass, g) => opts.print?.(`// IR after ${pass}\n${printGraph(g, { storage: pass === 'plan-memory' })}`),
    });
  } catch (e) {
    if (e instanceof DnncError) e.where.file ??= file;
    throw e;
  }
  return { graph, target, warnings, quant };
}

/** Read a sample input: ONNX TensorProto (.pb) or raw bytes in the input's type. */
export function readInput(file: string, like: { dtype: Tensor['dtype']; shape: readonly number[] }, what: string): Tensor {
  if (file.endsWith('.pb')) {
    const t = readTensorFile(file).tensor;
    if (!typeEq({ dtype: t.dtype, shape: t.shape }, { dtype: like.dtype, shape: like.shape })) {
      throw new DnncError(`${what}: file holds ${formatType(t)}, the model wants ${formatType(like)}`, { file });
    }
    return t;
  }
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    throw new DnncError(`cannot read input file`, { file });
  }
  try {
    return Tensor.fromBytes(like.dtype, like.shape, new Uint8Array(buf), true);
  } catch (e) {
    throw new DnncError(`${what}: ${(e as Error).message}`, { file });
  }
}

/** Sample inputs (given or seeded random) and onnxruntime's outputs for them. */
export async function goldenData(file: string, graph: Graph, opts: CompileOptions): Promise<Golden> {
  // without a reference run, a sample too large to embed would only be thrown away
  const elements = [...graph.inputs, ...graph.outputs].reduce((a, v) => a + numel(v.type.shape), 0);
  if (opts.reference === false && !opts.inputs?.length && elements > GOLDEN_MAX_ELEMENTS) return { inputs: [], expected: null, source: 'none' };
  const inputs = opts.inputs?.length
    ? graph.inputs.map((v, i) => {
      const f = opts.inputs![i];
      if (!f) throw new DnncError(`--input: the model has ${graph.inputs.length} inputs, ${opts.inputs!.length} files were given`);
      return readInput(f, v.type, `input '${v.name}'`);
    })
    : zeroStateInputs(graph, randomInputs(graph.inputs, opts.seed ?? 1));
  if (opts.reference === false || !(await hasOnnxruntime())) return { inputs, expected: null, source: 'none' };
  const feeds: Record<string, Tensor> = {};
  graph.inputs.forEach((v, i) => (feeds[v.name] = inputs[i]!));
  for (const [name, f] of Object.entries(opts.freeze ?? {})) feeds[name] = readTensorFile(f).tensor;
  const names = (graph.meta.outputNames as string[]) ?? graph.outputs.map((v) => v.name);
  const expected = await runOnnxruntime(file, feeds, names);
  expected.forEach((t, i) => {
    const want = graph.outputs[i]!.type;
    if (!typeEq({ dtype: t.dtype, shape: t.shape }, want)) {
      throw new DnncError(`output '${names[i]}': onnxruntime gives ${formatType(t)}, dnnc inferred ${formatType(want)}`, { file });
    }
  });
  return { inputs, expected, source: 'onnxruntime' };
}

export async function compile(file: string, opts: CompileOptions): Promise<Compiled> {
  try {
    return await compileOnce(file, opts);
  } catch (e) {
    // a model whose activations do not fit layer by layer is tried once with fused patch execution
    // (unless --fuse-patches was decided either way)
    if (opts.fusePatches !== undefined || opts.passes || !(e instanceof DnncError) || !/does not fit|bytes of arena, over the/.test(e.message)) throw e;
    let c: Compiled;
    const logs: string[] = [];
    try {
      c = await compileOnce(file, { ...opts, fusePatches: true, log: (m) => logs.push(m) });
    } catch {
      throw e;
    }
    if (!c.graph.nodes.some((n) => n.op === 'PatchChain')) throw e;
    for (const m of logs) opts.log?.(m);
    c.warnings.push(`the activations do not fit ${c.target.name} layer by layer; fused patch execution (--fuse-patches) made them fit: arena ${c.code.arenaBytes} B`);
    return c;
  }
}

async function compileOnce(file: string, opts: CompileOptions): Promise<Compiled> {
  const { graph, target, warnings, quant } = lower(file, opts);
  let golden = await goldenData(file, graph, opts);
  if (quant) {
    // run the quantized model on the host: the accuracy report over the
    // calibration inputs, and the golden test's expected output (the
    // quantized model's own output on the sample input; float32 is reported)
    const cal = quant.calibration;
    const outs = runOnHost(graph, [...cal.evalSamples, golden.inputs], 'quantized model on host', opts.progress);
    const quantOuts = outs.slice(0, cal.evalSamples.length);
    const names = (graph.meta.outputNames as string[] | undefined) ?? graph.outputs.map((v) => v.name);
    quant.accuracy = accuracy(names, cal.floatOutputs, quantOuts);
    quant.report = formatAccuracy(quant.dtype, quant.accuracy, cal.evalSamples.length, cal.evalSource);
    golden = { inputs: golden.inputs, expected: outs[outs.length - 1]!, source: `dnnc ${quant.dtype} model run on the host (float32 reference: ${golden.source})` };
  }
  return { ...assemble(file, graph, target, warnings, golden, opts), quant };
}

/**
 * Everything after lowering: place the arena, generate the C (weights
 * embedded or streamed, RAM checked), and render the project around the
 * given golden data.
 */
export function assemble(file: string, graph: Graph, target: TargetDesc, warnings: string[], golden0: Golden, opts: CompileOptions): Compiled {
  const golden = stateGolden(graph, golden0);
  const prefix = opts.prefix ?? 'model';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) throw new DnncError(`--prefix '${prefix}' is not a C identifier`);
  const plan = graph.meta.memory as MemoryPlan | undefined;
  // graph outputs: the caller's result buffers (state outputs: the persistent state buffers)
  const ioBytes = graph.outputs.reduce((a, v) => a + byteSizeOf(v.type.dtype, v.type.shape), 0);
  const arena = placeArena(target, plan?.arenaBytes ?? 0, ioBytes, plan?.weightBytes ?? 0, opts.psramBytes ?? 0);
  warnings.push(...fpuWarnings(graph, target));
  const { code, memory } = generateForTarget(file, graph, target, opts, { arenaAttr: arena.attr, arenaHeader: arena.header });
  withSampleKernel(code, opts.generate);
  const goldenBytes = [...golden.inputs, ...(golden.expected ?? [])].reduce((a, t) => a + t.byteLength, 0);
  const mcuMemory = target.mcu ? mcuMemoryReport(target, arena, planFlash(target, code.weightBytes, goldenBytes)) : null;
  warnings.push(...(mcuMemory?.warnings ?? []));
  const files: Record<string, FileData> = {
    ...projectFiles(target, code, golden, { tolerance: opts.tolerance ?? 1e-4, modelName: path.basename(file), memory, mcuMemory, resultAttr: arena.ioAttr, resultHeader: arena.attr ? arena.header : '', ...generateProjectData(graph, code, opts.generate) }),
    ...binaryFiles(target, code),
  };
  return { graph, target, code, golden, files, warnings, memory, mcuMemory };
}

function byteSizeOf(dtype: Tensor['dtype'], shape: readonly number[]): number {
  return byteSize({ dtype, shape: [...shape] });
}

/** Targets without an FPU run float arithmetic in software: say so, and point to int8. */
export function fpuWarnings(g: Graph, target: TargetDesc): string[] {
  if (target.hasFpu) return [];
  const floatNodes = g.nodes.filter((n) => n.outputs.some((o) => isFloatType(o.type.dtype)));
  if (!floatNodes.length) return [];
  return [`${target.name} has no FPU: the ${floatNodes.length} float kernel(s) of this model run in software floating point (typically 10x slower or more); quantize the model to int8 (--quantize int8) for speed`];
}

/** Generate the model's C for a target, placing the weights (embed/rom/auto) and checking the RAM budget. */
export function generateForTarget(file: string, graph: Graph, target: TargetDesc, opts: CompileOptions,
  place: { arenaAttr?: string; arenaHeader?: string } = {}): { code: ModelCode; memory: MemoryReport | null } {
  const prefix = opts.prefix ?? 'model';
  const genTiles = (weights: WeightMode, streamTileBytes?: number, streamBuffers?: 1 | 2) => generateModel(graph, { prefix, kernels: opts.kernels ?? 'optimized', target, weights, packLittleEndian: opts.packLittleEndian, weightDtype: opts.weightDtype, streamTileBytes, streamBuffers, layerTicks: opts.layerTicks, ...place });
  // streamed weights: whole layers as before; row tiles when asked (--stream-tile), or when whole
  // layers do not fit: the largest of 1M, 256K, 64K, 16K tiles that fits (else the smallest)
  const gen = (weights: WeightMode, streamBuffers?: 1 | 2) => {
    if (weights !== 'rom' || opts.streamTileBytes !== undefined) return genTiles(weights, opts.streamTileBytes, streamBuffers);
    const fits = (c: ModelCode) => memoryReport(target, c, graph.nodes.length, !!opts.expansionPak)?.fits !== false;
    let code = genTiles(weights, Infinity, streamBuffers);
    for (const tile of [1 << 20, 1 << 18, 1 << 16, 1 << 14]) {
      if (fits(code)) break;
      code = genTiles(weights, tile, streamBuffers);
    }
    return code;
  };
  return chooseWeights(file, target, graph.nodes.length, opts.weights ?? 'auto', !!opts.expansionPak, gen);
}

/**
 * Generate the model with the asked weight placement (auto: embedded when that
 * fits the target's RAM, else streamed from the weight pack) and check that it
 * fits; if not, fail with every number and the options that would make it fit.
 * The streamed variant is generated first when it exists: it is cheap (no C
 * arrays) and the embedded variant's needs follow from it, so a model that
 * cannot be embedded is never rendered as C arrays.
 */
function chooseWeights(file: string, target: TargetDesc, nodes: number, want: WeightMode | 'auto', expansion: boolean, gen: (w: WeightMode, streamBuffers?: 1 | 2) => ModelCode): { code: ModelCode; memory: MemoryReport | null } {
  if (want === 'rom' && !target.weightPack) throw new DnncError(`--weights rom: target '${target.name}' has no read-only file system to stream weights from (use --weights embed)`);
  if (!target.memoryMap || !target.weightPack) {
    const code = gen('embed');
    const memory = memoryReport(target, code, nodes, expansion);
    if (memory && !memory.fits) {
      const alts = target.memoryMap?.expandedRamBytes !== undefined && !expansion ? [{ flag: '--expansion-pak', report: memoryReport(target, code, nodes, true) }] : [];
      throw new DnncError(doesNotFitMessage(memory, alts), { file });
    }
    return { code, memory };
  }
  const rom = gen('rom');
  const romReport = (exp: boolean) => memoryReport(target, rom, nodes, exp)!;
  const embedReport = (exp: boolean) => embeddedFromStreamed(romReport(exp), target.memoryMap!.constInRam);
  const mode: WeightMode = want === 'auto' ? (embedReport(expansion).fits ? 'embed' : 'rom') : want;
  const memory = mode === 'rom' ? romReport(expansion) : embedReport(expansion);
  if (!memory.fits && mode === 'rom' && rom.pack && rom.pack.bufferBytes.length > 1) {
    // one weight buffer instead of two: no load overlaps a layer, half the buffer RAM
    const single = gen('rom', 1);
    const report = memoryReport(target, single, nodes, expansion)!;
    if (report.fits) return { code: single, memory: report };
  }
  if (!memory.fits) {
    const canExpand = !expansion && target.memoryMap.expandedRamBytes !== undefined;
    const alts: { flag: string; report: MemoryReport | null }[] = [];
    if (canExpand) alts.push({ flag: '--expansion-pak', report: mode === 'rom' ? romReport(true) : embedReport(true) });
    if (mode === 'embed') alts.push({ flag: '--weights rom', report: romReport(expansion) });
    if (canExpand && mode === 'embed' && !alts.some((a) => a.report?.fits)) alts.push({ flag: '--expansion-pak --weights rom', report: romReport(true) });
    throw new DnncError(doesNotFitMessage(memory, alts), { file });
  }
  if (mode === 'rom') return { code: rom, memory };
  const code = gen('embed');
  return { code, memory: memoryReport(target, code, nodes, expansion) };
}

/** The report of the same model with every streamed weight embedded instead. */
function embeddedFromStreamed(r: MemoryReport, constInRam: boolean): MemoryReport {
  const residentWeights = r.residentWeights + r.streamedWeights;
  const used = r.used - r.streamBuffers + (constInRam ? r.streamedWeights : 0);
  return { ...r, weights: 'embed', residentWeights, streamedWeights: 0, streamBuffers: 0, streamBufferCount: 0, used, fits: used <= r.ramBytes };
}

export function memorySummary(g: Graph): string {
  const plan = g.meta.memory as MemoryPlan | undefined;
  if (!plan) return '';
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const state = ((g.meta.state as { bytes: number }[] | undefined) ?? []).reduce((a, b) => a + b.bytes, 0);
  return `memory: arena ${plan.arenaBytes} B (${kb(plan.arenaBytes)}), lower bound ${plan.lowerBound} B, no-reuse ${plan.naiveNoAliasBytes} B, weights ${plan.weightBytes} B (${kb(plan.weightBytes)})${state ? `, persistent state ${state} B (${kb(state)}, outside the arena)` : ''}`;
}

export { writeProject };
