// Persistent state (--state 'past.*=present.*', or 'auto'): a graph input and
// the graph output that holds its next value (a decoder's key/value cache)
// share one static buffer outside the arena, zero at start and kept between
// calls; the run function no longer takes or returns them. The step writes
// the output in place, so the input must not be read after the output's
// producer runs; a Where(mask, new, past) producing the output becomes
// WhereInPlace (only the masked elements are written: a row write for a
// one-hot slot mask). Runs after `schedule`, before `plan-memory`.
import { registerPass } from './pass.js';
import { DnncError, nodeError } from '../ir/errors.js';
import type { Graph, Value } from '../ir/graph.js';
import { byteSize, typeEq, formatType } from '../ir/types.js';
import { getOp } from '../ir/ops/registry.js';

export interface StateBinding {
  /** the graph input read at the start of a step */
  input: Value;
  /** the graph output holding the next value (same type) */
  output: Value;
  bytes: number;
}

function globRegex(p: string): RegExp {
  return new RegExp('^' + p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('(.*)') + '$');
}

/** Input/output pairs from the specs: 'in*=out*' patterns, or 'auto' (inputs past... or past_key_values... with an output present... of the same type). */
export function findStatePairs(g: Graph, specs: string[]): { input: Value; output: Value }[] {
  const pairs: { input: Value; output: Value }[] = [];
  const outByName = new Map(g.outputs.map((v) => [v.name, v] as const));
  const take = (input: Value, outName: string, spec: string, strict: boolean) => {
    const output = outByName.get(outName);
    if (!output) {
      if (strict) throw new DnncError(`--state '${spec}': input '${input.name}' has no matching output '${outName}'`);
      return;
    }
    if (!typeEq(input.type, output.type)) {
      if (strict) throw new DnncError(`--state '${spec}': input '${input.name}' is ${formatType(input.type)} but output '${outName}' is ${formatType(output.type)}; a state buffer needs the same type and shape`);
      return;
    }
    if (pairs.some((p) => p.input === input || p.output === output)) return;
    pairs.push({ input, output });
  };
  for (const spec of specs) {
    if (spec === 'auto') {
      for (const v of g.inputs) {
        const m = /^(past_key_values|past)(.*)$/.exec(v.name);
        if (m) take(v, 'present' + m[2], spec, false);
      }
      continue;
    }
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new DnncError(`--state '${spec}' should look like 'past.*=present.*' (or 'auto')`);
    const re = globRegex(spec.slice(0, eq));
    const to = spec.slice(eq + 1).split('*');
    let matched = 0;
    for (const v of g.inputs) {
      const m = re.exec(v.name);
      if (!m) continue;
      matched++;
      const caps = m.slice(1);
      take(v, to.map((s, i) => s + (i < to.length - 1 ? caps[i] ?? '' : '')).join(''), spec, true);
    }
    if (!matched) throw new DnncError(`--state '${spec}': no graph input matches '${spec.slice(0, eq)}' (inputs: ${g.inputs.map((v) => v.name).join(', ')})`);
  }
  return pairs;
}

export default registerPass({
  name: 'state-buffers',
  description: 'keep --state input/output pairs in persistent buffers updated in place (Where -> WhereInPlace)',
  run(g, ctx) {
    const specs = (ctx.options.state as string[] | undefined) ?? [];
    if (!specs.length) return;
    const pairs = findStatePairs(g, specs);
    if (!pairs.length) {
      ctx.warn(`--state ${specs.join(' ')}: no input/output pair found (inputs past*/past_key_values* with an output present* of the same type)`);
      return;
    }
    const users = g.usersMap();
    const order = new Map(g.nodes.map((n, i) => [n, i] as const));
    const bindings: StateBinding[] = [];
    for (const { input, output } of pairs) {
      if (g.outputs.includes(input)) throw new DnncError(`--state: input '${input.name}' is also a graph output`);
      if (g.outputs.filter((v) => v === output).length > 1) throw new DnncError(`--state: output '${output.name}' is returned twice`);
      const prod = output.producer;
      if (!prod || output.const) throw new DnncError(`--state: output '${output.name}' is not computed by the graph (constant or an input), so it cannot update '${input.name}'`);
      // the node that really writes the output's bytes: through views (Reshape, ...) back to their source
      let writer = prod;
      while (getOp(writer.op)?.view && writer.inputs[0]?.producer && !writer.inputs[0].const) writer = writer.inputs[0].producer;
      const at = Math.min(order.get(prod)!, order.get(writer)!);
      // every reader of the input, or of a view of it, must run before the output is written (or be the writer)
      const readers = new Set<Value>([input]);
      for (const n of g.nodes) if (getOp(n.op)?.view && n.inputs[0] && readers.has(n.inputs[0])) readers.add(n.outputs[0]!);
      for (const v of readers) {
        for (const u of users.get(v) ?? []) {
          if (u === prod || u === writer || getOp(u.op)?.view) continue;
          if (order.get(u)! > at) throw nodeError(u, `reads state input '${input.name}' after '${output.name}' is written in place by node '${writer.name}'; dnnc cannot keep this pair in one state buffer`);
        }
      }
      if (prod.inputs.includes(input)) {
        if (prod.op === 'Where' && prod.inputs[2] === input && prod.inputs.indexOf(input) === 2 && typeEq(output.type, input.type)) {
          prod.op = 'WhereInPlace';
        } else {
          const def = getOp(prod.op);
          const elementwise = def?.inplace !== undefined && prod.inputs.every((v) => !v || v !== input || typeEq(v.type, output.type));
          if (!elementwise) throw nodeError(prod, `computes state output '${output.name}' from '${input.name}' in a way that cannot run in place`);
        }
      }
      bindings.push({ input, output, bytes: byteSize(input.type) });
    }
    g.meta.state = bindings;
    ctx.log(`dnnc: state: ${bindings.map((b) => `${b.input.name} -> ${b.output.name}`).join(', ')} (${bindings.reduce((a, b) => a + b.bytes, 0)} B in persistent buffers)`);
  },
});
