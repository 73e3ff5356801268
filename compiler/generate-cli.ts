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
  /** --train and --quantize: programs that do not take state buffers */
  train?: boolean;
  quantize?: string;
}

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new DnncError(`${name} needs an integer >= ${min}, got '${v}'`);
  return n;
};

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new DnncError(`${name} needs a number > 0, got '${v}'`);
  return n;
};

export function addGenerateOptions(cmd: Command): Command {
  return cmd
    .option('--generate', 'main program: a token loop (tokenizer, prompt, sampling) over a one-token step graph; implies --state auto')
    .option('--vocab <file|chars>', 'with --generate: vocabulary file (one token per line, an empty line is the newline token) or a string of characters')
    .option('--prompt <text>', 'with --generate: the prompt (default empty: start from the --bos token)')
    .option('--max-tokens <n>', 'with --generate: tokens to generate (default 32)', int('--max-tokens', 1))
    .addOption(new Option('--sampling <how>', 'with --generate: next-token choice (default greedy)').choices(['greedy', 'temperature', 'top-k']))
    .option('--temperature <t>', 'with --sampling temperature or top-k: softmax temperature (default 1)', positive('--temperature'))
    .option('--top-k <k>', 'with --sampling top-k: sample among the k most likely tokens (default 40)', int('--top-k', 1))
    .option('--gen-seed <n>', 'with --generate: seed of the C PRNG (xorshift32); default: --seed, else 1', int('--gen-seed', 0))
    .option('--bos <id>', 'with --generate: first token when the prompt is empty (default 0)', int('--bos', 0))
    .option('--context <n>', "with --generate: most positions (default: the state buffers' second-to-last dim)", int('--context', 1));
}

/** Options that only mean something with --generate (their flag names). */
const GENERATE_ONLY: [keyof GenerateCli, string][] = [
  ['vocab', '--vocab'], ['prompt', '--prompt'], ['maxTokens', '--max-tokens'], ['sampling', '--sampling'], ['temperature', '--temperature'],
  ['topK', '--top-k'], ['genSeed', '--gen-seed'], ['bos', '--bos'], ['context', '--context'],
];

export function generateCompileOptions(o: GenerateCli): Partial<CompileOptions> {
  // the training and quantized programs have no state buffers (their runs feed every input)
  const stateful = o.generate ? '--generate' : o.state?.length ? '--state' : null;
  if (stateful && o.train) throw new DnncError(`--train does not combine with ${stateful}: the trainer feeds every graph input itself`);
  if (stateful && o.quantize) throw new DnncError(`--quantize does not combine with ${stateful} yet: its accuracy run feeds the cache through the run call`);
  if (!o.generate) {
    const given = GENERATE_ONLY.filter(([k]) => o[k] !== undefined).map(([, flag]) => flag);
    if (given.length) throw new DnncError(`${given.join(', ')} ${given.length > 1 ? 'need' : 'needs'} --generate`);
    return {};
  }
  if (!o.vocab) throw new DnncError('--generate needs --vocab (a vocabulary file or a string of characters)');
  const sampling = o.sampling ?? 'greedy';
  if (o.topK !== undefined && sampling !== 'top-k') throw new DnncError(`--top-k needs --sampling top-k (sampling is ${sampling})`);
  if (o.temperature !== undefined && sampling === 'greedy') throw new DnncError('--temperature needs --sampling temperature or top-k (greedy sampling has none)');
  return {
    state: o.state?.length ? o.state : ['auto'],
    generate: {
      vocab: readVocab(o.vocab),
      prompt: o.prompt ?? '',
      maxTokens: o.maxTokens ?? 32,
      sampling,
      temperature: o.temperature,
      topK: o.topK,
      seed: o.genSeed ?? o.seed ?? 1,
      bos: o.bos,
      context: o.context,
    },
  };
}
