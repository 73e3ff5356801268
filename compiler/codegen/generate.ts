// Turn a planned graph into the model's C sources: kernel calls with
// constant parameters, arena offsets, weight arrays. Templates lay it out.
import type { Graph, Node, Value } from '../../ir/graph.js';
import type { TargetDesc } from '../targets/target.js';
import { getKernel } from './kernels/index.js';
import { tiledKernel } from './kernels/tiled.js';
import type { EmitCtx } from './kernels/registry.js';
import { ctype, cident, ccomment, clabel, cArrayBody, cstring, cint } from './c.js';
import { byteSize, numel, formatType, type DType } from '../../ir/types.js';
import { storageRoot, type MemoryPlan } from '../../passes/plan-memory.js';
import { DnncError, nodeError } from '../../ir/errors.js';
import type { Tensor } from '../../ir/tensor.js';
import { render } from './templates.js';
import { printNode } from '../../ir/printer.js';
import type { StateBinding } from '../../passes/state.js';
import { planWeightRows, storedTensor, DEFAULT_STREAM_TILE, type WeightDtype, type WeightRows, type WeightRowsRef } from './weight-rows.js';

export interface IoInfo {
  /** the model's name, made safe for C comments and strings (see clabel) */
  name: string;
  /** the model's name as given */
  rawName: string;
  cname: string;
  dtype: DType;
  ctype: string;
  shape: number[];
  count: number;
  bytes: number;
}

export interface WeightArray {
  symbol: string;
  ctype: string;
  count: number;
  bytes: number;
  body: string;
  comment: string;
}

/** One tensor of the weight pack (streamed from ROM). */
export interface PackTensor {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number;
  bytes: number;
  crc32: number;
}

/** The weight pack of a model whose weights stream from a read-only file system. */
export interface WeightPack {
  /** file name in the pack folder (e.g. model.wpk) */
  file: string;
  /** pack bytes (header + tensors, target byte order) */
  data: Uint8Array;
  /** human-readable manifest (name, offset, size, dtype, CRC32) */
  manifest: string;
  tensors: PackTensor[];
  /** bytes of the reused layer buffers: [even steps, odd steps] (one buffer when one layer streams) */
  bufferBytes: number[];
  /** layers that read streamed weights */
  steps: number;
  /** bytes of each of the two row-tile buffers (0: no weight streams in row tiles) */
  tileBufferBytes?: number;
  /** weights read in row tiles */
  tiledTensors?: number;
}

export interface ModelCode {
  prefix: string;
  /** file name -> contents (model sources only; runtime files listed separately) */
  files: Record<string, string>;
  /** runtime-c kernel families used (kernels/<name>.c/.h) */
  kernels: string[];
  inputs: IoInfo[];
  outputs: IoInfo[];
  arenaBytes: number;
  /** bytes of weights compiled into the program (resident in memory) */
  weightBytes: number;
  weights: WeightArray[];
  /** weights streamed from the pack (null when all are embedded) */
  pack: WeightPack | null;
  /** bytes of the reused streaming buffers (sum of pack.bufferBytes) */
  streamBufferBytes: number;
  /** persistent state buffers (--state): graph input/output pairs kept out of the run API (absent when none) */
  state?: StateIo[];
  /** bytes of the state buffers (outside the arena) */
  stateBytes?: number;
  /** layerTicks: one label per layer (op and node name), in dnnc_layer_tick order */
  layerTicks?: string[];
}

/** One persistent state buffer: a graph input and the output that updates it, sharing one static array. */
export interface StateIo extends IoInfo {
  inputName: string;
  outputName: string;
  /** index of the input and of the output in the graph's lists */
  inputIndex: number;
  outputIndex: number;
}

export type WeightMode = 'embed' | 'rom';
/** Most weight bytes written as C initializers (the text is ~3x larger; JS strings stop near 512M chars). */
export const MAX_WEIGHT_SOURCE_BYTES = 64 * 1024 * 1024;

export interface CodegenOptions {
  prefix: string;
  kernels: 'optimized' | 'reference';
  target: TargetDesc;
  /** attribute placing the arena (e.g. EXT_RAM_BSS_ATTR for PSRAM) and the header defining it */
  arenaAttr?: string;
  arenaHeader?: string;
  /** embed: weights are const arrays; rom: streamed from a weight pack (target.weightPack) */
  weights?: WeightMode;
  /** byte order of the weight pack; default the target's (tests flip it to prove the check) */
  packLittleEndian?: boolean;
  /** storage of MatMul/Gemm/Gather weights (float16: IEEE half, converted to float by the kernels) */
  weightDtype?: WeightDtype;
  /** rom: weights larger than this stream in row tiles of at most this many bytes (default DEFAULT_STREAM_TILE) */
  streamTileBytes?: number;
  /** weight stream buffers: 2 (default) loads the next layer while one computes; 1 loads each layer before it runs (half the RAM) */
  streamBuffers?: 1 | 2;
  /** call dnnc_layer_tick(i) after layer i (and -1 before the first): the n64 ROM main adds up Count ticks per layer */
  layerTicks?: boolean;
}

const PACK_HEADER_BYTES = 16;

/** CRC-32 (IEEE, reflected, as zlib), the same as dnnc_crc32 in runtime-c/kernels/wpack.c. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const alignTo = (x: number, a: number) => Math.ceil(x / a) * a;

interface StreamStep {
  /** value -> offset in the layer buffer */
  slot: Map<Value, number>;
  reads: { offset: number; bytes: number; slotOffset: number }[];
  checks: { tensor: number; slotOffset: number }[];
  bytes: number;
}

/** Lay out the weight pack: tensors in order of first use, each aligned; one step per layer reading weights. */
function planPack(g: Graph, reads: Map<Node, Set<Value>>, file: string, align: number, littleEndian: boolean, wrows: Map<Value, WeightRows> = new Map(), nbuf = 2): { pack: WeightPack; steps: Map<Node, { index: number; step: StreamStep }>; index: Map<Value, number> } {
  const tensors: PackTensor[] = [];
  const chunks: { offset: number; bytes: Uint8Array }[] = [];
  const index = new Map<Value, number>();
  let end = alignTo(PACK_HEADER_BYTES, align);
  // the constants a layer's C code reads at run time (shape-only inputs are not)
  const streamed = (n: Node) => [...(reads.get(n) ?? [])].filter((v) => !!v.const && v.const.size > 0);
  const steps = new Map<Node, { index: number; step: StreamStep }>();
  for (const n of g.nodes) {
    const all = streamed(n);
    for (const v of all) {
      if (index.has(v)) continue;
      const st = storedTensor(v, wrows.get(v));
      const bytes = st.toBytes(littleEndian);
      index.set(v, tensors.length);
      tensors.push({ name: v.name, dtype: st.dtype, shape: [...v.type.shape], offset: end, bytes: bytes.length, crc32: crc32(bytes) });
      chunks.push({ offset: end, bytes });
      end += alignTo(bytes.length, align);
    }
    // weights read in row tiles are not loaded whole into a layer buffer
    const vs = all.filter((v) => !wrows.get(v)?.tiled);
    if (!vs.length) continue;
    const ordered = [...vs].sort((a, b) => tensors[index.get(a)!]!.offset - tensors[index.get(b)!]!.offset);
    const step: StreamStep = { slot: new Map(), reads: [], checks: [], bytes: 0 };
    for (const v of ordered) {
      const t = tensors[index.get(v)!]!;
      const padded = alignTo(t.bytes, align);
      step.slot.set(v, step.bytes);
      step.checks.push({ tensor: index.get(v)!, slotOffset: step.bytes });
      const last = step.reads[step.reads.length - 1];
      if (last && last.offset + last.bytes === t.offset && last.slotOffset + last.bytes === step.bytes) last.bytes += padded;
      else step.reads.push({ offset: t.offset, bytes: padded, slotOffset: step.bytes });
      step.bytes += padded;
    }
    steps.set(n, { index: steps.size, step });
  }
  const data = new Uint8Array(end);
  const dv = new DataView(data.buffer);
  data.set([0x44, 0x57, 0x50, 0x4b], 0); // "DWPK"
  dv.setUint32(4, 0x01020304, littleEndian);
  dv.setUint32(8, tensors.length, littleEndian);
  dv.setUint32(12, end - alignTo(PACK_HEADER_BYTES, align), littleEndian);
  for (const c of chunks) data.set(c.bytes, c.offset);
  const order = littleEndian ? 'little-endian' : 'big-endian';
  const manifest = [
    `# dnnc weight pack manifest: ${file}, ${end} bytes, ${order}, tensors aligned to ${align} bytes after a ${PACK_HEADER_BYTES}-byte header`,
    `# header: "DWPK", byte-order mark 0x01020304, tensor count, data bytes (u32 each, ${order})`,
    '# name\toffset\tbytes\tdtype\tshape\tcrc32',
    ...tensors.map((t) => `${t.name}\t${t.offset}\t${t.bytes}\t${t.dtype}\t[${t.shape.join(',')}]\t0x${t.crc32.toString(16).padStart(8, '0')}`),
  ].join('\n') + '\n';
  // layers alternate between two buffers, each as large as the largest layer it holds
  const bufferBytes = [0, 1].filter((par) => par < steps.size && par < nbuf).map((par) => Math.max(align, ...[...steps.values()].filter((s) => s.index % nbuf === par).map((s) => s.step.bytes)));
  return { pack: { file, data, manifest, tensors, bufferBytes, steps: steps.size }, steps, index };
}

function ioInfo(v: Value, name: string, used: Set<string>, pre: string): IoInfo {
  let cname = `${pre}_${cident(name)}`;
  while (used.has(cname)) cname += '_';
  used.add(cname);
  return { name: clabel(name), rawName: name, cname, dtype: v.type.dtype, ctype: ctype(v.type.dtype), shape: [...v.type.shape], count: numel(v.type.shape), bytes: byteSize(v.type) };
}

export function generateModel(g: Graph, opts: CodegenOptions): ModelCode {
  const prefix = cident(opts.prefix);
  const plan = g.meta.memory as MemoryPlan | undefined;
  if (!plan) throw new DnncError('internal: codegen needs a memory plan (run plan-memory)');
  const outNames = (g.meta.outputNames as string[] | undefined) ?? g.outputs.map((v) => v.name);

  const usedIo = new Set<string>();
  const inputs = g.inputs.map((v) => ioInfo(v, v.name, usedIo, 'in'));
  const outputs = g.outputs.map((v, i) => ioInfo(v, outNames[i] ?? v.name, usedIo, 'out'));
  // persistent state (passes/state.ts): the input and its output are one static buffer
  const state: StateIo[] = ((g.meta.state as StateBinding[] | undefined) ?? []).map((b, k) => {
    const ii = g.inputs.indexOf(b.input), oi = g.outputs.indexOf(b.output);
    const cname = `g_state${k}`;
    inputs[ii] = { ...inputs[ii]!, cname };
    outputs[oi] = { ...outputs[oi]!, cname };
    return { ...inputs[ii]!, inputName: inputs[ii]!.name, outputName: outputs[oi]!.name, inputIndex: ii, outputIndex: oi };
  });
  const stateNames = new Set(state.map((s) => s.cname));

  // weights
  const weights: WeightArray[] = [];
  const weightSym = new Map<Value, string>();
  const usedSyms = new Set<string>();
  const symbol = (hint: string) => {
    let s = `${prefix}_${cident(hint)}`;
    if (s.length > 60) s = s.slice(0, 60);
    let k = s, i = 1;
    while (usedSyms.has(k)) k = `${s}_${i++}`;
    usedSyms.add(k);
    return k;
  };
  let weightTotal = 0;
  const addWeight = (hint: string, t: Tensor, comment: string): string => {
    weightTotal += t.byteLength;
    if (weightTotal > MAX_WEIGHT_SOURCE_BYTES) {
      throw new DnncError(`the weights need more than ${MAX_WEIGHT_SOURCE_BYTES} bytes; dnnc writes weights as C source, which is limited to that size`);
    }
    const sym = symbol(`w_${hint}`);
    weights.push({
      symbol: sym,
      ctype: ctype(t.dtype),
      count: Math.max(1, t.size),
      bytes: t.byteLength,
      body: t.size ? cArrayBody(t) : '  0',
      comment: ccomment(comment),
    });
    return sym;
  };
  // weights are emitted when a kernel first reads them (shape-only constants never are)
  const weightOf = (v: Value): string => {
    let s = weightSym.get(v);
    if (!s) {
      const wr = wrows.get(v);
      s = addWeight(v.name, storedTensor(v, wr), `${v.name}: ${formatType(v.type)}${wr?.half ? ' stored as float16' : ''}`);
      weightSym.set(v, s);
    }
    return s;
  };

  // weights streamed from a pack, layer by layer (the plan is made before any C is written)
  const rom = opts.weights === 'rom';
  if (rom && !opts.target.weightPack) throw new DnncError(`target '${opts.target.name}' cannot stream weights from a pack (use --weights embed)`);
  let packPlan: ReturnType<typeof planPack> | null = null;
  const wrows = planWeightRows(g, { half: opts.weightDtype === 'float16', rom, tileBytes: opts.streamTileBytes ?? DEFAULT_STREAM_TILE });
  const tiledAny = [...wrows.values()].some((w) => w.tiled);
  const tileBufferBytes = tiledAny ? (opts.streamTileBytes ?? DEFAULT_STREAM_TILE) + 2 * (opts.target.weightPack?.align ?? 16) : 0;
  const weightRows = (v: Value): WeightRowsRef | null => {
    const wr = wrows.get(v);
    if (!wr) return null;
    if (recording) recording.add(v);
    const t = packPlan && wr.tiled ? packPlan.pack.tensors[packPlan.index.get(v)!] : undefined;
    return { ...wr, pack: `&${prefix}_wpack`, offset: t?.offset ?? 0, tensor: packPlan?.index.get(v) ?? 0, align: opts.target.weightPack?.align ?? 16, buffers: ['g_wtile0', 'g_wtile1'] };
  };
  const nbuf = opts.streamBuffers ?? 2;
  let current: { index: number; step: StreamStep } | undefined;
  /** dry run: the constants each node's code reads (no C is kept) */
  let recording: Set<Value> | null = null;

  let arenaUsed = false;
  // root buffer and byte offset of every value, following views and in-place
  // aliases once (memoized: chains of thousands of in-place ops stay linear)
  const roots = new Map<Value, { root: Value; off: number }>();
  const rootOf = (v: Value): { root: Value; off: number } => {
    const path: Value[] = [];
    let r = v;
    while (r.storage?.kind === 'alias' && !roots.has(r)) {
      path.push(r);
      r = r.storage.of;
    }
    let base = roots.get(r) ?? { root: r, off: 0 };
    for (let i = path.length - 1; i >= 0; i--) {
      const n = path[i]!;
      const st = n.storage as { kind: 'alias'; of: Value; byteOffset: number };
      base = { root: base.root, off: base.off + st.byteOffset };
      roots.set(n, base);
    }
    return roots.get(v) ?? base;
  };
  const pointer = (v: Value, isConst: boolean): string => {
    const T = ctype(v.type.dtype);
    const q = isConst ? 'const ' : '';
    const { root: r, off } = rootOf(v);
    const s = r.storage;
    if (!s) throw new DnncError(`internal: value '${v.name}' has no storage`);
    let base: string;
    const sameType = r.type.dtype === v.type.dtype;
    switch (s.kind) {
      case 'arena':
        arenaUsed = true; // even by empty tensors, which take no bytes
        return `((${q}${T} *)(g_arena + ${s.offset + off}))`;
      case 'input': base = inputs[s.index]!.cname; break;
      case 'output': base = outputs[s.index]!.cname; break;
      case 'const': {
        if (recording) {
          recording.add(r);
          return 'W';
        }
        const slot = current?.step.slot.get(r);
        if (slot !== undefined) return `((${q}${T} *)(g_wbuf${current!.index % nbuf} + ${slot + off}))`;
        base = weightOf(r);
        break;
      }
      default: throw new DnncError(`internal: bad storage for '${v.name}'`);
    }
    if (!base) throw new DnncError(`internal: no symbol for '${v.name}'`);
    if (off === 0 && sameType && (isConst || s.kind === 'output' || stateNames.has(base))) return base;
    return `((${q}${T} *)((${q}uint8_t *)${base} + ${off}))`;
  };

  const decls: string[] = [];
  const kernels = new Set<string>();
  const blocks: { comment: string; code: string }[] = [];
  let localId = 0;
  if (rom) {
    // which constants does each layer's code read? emit once without keeping anything
    const reads = new Map<Node, Set<Value>>();
    for (const n of g.nodes) {
      const k = tiledKernel(n) ?? getKernel(n.op);
      if (!k) throw nodeError(n, `no C kernel for op '${n.op}' yet`);
      recording = new Set();
      k.emit({
        node: n,
        target: opts.target,
        kernels: opts.kernels,
        ptr: (v) => pointer(v, false),
        cptr: (v) => pointer(v, true),
        use: () => undefined,
        decl: (hint) => hint,
        table: (hint) => hint,
        constArray: (hint) => hint,
        local: (hint) => hint,
        scratch: () => '((uint8_t *)0)',
        scratchBytes: plan.scratch[n.name]?.bytes ?? 0,
        weightRows,
      });
      reads.set(n, recording);
    }
    recording = null;
    packPlan = planPack(g, reads, `${prefix}.wpk`, opts.target.weightPack!.align, opts.packLittleEndian ?? opts.target.littleEndian, wrows, nbuf);
    if (tiledAny) {
      packPlan.pack.tileBufferBytes = tileBufferBytes;
      packPlan.pack.tiledTensors = [...wrows.values()].filter((w) => w.tiled).length;
    }
  }
  for (const n of g.nodes) {
    const k = tiledKernel(n) ?? getKernel(n.op);
    if (!k) throw nodeError(n, `no C kernel for op '${n.op}' yet`);
    const ctx: EmitCtx = {
      node: n,
      target: opts.target,
      kernels: opts.kernels,
      ptr: (v) => pointer(v, false),
      cptr: (v) => pointer(v, true),
      use: (name) => kernels.add(name),
      decl: (hint, ct, body, array = false) => {
        const name = symbol(`${hint}_${n.name}`);
        decls.push(`static const ${ct} ${name}${array ? '[]' : ''} = ${body};`);
        return name;
      },
      table: (hint, values) => {
        const name = symbol(`${hint}_${n.name}`);
        decls.push(`static const int32_t ${name}[${Math.max(1, values.length)}] = { ${values.length ? values.join(', ') : '0'} };`);
        return name;
      },
      constArray: (hint, t) => addWeight(`${hint}_${n.name}`, t, `${hint} of ${n.name}`),
      local: (hint) => `${hint}${localId++}`,
      scratch: () => {
        const sc = plan.scratch[n.name];
        if (!sc) throw nodeError(n, 'internal: the kernel asked for scratch memory the plan does not hold (declare it with the op\'s scratch rule)');
        return `(g_arena + ${sc.offset})`;
      },
      scratchBytes: plan.scratch[n.name]?.bytes ?? 0,
      weightRows,
    };
    current = packPlan?.steps.get(n);
    let pre = '';
    if (current && nbuf === 1) {
      // one buffer: each layer's weights load just before it runs (layer 0's load starts with the inference)
      const i = current.index;
      if (i > 0) pre += `  dnnc_wpack_start(&${prefix}_wpack, ${i}u, g_wbuf0);\n`;
      pre += `  if ((rc = dnnc_wpack_finish(&${prefix}_wpack, ${i}u, g_wbuf0)) != 0) return rc;\n`;
    } else if (current) {
      const i = current.index;
      const L = packPlan!.pack.steps;
      pre += `  if ((rc = dnnc_wpack_finish(&${prefix}_wpack, ${i}u, g_wbuf${i % 2})) != 0) return rc;\n`;
      if (i + 1 < L) pre += `  dnnc_wpack_start(&${prefix}_wpack, ${i + 1}u, g_wbuf${(i + 1) % 2}); /* next layer's weights load while this one computes */\n`;
      // the last layer uses buffer 1: the first layer's weights of the next inference can load meanwhile
      else if (L % 2 === 0) pre += `  dnnc_wpack_start(&${prefix}_wpack, 0u, g_wbuf0); /* first layer of the next inference */\n  g_wpack_state.prefetched = 1;\n`;
    }
    const code = k.emit(ctx);
    current = undefined;
    blocks.push({ comment: ccomment(printNode(n)), code: pre + code });
  }
  if (opts.layerTicks && blocks.length) {
    decls.push('void dnnc_layer_tick(int layer); /* layerTicks: defined by the program\'s main */');
    blocks[0]!.code = '  dnnc_layer_tick(-1);\n' + blocks[0]!.code;
    blocks.forEach((b, i) => { b.code += `  dnnc_layer_tick(${i});\n`; });
  }
  const hasPack = !!packPlan && (packPlan.pack.steps > 0 || tiledAny);
  if (hasPack) kernels.add('wpack');

  // outputs not written in place by their producer are copied at the end
  const copies: string[] = [];
  g.outputs.forEach((v, i) => {
    const s = storageRoot(v).storage;
    if (v.storage?.kind === 'output' && v.storage.index === i) return;
    if (s?.kind === 'const' && v.const && !v.producer) {
      copies.push(`  memcpy(${outputs[i]!.cname}, ${weightOf(v)}, ${outputs[i]!.bytes}u);`);
      return;
    }
    copies.push(`  memcpy(${outputs[i]!.cname}, ${pointer(v, true)}, ${outputs[i]!.bytes}u);`);
  });

  let packData = null;
  if (packPlan && hasPack) {
    const P = packPlan.pack;
    const steps = [...packPlan.steps.values()];
    const reads: string[] = [], checks: string[] = [], stepRows: string[] = [];
    for (const { step } of steps) {
      stepRows.push(`{ ${reads.length}u, ${step.reads.length}u, ${checks.length}u, ${step.checks.length}u }`);
      for (const r of step.reads) reads.push(`{ ${r.offset}u, ${r.bytes}u, ${r.slotOffset}u }`);
      for (const c of step.checks) checks.push(`{ ${c.tensor}u, ${c.slotOffset}u }`);
    }
    // every weight streams in row tiles: one empty layer step keeps the tables valid C
    if (!stepRows.length) stepRows.push('{ 0u, 0u, 0u, 0u }');
    if (!reads.length) reads.push('{ 0u, 0u, 0u }');
    if (!checks.length) checks.push('{ 0u, 0u }');
    packData = {
      file: cstring(P.file),
      bytes: P.data.length,
      buffers: P.bufferBytes.length ? P.bufferBytes : [opts.target.weightPack!.align],
      tensors: P.tensors.map((t) => `{ ${cstring(t.name)}, ${t.offset}u, ${t.bytes}u, 0x${t.crc32.toString(16).padStart(8, '0')}u }`),
      reads,
      checks,
      steps: stepRows,
      tileBuffer: P.tileBufferBytes ?? 0,
    };
  }
  const arenaBytes = plan.arenaBytes;
  const weightBytes = weights.reduce((a, w) => a + w.bytes, 0);
  const runInputs = inputs.filter((io) => !stateNames.has(io.cname));
  const runOutputs = outputs.filter((io) => !stateNames.has(io.cname));
  const stateBytes = state.reduce((a, st) => a + st.bytes, 0);
  const data = {
    prefix,
    PREFIX: prefix.toUpperCase(),
    graphName: ccomment(g.name),
    inputs: runInputs,
    outputs: runOutputs,
    state,
    stateBytes,
    arenaBytes,
    arenaDecl: Math.max(arenaBytes, 16),
    alignment: opts.target.alignment,
    weightBytes,
    weights,
    decls,
    blocks,
    copies,
    kernels: [...kernels].sort(),
    arenaAttr: opts.arenaAttr ?? '',
    arenaHeader: opts.arenaHeader ?? '',
    pack: packData,
    streamedBytes: packPlan?.pack.tensors.reduce((a, t) => a + t.bytes, 0) ?? 0,
    usesArena: arenaBytes > 0 || arenaUsed,
  };
  const files: Record<string, string> = {
    [`${prefix}.h`]: render('common/model.h.njk', data),
    [`${prefix}.c`]: render('common/model.c.njk', data),
    [`${prefix}_weights.c`]: render('common/weights.c.njk', data),
  };
  const pack = packPlan && hasPack ? packPlan.pack : null;
  const streamBufferBytes = pack ? (pack.bufferBytes.length ? pack.bufferBytes.reduce((a, b) => a + b, 0) : opts.target.weightPack!.align) + 2 * (pack.tileBufferBytes ?? 0) : 0;
  const code: ModelCode = { prefix, files, kernels: data.kernels, inputs: runInputs, outputs: runOutputs, arenaBytes, weightBytes, weights, pack, streamBufferBytes };
  if (state.length) Object.assign(code, { state, stateBytes });
  if (opts.layerTicks) code.layerTicks = g.nodes.map((n) => `${n.op} ${n.name}`);
  return code;
}

