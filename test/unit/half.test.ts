// dnnc_half_to_float (runtime-c/kernels/wrows.c) against the IR's halfToFloat on all 65,536 halves.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { halfToFloat } from '../../ir/tensor.js';
import { ROOT, tmpDir } from '../helpers.js';

describe('fp16 weights: half to float in C', () => {
  it('converts every half exactly (normals, subnormals, zeros, inf, nan)', () => {
    const dir = tmpDir('half');
    const src = path.join(dir, 'h.c');
    fs.writeFileSync(src, [
      '#include <stdio.h>',
      '#include <string.h>',
      '#include "wrows.h"',
      'int main(void) {',
      '  unsigned h;',
      '  for (h = 0; h < 65536u; h++) { float f = dnnc_half_to_float((uint16_t)h); uint32_t u; memcpy(&u, &f, 4); printf("%08lx\\n", (unsigned long)u); }',
      '  return 0;',
      '}',
    ].join('\n'));
    const exe = path.join(dir, 'h');
    const b = spawnSync('cc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-fsanitize=undefined', '-I', path.join(ROOT, 'runtime-c/include'), '-I', path.join(ROOT, 'runtime-c/kernels'), src, path.join(ROOT, 'runtime-c/kernels/wrows.c'), '-o', exe, '-lm'], { encoding: 'utf8' });
    expect(b.status, b.stderr).toBe(0);
    const r = spawnSync(exe, { encoding: 'utf8', maxBuffer: 1 << 24 });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(65536);
    const f = new Float32Array(1), u = new Uint32Array(f.buffer);
    let bad = 0;
    for (let h = 0; h < 65536; h++) {
      const got = parseInt(lines[h]!, 16) >>> 0;
      f[0] = halfToFloat(h);
      const want = u[0]!;
      const gotNaN = (got & 0x7f800000) === 0x7f800000 && (got & 0x7fffff) !== 0;
      if (Number.isNaN(f[0]) ? !gotNaN : got !== want) bad++;
    }
    expect(bad).toBe(0);
  });
});
