// Command-line options of --generate (dnnc compile) and --state defaults for it.
import { Option, type Command } from 'commander';
import { DnncError } from '../ir/errors.js';
import { readVocab, type GenerateOptions } from './generate.js';
import type { CompileOptions } from './driver.js';

export interface GenerateCli {
  generate?: boolean;
  vocab?: string;
  prompt?: string;
  maxTokens?: number;
  sampling?: GenerateOptions['sampling'];
  temperature?: number;
  topK?: number;
  genSeed?: number;
  /** compile's --seed: the PRNG seed too with --generate (the golden sample is not used then) */
  seed?: number;
  bos?: number;
  context?: number;
  state?: string[];
}

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new DnncError(`${name} needs an integer >= ${min}, got '${v}'`);
  return n;
};

export function addGenerateOptions(cmd: Command): Command {
  return cmd
    .option('--generate', 'main program: a token loop (tokenizer, prompt, sampling) over a one-token step graph; implies --state auto')
    .option('--vocab <file|chars>', 'with --generate: vocabulary file (one token per line, an empty line is the newline token) or a string of characters')
    .option('--prompt <text>', 'with --generate: the prompt (empty: start from the --bos token)', '')
    .option('--max-tokens <n>', 'with --generate: tokens to generate', int('--max-tokens', 1), 32)
    .addOption(new Option('--sampling <how>', 'with --generate: next-token choice').choices(['greedy', 'temperature', 'top-k']).default('greedy'))
    .option('--temperature <t>', 'with --generate: softmax temperature (temperature and top-k sampling)', (v) => Number(v), 1)
    .option('--top-k <k>', 'with --generate: sample among the k most likely tokens (top-k sampling)', int('--top-k', 1), 40)
    .option('--gen-seed <n>', 'with --generate: seed of the C PRNG (xorshift32); default: --seed, else 1', int('--gen-seed', 0))
    .option('--bos <id>', 'with --generate: first token when the prompt is empty', int('--bos', 0), 0)
    .option('--context <n>', "with --generate: most positions (default: the state buffers' second-to-last dim)", int('--context', 1));
}

export function generateCompileOptions(o: GenerateCli): Partial<CompileOptions> {
  if (!o.generate) {
    if (o.vocab) throw new DnncError('--vocab needs --generate');
    return {};
  }
  if (!o.vocab) throw new DnncError('--generate needs --vocab (a vocabulary file or a string of characters)');
  return {
    state: o.state?.length ? o.state : ['auto'],
    generate: {
      vocab: readVocab(o.vocab),
      prompt: o.prompt ?? '',
      maxTokens: o.maxTokens ?? 32,
      sampling: o.sampling ?? 'greedy',
      temperature: o.temperature,
      topK: o.topK,
      seed: o.genSeed ?? o.seed ?? 1,
      bos: o.bos,
      context: o.context,
    },
  };
}
