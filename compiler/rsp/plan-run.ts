// Run a layer plan's tasks (compiler/rsp/plan.ts) on real data, laid out in a
// modelled RDRAM as the CPU-side dispatcher does (runtime-c rspdispatch.c:
// the params block of each task holds the tensors' addresses + the task's
// offsets), in the bit-exact simulator or, through `engine`, on another RSP
// implementation (e.g. mupen64plus-rsp-z64, compiler/rsp/z64.ts).
import { DnncError } from '../../ir/errors.js';
import { Rsp } from './sim.js';
import { be16, fromBe16, dmaLen } from './kernels/common.js';
import type { RspLayerPlan } from './plan.js';

/** Runs one task: RDRAM, DMEM (params written) and IMEM images in, RDRAM after the task out. */
export type RspEngine = (rdram: Uint8Array, dmem: Uint8Array, imem: Uint8Array) => Uint8Array;

export const simEngine: RspEngine = (rdram, dmem, imem) => {
  const rsp = new Rsp(rdram.length);
  rsp.rdram.set(rdram);
  rsp.dmem.set(dmem);
  rsp.loadImem(imem);
  rsp.run(0);
  rsp.drain();
  return rsp.rdram;
};

const al64 = (x: number) => Math.ceil(x / 64) * 64;

/**
 * The plan's output for input `x` (and the second input `x1` of add / mul
 * plans): the first outBytes / 2 elements. Plans without padding or
 * subsampling (pointwise, maxpool, add, mul).
 */
export function runPlan(plan: RspLayerPlan, x: Int16Array, x1?: Int16Array, engine: RspEngine = simEngine, rdramBytes = 1 << 20): Int16Array {
  if (plan.pad || plan.sub) throw new DnncError('runPlan: padded / subsampled plans are not modelled here');
  if (!!plan.in1 !== !!x1) throw new DnncError('runPlan: the second input must be given exactly for two-input plans');
  const cAt = 0x1000;
  const cMax = Math.max(...plan.tasks.map((t) => t.kernel.constData.length), 8);
  const xAt = al64(cAt + cMax), x1At = al64(xAt + x.length * 2), yAt = al64(x1At + (x1 ? x1.length * 2 : 0));
  if (yAt + plan.outBytes > rdramBytes) throw new DnncError('runPlan: tensors do not fit the modelled RDRAM');
  let rdram: Uint8Array = new Uint8Array(rdramBytes);
  rdram.set(be16(x), xAt);
  if (x1) rdram.set(be16(x1), x1At);
  for (const t of plan.tasks) {
    rdram.set(t.kernel.constData, cAt);
    const dmem = new Uint8Array(4096), imem = new Uint8Array(4096);
    const dv = new DataView(dmem.buffer);
    const words = [t.ntiles, cAt, t.kernel.constData.length ? dmaLen(Math.ceil(t.kernel.constData.length / 8) * 8) : 0, 0,
      xAt + t.inOff, t.inStride, t.inLen, 0,
      x1 ? x1At + t.inOff : 0, x1 ? t.inStride : 0, x1 ? t.inLen : 0, 0,
      yAt + t.outOff, t.outStride, t.outLen, 0];
    words.forEach((v, i) => dv.setUint32(4 * i, v >>> 0, false));
    imem.set(t.kernel.image.imem);
    rdram = engine(rdram, dmem, imem);
  }
  return fromBe16(rdram, yAt, plan.outBytes / 2);
}
