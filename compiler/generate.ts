// Language-model support around a compiled one-token step graph:
//  - persistent state (--state): pipeline insertion, zero state in the golden
//    sample, golden data without the state tensors (passes/state.ts does the IR part);
//  - --generate: the data of the token-loop main templates (tokenizer table,
//    prompt, sampling settings, which input is the token / position and which
//    output the logits) and helpers that build and run the generated program
//    on host, under qemu-mips64 (n64 test main) and qemu-system-riscv32 (esp32c3).
import fs from 'node:fs';
import type { Graph } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { DnncError } from '../ir/errors.js';
import { isFloatType } from '../ir/types.js';
import type { StateBinding } from '../passes/state.js';
import type { ModelCode, IoInfo } from './codegen/generate.js';
import type { Golden } from './project.js';
import { cstring, cscalar } from './codegen/c.js';

export interface GenerateOptions {
  /** the tokens, by id (char-level: one character each) */
  vocab: string[];
  prompt: string;
  maxTokens: number;
  sampling: 'greedy' | 'temperature' | 'top-k';
  temperature?: number;
  topK?: number;
  seed?: number;
  /** token fed first when the prompt is empty (default 0) */
  bos?: number;
  /** most positions per sequence (default: the state buffers' second-to-last dim) */
  context?: number;
}

/** The pass list with `state-buffers` just before `plan-memory`. */
export function withStatePass(pipeline: string[]): string[] {
  if (pipeline.includes('state-buffers')) return pipeline;
  const out = [...pipeline];
  const i = out.lastIndexOf('plan-memory');
  out.splice(i < 0 ? out.length : i, 0, 'state-buffers');
  return out;
}

function stateOf(g: Graph): StateBinding[] {
  return (g.meta.state as StateBinding[] | undefined) ?? [];
}

/** Random sample inputs with the state inputs zeroed (the program starts from zero state). */
export function zeroStateInputs(g: Graph, inputs: Tensor[]): Tensor[] {
  const st = new Set(stateOf(g).map((b) => b.input));
  return inputs.map((t, i) => (st.has(g.inputs[i]!) ? new Tensor(t.dtype, t.shape) : t));
}

/** The golden data of the run API: without the state inputs and outputs. */
export function stateGolden(g: Graph, golden: Golden): Golden {
  const st = stateOf(g);
  if (!st.length) return golden;
  const ins = new Set(st.map((b) => g.inputs.indexOf(b.input)));
  const outs = new Set(st.map((b) => g.outputs.indexOf(b.output)));
  return {
    ...golden,
    inputs: golden.inputs.filter((_, i) => !ins.has(i)),
    expected: golden.expected ? golden.expected.filter((_, i) => !outs.has(i)) : null,
  };
}

/** --vocab: a file with one token per line (an empty line is the newline token), or the characters of the string. */
export function readVocab(spec: string): string[] {
  if (fs.existsSync(spec) && fs.statSync(spec).isFile()) {
    let text = fs.readFileSync(spec, 'utf8');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    return text.split('\n').map((t) => (t === '' ? '\n' : t.replace(/\r$/, '')));
  }
  const s = spec.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\\\/g, '\\');
  return [...s];
}

/** Split a prompt into token ids by greedy longest match over the vocabulary (what the C tokenizer does). */
export function encodePrompt(vocab: string[], prompt: string): number[] {
  const ids: number[] = [];
  let i = 0;
  while (i < prompt.length) {
    let best = -1, len = 0;
    vocab.forEach((t, k) => {
      if (t.length > len && prompt.startsWith(t, i)) { best = k; len = t.length; }
    });
    if (best < 0) throw new DnncError(`--prompt: '${prompt[i]}' at ${i} is not in the vocabulary`);
    ids.push(best);
    i += len;
  }
  return ids;
}

interface Roles { token: IoInfo; pos: IoInfo | null; logits: IoInfo }

function roles(code: ModelCode): Roles {
  const ints = code.inputs.filter((io) => !isFloatType(io.dtype));
  const byName = (re: RegExp) => ints.find((io) => re.test(io.rawName));
  const token = byName(/token|input_ids|^idx$|^ids?$/i) ?? ints[0];
  const pos = byName(/pos/i) ?? ints.find((io) => io !== token) ?? null;
  if (!token) throw new DnncError(`--generate: the model has no integer input for the token (inputs: ${code.inputs.map((io) => io.rawName).join(', ') || 'none'})`);
  for (const io of code.inputs) {
    if (io !== token && io !== pos) throw new DnncError(`--generate: input '${io.rawName}' is neither the token nor the position (inputs past*/present* pairs need --state)`);
    if (io.count !== 1) throw new DnncError(`--generate: input '${io.rawName}' holds ${io.count} values; a one-token step graph takes one token and one position`);
  }
  const floats = code.outputs.filter((io) => isFloatType(io.dtype) && io.dtype === 'float32');
  const logits = floats.find((io) => /logit/i.test(io.rawName)) ?? floats[0];
  if (!logits) throw new DnncError('--generate: the model has no float32 output for the logits');
  return { token, pos, logits };
}

/** Template data of the generate mains (merged into the project data), or {} without --generate. */
export function generateProjectData(g: Graph, code: ModelCode, gen: GenerateOptions | undefined): Record<string, unknown> {
  if (!gen) return {};
  const r = roles(code);
  const V = r.logits.shape[r.logits.shape.length - 1] ?? 1;
  if (gen.vocab.length !== V) throw new DnncError(`--vocab has ${gen.vocab.length} tokens, the logits '${r.logits.rawName}' have ${V}`);
  if (!stateOf(g).length) throw new DnncError(`--generate needs a key/value cache kept in state buffers, but --state found no input/output pair (auto: inputs past*/past_key_values* with outputs present* of the same type); name them with --state 'in*=out*'`);
  const st = stateOf(g)[0]!.input.type.shape;
  const context = gen.context ?? (r.pos ? (st.length >= 2 ? st[st.length - 2]! : st[0] ?? 1) : 1 << 30);
  const prompt = encodePrompt(gen.vocab, gen.prompt);
  if (prompt.length > context) throw new DnncError(`--prompt has ${prompt.length} tokens, more than the context of ${context}`);
  const bos = gen.bos ?? 0;
  if (bos < 0 || bos >= V) throw new DnncError(`--bos ${bos} is not a token id`);
  const greedy = gen.sampling === 'greedy';
  const temperature = greedy ? 0 : gen.temperature ?? 1;
  const topK = greedy ? 1 : gen.sampling === 'top-k' ? gen.topK ?? 40 : 0;
  // the run call: token and position buffers, the logits, and a buffer for every other output
  const args = [
    ...code.inputs.map((io) => (io === r.token ? 'gen_token' : 'gen_pos')),
    ...code.outputs.map((io, i) => (io === r.logits ? 'gen_logits' : `gen_out${i}`)),
  ];
  return {
    generate: {
      vocab: gen.vocab.map((t) => cstring(t)),
      vocabSize: V,
      promptText: cstring(gen.prompt),
      promptComment: gen.prompt.replace(/[^ -~]/g, '?').replace(/\*\//g, '* /'),
      promptTokens: prompt.length,
      maxTokens: gen.maxTokens,
      context,
      bos,
      temperature: cscalar(temperature, 'float32'),
      topK,
      seed: (gen.seed ?? 1) >>> 0,
      sampling: gen.sampling,
      token: r.token,
      pos: r.pos,
      logits: r.logits,
      logitsOffset: r.logits.count - V,
      others: code.outputs.map((io, i) => ({ ...io, buf: `gen_out${i}` })).filter((io) => io.cname !== r.logits.cname),
      args: args.join(', '),
      maxTokenBytes: Math.max(1, ...gen.vocab.map((t) => Buffer.byteLength(t, 'utf8'))),
    },
  };
}

/** The project also needs runtime-c/kernels/sample.c (dnnc_sample) with --generate. */
export function withSampleKernel(code: ModelCode, gen: GenerateOptions | undefined): void {
  if (gen && !code.kernels.includes('sample')) code.kernels = [...code.kernels, 'sample'].sort();
}

