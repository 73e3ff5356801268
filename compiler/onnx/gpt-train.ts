// The training graph of a GptConfig (microgpt, or the GPT-2 layout): the
// forward pass over a whole sequence of `context` tokens at once with a
// causal mask, the same parameters (names, shapes, seeded values) as
// buildGptStep in gpt.ts, so a model trained with this graph can be run
// token by token with the step graph.
//
//   input:  tokens int64[T]
//   output: logits f32[T, V]   (row t predicts token t + 1)
import { OnnxBuilder, seededTensor } from './builder.js';
import { Tensor } from '../../ir/tensor.js';
import { gptParts, type GptConfig } from './gpt.js';

export interface GptTrainOptions {
  /**
   * Standard deviation of every initial weight (seeded like buildGptStep, in
   * the same order). Default: buildGptStep's own scales, so the two graphs
   * start from the same values.
   */
  initStd?: number;
}

export function buildGptTrain(c: GptConfig, opts: GptTrainOptions = {}): OnnxBuilder {
  const { vocab: V, embd: C, heads: H, context: T } = c;
  const D = C / H;
  if (!Number.isInteger(D)) throw new Error('embd must be divisible by heads');
  const b = new OnnxBuilder(`${c.name}_train`, 17);
  let seed = c.seed * 1000;
  // same initializers, in the same seed order, as buildGptStep
  // seededTensor's values (a sum of three uniforms) have a standard deviation of scale / 2
  const w = (name: string, shape: number[], scale: number) => b.init(name, seededTensor(shape, seed++, opts.initStd !== undefined ? 2 * opts.initStd : scale));
  const i64 = (name: string, vals: number[]) => b.init(name, Tensor.fromNumbers('int64', [vals.length], vals));

  b.input('tokens', 'int64', [T]);
  const wte = w('wte', [V, C], 0.5);
  const wpe = w('wpe', [T, C], 0.2);
  const [te] = b.node('Gather', [wte, 'tokens'], { axis: 0 }, undefined, 'tok_emb');
  let [x] = b.node('Add', [te!, wpe], {}, undefined, 'embed');

  // causal mask: position t attends to positions <= t
  const mask = new Tensor('bool', [T, T]);
  for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) mask.set(i * T + j, 1);
  const causal = b.init('causal_mask', mask);
  const neg = b.init('neg_inf', Tensor.scalar('float32', -1e9));
  const scale = b.init('att_scale', Tensor.scalar('float32', 1 / Math.sqrt(D)));
  const split = i64('split_heads', [T, H, D]);
  const merge = i64('merge_heads', [T, C]);
  // GPT-2 layout: layer norms, GELU, tied embeddings (the layers of buildGptStep)
  const { layerNorm, linear, lmHead } = gptParts(b, c, w);

  for (let l = 0; l < c.layers; l++) {
    const h = c.gpt2 ? layerNorm(`l${l}.ln1`, x!) : x!;
    const heads = (name: string, perm: number[]) => {
      const [r] = b.node('Reshape', [linear(`l${l}.${name}`, h, C, C), split], {}, undefined, `l${l}.${name}_split`);
      return b.node('Transpose', [r!], { perm }, undefined, `l${l}.${name}_heads`)[0]!;
    };
    const q = heads('q', [1, 0, 2]); // [H, T, D]
    const kt = heads('k', [1, 2, 0]); // [H, D, T]
    const v = heads('v', [1, 0, 2]); // [H, T, D]
    let [s] = b.node('MatMul', [q, kt], {}, undefined, `l${l}.scores`);
    [s] = b.node('Mul', [s!, scale], {}, undefined, `l${l}.scale`);
    [s] = b.node('Where', [causal, s!, neg], {}, undefined, `l${l}.causal`);
    const [att] = b.node('Softmax', [s!], { axis: -1 }, undefined, `l${l}.softmax`);
    const [y] = b.node('MatMul', [att!, v], {}, undefined, `l${l}.att_v`);
    const [yt] = b.node('Transpose', [y!], { perm: [1, 0, 2] }, undefined, `l${l}.heads_back`);
    const [yr] = b.node('Reshape', [yt!, merge], {}, undefined, `l${l}.merge_heads`);
    [x] = b.node('Add', [x!, linear(`l${l}.o`, yr!, C, C)], {}, undefined, `l${l}.residual1`);
    const up = linear(`l${l}.fc1`, c.gpt2 ? layerNorm(`l${l}.ln2`, x!) : x!, C, c.ffn);
    const [act] = c.gpt2 ? b.node('Gelu', [up], {}, undefined, `l${l}.gelu`) : b.node('Relu', [up], {}, undefined, `l${l}.relu`);
    [x] = b.node('Add', [x!, linear(`l${l}.fc2`, act!, c.ffn, C)], {}, undefined, `l${l}.residual2`);
  }
  lmHead(x!, wte);
  b.output('logits', 'float32', [T, V]);
  return b;
}
