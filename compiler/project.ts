// Write a target project: rendered templates, model sources, runtime files.
import fs from 'node:fs';
import path from 'node:path';
import type { TargetDesc } from './targets/target.js';
import type { ModelCode, IoInfo } from './codegen/generate.js';
import { render, RUNTIME_DIR } from './codegen/templates.js';
import { cArrayBody } from './codegen/c.js';
import type { Tensor } from '../ir/tensor.js';
import { isFloatType } from '../ir/types.js';
import { DnncError } from '../ir/errors.js';

export const MARKER = '.dnnc-project';

export interface Golden {
  inputs: Tensor[];
  expected: Tensor[] | null;
  source: string;
}

/** Folders dnnc never writes into, even with --force: the filesystem root and the home folder. */
function isForbiddenOut(real: string): boolean {
  const home = process.env.HOME ? path.resolve(process.env.HOME) : null;
  return real === path.parse(real).root || (home !== null && real === home);
}

function fsError(e: unknown, what: string, file: string): DnncError {
  const code = (e as NodeJS.ErrnoException)?.code;
  return new DnncError(`${what}${code ? ` (${code})` : ''}`, { file });
}

/**
 * Refuse to write into a non-empty folder dnnc did not create, unless forced;
 * never into the filesystem root or the home folder. Returns the real path
 * of the output folder (symlinks resolved).
 */
export function prepareOutDir(out: string, force: boolean): string {
  let lst: fs.Stats | null = null;
  try {
    lst = fs.lstatSync(out);
  } catch {
    lst = null;
  }
  if (lst?.isSymbolicLink() && !fs.existsSync(out)) {
    throw new DnncError(`output path is a symbolic link to nothing`, { file: out });
  }
  if (fs.existsSync(out)) {
    const st = fs.statSync(out);
    if (!st.isDirectory()) throw new DnncError(`output path exists and is not a folder`, { file: out });
    const real = fs.realpathSync(out);
    if (isForbiddenOut(real)) throw new DnncError(`refusing to write a project into ${real === path.parse(real).root ? 'the filesystem root' : 'the home folder'}; choose a new folder`, { file: out });
    let entries: string[];
    try {
      entries = fs.readdirSync(out);
    } catch (e) {
      throw fsError(e, 'cannot read the output folder', out);
    }
    const marked = entries.includes(MARKER) && fs.lstatSync(path.join(out, MARKER)).isFile();
    if (entries.length && !marked && !force) {
      throw new DnncError(`output folder is not empty and was not made by dnnc; use --force to write into it`, { file: out });
    }
    return real;
  }
  try {
    fs.mkdirSync(out, { recursive: true });
  } catch (e) {
    throw fsError(e, 'cannot create the output folder', out);
  }
  return fs.realpathSync(out);
}

/** True when `p` is strictly inside folder `root` (both absolute, resolved). */
function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return !!rel && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * Write one file under `root` without following symbolic links out of it:
 * every parent folder must resolve inside root, and a symlink at the file's
 * own place is replaced by a regular file (the link lives inside the output
 * folder, so removing it deletes nothing outside).
 */
function safeWrite(root: string, rel: string, text: FileData): void {
  if (path.isAbsolute(rel) || rel.split(/[\\/]/).some((p) => p === '..' || p === '')) {
    throw new DnncError(`internal: refusing to write outside the output folder: ${rel}`);
  }
  const dest = path.resolve(root, rel);
  if (!inside(root, dest)) throw new DnncError(`internal: refusing to write outside the output folder: ${rel}`);
  const dir = path.dirname(dest);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fsError(e, `cannot create folder '${path.relative(root, dir)}' in the output folder`, root);
  }
  const realDir = fs.realpathSync(dir);
  if (realDir !== root && !inside(root, realDir)) {
    throw new DnncError(`'${path.relative(root, dir)}' in the output folder links to outside it; refusing to write there`, { file: root });
  }
  const target = path.join(realDir, path.basename(dest));
  let st: fs.Stats | null = null;
  try {
    st = fs.lstatSync(target);
  } catch {
    st = null;
  }
  if (st?.isSymbolicLink()) fs.unlinkSync(target);
  else if (st && !st.isFile()) throw new DnncError(`'${rel}' in the output folder exists and is not a regular file`, { file: root });
  try {
    fs.writeFileSync(target, text);
  } catch (e) {
    throw fsError(e, `cannot write '${rel}'`, root);
  }
}

function ioData(io: IoInfo, sample: Tensor | null, expected: Tensor | null) {
  const half = io.dtype === 'float16' ? 'dnnc_f16_to_f32' : io.dtype === 'bfloat16' ? 'dnnc_bf16_to_f32' : null;
  return {
    ...io,
    isFloat: isFloatType(io.dtype),
    sampleBody: sample ? (sample.size ? cArrayBody(sample) : '  0') : '  0',
    expectedBody: expected ? (expected.size ? cArrayBody(expected) : '  0') : '  0',
    load: (e: string) => (half ? `${half}(${e})` : e),
    printf: isFloatType(io.dtype) ? '%g' : io.dtype === 'uint64' || io.dtype === 'int64' ? '%lld' : '%ld',
    printArg: (e: string) => (isFloatType(io.dtype) ? `(double)${half ? `${half}(${e})` : e}` : io.dtype === 'uint64' || io.dtype === 'int64' ? `(long long)${e}` : `(long)${e}`),
  };
}

/** File contents: text, or bytes for binary files (the weight pack). */
export type FileData = string | Uint8Array;

/** Platform layer of the weight pack in the POSIX test program (`dnnc verify`). */
export const TEST_PACK_PLATFORM = 'platform/pack_stdio.c';

/**
 * All files of a project, in memory (deterministic order). `variant: 'test'` gives
 * the POSIX test program that `dnnc verify` builds for a cross target instead:
 * the target's testMain template and the stdio weight-pack platform layer.
 */
/**
 * Largest sample (inputs + expected outputs, in elements) embedded in the
 * golden test as C text; past it the golden test runs on zeros and compares
 * nothing (C text of that size would be slow to write and to compile).
 */
export const GOLDEN_MAX_ELEMENTS = 1 << 20;

export function projectFiles(target: TargetDesc, code: ModelCode, golden0: Golden, extra: Record<string, unknown> = {}, variant: 'project' | 'test' = 'project'): Record<string, string> {
  const elements = [...code.inputs, ...code.outputs].reduce((a, io) => a + io.count, 0);
  const golden: Golden = elements > GOLDEN_MAX_ELEMENTS
    ? { inputs: [], expected: null, source: `none: ${elements} sample values are too many to embed` }
    : golden0;
  const files: Record<string, string> = {};
  const lay = target.layout;
  const join = (dir: string, f: string) => (dir === '.' ? f : `${dir}/${f}`);
  const modelDir = lay.modelDir.replace('{prefix}', code.prefix);
  const runtimeDir = lay.runtimeDir.replace('{prefix}', code.prefix);
  for (const [name, text] of Object.entries(code.files)) files[join(modelDir, name)] = text;
  const runtime = ['include/dnnc.h', ...code.kernels.flatMap((k) => [`kernels/${k}.h`, `kernels/${k}.c`])];
  const runtimeSources: string[] = [];
  const wp = target.weightPack;
  if (code.pack && wp) {
    runtime.push(variant === 'test' ? TEST_PACK_PLATFORM : wp.platform);
    files[`${wp.dir}/${code.prefix}_wpk_manifest.txt`] = code.pack.manifest;
  }
  for (const r of runtime) {
    const src = path.join(RUNTIME_DIR, r);
    if (!fs.existsSync(src)) continue;
    const dest = join(runtimeDir, path.basename(r));
    files[dest] = fs.readFileSync(src, 'utf8');
    if (dest.endsWith('.c')) runtimeSources.push(dest);
  }
  // C sources and include folders, relative to the model folder (for build files)
  const rel = (p: string) => path.posix.relative(modelDir === '.' ? '' : modelDir, p) || '.';
  const modelSources = [...Object.keys(code.files).filter((f) => f.endsWith('.c')).map((f) => join(modelDir, f)), ...runtimeSources];
  const buildSources = Object.keys(files).filter((f) => f.endsWith('.c')).sort();
  const data = {
    ...extra,
    prefix: code.prefix,
    PREFIX: code.prefix.toUpperCase(),
    target,
    kernels: code.kernels,
    inputs: code.inputs.map((io, i) => ioData(io, golden.inputs[i] ?? null, null)),
    outputs: code.outputs.map((io, i) => ioData(io, null, golden.expected?.[i] ?? null)),
    golden: { source: golden.source, hasExpected: golden.expected !== null, hasSample: golden.inputs.length > 0 || code.inputs.length === 0 },
    arenaBytes: code.arenaBytes,
    weightBytes: code.weightBytes,
    tolerance: extra.tolerance ?? 1e-4,
    modelDir,
    runtimeDir,
    sources: modelSources.map(rel),
    allSources: modelSources,
    includeDirs: [...new Set(['.', rel(runtimeDir)])],
    goldenBytes: [...golden.inputs, ...(golden.expected ?? [])].reduce((a, t) => a + t.byteLength, 0),
    mcu: target.mcu ?? null,
    // placement of the golden test's static output buffers (e.g. EXT_RAM_BSS_ATTR)
    resultAttr: (extra.resultAttr as string | undefined) ?? '',
    resultHeader: (extra.resultHeader as string | undefined) ?? '',
    hex: (n: number) => '0x' + n.toString(16),
    pack: code.pack ? { file: code.pack.file, dir: wp?.dir ?? '.', bytes: code.pack.data.length, tensors: code.pack.tensors.length } : null,
    streamBufferBytes: code.streamBufferBytes,
    /** persistent state buffers (--state): run_model resets them so every run is the first step */
    hasState: !!code.state?.length,
    /** every C file of the project but main.c, sorted (Makefiles) */
    buildSources,
    /** data cache the kernels block their loops for (DNNC_DCACHE_BYTES), from the target's memory levels */
    dcacheBytes: target.levels.find((l) => l.name === 'D-cache')?.bytes ?? 0,
    /** N64 ROM header title: 20 ASCII characters at most */
    romTitle: `dnnc ${code.prefix}`.replace(/[^A-Za-z0-9 _-]/g, '_').slice(0, 20),
  };
  let templates = variant === 'test' && target.testMain ? { [target.testMain]: 'main.c' } : lay.files;
  // --generate: the token-loop mains instead of the golden-test mains
  if (extra.generate && target.generateTemplates) templates = Object.fromEntries(Object.entries(templates).map(([t, o]) => [target.generateTemplates![t] ?? t, o]));
  for (const [tpl, outName] of Object.entries(templates)) {
    const text = render(tpl, data);
    // a template that renders to nothing is an optional file this model does not need
    if (text.trim() === '') continue;
    files[outName.replace('{prefix}', code.prefix)] = text;
  }
  return files;
}

/** The binary files of a project: the weight pack, when the weights stream from ROM. */
export function binaryFiles(target: TargetDesc, code: ModelCode): Record<string, Uint8Array> {
  const wp = target.weightPack;
  return code.pack && wp ? { [`${wp.dir}/${code.pack.file}`]: code.pack.data } : {};
}

export function writeProject(out: string, files: Record<string, FileData>, force: boolean): void {
  const root = prepareOutDir(out, force);
  for (const [rel, text] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) safeWrite(root, rel, text);
  safeWrite(root, MARKER, 'This folder was written by dnnc; it may be overwritten by the next compile.\n');
}
