// Shared helpers of the RSP tests: a seeded PRNG and the C reference harness.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, tmpDir } from '../helpers.js';
import type { Node } from '../../ir/graph.js';

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

/** dnnc's int16 QConv (shift requantization, clamp) in BigInt: the reference of the RSP layer tests. */
export function refConv(n: Node, x: Int16Array): Int16Array {
  const [, Ci, H, W] = n.inputs[0]!.type.shape as number[];
  const [, Co, OH, OW] = n.outputs[0]!.type.shape as number[];
  const w = n.inputs[1]!.const!, b = n.inputs[2]?.const;
  const k = n.ints('kernel_shape')!, s = n.ints('strides') ?? [1, 1], p = n.ints('pads') ?? [0, 0, 0, 0], g = n.int('group', 1);
  const sh = n.ints('shift')!, lo = n.int('act_min', -32768), hi = n.int('act_max', 32767);
  const cig = Ci! / g;
  const y = new Int16Array(Co! * OH! * OW!);
  for (let co = 0; co < Co!; co++) {
    const s_ = sh.length === 1 ? sh[0]! : sh[co]!, gi = Math.floor(co / (Co! / g));
    for (let oy = 0; oy < OH!; oy++) for (let ox = 0; ox < OW!; ox++) {
      let acc = 0n;
      for (let ci = 0; ci < cig; ci++) for (let ky = 0; ky < k[0]!; ky++) for (let kx = 0; kx < k[1]!; kx++) {
        const iy = oy * s[0]! - p[0]! + ky, ix = ox * s[1]! - p[1]! + kx;
        if (iy < 0 || ix < 0 || iy >= H! || ix >= W!) continue;
        acc += BigInt(Number(w.get(((co * cig + ci) * k[0]! + ky) * k[1]! + kx))) * BigInt(x[((gi * cig + ci) * H! + iy) * W! + ix]!);
      }
      const v = (acc + BigInt(b ? Number(b.get(co)) : 0) + (1n << BigInt(s_ - 1))) >> BigInt(s_);
      y[(co * OH! + oy) * OW! + ox] = Number(v < BigInt(lo) ? BigInt(lo) : v > BigInt(hi) ? BigInt(hi) : v);
    }
  }
  return y;
}

/** 2x2 / stride 2 max pooling. */
/** 2x2 / stride 2 max pooling of int16 NCHW. */
export function refPool(n: Node, x: Int16Array): Int16Array {
  const [, C, H, W] = n.inputs[0]!.type.shape as number[];
  const OH = Math.floor(H! / 2), OW = Math.floor(W! / 2);
  const y = new Int16Array(C! * OH * OW);
  for (let c = 0; c < C!; c++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    const at = (r: number, i: number) => x[(c * H! + 2 * oy + r) * W! + 2 * ox + i]!;
    y[(c * OH + oy) * OW + ox] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
  }
  return y;
}
