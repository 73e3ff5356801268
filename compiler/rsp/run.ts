// Run a generated RSP kernel in the simulator over a sequence of tiles laid
// out contiguously in a modelled RDRAM, as the CPU-side dispatcher would.
import { Rsp, type SimStats } from './sim.js';
import { dmaLen, fromBe16, be16, type RspKernel } from './kernels/common.js';

export interface TileRun {
  /** output tiles, int16 */
  out: Int16Array[];
  stats: SimStats;
  /** instructions of the compute body per tile (between `compute:` and `compute_end:`) */
  computePerTile: number;
  /** all instructions per tile including DMA issue and waits (total / tiles) */
  totalPerTile: number;
  /** DMA bytes per tile (both directions; const block excluded) */
  dmaBytesPerTile: number;
  /** executions per IMEM word */
  profile: Float64Array;
  /** estimated cycles of the compute body per tile with VU latency stalls and SU/VU pairing (Rsp.pipeline) */
  pipelinedPerTile: number;
}

const al = (x: number, a: number) => Math.ceil(x / a) * a;

/** RDRAM, DMEM and IMEM images of a task over the given tiles, laid out as the dispatcher would. */
export function prepareTask(k: RspKernel, in0: Int16Array[], in1: Int16Array[] = [], rdramBytes = 1 << 20) {
  const n = in0.length;
  const L = k.layout;
  const rdram = new Uint8Array(rdramBytes), dmem = new Uint8Array(4096), imem = new Uint8Array(4096);
  const constAt = 0x1000;
  const in0At = al(constAt + k.constData.length, 64);
  const in0Stride = al(L.in0Bytes, 8);
  const in1At = al(in0At + n * in0Stride, 64);
  const in1Stride = al(L.in1Bytes, 8);
  const outAt = al(in1At + n * in1Stride, 64);
  const outStride = al(L.outBytes, 8);
  if (outAt + n * outStride > rdram.length) throw new Error('tiles do not fit the modelled RDRAM');
  rdram.set(k.constData, constAt);
  in0.forEach((t, i) => rdram.set(be16(t), in0At + i * in0Stride));
  in1.forEach((t, i) => rdram.set(be16(t), in1At + i * in1Stride));
  const params = new DataView(dmem.buffer);
  const words = [n, constAt, k.constData.length ? dmaLen(al(k.constData.length, 8)) : 0, 0,
    in0At, in0Stride, dmaLen(in0Stride), in0Stride, // 0x1C / 0x2C: group step (grouped kernels), contiguous here
    in1At, in1Stride, L.in1Bytes ? dmaLen(in1Stride) : 0, in1Stride,
    outAt, outStride, dmaLen(outStride), 0];
  words.forEach((w, i) => params.setUint32(4 * i, w, false));
  imem.set(k.image.imem);
  const outputs = (mem: Uint8Array) => Array.from({ length: n }, (_, i) => fromBe16(mem, outAt + i * outStride, L.outBytes / 2));
  return { rdram, dmem, imem, outputs };
}

/** in0 (and in1) are tiles of int16 values of layout.in0Bytes/2 (in1Bytes/2) each. */
export function runTiles(k: RspKernel, in0: Int16Array[], in1: Int16Array[] = []): TileRun {
  const n = in0.length;
  const task = prepareTask(k, in0, in1);
  const rsp = new Rsp(task.rdram.length);
  rsp.rdram.set(task.rdram);
  rsp.dmem.set(task.dmem);
  rsp.loadImem(task.imem);
  const stats = rsp.run(0);
  rsp.drain();
  const out = task.outputs(rsp.rdram);
  const c0 = k.image.symbols.get('compute')!, c1 = k.image.symbols.get('compute_end')!;
  let comp = 0, pipe = 0;
  for (let a = c0; a < c1; a += 4) { comp += rsp.profile[a >> 2]!; pipe += rsp.pipeProfile[a >> 2]!; }
  return {
    out, stats, profile: rsp.profile, pipelinedPerTile: pipe / Math.max(1, n),
    computePerTile: comp / Math.max(1, n),
    totalPerTile: stats.instructions / Math.max(1, n),
    dmaBytesPerTile: (stats.dmaReadBytes + stats.dmaWriteBytes - al(k.constData.length, 8)) / Math.max(1, n),
  };
}
