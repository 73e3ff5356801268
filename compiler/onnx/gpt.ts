// Decoder-only transformer graphs as exporters write them, for examples and
// tests: a one-token step graph with a key/value cache of fixed length.
//
//   inputs:  token int64[1], pos int64[1], past.<l>.key / past.<l>.value f32[H, T, D]
//   outputs: logits f32[1, V], present.<l>.key / present.<l>.value f32[H, T, D]
//
// The new key/value row is written at slot `pos` (Where over a one-hot of
// Range(T) == pos); attention masks slots after `pos`.
import { OnnxBuilder, seededTensor } from './builder.js';
import { Tensor, floatToHalf, halfToFloat } from '../../ir/tensor.js';

export interface GptConfig {
  name: string;
  vocab: number;
  embd: number;
  heads: number;
  layers: number;
  context: number;
  ffn: number;
  /** GPT-2 layout: biases, layer norms, GELU, tied embeddings */
  gpt2: boolean;
  seed: number;
  /** ONNX opset of the file (default 17; Gelu as one node needs 20) */
  opset?: number;
  /** round the seeded weights to IEEE half values (fp16 storage of them is then exact: a float reference for --weight-dtype fp16) */
  halfWeights?: boolean;
}

/** microgpt as trained on the ESP32: 4,192 parameters, no biases, no norms, ReLU FFN. */
export const MICROGPT: GptConfig = { name: 'microgpt', vocab: 27, embd: 16, heads: 4, layers: 1, context: 16, ffn: 64, gpt2: false, seed: 1 };

export function gpt2Config(layers: number, embd: number, heads: number, vocab: number, context: number): GptConfig {
  return { name: `gpt2_l${layers}_d${embd}`, vocab, embd, heads, layers, context, ffn: 4 * embd, gpt2: true, seed: 2 };
}

export function parameterCount(c: GptConfig): number {
  const C = c.embd;
  let n = c.vocab * C + c.context * C + c.layers * (4 * C * C + 2 * C * c.ffn);
  if (!c.gpt2) n += C * c.vocab;
  else n += c.layers * (4 * C + c.ffn + C + 4 * C) + 2 * C;
  return n;
}

/**
 * Layer builders shared by the step graph and the training graph
 * (gpt-train.ts): the same initializer names, shapes and seeded values, made
 * in the same order through `w`.
 */
export function gptParts(b: OnnxBuilder, c: GptConfig, w: (name: string, shape: number[], scale: number) => string) {
  const { vocab: V, embd: C } = c;
  const linear = (name: string, inp: string, k: number, n: number): string => {
    const W = w(`${name}.weight`, [k, n], 1 / Math.sqrt(k));
    let [y] = b.node('MatMul', [inp, W], {}, undefined, name);
    if (c.gpt2) [y] = b.node('Add', [y!, w(`${name}.bias`, [n], 0.02)], {}, undefined, `${name}_bias`);
    return y!;
  };
  const layerNorm = (name: string, inp: string): string => {
    const g = b.init(`${name}.weight`, Tensor.fromNumbers('float32', [C], Array.from({ length: C }, (_, i) => 1 + 0.01 * (i % 7))));
    const be = w(`${name}.bias`, [C], 0.02);
    return b.node('LayerNormalization', [inp, g, be], { axis: -1, epsilon: 1e-5 }, undefined, name)[0]!;
  };
  /** final layer norm and the output projection to 'logits' (GPT-2: tied to the token embedding `wte`) */
  const lmHead = (x: string, wte: string): void => {
    if (c.gpt2) {
      const h = layerNorm('ln_f', x);
      const [wt] = b.node('Transpose', [wte], { perm: [1, 0] }, undefined, 'tied_lm_head');
      b.node('MatMul', [h, wt!], {}, ['logits'], 'lm_head');
    } else {
      b.node('MatMul', [x, w('lm_head', [C, V], 1 / Math.sqrt(C))], {}, ['logits'], 'lm_head');
    }
  };
  return { linear, layerNorm, lmHead };
}

export function buildGptStep(c: GptConfig): OnnxBuilder {
  const { vocab: V, embd: C, heads: H, context: T } = c;
  const D = C / H;
  if (!Number.isInteger(D)) throw new Error('embd must be divisible by heads');
  const b = new OnnxBuilder(c.name, c.opset ?? 17);
  let seed = c.seed * 1000;
  const w = (name: string, shape: number[], scale: number) => {
    const t = seededTensor(shape, seed++, scale);
    if (c.halfWeights) for (let i = 0; i < t.size; i++) t.set(i, halfToFloat(floatToHalf(t.get(i))));
    return b.init(name, t);
  };
  const i64 = (name: string, vals: number[], shape = [vals.length]) => b.init(name, Tensor.fromNumbers('int64', shape, vals));
  const f32 = (name: string, v: number) => b.init(name, Tensor.scalar('float32', v));

  b.input('token', 'int64', [1]);
  b.input('pos', 'int64', [1]);
  const wte = w('wte', [V, C], 0.5);
  const wpe = w('wpe', [T, C], 0.2);
  const [te] = b.node('Gather', [wte, 'token'], { axis: 0 }, undefined, 'tok_emb');
  const [pe] = b.node('Gather', [wpe, 'pos'], { axis: 0 }, undefined, 'pos_emb');
  let [x] = b.node('Add', [te!, pe!], {}, undefined, 'embed');

  // slot masks, shared by every layer
  const range = i64('slots', [...Array(T).keys()]);
  const [onehot] = b.node('Equal', [range, 'pos'], {}, undefined, 'slot_onehot');
  const slotShape = i64('slot_shape', [1, T, 1]);
  const [slot] = b.node('Reshape', [onehot!, slotShape], {}, undefined, 'slot_mask');
  const [valid] = b.node('LessOrEqual', [range, 'pos'], {}, undefined, 'causal_valid');
  const neg = f32('neg_inf', -1e9);
  const scale = f32('att_scale', 1 / Math.sqrt(D));
  const headShape = i64('head_shape', [H, 1, D]);
  const rowShape = i64('row_shape', [1, C]);

  const { layerNorm, linear, lmHead } = gptParts(b, c, w);

  for (let l = 0; l < c.layers; l++) {
    b.input(`past.${l}.key`, 'float32', [H, T, D]);
    b.input(`past.${l}.value`, 'float32', [H, T, D]);
    const h = c.gpt2 ? layerNorm(`l${l}.ln1`, x!) : x!;
    const heads = (name: string) => b.node('Reshape', [linear(`l${l}.${name}`, h, C, C), headShape], {}, undefined, `l${l}.${name}_heads`)[0]!;
    const q = heads('q'), k = heads('k'), v = heads('v');
    const [pk] = b.node('Where', [slot!, k, `past.${l}.key`], {}, [`present.${l}.key`], `l${l}.cache_k`);
    const [pv] = b.node('Where', [slot!, v, `past.${l}.value`], {}, [`present.${l}.value`], `l${l}.cache_v`);
    const [kt] = b.node('Transpose', [pk!], { perm: [0, 2, 1] }, undefined, `l${l}.kT`);
    let [s] = b.node('MatMul', [q, kt!], {}, undefined, `l${l}.scores`);
    [s] = b.node('Mul', [s!, scale], {}, undefined, `l${l}.scale`);
    [s] = b.node('Where', [valid!, s!, neg], {}, undefined, `l${l}.causal`);
    const [att] = b.node('Softmax', [s!], { axis: -1 }, undefined, `l${l}.softmax`);
    const [y] = b.node('MatMul', [att!, pv!], {}, undefined, `l${l}.att_v`);
    const [yr] = b.node('Reshape', [y!, rowShape], {}, undefined, `l${l}.merge_heads`);
    [x] = b.node('Add', [x!, linear(`l${l}.o`, yr!, C, C)], {}, undefined, `l${l}.residual1`);
    const h2 = c.gpt2 ? layerNorm(`l${l}.ln2`, x!) : x!;
    const up = linear(`l${l}.fc1`, h2, C, c.ffn);
    // GPT-2's gelu_new as exporters write it at opset 17 (no Gelu op before 20): 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))
    const gelu = (u: string): string => {
      const [cube] = b.node('Pow', [u, f32(`l${l}.gelu_3`, 3)], {}, undefined, `l${l}.gelu_cube`);
      const [inner] = b.node('Add', [u, b.node('Mul', [cube!, f32(`l${l}.gelu_c`, 0.044715)])[0]!]);
      const [t] = b.node('Tanh', [b.node('Mul', [inner!, f32(`l${l}.gelu_k`, Math.sqrt(2 / Math.PI))])[0]!], {}, undefined, `l${l}.gelu_tanh`);
      return b.node('Mul', [b.node('Mul', [u, f32(`l${l}.gelu_half`, 0.5)])[0]!, b.node('Add', [t!, f32(`l${l}.gelu_1`, 1)])[0]!], {}, undefined, `l${l}.gelu`)[0]!;
    };
    const [act] = c.gpt2 ? [gelu(up)] : b.node('Relu', [up], {}, undefined, `l${l}.relu`);
    [x] = b.node('Add', [x!, linear(`l${l}.fc2`, act!, c.ffn, C)], {}, undefined, `l${l}.residual2`);
  }
  lmHead(x!, wte);
  b.output('logits', 'float32', [1, V]);
  for (let l = 0; l < c.layers; l++) {
    b.output(`present.${l}.key`, 'float32', [H, T, D]);
    b.output(`present.${l}.value`, 'float32', [H, T, D]);
  }
  return b;
}
