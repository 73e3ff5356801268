// The same tile on the VR4300: dnnc's CPU int16 kernels compiled for the
// n64 target (mips64 gcc, -march=vr4300 -O2) and run under qemu-mips64 with
// the instruction-count plugin of `dnnc bench`, counting the instructions
// of one tile between two marker functions. Used by `dnnc rsp-listing --cpu`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DnncError } from '../../ir/errors.js';
import { run, haveCommand } from '../toolchain.js';
import { getTarget } from '../targets/target.js';
import { pluginPath } from '../bench.js';
import { ROOT } from '../codegen/templates.js';
import type { ListingOptions } from './listing.js';

function tileCode(name: string, o: ListingOptions): { decl: string; call: string; kernels: string[] } {
  const fill = (n: string, v: string) => `static int16_t ${v}[${n}];`;
  switch (name) {
    case 'gemm': {
      const K = o.k ?? 32, P = o.p ?? 16, Co = o.co ?? 8;
      return {
        kernels: ['qconv', 'qmath'],
        decl: `${fill(`${K * P}`, 'x')} ${fill(`${K * Co}`, 'w')} ${fill(`${Co * P}`, 'y')} static int64_t b[${Co}]; static int32_t sh[${Co}];
  static const dnnc_qconv2d_params p = {1, ${K}, 1, ${P}, ${Co}, 1, ${P}, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, NULL, sh, 0, 32767, NULL};`,
        call: 'dnnc_qconv2d_i16(x, w, b, y, &p);',
      };
    }
    case 'conv3x3': {
      const Ci = o.c ?? 8, Co = o.co ?? 2, OH = o.oh ?? 2, OW = o.ow ?? 8;
      return {
        kernels: ['qconv', 'qmath'],
        decl: `${fill(`${Ci * (OH + 2) * (OW + 2)}`, 'x')} ${fill(`${Co * Ci * 9}`, 'w')} ${fill(`${Co * OH * OW}`, 'y')} static int64_t b[${Co}]; static int32_t sh[${Co}];
  static const dnnc_qconv2d_params p = {1, ${Ci}, ${OH + 2}, ${OW + 2}, ${Co}, ${OH}, ${OW}, 3, 3, 1, 1, 1, 1, 0, 0, 1, 0, 0, NULL, sh, 0, 32767, NULL};`,
        call: 'dnnc_qconv2d_i16(x, w, b, y, &p);',
      };
    }
    case 'depthwise3x3': {
      const C = o.c ?? 2, OH = o.oh ?? 8, OW = o.ow ?? 16;
      return {
        kernels: ['qconv', 'qmath'],
        decl: `${fill(`${C * (OH + 2) * (OW + 2)}`, 'x')} ${fill(`${C * 9}`, 'w')} ${fill(`${C * OH * OW}`, 'y')} static int64_t b[${C}]; static int32_t sh[${C}];
  static const dnnc_qconv2d_params p = {1, ${C}, ${OH + 2}, ${OW + 2}, ${C}, ${OH}, ${OW}, 3, 3, 1, 1, 1, 1, 0, 0, ${C}, 0, 0, NULL, sh, 0, 32767, NULL};`,
        call: 'dnnc_qconv2d_i16(x, w, b, y, &p);',
      };
    }
    case 'add': case 'mul': case 'clamp': {
      const n = o.n ?? 256;
      const body = name === 'add' ? 'y[i] = dnnc_qadd_i16(x[i], w[i], &q);' : name === 'mul' ? 'y[i] = dnnc_qmul_i16(x[i], w[i], &q);'
        : 'y[i] = (int16_t)dnnc_clamp_i32(x[i], 0, 6144);';
      return {
        kernels: ['qmath'],
        decl: `${fill(`${n}`, 'x')} ${fill(`${n}`, 'w')} ${fill(`${n}`, 'y')} static dnnc_qbinary_params q = {0, 0, 0, 2, 3, 0, ${o.shift ?? 3}, -32768, 32767}; size_t i;`,
        call: `for (i = 0; i < ${n}; i++) ${body}`,
      };
    }
    case 'maxpool2x2': case 'avgpool2x2': {
      const C = o.c ?? 2, OH = o.oh ?? 4, OW = o.ow ?? 16;
      return {
        kernels: ['qpool', 'qmath'],
        decl: `${fill(`${C * 4 * OH * OW}`, 'x')} ${fill(`${C * OH * OW}`, 'y')} static int16_t w[1];
  static const dnnc_pool2d_params p = {${C}, ${2 * OH}, ${2 * OW}, ${OH}, ${OW}, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0};`,
        call: name === 'maxpool2x2' ? 'dnnc_maxpool2d_i16(x, y, &p);' : 'dnnc_avgpool2d_i16(x, y, &p, 0);',
      };
    }
  }
  throw new DnncError(`no CPU comparison for RSP kernel '${name}'`);
}

/** VR4300 instructions for one tile of `name` with dnnc's CPU int16 kernels (qemu-mips64 count). */
export function cpuTileInstructions(name: string, o: ListingOptions = {}): number {
  const t = getTarget('n64');
  if (!t) throw new DnncError('no n64 target');
  const [cc] = t.cc;
  if (!haveCommand(cc!) || !haveCommand(t.run[0]!)) throw new DnncError(`'${cc}' and '${t.run[0]}' are needed for --cpu (run scripts/setup.sh)`);
  const { decl, call, kernels } = tileCode(name, o);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-rspcpu-'));
  try {
    const src = `#include <stdio.h>
#include "qconv.h"
#include "qelementwise.h"
#include "qpool.h"
__attribute__((noinline)) void dnnc_bench_begin(void) { __asm__ volatile(""); }
__attribute__((noinline)) void dnnc_bench_end(void) { __asm__ volatile(""); }
int main(void) {
  ${decl}
  {
    uint32_t s = 12345u; size_t k;
    for (k = 0; k < sizeof x / sizeof x[0]; k++) { s = s * 1103515245u + 12345u; x[k] = (int16_t)(s >> 16); }
    for (k = 0; k < sizeof w / sizeof w[0]; k++) { s = s * 1103515245u + 12345u; w[k] = (int16_t)((int32_t)(s >> 16) % 2000); }
    ${call.includes('sh') || decl.includes('sh[') ? 'for (k = 0; k < sizeof sh / sizeof sh[0]; k++) sh[k] = 12;' : ''}
  }
  dnnc_bench_begin();
  ${call}
  dnnc_bench_end();
  printf("%d\\n", (int)y[0]);
  return 0;
}
`;
    fs.writeFileSync(path.join(dir, 'tile.c'), src);
    const rt = path.join(ROOT, 'runtime-c');
    const exe = path.join(dir, 'tile.elf');
    const flags = t.cflags.filter((f) => f !== '-Werror');
    const r = run(cc!, [...flags, '-I', path.join(rt, 'include'), '-I', path.join(rt, 'kernels'), path.join(dir, 'tile.c'),
      ...kernels.map((k) => path.join(rt, 'kernels', `${k}.c`)), '-o', exe, ...t.ldflags], { timeoutMs: 300_000 });
    if (r.status !== 0) throw new DnncError(`CPU tile build failed: ${r.stderr.split('\n').find((l) => /error/.test(l)) ?? r.stderr.split('\n')[0]}`);
    const nm = run(cc!.replace(/gcc$/, 'nm'), [exe]);
    const addr = (sym: string) => '0x' + (nm.stdout.split('\n').find((l) => l.endsWith(` ${sym}`)) ?? fail(sym)).split(' ')[0];
    const q = run(t.run[0]!, ['-plugin', `${pluginPath()},begin=${addr('dnnc_bench_begin')},end=${addr('dnnc_bench_end')}`, '-d', 'plugin', exe], { timeoutMs: 300_000 });
    const m = /insncount: region=(\d+)/.exec(q.stdout + q.stderr);
    if (q.status !== 0 || !m) throw new DnncError(`CPU tile run failed: ${(q.stdout + q.stderr).split('\n').slice(-2).join(' ')}`);
    return Number(m[1]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function fail(sym: string): never {
  throw new DnncError(`symbol ${sym} not found`);
}
