// Float32 Conv/Gemm on targets without an FPU (TargetDesc.hasFpu false):
// runtime-c/kernels/sfconv.c multiplies decoded integer mantissas into an
// int64 accumulator instead of calling soft-float per multiply-accumulate.
// The compiler passes the weights' largest exponent (constant weights) so the
// kernel does not scan them; `--kernels reference` keeps the plain float loops.
import type { EmitCtx } from './registry.js';
import type { Value } from '../../../ir/graph.js';

/** Whether this node's float32 Conv/Gemm takes the no-FPU integer-mantissa kernels. */
export function useSoftMac(ctx: EmitCtx): boolean {
  return ctx.kernels === 'optimized' && !ctx.target.hasFpu;
}

/**
 * Largest biased exponent of a constant float32 weight (at least 1), -1 when it is not
 * constant (the kernel scans it at run time), null when it holds inf or nan (float kernels).
 */
export function weightEmax(w: Value): number | null {
  const t = w.const;
  if (!t || !(t.data instanceof Float32Array)) return -1;
  const u = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
  let mx = 0;
  for (let i = 0; i < u.length; i++) {
    const e = (u[i]! >>> 23) & 255;
    if (e > mx) mx = e;
  }
  if (mx === 255) return null;
  return Math.max(mx, 1);
}
