// Run one ONNX backend node test through dnnc: compile for host (freezing
// shape-deciding inputs), build with gcc, run every test data set, compare.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { lower } from '../compiler/driver.js';
import { generateModel } from '../compiler/codegen/generate.js';
import { projectFiles, writeProject } from '../compiler/project.js';
import { buildForTarget } from '../compiler/verify.js';
import { assemble, type Compiled } from '../compiler/driver.js';
import type { TargetDesc } from '../compiler/targets/target.js';
import type { Graph } from '../ir/graph.js';
import { readModelFile } from '../compiler/onnx/import.js';
import { readTensorFile } from '../compiler/onnx/tensors.js';
import { onnx, type ModelProto } from '../compiler/onnx/proto.js';
import { DnncError } from '../ir/errors.js';
import type { Tensor } from '../ir/tensor.js';
import { isFloatType } from '../ir/types.js';
import { RUNTIME_DIR } from '../compiler/codegen/templates.js';

export type Status = 'pass' | 'fail' | 'skip';

export interface TestResult {
  name: string;
  status: Status;
  /** category of failure: unsupported, compile, build, crash, timeout, mismatch, internal */
  category?: string;
  reason?: string;
  ops: string[];
  ms: number;
}

/** Out of declared scope: training, strings/sequences/optionals/maps, randomness, unbounded dynamic shapes. */
export const OUT_OF_SCOPE_OPS = new Set([
  'Adagrad', 'Adam', 'Momentum', 'Gradient',
  'RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Multinomial', 'Bernoulli',
  'SequenceAt', 'SequenceConstruct', 'SequenceEmpty', 'SequenceErase', 'SequenceInsert', 'SequenceLength',
  'SequenceMap', 'SplitToSequence', 'ConcatFromSequence', 'Optional', 'OptionalGetElement', 'OptionalHasElement',
  'StringNormalizer', 'StringConcat', 'StringSplit', 'RegexFullMatch', 'TfIdfVectorizer',
  'NonZero', 'Unique', 'NonMaxSuppression',
]);

interface DataSet {
  inputs: { name: string; file: string; tensor: Tensor }[];
  outputs: { name: string; tensor: Tensor }[];
}

function outOfScope(model: ModelProto): string | null {
  const g = model.graph!;
  const nodeOps = (g.node ?? []).map((n) => n.opType ?? '');
  const bad = nodeOps.find((o) => OUT_OF_SCOPE_OPS.has(o));
  if (bad) return `op ${bad} is out of scope`;
  for (const vi of [...(g.input ?? []), ...(g.output ?? [])]) {
    const t = vi.type;
    if (!t?.tensorType) return `value '${vi.name}' is not a tensor (sequence/map/optional)`;
    if (t.tensorType.elemType === onnx.TensorProto.DataType.STRING) return `value '${vi.name}' is a string tensor`;
  }
  for (const n of g.node ?? []) {
    if ((n.opType === 'BatchNormalization') && (n.output ?? []).length > 1 && (n.attribute ?? []).some((a) => a.name === 'training_mode' && Number(a.i) === 1)) {
      return 'BatchNormalization training mode is out of scope';
    }
    if (n.opType === 'Dropout' && ((n.input ?? []).length >= 3 || (n.attribute ?? []).some((a) => a.name === 'seed'))) {
      const training = (n.input ?? [])[2];
      if (training) return 'Dropout in training mode is out of scope';
    }
    if (n.opType === 'Cast' || n.opType === 'CastLike') {
      const to = (n.attribute ?? []).find((a) => a.name === 'to');
      if (to && Number(to.i) === onnx.TensorProto.DataType.STRING) return 'Cast to string is out of scope';
    }
  }
  return null;
}

function loadDataSets(dir: string, inputNames: string[], outputNames: string[]): DataSet[] {
  return fs.readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort().map((d) => {
    const ds = path.join(dir, d);
    const files = fs.readdirSync(ds);
    const ins = files.filter((f) => /^input_\d+\.pb$/.test(f)).sort((a, b) => parseInt(a.slice(6)) - parseInt(b.slice(6)));
    const outs = files.filter((f) => /^output_\d+\.pb$/.test(f)).sort((a, b) => parseInt(a.slice(7)) - parseInt(b.slice(7)));
    return {
      inputs: ins.map((f, i) => {
        const r = readTensorFile(path.join(ds, f));
        return { name: r.name || inputNames[i] || `input_${i}`, file: path.join(ds, f), tensor: r.tensor };
      }),
      outputs: outs.map((f, i) => {
        const r = readTensorFile(path.join(ds, f));
        return { name: r.name || outputNames[i] || `output_${i}`, tensor: r.tensor };
      }),
    };
  });
}

function runProc(cmd: string, args: string[], opts: { cwd?: string; timeoutMs: number }): Promise<{ status: number | null; out: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let timedOut = false;
    p.stdout.on('data', (d) => { if (out.length < 100_000) out += d; });
    p.stderr.on('data', (d) => { if (out.length < 100_000) out += d; });
    const t = setTimeout(() => { timedOut = true; p.kill('SIGKILL'); }, opts.timeoutMs);
    p.on('close', (status) => { clearTimeout(t); resolve({ status, out, timedOut }); });
    p.on('error', () => { clearTimeout(t); resolve({ status: -1, out: `cannot run ${cmd}`, timedOut }); });
  });
}

export const CFLAGS = ['-std=c99', '-O1', '-Wall', '-Wextra', '-Werror'];

/** Runtime kernels compiled once per run, reused by every test. */
export class ObjectCache {
  private pending = new Map<string, Promise<string>>();
  constructor(readonly dir: string, readonly cflags: string[] = CFLAGS) {
    fs.mkdirSync(dir, { recursive: true });
  }
  object(kernel: string): Promise<string> {
    let p = this.pending.get(kernel);
    if (!p) {
      p = (async () => {
        const src = path.join(RUNTIME_DIR, 'kernels', `${kernel}.c`);
        const obj = path.join(this.dir, `${kernel}.o`);
        const r = await runProc('cc', [...this.cflags, '-I', path.join(RUNTIME_DIR, 'include'), '-c', src, '-o', obj], { timeoutMs: 120_000 });
        if (r.status !== 0) throw new Error(`runtime kernel ${kernel}.c does not build: ${r.out.split('\n')[0]}`);
        return obj;
      })();
      this.pending.set(kernel, p);
    }
    return p;
  }
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => /error/.test(l)) ?? s.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 300);
}

export function classifyError(e: unknown): { category: string; reason: string } {
  if (e instanceof DnncError) {
    const msg = new DnncError(e.message, { node: e.where.node, op: e.where.op }).format().split('\n')[0]!;
    if (/is not supported|not supported yet|no C kernel/.test(msg)) return { category: 'unsupported', reason: msg };
    return { category: 'compile', reason: msg };
  }
  const err = e as Error;
  return { category: 'internal', reason: `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`.slice(0, 300) };
}

/** Compare with the ONNX backend runner's tolerances (rtol 1e-3, atol 1e-5), exact for ints. */
export function closeEnough(got: Tensor, ref: Tensor, rtol = 1e-3, atol = 1e-5): { ok: boolean; maxErr: number } {
  let maxErr = 0;
  let ok = true;
  const fl = isFloatType(ref.dtype);
  for (let i = 0; i < ref.size; i++) {
    if (!fl) {
      if (got.getBig(i) !== ref.getBig(i)) ok = false;
      maxErr = Math.max(maxErr, Math.abs(got.get(i) - ref.get(i)));
      continue;
    }
    const a = got.get(i), b = ref.get(i);
    if (Number.isNaN(b)) {
      if (!Number.isNaN(a)) ok = false;
      continue;
    }
    if (a === b) continue;
    const d = Math.abs(a - b);
    if (!(d <= atol + rtol * Math.abs(b))) ok = false;
    maxErr = Math.max(maxErr, Number.isNaN(d) ? Infinity : d);
  }
  return { ok, maxErr };
}

export interface RunOptions {
  /** target to build and run on (default host; others use their verify runner, e.g. qemu) */
  target?: string;
  objects: ObjectCache;
  workDir: string;
  keep?: boolean;
  timeoutMs?: number;
  /** run in this system emulator of the target (verify --emulator), e.g. mupen64plus for n64 */
  emulator?: string;
}

export async function runNodeTest(dir: string, opts: RunOptions): Promise<TestResult> {
  const name = path.basename(dir);
  const t0 = Date.now();
  const file = path.join(dir, 'model.onnx');
  let ops: string[] = [];
  const done = (status: Status, category?: string, reason?: string): TestResult =>
    ({ name, status, category, reason, ops, ms: Date.now() - t0 });
  let model: ModelProto;
  try {
    model = readModelFile(file);
  } catch (e) {
    return done('fail', ...Object.values(classifyError(e)) as [string, string]);
  }
  ops = [...new Set((model.graph!.node ?? []).map((n) => n.opType ?? ''))].sort();
  const scope = outOfScope(model);
  if (scope) return done('skip', 'scope', scope);
  const inits = new Set((model.graph!.initializer ?? []).map((t) => t.name));
  const inputNames = (model.graph!.input ?? []).map((v) => v.name ?? '').filter((n) => !inits.has(n));
  const outputNames = (model.graph!.output ?? []).map((v) => v.name ?? '');
  const sets = loadDataSets(dir, inputNames, outputNames);
  if (!sets.length) return done('fail', 'compile', 'no test data set');

  // group data sets by the values of frozen inputs; discover what must be frozen
  let frozen: string[] = [];
  const work = fs.mkdtempSync(path.join(opts.workDir, `${name}-`));
  try {
    const groups = new Map<string, DataSet[]>();
    const keyOf = (ds: DataSet) => frozen.map((n) => fs.readFileSync(ds.inputs.find((i) => i.name === n)!.file).toString('base64')).join('|');
    let graph;
    for (let attempt = 0; ; attempt++) {
      try {
        const ds0 = sets[0]!;
        const freeze: Record<string, string> = {};
        for (const n of frozen) freeze[n] = ds0.inputs.find((i) => i.name === n)!.file;
        graph = lower(file, { target: opts.target ?? 'host', freeze }).graph;
        break;
      } catch (e) {
        const m = e instanceof DnncError ? /--freeze-input (\S+?)=<file>/.exec(e.message) : null;
        if (m && attempt < 8 && !frozen.includes(m[1]!) && sets[0]!.inputs.some((i) => i.name === m[1])) {
          frozen.push(m[1]!);
          continue;
        }
        return done('fail', ...Object.values(classifyError(e)) as [string, string]);
      }
    }
    void graph;
    frozen = [...frozen];
    for (const ds of sets) {
      const k = keyOf(ds);
      groups.set(k, [...(groups.get(k) ?? []), ds]);
    }
    let gi = 0;
    for (const [, dsets] of groups) {
      const ds0 = dsets[0]!;
      const freeze: Record<string, string> = {};
      for (const n of frozen) freeze[n] = ds0.inputs.find((i) => i.name === n)!.file;
      let files: Record<string, string>, kernels: string[], prefix: string, outs;
      try {
        const { graph: g, target } = lower(file, { target: opts.target ?? 'host', freeze });
        if (target.runner !== 'host-make' || opts.emulator) {
          // other targets: the target's own build and run (cross compiler + emulator), per data set
          const why = await runOnTarget(file, g, target, dsets, frozen, path.join(work, `g${gi++}`), opts.emulator);
          if (why) return done('fail', why.category, why.reason);
          continue;
        }
        const code = generateModel(g, { prefix: 'model', kernels: 'optimized', target });
        const liveInputs = ds0.inputs.filter((i) => !frozen.includes(i.name));
        if (liveInputs.length !== g.inputs.length) return done('fail', 'compile', `test data has ${liveInputs.length} inputs, the graph ${g.inputs.length}`);
        for (const [i, inp] of liveInputs.entries()) {
          const want = g.inputs[i]!.type.shape;
          if (inp.tensor.shape.length !== want.length || inp.tensor.shape.some((d, j) => d !== want[j])) {
            return done('fail', 'testdata', `test data input '${inp.name}' has shape [${inp.tensor.shape.join(',')}], the model declares [${want.join(',')}]`);
          }
        }
        files = projectFiles(target, code, { inputs: liveInputs.map((i) => i.tensor), expected: null, source: 'none' });
        kernels = code.kernels;
        prefix = code.prefix;
        outs = code.outputs;
      } catch (e) {
        return done('fail', ...Object.values(classifyError(e)) as [string, string]);
      }
      const pdir = path.join(work, `g${gi++}`);
      writeProject(pdir, files, true);
      let objs: string[];
      try {
        objs = await Promise.all(kernels.map((k) => opts.objects.object(k)));
      } catch (e) {
        return done('fail', 'build', (e as Error).message);
      }
      const exe = path.join(pdir, prefix);
      const b = await runProc('cc', [...CFLAGS, '-I', pdir, '-I', path.join(pdir, 'runtime'), path.join(pdir, 'main.c'), path.join(pdir, `${prefix}.c`), path.join(pdir, `${prefix}_weights.c`), ...objs, '-o', exe, '-lm'], { timeoutMs: 180_000 });
      if (b.status !== 0) return done('fail', b.timedOut ? 'timeout' : 'build', `C build failed: ${firstLine(b.out)}`);
      for (const [di, ds] of dsets.entries()) {
        const args: string[] = [];
        ds.inputs.filter((i) => !frozen.includes(i.name)).forEach((inp, i) => {
          const f = path.join(pdir, `in${di}_${i}.bin`);
          fs.writeFileSync(f, inp.tensor.toBytes(true));
          args.push(f);
        });
        outs.forEach((_, i) => args.push(path.join(pdir, `out${di}_${i}.bin`)));
        const r = await runProc(exe, args, { timeoutMs: opts.timeoutMs ?? 60_000 });
        if (r.timedOut) return done('fail', 'timeout', 'the program ran past the time limit');
        if (r.status !== 0) return done('fail', 'crash', `program exited with ${r.status}: ${firstLine(r.out)}`);
        for (const [oi, io] of outs.entries()) {
          const ref = ds.outputs[oi];
          if (!ref) continue;
          const bytes = new Uint8Array(fs.readFileSync(path.join(pdir, `out${di}_${oi}.bin`)));
          const { Tensor } = await import('../ir/tensor.js');
          // test data of ONNX <= 1.13 stores bfloat16 values as uint16 tensors (the same bits): compare bits
          const bitsAsU16 = io.dtype === 'bfloat16' && ref.tensor.dtype === 'uint16';
          const got = Tensor.fromBytes(bitsAsU16 ? 'uint16' : io.dtype, io.shape, bytes, true);
          if (ref.tensor.dtype !== got.dtype || ref.tensor.size !== got.size) {
            return done('fail', 'mismatch', `output ${io.name}: expected ${ref.tensor.dtype}[${ref.tensor.shape.join(',')}], got ${io.dtype}[${io.shape.join(',')}]`);
          }
          const c = closeEnough(got, ref.tensor);
          if (!c.ok) return done('fail', 'mismatch', `output ${io.name} differs (max abs err ${c.maxErr.toExponential(3)})`);
        }
      }
    }
    return done('pass');
  } finally {
    if (!opts.keep) fs.rmSync(work, { recursive: true, force: true });
  }
}

export function defaultWorkDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-conf-'));
}

/** Build and run one frozen group of data sets with the target's verify runner (buildForTarget). */
async function runOnTarget(file: string, g: Graph, target: TargetDesc, dsets: DataSet[], frozen: string[], dir: string, emulator?: string): Promise<{ category: string; reason: string } | null> {
  for (const [di, ds] of dsets.entries()) {
    const golden = { inputs: ds.inputs.filter((i) => !frozen.includes(i.name)).map((i) => i.tensor), expected: ds.outputs.map((o) => o.tensor), source: 'test data' };
    let c: Compiled;
    try {
      c = assemble(file, g, target, [], golden, { target: target.name });
    } catch (e) {
      return classifyError(e);
    }
    const code = c.code;
    let out;
    try {
      out = buildForTarget(c, `${dir}_${di}`, { emulator }).run().outputs;
    } catch (e) {
      return { category: 'build', reason: e instanceof DnncError ? e.format() : String(e) };
    }
    if (typeof out === 'string') return { category: /timeout/.test(out) ? 'timeout' : 'crash', reason: out };
    for (const [oi, io] of code.outputs.entries()) {
      const ref = ds.outputs[oi];
      if (!ref) continue;
      let got = out[oi]!;
      // test data of ONNX <= 1.13 stores bfloat16 values as uint16 tensors (the same bits): compare bits
      if (io.dtype === 'bfloat16' && ref.tensor.dtype === 'uint16') {
        const { Tensor } = await import('../ir/tensor.js');
        got = Tensor.fromBytes('uint16', got.shape, got.toBytes(true), true);
      }
      if (ref.tensor.dtype !== got.dtype || ref.tensor.size !== got.size) {
        return { category: 'mismatch', reason: `output ${io.name}: expected ${ref.tensor.dtype}[${ref.tensor.shape.join(',')}], got ${io.dtype}[${io.shape.join(',')}]` };
      }
      const cmp = closeEnough(got, ref.tensor);
      if (!cmp.ok) return { category: 'mismatch', reason: `output ${io.name} differs (max abs err ${cmp.maxErr.toExponential(3)})` };
    }
  }
  return null;
}
