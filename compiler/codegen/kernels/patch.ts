// dnnc.PatchChain: a C loop over row steps; at each step every layer of the
// body computes its next rows with a row-range kernel (runtime-c
// kernels/rows.c). Intermediate tensors are rings in the node's planned
// scratch area; the chain's inputs and outputs are whole tensors.
import { useSoftMac, weightEmax } from './sfconv.js';
import { registerKernel, type EmitCtx } from './registry.js';
import { conv2dFields } from './geometry.js';
import { cfloat, ccomment, ctype } from '../c.js';
import { nodeError } from '../../../ir/errors.js';
import type { Node, Value } from '../../../ir/graph.js';
import { chainBody, ringLayout, rowSchedule } from '../../../ir/ops/patch.js';

function actRange(n: Node): [string, string] {
  return [cfloat(n.float('act_min', -Infinity)), cfloat(n.float('act_max', Infinity))];
}

registerKernel({
  ops: ['PatchChain'],
  emit(ctx: EmitCtx) {
    const chain = ctx.node;
    const body = chainBody(chain);
    const sched = rowSchedule(body.nodes, body.outputs);
    const { offsets, bytes } = ringLayout(body.nodes, sched.ring, ctx.target.alignment);
    if (bytes > ctx.scratchBytes) throw nodeError(chain, `internal: the rings need ${bytes} B, the plan holds ${ctx.scratchBytes} B`);
    const quant = body.nodes.some((n) => n.op.startsWith('Q'));
    ctx.use('conv');
    ctx.use('pool');
    ctx.use('rows');
    if (quant) {
      ctx.use('qmath');
      ctx.use('qconv');
      ctx.use('qelementwise');
      ctx.use('qrows');
    }
    const outer = new Map<Value, Value>();
    body.outputs.forEach((v, i) => outer.set(v, chain.outputs[i]!));
    const scratch = bytes > 0 ? ctx.scratch() : '';
    const ptr = (v: Value, isConst: boolean): string => {
      const o = outer.get(v);
      if (o) return ctx.ptr(o);
      const off = offsets.get(v);
      if (off !== undefined) return `((${ctype(v.type.dtype)} *)(${scratch} + ${off}))`;
      return isConst ? ctx.cptr(v) : ctx.ptr(v);
    };
    const ring = (v: Value): number => sched.ring.get(v) ?? v.type.shape[2]!;
    // per output channel sums of an int8 weight (zero-point fold of the pointwise path)
    const weightSums = (w: Value): string => {
      const rows = w.type.shape[0]!, per = w.const!.size / rows;
      const sums: number[] = [];
      for (let r = 0; r < rows; r++) {
        let t = 0;
        for (let i = 0; i < per; i++) t += w.const!.get(r * per + i);
        sums.push(t);
      }
      return ctx.table('q_wsum', sums);
    };
    const lines: string[] = [];
    const tables: string[] = [];
    body.nodes.forEach((n) => {
      const tab = ctx.table('rows', sched.done.get(n)!);
      tables.push(tab);
      const range = `${tab}[s], ${tab}[s + 1]`;
      const y = n.outputs[0]!;
      const [, C, , W] = y.type.shape as number[];
      let call: string;
      switch (n.op) {
        case 'Conv': {
          const x = n.inputs[0]!, w = n.inputs[1]!, b = n.inputs[2] ?? null;
          const [amin, amax] = actRange(n);
          const we = useSoftMac(ctx) ? weightEmax(w) : null;
          if (we !== null) { // no FPU: integer-mantissa rows (kernels/sfconv.c)
            ctx.use('sfconv');
            const sp = ctx.decl('sfconv', 'dnnc_sfconv2d_params', `{ ${conv2dFields(n, x.type.shape, y.type.shape)}, ${amin}, ${amax} }`);
            call = `dnnc_sfconv2d_rows_f32(${ptr(x, true)}, ${ring(x)}, ${ctx.cptr(w)}, ${b ? ctx.cptr(b) : 'NULL'}, ${ptr(y, false)}, ${ring(y)}, ${range}, &${sp}, ${we})`;
            break;
          }
          const params = ctx.decl('conv', 'dnnc_conv2d_params', `{ ${conv2dFields(n, x.type.shape, y.type.shape)}, ${amin}, ${amax} }`);
          call = `dnnc_conv2d_rows_f32(${ptr(x, true)}, ${ring(x)}, ${ctx.cptr(w)}, ${b ? ctx.cptr(b) : 'NULL'}, ${ptr(y, false)}, ${ring(y)}, ${range}, &${params})`;
          break;
        }
        case 'MaxPool': case 'AveragePool': {
          const x = n.inputs[0]!;
          const xs = x.type.shape, ys = y.type.shape;
          const k = n.ints('kernel_shape')!, s = n.ints('strides', [1, 1]), d = n.ints('dilations', [1, 1]), p = n.ints('pads', [0, 0, 0, 0]);
          const params = ctx.decl('pool', 'dnnc_pool2d_params',
            `{ ${xs[0]! * xs[1]!}, ${xs[2]}, ${xs[3]}, ${ys[2]}, ${ys[3]}, ${k[0]}, ${k[1]}, ${s[0]}, ${s[1]}, ${d[0]}, ${d[1]}, ${p[0]}, ${p[1]}, ${p[2]}, ${p[3]}, ${n.int('count_include_pad', 0)} }`);
          const f = n.op === 'MaxPool' ? 'dnnc_maxpool2d_rows_f32' : 'dnnc_avgpool2d_rows_f32';
          call = `${f}(${ptr(x, true)}, ${ring(x)}, ${ptr(y, false)}, ${ring(y)}, ${range}, &${params})`;
          break;
        }
        case 'Add': case 'Sub': case 'Mul': {
          const a = n.inputs[0]!, b = n.inputs[1]!;
          const op = { Add: 0, Sub: 1, Mul: 2 }[n.op];
          const [amin, amax] = actRange(n);
          call = `dnnc_binary_rows_f32(${ptr(a, true)}, ${ring(a)}, ${ptr(b, true)}, ${ring(b)}, ${ptr(y, false)}, ${ring(y)}, ${C}, ${W}, ${range}, ${op}, ${amin}, ${amax})`;
          break;
        }
        case 'QConv': {
          const x = n.inputs[0]!, w = n.inputs[1]!, b = n.inputs[2] ?? null;
          const expand = (a: number[]) => (a.length === 1 ? new Array<number>(C!).fill(a[0]!) : a);
          const mult = ctx.table('q_mult', expand(n.ints('mult')!)), shift = ctx.table('q_shift', expand(n.ints('shift')!));
          const params = ctx.decl('qconv', 'dnnc_qconv2d_params', `{ ${conv2dFields(n, x.type.shape, y.type.shape)}, ` +
            `${n.int('x_zp', 0)}, ${n.int('y_zp', 0)}, ${mult}, ${shift}, ${n.int('act_min', -128)}, ${n.int('act_max', 127)}, ${weightSums(w)}, NULL, 0 }`);
          call = `dnnc_qconv2d_rows_i8(${ptr(x, true)}, ${ring(x)}, ${ctx.cptr(w)}, ${b ? ctx.cptr(b) : 'NULL'}, ${ptr(y, false)}, ${ring(y)}, ${range}, &${params})`;
          break;
        }
        case 'QMaxPool': {
          const x = n.inputs[0]!;
          const xs = x.type.shape, ys = y.type.shape;
          const k = n.ints('kernel_shape')!, s = n.ints('strides', [1, 1]), d = n.ints('dilations', [1, 1]), p = n.ints('pads', [0, 0, 0, 0]);
          const params = ctx.decl('qpool', 'dnnc_pool2d_params',
            `{ ${xs[0]! * xs[1]!}, ${xs[2]}, ${xs[3]}, ${ys[2]}, ${ys[3]}, ${k[0]}, ${k[1]}, ${s[0]}, ${s[1]}, ${d[0]}, ${d[1]}, ${p[0]}, ${p[1]}, ${p[2]}, ${p[3]}, 0 }`);
          call = `dnnc_qmaxpool2d_rows_i8(${ptr(x, true)}, ${ring(x)}, ${ptr(y, false)}, ${ring(y)}, ${range}, &${params})`;
          break;
        }
        case 'QAdd': case 'QMul': {
          const a = n.inputs[0]!, b = n.inputs[1]!;
          const params = ctx.decl('qbin', 'dnnc_qbinary_params',
            `{ ${n.int('a_zp', 0)}, ${n.int('b_zp', 0)}, ${n.int('y_zp', 0)}, ${n.int('a_mult', 0)}, ${n.int('b_mult', 0)}, ${n.int('mult', 0)}, ${n.int('shift', 0)}, ${n.int('act_min', -128)}, ${n.int('act_max', 127)} }`);
          call = `dnnc_qbinary_rows_i8(${ptr(a, true)}, ${ring(a)}, ${ptr(b, true)}, ${ring(b)}, ${ptr(y, false)}, ${ring(y)}, ${C}, ${W}, ${range}, ${n.op === 'QAdd' ? 0 : 1}, &${params})`;
          break;
        }
        case 'QuantizeLinear': {
          const x = n.inputs[0]!, sc = n.inputs[1]!, zp = n.inputs[2] ?? null;
          const scale = ctx.decl('q_scale', 'float', `{ ${cfloat(sc.const!.get(0))} }`, true);
          const zpt = ctx.table('q_zp', [zp ? zp.const!.get(0) : 0]);
          call = `dnnc_quantize_rows_f32_i8(${ptr(x, true)}, ${ring(x)}, ${ptr(y, false)}, ${ring(y)}, ${C}, ${W}, ${range}, ${scale}, ${zpt})`;
          break;
        }
        case 'Relu': {
          const x = n.inputs[0]!;
          call = `dnnc_relu_rows_f32(${ptr(x, true)}, ${ring(x)}, ${ptr(y, false)}, ${ring(y)}, ${C}, ${W}, ${range})`;
          break;
        }
        default:
          throw nodeError(n, `internal: ${n.op} cannot run row by row`);
      }
      lines.push(`      if (${tab}[s] < ${tab}[s + 1]) ${call}; /* ${ccomment(n.name)}: ring ${ring(y)} of ${y.type.shape[2]} rows */`);
    });
    return [
      '  {',
      '    int32_t s;',
      `    for (s = 0; s < ${sched.steps}; s++) {`,
      ...lines,
      '    }',
      '  }',
    ].join('\n') + '\n';
  },
});
