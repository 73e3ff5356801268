// Writes the language-model examples with seeded weights:
//   examples/microgpt/   microgpt (1 layer, 16 wide, 4 heads, context 16, 27-char vocab, 4,192 parameters)
//   examples/gpt2-tiny/  a GPT-2-layout model (layer norms, GELU, biases, tied embeddings)
// Each folder gets model.onnx (the one-token step graph with a key/value cache,
// see compiler/onnx/gpt.ts) and vocab.txt (one token per line; the first line
// is the newline token, written as an empty line).
//
//   npx tsx scripts/make-gpt-examples.ts [--layers 2] [--embd 32] [--heads 4] [--context 32] [--out examples]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGptStep, gpt2Config, MICROGPT, parameterCount, type GptConfig } from '../compiler/onnx/gpt.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The character vocabulary of microgpt: newline, then a-z (27 tokens). */
export const CHAR_VOCAB = ['\n', ...'abcdefghijklmnopqrstuvwxyz'];

/** vocab.txt text: one token per line; the newline token is the empty first line. */
export function vocabText(tokens: string[]): string {
  return tokens.map((t) => (t === '\n' ? '' : t)).join('\n') + '\n';
}

/** The GPT-2-layout example: a char vocabulary, configurable size (context 32 by default, for 32-token tests). */
export function gpt2Tiny(o: { layers?: number; embd?: number; heads?: number; context?: number } = {}): GptConfig {
  return { ...gpt2Config(o.layers ?? 2, o.embd ?? 32, o.heads ?? 4, CHAR_VOCAB.length, o.context ?? 32), name: 'gpt2_tiny', opset: 20 };
}

export function writeGptExample(dir: string, c: GptConfig): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'model.onnx');
  fs.writeFileSync(file, buildGptStep(c).bytes());
  fs.writeFileSync(path.join(dir, 'vocab.txt'), vocabText(CHAR_VOCAB));
  return file;
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string, d: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  const outIdx = args.indexOf('--out');
  const out = outIdx >= 0 ? path.resolve(args[outIdx + 1]!) : path.join(root, 'examples');
  const tiny = gpt2Tiny({ layers: opt('layers', 2), embd: opt('embd', 32), heads: opt('heads', 4), context: opt('context', 32) });
  for (const [name, c] of [['microgpt', MICROGPT], ['gpt2-tiny', tiny]] as const) {
    const f = writeGptExample(path.join(out, name), c);
    process.stdout.write(`${path.relative(process.cwd(), f)}: ${c.layers} layer(s), ${c.embd} wide, ${c.heads} heads, context ${c.context}, vocab ${c.vocab}, ${parameterCount(c)} parameters\n`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
