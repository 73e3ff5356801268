// Kernel emitters: one per IR op (or op family). An emitter turns a node
// into C statements, usually a call to a runtime-c kernel with constant
// parameters, and names the runtime files it needs.
import type { Node, Value } from '../../../ir/graph.js';
import type { TargetDesc } from '../../targets/target.js';
import type { Tensor } from '../../../ir/tensor.js';
import type { WeightRowsRef } from '../weight-rows.js';

export interface EmitCtx {
  node: Node;
  target: TargetDesc;
  /** which kernel variants to use */
  kernels: 'optimized' | 'reference';
  /** C expression of the value's data pointer, typed as its element type */
  ptr(v: Value): string;
  /** same as ptr() but `const` */
  cptr(v: Value): string;
  /** a runtime-c kernel family needed (e.g. 'conv' for kernels/conv.c) */
  use(kernel: string): void;
  /** a file-scope declaration (static const params, tables); returns its name */
  decl(hint: string, ctype: string, body: string, array?: boolean): string;
  /** a static const int32 table; returns its name */
  table(hint: string, values: number[]): string;
  /** a constant tensor as a file-scope array; returns its name */
  constArray(hint: string, t: Tensor): string;
  /** a fresh local name */
  local(hint: string): string;
  /**
   * C expression (uint8_t *) of this node's planned scratch area, declared by
   * the op's `scratch` rule in ir/ops (or a `scratch_bytes` attribute); throws
   * when the node has none. Never malloc.
   */
  scratch(): string;
  /** bytes of this node's planned scratch area (0 when none) */
  scratchBytes: number;
  /** a weight read by rows (fp16 storage or row tiles from the weight pack), else null (see codegen/weight-rows.ts) */
  weightRows?(v: Value): WeightRowsRef | null;
}

export interface KernelEmitter {
  ops: string[];
  /** C statements; empty string for ops that need no code (views) */
  emit(ctx: EmitCtx): string;
}

const emitters = new Map<string, KernelEmitter>();

export function registerKernel(e: KernelEmitter): void {
  for (const op of e.ops) {
    if (emitters.has(op)) throw new Error(`kernel for ${op} registered twice`);
    emitters.set(op, e);
  }
}

export function getKernel(op: string): KernelEmitter | undefined {
  return emitters.get(op);
}

export function kernelOps(): string[] {
  return [...emitters.keys()].sort();
}
