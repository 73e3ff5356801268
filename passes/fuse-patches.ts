// Fused patch execution across layers (--fuse-patches, --max-recompute X).
// Finds runs of spatial layers (Conv, depthwise/pointwise Conv with their
// fused clamp, MaxPool/AveragePool, Relu, same-shape Add/Sub/Mul such as
// residual adds) in the schedule and replaces the run that lowers the
// memory peak most by one dnnc.PatchChain node. The chain runs row by row:
// each layer computes just the output rows its consumers need next, and
// every intermediate tensor is kept only as a ring of the rows still to be
// read (the receptive-field halo), so the full intermediate tensors never
// exist. No row is computed twice (zero recomputed MACs); the instruction
// overhead is the extra kernel calls, estimated per call and capped by
// --max-recompute (default 0.15 = 15 %). Repeats while the peak drops.
import { registerPass, type PassContext } from './pass.js';
import { Graph, Node, Value } from '../ir/graph.js';
import { numel } from '../ir/types.js';
import { analyze } from './memory/analysis.js';
import { planMemory } from './plan-memory.js';
import { isRowOp, rowSchedule, ringLayout, ringBytes, PATCH_CHAIN, PATCH_DOMAIN, chainBody } from '../ir/ops/patch.js';

/** Estimated instructions of one row-kernel call (set-up, tap ranges, loop entry), in MAC equivalents. */
export const CALL_COST = 150;
/** Longest chain considered (bounds the search on very deep nets). */
export const MAX_CHAIN = 48;

export interface ChainInfo {
  name: string;
  nodes: string[];
  steps: number;
  ringBytes: number;
  macs: number;
  /** kernel calls of the row schedule and the estimated overhead against layer by layer */
  calls: number;
  overhead: number;
  recomputedMacs: number;
  /** the intermediate tensors kept as rings: rows kept of their height, bytes */
  rings?: { name: string; rows: number; height: number; bytes: number }[];
}

export interface FusionInfo {
  /** planned arena and lower bound of the same graph layer by layer */
  unfusedArena: number;
  unfusedLowerBound: number;
  /** lower bound after fusion (the plan-memory pass gives the arena) */
  fusedLowerBound: number;
  maxRecompute: number;
  chains: ChainInfo[];
}

export function nodeMacs(n: Node): number {
  const y = n.outputs[0]!;
  if (n.op === 'Conv' || n.op === 'QConv') {
    const w = n.inputs[1]!.type.shape;
    return numel(y.type.shape) * numel(w.slice(1));
  }
  if (n.op === 'MaxPool' || n.op === 'AveragePool' || n.op === 'QMaxPool') return numel(y.type.shape) * numel(n.ints('kernel_shape')!);
  return numel(y.type.shape);
}

interface Candidate {
  nodes: Node[];
  outputs: Value[];
  lb: number;
  ringBytes: number;
  /** the schedule with the chain's stand-in node */
  order: Node[];
  info: Omit<ChainInfo, 'name'>;
}

/** Values produced by `nodes` and read elsewhere (or graph outputs): they stay whole. */
function regionOutputs(g: Graph, nodes: Node[], users: Map<Value, Node[]>): Value[] {
  const inside = new Set(nodes);
  const outs = new Set(g.outputs);
  const res: Value[] = [];
  for (const n of nodes) {
    const y = n.outputs[0]!;
    if (outs.has(y) || (users.get(y) ?? []).some((u) => !inside.has(u))) res.push(y);
  }
  return res;
}

function externalInputs(nodes: Node[]): Value[] {
  const inside = new Set(nodes);
  const seen = new Set<Value>();
  const res: Value[] = [];
  for (const n of nodes) {
    for (const v of n.inputs) {
      if (!v || seen.has(v) || (v.producer && inside.has(v.producer))) continue;
      seen.add(v);
      res.push(v);
    }
  }
  return res;
}

function evaluate(g: Graph, base: Node[], start: number, nodes: Node[], users: Map<Value, Node[]>, ctx: PassContext): Candidate | null {
  const outputs = regionOutputs(g, nodes, users);
  if (!outputs.length || outputs.length === nodes.length || outputs.length > 4) return null;
  const sched = rowSchedule(nodes, outputs);
  const { bytes } = ringLayout(nodes, sched.ring, ctx.target.alignment);
  // a stand-in node for the analysis (not linked into the graph)
  const fake = Object.create(Node.prototype) as Node;
  Object.assign(fake, { name: 'patch_chain', op: PATCH_CHAIN, domain: PATCH_DOMAIN, inputs: externalInputs(nodes), outputs, attrs: new Map([['scratch_bytes', { kind: 'int', value: bytes }]]) });
  const order = [...base.slice(0, start), fake, ...base.slice(start + nodes.length)];
  const lb = analyze(g, order, { alignment: ctx.target.alignment }).lowerBound;
  const macs = nodes.reduce((a, n) => a + nodeMacs(n), 0);
  let calls = 0;
  for (const n of nodes) {
    const d = sched.done.get(n)!;
    for (let s = 0; s < sched.steps; s++) if (d[s + 1]! > d[s]!) calls++;
  }
  const layerCalls = nodes.length;
  const overhead = ((calls - layerCalls) * CALL_COST) / Math.max(1, macs);
  return { nodes, outputs, lb, ringBytes: bytes, order, info: { nodes: nodes.map((n) => n.name), steps: sched.steps, ringBytes: bytes, macs, calls, overhead, recomputedMacs: 0 } };
}

const better = (c: Candidate, best: Candidate | null) =>
  !best || c.lb < best.lb || (c.lb === best.lb && (c.nodes.length < best.nodes.length || (c.nodes.length === best.nodes.length && c.ringBytes < best.ringBytes)));

/** Every valid chain within the runs of row ops of `base`, under the overhead cap. */
function candidates(g: Graph, base: Node[], users: Map<Value, Node[]>, ctx: PassContext, cap: number): Candidate[] {
  const res: Candidate[] = [];
  const N = base.length;
  for (let a = 0; a < N;) {
    if (!isRowOp(base[a]!)) { a++; continue; }
    let b = a;
    while (b + 1 < N && isRowOp(base[b + 1]!)) b++;
    for (let i = a; i < b; i++) {
      for (let j = i + 1; j <= Math.min(b, i + MAX_CHAIN - 1); j++) {
        const c = evaluate(g, base, i, base.slice(i, j + 1), users, ctx);
        if (c && c.info.overhead <= cap) res.push(c);
      }
    }
    a = b + 1;
  }
  return res;
}

/** Greedy from `base`: add the chain that lowers the bound most until none does. */
function greedy(g: Graph, base: Node[], lb: number, users: Map<Value, Node[]>, ctx: PassContext, cap: number): { chosen: Candidate[]; lb: number } {
  const chosen: Candidate[] = [];
  for (let k = 0; k < 32; k++) {
    let best: Candidate | null = null;
    for (const c of candidates(g, base, users, ctx, cap)) if (better(c, best)) best = c;
    if (!best || best.lb >= lb) break;
    chosen.push(best);
    base = best.order;
    lb = best.lb;
  }
  return { chosen, lb };
}

/**
 * The chains to build: greedy, started from each of the few best first
 * chains (a long first chain can block two shorter ones that do better).
 */
function chooseChains(g: Graph, lb0: number, ctx: PassContext, cap: number, lookahead = 6): Candidate[] {
  const users = g.usersMap();
  const first = candidates(g, g.nodes, users, ctx, cap).filter((c) => c.lb < lb0);
  first.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  let best: { chosen: Candidate[]; lb: number } = { chosen: [], lb: lb0 };
  for (const c of first.slice(0, lookahead)) {
    const r = greedy(g, c.order, c.lb, users, ctx, cap);
    const total = { chosen: [c, ...r.chosen], lb: r.lb };
    const size = (x: { chosen: Candidate[] }) => x.chosen.reduce((a, y) => a + y.nodes.length, 0);
    if (total.lb < best.lb || (total.lb === best.lb && size(total) < size(best))) best = total;
  }
  return best.chosen;
}

/** Replace the candidate's nodes by one PatchChain node holding them as its body. */
function applyChain(g: Graph, c: Candidate, name: string): Node {
  const start = g.nodes.indexOf(c.nodes[0]!);
  const body = new Graph(name);
  const ext = externalInputs(c.nodes);
  body.inputs = ext.filter((v) => !(v.const && !v.producer));
  const sched = rowSchedule(c.nodes, c.outputs);
  // the body computes fresh values for the chain's outputs
  const inner = new Map<Value, Value>();
  for (const v of c.outputs) {
    const iv = new Value(g.uniqueName(`${v.name}.rows`), { dtype: v.type.dtype, shape: [...v.type.shape] });
    inner.set(v, iv);
  }
  for (const n of c.nodes) {
    n.inputs = n.inputs.map((v) => (v && inner.get(v)) ?? v);
    const y = n.outputs[0]!;
    const iv = inner.get(y);
    if (iv) {
      n.outputs = [iv];
      iv.producer = n;
    }
    n.setInt('ring_rows', sched.ring.get(y) ?? y.type.shape[2]!);
    delete y.storage;
  }
  body.nodes = [...c.nodes];
  body.outputs = c.outputs.map((v) => inner.get(v)!);
  const chain = new Node(name, PATCH_CHAIN, ext, [...c.outputs], new Map(), PATCH_DOMAIN);
  chain.attrs.set('body', { kind: 'graph', value: body });
  chain.setInt('steps', sched.steps);
  chain.setInt('scratch_bytes', c.ringBytes);
  g.nodes.splice(start, c.nodes.length, chain);
  return chain;
}

export default registerPass({
  name: 'fuse-patches',
  description: 'run chains of spatial layers row by row with small row rings instead of whole intermediate tensors (--fuse-patches)',
  run(g, ctx) {
    if (!ctx.options.fusePatches) return;
    const cap = typeof ctx.options.maxRecompute === 'number' ? ctx.options.maxRecompute : 0.15;
    const A = ctx.target.alignment;
    const before = planMemory(g, { alignment: A, weightsInFlash: ctx.target.weightsInFlash });
    for (const v of g.values()) delete v.storage;
    const chosen = chooseChains(g, before.lowerBound, ctx, cap);
    const chains: ChainInfo[] = [];
    let lb = before.lowerBound;
    for (const c of chosen) {
      const name = g.uniqueName(`patch_chain${chains.length}`);
      const sched = rowSchedule(c.nodes, c.outputs);
      const rings = [...sched.ring].map(([v, rows]) => ({ name: v.name, rows, height: v.type.shape[2]!, bytes: ringBytes(v, rows) }));
      applyChain(g, c, name);
      chains.push({ name, ...c.info, rings });
      lb = c.lb;
      ctx.log(`dnnc: fused ${c.nodes.length} layers into ${name} (${c.info.steps} row steps, rings ${c.ringBytes} B, ~${(c.info.overhead * 100).toFixed(2)} % more instructions): lower bound ${lb} B`);
    }
    const info: FusionInfo = { unfusedArena: before.arenaBytes, unfusedLowerBound: before.lowerBound, fusedLowerBound: lb, maxRecompute: cap, chains };
    g.meta.fusion = info;
  },
});

export { chainBody };
