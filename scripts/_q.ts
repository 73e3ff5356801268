import { runModel } from '../test/fuse/run.js';
const file = process.argv[2]!, target = process.argv[3] ?? 'host';
const q = { dtype: 'int8' as const, calibrateRandom: 2 };
const a = await runModel(file, { target, quantize: q });
const b = await runModel(file, { target, quantize: q, fusePatches: true });
const chains = b.graph.nodes.filter((n) => n.op === 'PatchChain').length;
let same = true;
a.outputs.forEach((t, i) => { const x = t.toBytes(true), y = b.outputs[i]!.toBytes(true); if (x.length !== y.length || x.some((v, k) => v !== y[k])) same = false; });
console.log(`arena ${a.arena} -> ${b.arena}, chains ${chains}, bit-exact ${same}`);
