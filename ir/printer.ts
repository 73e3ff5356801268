// A stable, readable text form of the IR (for `dnnc inspect` and snapshots).
import type { Attr, Graph, Node, Value } from './graph.js';
import { formatType, byteSize } from './types.js';

function ident(name: string): string {
  return /^[A-Za-z0-9_.:/-]+$/.test(name) ? name : JSON.stringify(name);
}

export function valueRef(v: Value | null): string {
  if (!v) return '_';
  return (v.const && !v.producer ? '@' : '%') + ident(v.name);
}

function num(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return String(Math.fround(x) === x ? Number(x.toPrecision(9)) : x);
}

function attrText(a: Attr): string {
  switch (a.kind) {
    case 'int': return String(a.value);
    case 'float': return num(a.value) + (Number.isInteger(a.value) ? '.0' : '');
    case 'string': return JSON.stringify(a.value);
    case 'ints': return `[${a.value.join(',')}]`;
    case 'floats': return `[${a.value.map(num).join(',')}]`;
    case 'strings': return `[${a.value.map((s) => JSON.stringify(s)).join(',')}]`;
    case 'tensor': return `tensor<${formatType(a.value)}>`;
    case 'graph': return `graph<${a.value.name}: ${a.value.nodes.length} nodes>`;
  }
}

function quantText(v: Value): string {
  const q = v.quant;
  if (!q) return '';
  const s = q.scale.length === 1 ? num(q.scale[0]!) : `[${q.scale.length} scales]`;
  const z = q.zeroPoint.length === 1 ? String(q.zeroPoint[0]) : `[${q.zeroPoint.length}]`;
  return ` q(scale=${s}, zp=${z}${q.axis !== undefined ? `, axis=${q.axis}` : ''})`;
}

function storageText(v: Value): string {
  const s = v.storage;
  if (!s) return '';
  switch (s.kind) {
    case 'arena': return ` @arena+${s.offset}`;
    case 'input': return ` @in${s.index}`;
    case 'output': return ` @out${s.index}`;
    case 'const': return '';
    case 'alias': return ` =view(${valueRef(s.of)}${s.byteOffset ? `+${s.byteOffset}` : ''})`;
  }
}

export function printNode(n: Node, opts: { storage?: boolean } = {}): string {
  const outs = n.outputs.map((o) => `${valueRef(o)}: ${formatType(o.type)}${quantText(o)}${opts.storage ? storageText(o) : ''}`).join(', ');
  const ins = n.inputs.map(valueRef).join(', ');
  const attrs = [...n.attrs.entries()].filter(([k]) => k !== 'tile_loops').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const at = attrs.length ? ` {${attrs.map(([k, a]) => `${k}=${attrText(a)}`).join(', ')}}` : '';
  const op = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.op}` : n.op;
  return `${outs} = ${op}(${ins})${at}  # ${ident(n.name)}`;
}

export interface PrintOptions {
  /** show planned storage (arena offsets, views) */
  storage?: boolean;
}

export function printGraph(g: Graph, opts: PrintOptions = {}): string {
  const lines: string[] = [];
  lines.push(`graph ${ident(g.name)} {`);
  for (const v of g.inputs) lines.push(`  input ${valueRef(v)}: ${formatType(v.type)}${quantText(v)}`);
  for (const v of g.constants()) {
    lines.push(`  const ${valueRef(v)}: ${formatType(v.type)}${quantText(v)}  (${byteSize(v.type)} B)`);
  }
  for (const n of g.nodes) {
    lines.push('  ' + printNode(n, opts));
    // a tile schedule (passes/tile.ts): its loop nest under the node
    const loops = n.attrs.get('tile_loops');
    if (loops?.kind === 'strings') for (const l of loops.value) lines.push('      | ' + l);
    // nodes holding a body graph (dnnc.PatchChain): its nodes, indented
    for (const a of n.attrs.values()) if (a.kind === 'graph') for (const b of a.value.nodes) lines.push('    | ' + printNode(b));
  }
  lines.push(`  return ${g.outputs.map(valueRef).join(', ')}`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
