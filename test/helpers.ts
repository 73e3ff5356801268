// Shared test helpers: temp folders, model files, running the CLI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { OnnxBuilder } from '../compiler/onnx/builder.js';
import { writeProject, type FileData } from '../compiler/project.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function tmpDir(tag = 'test'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dnnc-${tag}-`));
}

export function writeModel(b: OnnxBuilder, dir = tmpDir('model'), name = 'model.onnx'): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, b.bytes());
  return f;
}

export function example(name: string): string {
  return path.join(ROOT, 'examples', name, 'model.onnx');
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function dnnc(args: string[], cwd = ROOT): CliResult {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'dnnc.js'), ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `-I` flags for runtime-c's include and kernels folders (C test harnesses that call kernels directly). */
export const RUNTIME_INCLUDES = ['-I', path.join(ROOT, 'runtime-c', 'include'), '-I', path.join(ROOT, 'runtime-c', 'kernels')];

/** Path of a runtime-c kernel source, `runtime-c/kernels/<name>.c`. */
export function kernelSource(name: string): string {
  return path.join(ROOT, 'runtime-c', 'kernels', `${name}.c`);
}

/** Build `args` (flags, includes, sources) into `exe` with host cc under ASan/UBSan, linking libm. */
export function ccSanitized(args: string[], exe: string) {
  return spawnSync('cc', ['-std=c99', '-O1', '-g', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', ...args, '-o', exe, '-lm'], { encoding: 'utf8' });
}

/** Write a project's files to `dir` and build all its .c files into `dir/model` with ccSanitized (host test program). */
export function buildSanitizedProject(dir: string, files: Record<string, FileData>) {
  writeProject(dir, files, true);
  const srcs = Object.keys(files).filter((f) => f.endsWith('.c')).map((f) => path.join(dir, f));
  const exe = path.join(dir, 'model');
  return { ...ccSanitized(['-I', dir, '-I', path.join(dir, 'runtime'), ...srcs], exe), exe };
}

/** Build the C harness `dir/t.c` with runtime-c `kernels` (and `extra` flags first) by ccSanitized, run it,
    expect a clean build, its '0 bad' line and exit status 0. */
export function runKernelHarness(dir: string, kernels: string[], extra: string[] = []): void {
  const b = ccSanitized([...extra, ...RUNTIME_INCLUDES, path.join(dir, 't.c'), ...kernels.map(kernelSource)], path.join(dir, 't'));
  expect(b.status, b.stderr).toBe(0);
  const r = spawnSync(path.join(dir, 't'), { encoding: 'utf8' });
  expect(r.stdout + r.stderr).toMatch(/^0 bad$/m);
  expect(r.status).toBe(0);
}
