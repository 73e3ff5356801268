// GPT-2-style decoder graphs in the decomposed forms torch.onnx.export writes,
// for tests of the frontend and the pattern passes (fuse-layernorm, fuse-gelu,
// fuse-attention): a multi-token prompt graph with a Trilu causal mask,
//   input_ids int64[1, S] -> logits f32[1, S, V]
// token + position embeddings (Gather), per layer: decomposed layer norm,
// fused QKV projection (Reshape + Gemm + Split), heads by Reshape/Transpose,
// scores MatMul(Q, Kᵀ) / sqrt(D), causal mask (Where on a Cast of a Trilu, or
// an additive mask), Softmax, MatMul(·, V), output projection, residuals,
// MLP with decomposed GELU; final layer norm and a tied lm_head
// (MatMul with the transposed token embedding).
import { OnnxBuilder, seededTensor } from './builder.js';
import { Tensor } from '../../ir/tensor.js';

export interface DecoderGraphOptions {
  vocab: number;
  embd: number;
  heads: number;
  layers: number;
  /** prompt length S */
  seq: number;
  /** 14 (Trilu needs 14), 17: ReduceMean axes attribute, 18: axes input; 20: also Gelu as an op when gelu is 'op-*' */
  opset: 14 | 17 | 18 | 20;
  gelu: 'erf' | 'tanh' | 'op-none' | 'op-tanh';
  /** where: Where(causal, s, min); add: s + (1 - tril) * -1e4; fill: Where(Not(causal), -inf, s) with
   *  causal = Slice of a [1, 1, T, T] Trilu bias buffer (HF GPT-2) and an attention_mask input */
  mask: 'where' | 'add' | 'fill';
  /** past tokens: past_key/past_value inputs [1, H, P, D] per layer, Concat with the new keys, present outputs */
  past?: number;
  /** decomposed layer norm, or the LayerNormalization op (opset >= 17) */
  layerNorm: 'decomposed' | 'op';
  seed?: number;
  /** tied lm_head as MatMul(x, Transpose(wte)) (default) or, as exporters that fold constants write it, a second initializer wteᵀ */
  tied?: 'transpose' | 'copy';
}

export function buildDecoderGraph(o: DecoderGraphOptions): OnnxBuilder {
  const { vocab: V, embd: C, heads: H, seq: S } = o;
  const D = C / H;
  const b = new OnnxBuilder(`decoder_${o.gelu}_${o.mask}_${o.layerNorm}_op${o.opset}`, o.opset);
  let seed = (o.seed ?? 7) * 1000;
  const w = (name: string, shape: number[], scale: number) => b.init(name, seededTensor(shape, seed++, scale));
  const i64 = (name: string, vals: number[]) => b.init(name, Tensor.fromNumbers('int64', [vals.length], vals));
  const f32 = (name: string, v: number) => b.init(name, Tensor.scalar('float32', v));
  const node = (op: string, ins: string[], attrs: Record<string, number | number[] | string> = {}, name?: string) => b.node(op, ins, attrs, undefined, name)[0]!;

  const P = o.past ?? 0, T = P + S;
  b.input('input_ids', 'int64', [1, S]);
  const wte = w('wte', [V, C], 0.5);
  const wpe = w('wpe', [T, C], 0.2);
  const pos = i64('position_ids', Array.from({ length: S }, (_, i) => P + i));
  let x = node('Add', [node('Gather', [wte, 'input_ids'], { axis: 0 }, 'wte_gather'), node('Gather', [wpe, pos], { axis: 0 }, 'wpe_gather')]);

  // causal mask from Trilu of ones (folded at compile time), Cast to bool
  // query row i (position P + i) sees keys 0 .. P + i: tril with diagonal P
  const ones = b.init('ones_st', Tensor.fromNumbers('float32', [S, T], new Array(S * T).fill(1)));
  const tril = node('Trilu', P ? [ones, b.init('tril_k', Tensor.scalar('int64', P))] : [ones], { upper: 0 }, 'causal_trilu');
  const causal = node('Cast', [tril], { to: 9 }, 'causal_bool');
  const minf = f32('mask_min', -3.4028234663852886e38);
  const addMask = o.mask === 'add' ? node('Mul', [node('Sub', [f32('one_m', 1), tril]), f32('mask_neg', -10000)], {}, 'additive_mask') : '';
  let masked = '';
  if (o.mask === 'fill') {
    // HF GPT-2: bias buffer [1, 1, T, T] = tril(ones) as bool, sliced to the query rows [P, T) and key columns [0, T);
    // padding from attention_mask [1, T] (1 = attend), both combined, inverted for masked_fill
    const buf = b.init('attn_bias', Tensor.fromNumbers('bool', [1, 1, T, T], Array.from({ length: T * T }, (_, i) => (Math.floor(i / T) >= i % T ? 1 : 0))));
    const sl = node('Slice', [buf, i64('sl_starts', [P, 0]), i64('sl_ends', [T, T]), i64('sl_axes', [2, 3])], {}, 'causal_slice');
    b.input('attention_mask', 'int64', [1, T]);
    const attend = node('Cast', [node('Equal', ['attention_mask', i64('one_i', [1])])], { to: 7 });
    const am = node('Cast', [node('Reshape', [attend, i64('am_shape', [1, 1, 1, T])])], { to: 9 }, 'padding_mask');
    masked = node('Not', [node('And', [sl, am])], {}, 'masked_positions');
  }
  const ax = i64('ax_last', [-1]);
  const two = f32('two', 2), half = f32('half', 0.5), one = f32('one', 1);

  const layerNorm = (name: string, inp: string): string => {
    const g = b.init(`${name}.weight`, Tensor.fromNumbers('float32', [C], Array.from({ length: C }, (_, i) => 1 + 0.03 * ((i % 5) - 2))));
    const be = w(`${name}.bias`, [C], 0.05);
    if (o.layerNorm === 'op') return node('LayerNormalization', [inp, g, be], { axis: -1, epsilon: 1e-5 }, name);
    const mean = (v: string, n: string) => (o.opset >= 18 ? node('ReduceMean', [v, ax], {}, n) : node('ReduceMean', [v], { axes: [-1] }, n));
    const m = mean(inp, `${name}.mean`);
    const d = node('Sub', [inp, m]);
    const varr = mean(node('Pow', [d, two]), `${name}.var`);
    const nrm = node('Div', [d, node('Sqrt', [node('Add', [varr, f32(`${name}.eps`, 1e-5)])])]);
    return node('Add', [node('Mul', [nrm, g]), be]);
  };
  const gelu = (inp: string): string => {
    if (o.gelu === 'op-none' || o.gelu === 'op-tanh') return node('Gelu', [inp], { approximate: o.gelu === 'op-tanh' ? 'tanh' : 'none' });
    if (o.gelu === 'erf') {
      // torch: x * 0.5 * (1 + erf(x / sqrt(2)))
      const e = node('Erf', [node('Div', [inp, f32(`sqrt2_${seed++}`, Math.SQRT2)])]);
      return node('Mul', [node('Mul', [inp, half]), node('Add', [e, one])]);
    }
    // GPT-2 gelu_new: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
    const cube = node('Pow', [inp, f32(`three_${seed++}`, 3)]);
    const inner = node('Add', [inp, node('Mul', [f32(`c044_${seed++}`, 0.044715), cube])]);
    const t = node('Tanh', [node('Mul', [f32(`c079_${seed++}`, Math.sqrt(2 / Math.PI)), inner])]);
    return node('Mul', [node('Mul', [half, inp]), node('Add', [one, t])]);
  };
  const shape = (name: string, dims: number[]) => i64(name, dims);
  const s2 = shape('shape_2d', [S, C]), s3 = shape('shape_3d', [1, S, C]);
  const sQkv = shape('shape_qkv', [1, S, 3 * C]), sHeads = shape('shape_heads', [1, S, H, D]);
  const split = i64('split_qkv', [C, C, C]);

  for (let l = 0; l < o.layers; l++) {
    const h = layerNorm(`h${l}.ln_1`, x);
    // Conv1D as addmm: Gemm on [S, C]
    const qkv2 = node('Gemm', [node('Reshape', [h, s2]), w(`h${l}.attn.c_attn.weight`, [C, 3 * C], 1 / Math.sqrt(C)), w(`h${l}.attn.c_attn.bias`, [3 * C], 0.02)], {}, `h${l}.c_attn`);
    const qkv = node('Reshape', [qkv2, sQkv]);
    const [q0, k0, v0] = b.node('Split', [qkv, split], { axis: 2 }, 3, `h${l}.split`);
    const heads = (t: string) => node('Transpose', [node('Reshape', [t, sHeads]), ], { perm: [0, 2, 1, 3] });
    const q = heads(q0!);
    let k = heads(k0!), v = heads(v0!);
    if (P) {
      b.input(`past_key_values.${l}.key`, 'float32', [1, H, P, D]);
      b.input(`past_key_values.${l}.value`, 'float32', [1, H, P, D]);
      k = b.node('Concat', [`past_key_values.${l}.key`, k], { axis: 2 }, [`present.${l}.key`], `h${l}.concat_k`)[0]!;
      v = b.node('Concat', [`past_key_values.${l}.value`, v], { axis: 2 }, [`present.${l}.value`], `h${l}.concat_v`)[0]!;
    }
    const kt = node('Transpose', [k], { perm: [0, 1, 3, 2] }, `h${l}.kT`);
    let s = node('MatMul', [q, kt], {}, `h${l}.scores`);
    s = node('Div', [s, f32(`h${l}.scale`, Math.sqrt(D))]);
    s = o.mask === 'where' ? node('Where', [causal, s, minf], {}, `h${l}.mask`)
      : o.mask === 'fill' ? node('Where', [masked, f32(`h${l}.neg_inf`, -Infinity), s], {}, `h${l}.mask`)
      : node('Add', [s, addMask], {}, `h${l}.mask`);
    const p = node('Softmax', [s], { axis: -1 }, `h${l}.softmax`);
    const a = node('MatMul', [p, v], {}, `h${l}.att_v`);
    const merged = node('Reshape', [node('Transpose', [a], { perm: [0, 2, 1, 3] }), s3]);
    // projection as MatMul on 3-D input (broadcast) + bias
    const proj = node('Add', [node('MatMul', [merged, w(`h${l}.attn.c_proj.weight`, [C, C], 1 / Math.sqrt(C))]), w(`h${l}.attn.c_proj.bias`, [C], 0.02)]);
    x = node('Add', [x, proj], {}, `h${l}.residual1`);
    const h2 = layerNorm(`h${l}.ln_2`, x);
    const fc = node('Add', [node('MatMul', [h2, w(`h${l}.mlp.c_fc.weight`, [C, 4 * C], 1 / Math.sqrt(C))]), w(`h${l}.mlp.c_fc.bias`, [4 * C], 0.02)]);
    const out = node('Add', [node('MatMul', [gelu(fc), w(`h${l}.mlp.c_proj.weight`, [4 * C, C], 1 / Math.sqrt(4 * C))]), w(`h${l}.mlp.c_proj.bias`, [C], 0.02)]);
    x = node('Add', [x, out], {}, `h${l}.residual2`);
  }
  x = layerNorm('ln_f', x);
  let wt: string;
  if (o.tied === 'copy') {
    const src = seededTensor([V, C], (o.seed ?? 7) * 1000, 0.5);
    wt = b.init('onnx::MatMul_lm_head', Tensor.fromNumbers('float32', [C, V], Array.from({ length: C * V }, (_, i) => src.get((i % V) * C + Math.floor(i / V)))));
  } else wt = node('Transpose', [wte], { perm: [1, 0] }, 'tied_lm_head');
  b.node('MatMul', [x, wt], {}, ['logits'], 'lm_head');
  b.output('logits', 'float32', [1, S, V]);
  for (let l = 0; P && l < o.layers; l++) {
    b.output(`present.${l}.key`, 'float32', [1, H, T, D]);
    b.output(`present.${l}.value`, 'float32', [1, H, T, D]);
  }
  return b;
}
