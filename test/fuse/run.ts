// Compile a model, build its test program for the target and run it on the
// golden inputs: the raw outputs (for fused == unfused comparisons).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compile, type CompileOptions } from '../../compiler/driver.js';
import { buildForTarget } from '../../compiler/verify.js';
import type { Tensor } from '../../ir/tensor.js';

export async function runModel(file: string, opts: CompileOptions): Promise<{ outputs: Tensor[]; arena: number; graph: Awaited<ReturnType<typeof compile>>['graph'] }> {
  const c = await compile(file, { reference: false, ...opts });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-fuse-'));
  try {
    const out = buildForTarget(c, dir).run();
    if (typeof out.outputs === 'string') throw new Error(out.outputs);
    return { outputs: out.outputs, arena: c.code.arenaBytes, graph: c.graph };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
