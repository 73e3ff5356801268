// Shared helpers of the RSP tests: a seeded PRNG and the C reference harness.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, tmpDir } from '../helpers.js';

export function prng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
}

export function randInt16(r: ReturnType<typeof prng>, n: number, lo = -32768, hi = 32767): Int16Array {
  return Int16Array.from({ length: n }, () => r.int(lo, hi));
}

let harness: string | undefined;

/** Build test/rsp/rsp_check.c with the runtime kernels (once per test file). */
export function buildHarness(): string {
  if (harness) return harness;
  const dir = tmpDir('rsp');
  const rt = path.join(ROOT, 'runtime-c');
  const exe = path.join(dir, 'rsp_check');
  const cc = spawnSync('cc', ['-std=c99', '-O1', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-fno-sanitize-recover=all',
    '-I', path.join(rt, 'include'), '-I', path.join(rt, 'kernels'), path.join(ROOT, 'test/rsp/rsp_check.c'),
    ...['rspref', 'qconv', 'qmath', 'qpool'].map((k) => path.join(rt, 'kernels', `${k}.c`)), '-o', exe, '-lm'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(cc.stderr);
  harness = exe;
  return exe;
}

export const KIND = { gemm: 0, dw: 1, add: 2, mul: 3, clamp: 4, maxpool: 5, avgpool: 6, conv3x3: 7 } as const;

/** Run the C harness: returns [RSP-exact C reference, dnnc CPU int16 kernel]. */
export function cRef(kind: number, params: number[], arrays: ArrayLike<number>[]): [Int16Array, Int16Array] {
  const exe = buildHarness();
  const dir = path.dirname(exe);
  const parts: Buffer[] = [];
  const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32LE(v); parts.push(b); };
  i32(kind); i32(params.length); params.forEach(i32); i32(arrays.length);
  for (const a of arrays) {
    i32(a.length);
    const b = Buffer.alloc(a.length * 2);
    for (let i = 0; i < a.length; i++) b.writeInt16LE(((a[i]! << 16) >> 16), 2 * i);
    parts.push(b);
  }
  const fin = path.join(dir, 'in.bin'), fout = path.join(dir, 'out.bin');
  fs.writeFileSync(fin, Buffer.concat(parts));
  const r = spawnSync(exe, [fin, fout], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rsp_check failed (${r.status}): ${r.stderr}`);
  const out = fs.readFileSync(fout);
  const res: Int16Array[] = [];
  let off = 4;
  for (let k = 0; k < out.readInt32LE(0); k++) {
    const n = out.readInt32LE(off); off += 4;
    const a = new Int16Array(n);
    for (let i = 0; i < n; i++) a[i] = out.readInt16LE(off + 2 * i);
    off += 2 * n;
    res.push(a);
  }
  return [res[0]!, res[1]!];
}

export function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}
