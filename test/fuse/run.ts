// Lower a model, build its test program for the target and run it on the
// sample inputs: the raw outputs (for fused == unfused comparisons). No
// reference run (onnxruntime, or the host run of a quantized model) is made.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assemble, goldenData, lower, type CompileOptions } from '../../compiler/driver.js';
import { buildForTarget } from '../../compiler/verify.js';
import type { Graph } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';

export async function runModel(file: string, opts: CompileOptions): Promise<{ outputs: Tensor[]; arena: number; graph: Graph }> {
  const o = { reference: false, ...opts };
  const { graph, target, warnings } = lower(file, o);
  const golden = await goldenData(file, graph, o);
  const c = assemble(file, graph, target, warnings, golden, o);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnnc-fuse-'));
  try {
    const out = buildForTarget(c, dir).run();
    if (typeof out.outputs === 'string') throw new Error(out.outputs);
    return { outputs: out.outputs, arena: c.code.arenaBytes, graph: c.graph };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
