// --state and --generate: the compiled token loop (tokenizer, KV cache in state
// buffers, sampling in C) against onnxruntime running the same step graph
// token by token, on host, under qemu-mips64 (n64) and qemu-system-riscv32 (esp32c3).
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { compile, type Compiled } from '../../compiler/driver.js';
import { runOnnxruntime } from '../../compiler/reference.js';
import { runGenerate } from '../../compiler/generate-run.js';
import { readVocab, type GenerateOptions } from '../../compiler/generate.js';
import { generateCompileOptions, type GenerateCli } from '../../compiler/generate-cli.js';
import { MICROGPT, parameterCount, type GptConfig } from '../../compiler/onnx/gpt.js';
import { gpt2Tiny, writeGptExample } from '../../scripts/make-gpt-examples.js';
import { Tensor } from '../../ir/tensor.js';
import { tmpDir, dnnc, writeModel } from '../helpers.js';
import { OnnxBuilder } from '../../compiler/onnx/builder.js';
import { haveCommand } from '../../compiler/toolchain.js';

const argmax = (t: Tensor, from: number, n: number) => {
  let b = from;
  for (let i = from; i < from + n; i++) if (t.get(i) > t.get(b)) b = i;
  return b - from;
};

/** onnxruntime over the step graph: feed `prompt`, then greedy tokens (or `forced` ones), return the logits of every step. */
async function ortSteps(file: string, c: GptConfig, prompt: number[], n: number, forced?: number[]): Promise<{ tokens: number[]; logits: Tensor[] }> {
  const D = c.embd / c.heads;
  const names = ['logits', ...Array.from({ length: c.layers }, (_, l) => [`present.${l}.key`, `present.${l}.value`]).flat()];
  let past = names.slice(1).map(() => new Tensor('float32', [c.heads, c.context, D]));
  const tokens: number[] = [], logits: Tensor[] = [];
  const seq = [...prompt];
  for (let pos = 0; tokens.length < n; pos++) {
    const feeds: Record<string, Tensor> = { token: Tensor.fromNumbers('int64', [1], [seq[pos]!]), pos: Tensor.fromNumbers('int64', [1], [pos]) };
    names.slice(1).forEach((nm, i) => (feeds[nm.replace('present', 'past')] = past[i]!));
    const out = await runOnnxruntime(file, feeds, names);
    past = out.slice(1);
    if (pos + 1 < prompt.length) continue;
    logits.push(out[0]!);
    const tok = forced ? forced[tokens.length]! : argmax(out[0]!, 0, c.vocab);
    tokens.push(tok);
    seq.push(tok);
    if (pos + 1 >= c.context) break;
  }
  return { tokens, logits };
}

describe('--generate: token loop with the KV cache in state buffers', () => {
  const dir = tmpDir('gen-models');
  const tiny = gpt2Tiny({ context: 32 });
  const tinyFile = writeGptExample(path.join(dir, 'gpt2-tiny'), tiny);
  const microFile = writeGptExample(path.join(dir, 'microgpt'), MICROGPT);
  const vocab = readVocab(path.join(dir, 'microgpt', 'vocab.txt'));
  const greedy = (maxTokens: number, prompt = ''): GenerateOptions => ({ vocab, prompt, maxTokens, sampling: 'greedy' });
  let ref32: number[];

  beforeAll(async () => {
    ref32 = (await ortSteps(tinyFile, tiny, [0], 32)).tokens;
  });

  it('reads the vocabulary file: newline then a-z', () => {
    expect(vocab).toEqual(['\n', ...'abcdefghijklmnopqrstuvwxyz']);
    expect(readVocab('ab\\nc')).toEqual(['a', 'b', '\n', 'c']);
  });

  it('host: 32 greedy tokens of a GPT-2-layout model (context 32) match onnxruntime', async () => {
    const c = await compile(tinyFile, { target: 'host', reference: false, state: ['past.*=present.*'], generate: greedy(32) });
    const r = runGenerate(c, greedy(32), tmpDir('gen-host'));
    expect(r.tokens).toHaveLength(32);
    expect(r.tokens).toEqual(ref32);
    expect(r.steps).toBe(32);
    expect(r.speed).toMatch(/tokens\/s/);
  });

  it('host: microgpt at its context of 16, with a prompt, matches onnxruntime', async () => {
    const prompt = 'emma';
    const ids = [...prompt].map((ch) => vocab.indexOf(ch));
    const ref = (await ortSteps(microFile, MICROGPT, ids, 16)).tokens;
    const c = await compile(microFile, { target: 'host', reference: false, state: ['auto'], generate: greedy(16, prompt) });
    const r = runGenerate(c, greedy(16, prompt), tmpDir('gen-micro'));
    expect(r.tokens).toEqual(ref);
    expect(r.tokens.length).toBe(16 - prompt.length + 1);
    expect(r.text).toContain(prompt + ref.map((t) => vocab[t]).join(''));
  });

  it('host: top-k sampling draws only among the k largest logits, reproducibly per seed', async () => {
    const gen = (seed: number): GenerateOptions => ({ vocab, prompt: 'a', maxTokens: 20, sampling: 'top-k', topK: 3, temperature: 1.5, seed });
    const c = await compile(tinyFile, { target: 'host', reference: false, state: ['auto'], generate: gen(7) });
    const a = runGenerate(c, gen(7), tmpDir('gen-topk'));
    const again = runGenerate(c, gen(7), tmpDir('gen-topk'));
    expect(again.tokens).toEqual(a.tokens);
    const { logits } = await ortSteps(tinyFile, tiny, [1], 20, a.tokens);
    a.tokens.forEach((t, i) => {
      const row = logits[i]!.toNumbers().slice(0, tiny.vocab);
      const kth = [...row].sort((x, y) => y - x)[2]!;
      expect(row[t]!).toBeGreaterThanOrEqual(kth);
    });
    expect(new Set(a.tokens).size).toBeGreaterThan(1); // not greedy
    const c2 = await compile(tinyFile, { target: 'host', reference: false, state: ['auto'], generate: gen(8) });
    expect(runGenerate(c2, gen(8), tmpDir('gen-topk')).tokens).not.toEqual(a.tokens);
  });

  it.skipIf(!haveCommand('qemu-mips64'))('n64 (qemu-mips64): the same 32 tokens, and instructions per token', async () => {
    const c = await compile(tinyFile, { target: 'n64', reference: false, state: ['auto'], generate: greedy(32) });
    const r = runGenerate(c, greedy(32), tmpDir('gen-n64'), { count: true });
    expect(r.tokens).toEqual(ref32);
    expect(r.instructionsPerToken).toBeGreaterThan(10_000);
    expect(c.files['main.c']).toContain('get_ticks()');
  });

  it.skipIf(!haveCommand('qemu-mips64'))('n64: fp16 weights streamed from the ROM pack in 1 KiB row tiles, greedy tokens of onnxruntime', async () => {
    // weights already rounded to half values: fp16 storage is exact, so onnxruntime on the same file is the float reference
    const half = { ...tiny, halfWeights: true };
    const file = writeGptExample(path.join(dir, 'gpt2-tiny-half'), half);
    const ref = (await ortSteps(file, half, [0], 24)).tokens;
    const c = await compile(file, { target: 'n64', reference: false, state: ['auto'], generate: greedy(24), weights: 'rom', weightDtype: 'float16', streamTileBytes: 1024 });
    expect(c.code.weightBytes).toBe(0);
    // two row-tile buffers of about the tile size (rows of one tile, padded to the pack alignment)
    expect(c.code.pack!.tileBufferBytes).toBeGreaterThan(512);
    expect(c.code.pack!.tileBufferBytes).toBeLessThan(1200);
    // the half-stored rows (embedding, the four projections and two FFN matrices a layer) halve the pack
    expect(c.code.pack!.data.length).toBeLessThan(0.6 * 4 * parameterCount(half));
    const r = runGenerate(c, greedy(24), tmpDir('gen-n64-fp16'));
    expect(r.tokens).toEqual(ref);
  });

  it.skipIf(!haveCommand('qemu-system-riscv32'))('esp32c3 (qemu-system-riscv32): microgpt greedy tokens match onnxruntime', async () => {
    const ref = (await ortSteps(microFile, MICROGPT, [0], 16)).tokens;
    const c = await compile(microFile, { target: 'esp32c3', reference: false, state: ['auto'], generate: greedy(16) });
    const r = runGenerate(c, greedy(16), tmpDir('gen-rv32'));
    expect(r.tokens).toEqual(ref);
    expect(r.instructionsPerToken).toBeGreaterThan(10_000);
    expect(c.files['main/main.c']).toContain('esp_timer_get_time');
  });

  it('state: run API without the cache, reset function, state bytes reported apart from the arena', async () => {
    const c: Compiled = await compile(microFile, { target: 'host', state: ['past.*=present.*'] });
    const h = c.files['model.h'] as string;
    expect(h).toMatch(/int model_run\(const int64_t \*in_token, const int64_t \*in_pos, float \*out_logits\);/);
    expect(h).toContain('void model_reset(void);');
    expect(h).toContain('#define MODEL_STATE_BYTES 2048');
    expect(c.code.stateBytes).toBe(2048);
    // the cache row is written in place: no loop over the whole cache in the update
    expect(c.files['model.c']).toContain('WhereInPlace');
    const r = dnnc(['inspect', microFile, '--memory', '--state', 'auto']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/persistent state: 2048 B/);
  });

  it('state with the decoder fusions: Attention reads the key cache written in place, no Transpose of the cache per step', async () => {
    const c = await compile(tinyFile, { target: 'host', reference: false, state: ['auto'] });
    const ops = c.graph.nodes.map((n) => n.op);
    expect(ops.filter((o) => o === 'Attention')).toHaveLength(tiny.layers);
    expect(ops.filter((o) => o === 'WhereInPlace')).toHaveLength(2 * tiny.layers);
    for (const o of ['Transpose', 'Softmax', 'Where', 'ReduceMean', 'Tanh']) expect(ops).not.toContain(o);
    // each Attention reads its layer's key and value caches, the state buffers themselves
    const state = new Set((c.graph.meta.state as { output: unknown }[]).map((b) => b.output));
    for (const n of c.graph.nodes.filter((x) => x.op === 'Attention')) {
      expect(state.has(n.inputs[1]) && state.has(n.inputs[2])).toBe(true);
      expect(n.int('k_transposed', 1)).toBe(0);
    }
    // the score row is the only scratch: the arena holds a few activation rows, not a cache copy
    expect(c.code.arenaBytes).toBeLessThan(c.code.stateBytes! / (2 * tiny.layers));
  });

  it('state: errors name the missing output', () => {
    const r = dnnc(['compile', microFile, '--state', 'past.*=cache.*', '-o', path.join(tmpDir('gen-err'), 'p')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no matching output 'cache.0.key'/);
  });

  it('state auto: exporter names (past_key_values.N.key -> present.N.key), a [1,H,T,D] cache, checked by verify', async () => {
    const b = new OnnxBuilder('hf_names', 17);
    const T = 6, H = 2, D = 3;
    b.input('pos', 'int64', [1]);
    b.input('past_key_values.0.key', 'float32', [1, H, T, D]);
    b.input('new_row', 'float32', [1, H, 1, D]);
    const slots = b.init('slots', Tensor.fromNumbers('int64', [T], [...Array(T).keys()]));
    const shape = b.init('mask_shape', Tensor.fromNumbers('int64', [4], [1, 1, T, 1]));
    const [eq] = b.node('Equal', [slots, 'pos'], {}, undefined, 'eq');
    const [mask] = b.node('Reshape', [eq!, shape], {}, undefined, 'mask');
    b.node('Where', [mask!, 'new_row', 'past_key_values.0.key'], {}, ['present.0.key'], 'update');
    const axes = b.init('axes', Tensor.fromNumbers('int64', [1], [2]));
    b.node('ReduceSum', ['present.0.key', axes], { keepdims: 0 }, ['summary'], 'sum');
    b.output('summary', 'float32', [1, H, D]);
    b.output('present.0.key', 'float32', [1, H, T, D]);
    const f = writeModel(b);
    const c = await compile(f, { target: 'host', reference: false, state: ['auto'] });
    expect(c.code.state?.map((st) => `${st.inputName}->${st.outputName}`)).toEqual(['past_key_values.0.key->present.0.key']);
    expect(c.files['model.c']).toContain('WhereInPlace');
    // random pos in [0, 4) (dnnc's seeded inputs), zero cache: the summary holds the new row
    for (const seed of ['1', '2']) {
      const r = dnnc(['verify', f, '--state', 'auto', '--seed', seed, '--sanitize']);
      expect(r.stdout, r.stderr).toMatch(/^PASS/m);
    }
  });

  it('state: an output computed from its input by a non-elementwise op is refused (it cannot run in place)', async () => {
    const b = new OnnxBuilder('swap', 17);
    b.input('past_x', 'float32', [2, 3, 3]);
    b.node('Transpose', ['past_x'], { perm: [0, 2, 1] }, ['present_x'], 'swap');
    b.output('present_x', 'float32', [2, 3, 3]);
    const f = writeModel(b);
    await expect(compile(f, { target: 'host', reference: false, state: ['auto'] })).rejects.toThrow(/cannot run in place/);
    // without --state the same graph compiles as before
    await expect(compile(f, { target: 'host', reference: false })).resolves.toBeTruthy();
  });

  it('CLI: wrong combinations are one-line errors with exit 2', () => {
    // a token -> logits graph with no key/value cache
    const b = new OnnxBuilder('no_cache', 17);
    b.input('token', 'int64', [1]);
    const emb = b.init('emb', Tensor.fromNumbers('float32', [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]));
    b.node('Gather', [emb, 'token'], { axis: 0 }, ['logits'], 'lookup');
    b.output('logits', 'float32', [1, 3]);
    const noCache = writeModel(b);
    const out = path.join(tmpDir('gen-cli-err'), 'p');
    const vocabFile = path.join(dir, 'microgpt', 'vocab.txt');
    const cases: [string[], RegExp][] = [
      [[noCache, '--generate', '--vocab', 'abc'], /--generate needs a key\/value cache kept in state buffers, but --state found no input\/output pair/],
      [[microFile, '--generate', '--vocab', 'abc'], /--vocab has 3 tokens, the logits 'logits' have 27/],
      [[microFile, '--state', 'cache.*=present.*'], /--state 'cache.\*=present.\*': no graph input matches 'cache.\*'/],
      [[microFile, '--prompt', 'em', '--max-tokens', '4'], /--prompt, --max-tokens need --generate/],
    ];
    for (const [args, msg] of cases) {
      const r = dnnc(['compile', ...args, '-o', out]);
      expect(r.status, args.join(' ') + '\n' + r.stderr).toBe(2);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('dnnc: error:'));
      expect(errors, r.stderr).toHaveLength(1);
      expect(errors[0]).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    // the other option checks, in process (the CLI prints them the same way)
    const opts = (o: GenerateCli) => () => generateCompileOptions({ generate: true, vocab: vocabFile, ...o });
    expect(opts({ train: true })).toThrow(/--train does not combine with --generate/);
    expect(opts({ generate: false, state: ['auto'], train: true })).toThrow(/--train does not combine with --state/);
    expect(opts({ quantize: 'int8' })).toThrow(/--quantize does not combine with --generate/);
    expect(opts({ topK: 3 })).toThrow(/--top-k needs --sampling top-k/);
    expect(opts({ temperature: 0.5 })).toThrow(/--temperature needs --sampling temperature or top-k/);
    expect(opts({ vocab: undefined })).toThrow(/--generate needs --vocab/);
    expect(opts({ sampling: 'top-k', topK: 3, temperature: 0.5 })().generate).toMatchObject({ sampling: 'top-k', topK: 3, temperature: 0.5, maxTokens: 32, prompt: '' });
    const r = dnnc(['compile', microFile, '--generate', '--vocab', vocabFile, '--sampling', 'temperature', '--temperature', '-1', '-o', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dnnc: error: --temperature needs a number > 0, got '-1'$/m);
  });

  it('CLI: dnnc compile --generate writes a project that prints the text', () => {
    const out = path.join(tmpDir('gen-cli'), 'p');
    const r = dnnc(['compile', microFile, '--generate', '--vocab', path.join(dir, 'microgpt', 'vocab.txt'), '--prompt', 'an', '--max-tokens', '8', '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(out, 'main.c'), 'utf8')).toContain('gen_generate');
    expect(fs.existsSync(path.join(out, 'runtime', 'sample.c'))).toBe(true);
  });
});
