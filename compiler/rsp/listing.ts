// `dnnc rsp-listing <kernel>`: generate one RSP kernel for a tile shape,
// run it in the simulator on seeded random tiles, and print its
// disassembly with per-instruction execution counts per tile, plus the
// per-tile instruction count, static cycles, DMA bytes and memory use.
import { DnncError } from '../../ir/errors.js';
import { disassemble } from './asm.js';
import { gemmKernel } from './kernels/gemm.js';
import { depthwiseKernel, depthwiseRowWidth } from './kernels/depthwise.js';
import { conv3x3Kernel } from './kernels/conv3x3.js';
import { conv3x3cKernel, conv3x3Weights, conv3x3cWeightBytes } from './kernels/conv3x3c.js';
import { chooseAcc, fromBe16 } from './kernels/common.js';
import { addKernel, mulKernel, clampKernel } from './kernels/eltwise.js';
import { maxpoolKernel, avgpoolKernel } from './kernels/pool.js';
import type { RspKernel, Requant } from './kernels/common.js';
import { runTiles, type TileRun } from './run.js';
import { DMA_SETUP } from './sim.js';
import { cpuTileInstructions } from './compare.js';

export const RSP_KERNELS = ['gemm', 'conv3x3', 'conv3x3c', 'depthwise3x3', 'add', 'mul', 'clamp', 'maxpool2x2', 'avgpool2x2'] as const;
export type RspKernelName = typeof RSP_KERNELS[number];

export interface ListingOptions {
  k?: number; p?: number; co?: number;   // gemm
  c?: number; oh?: number; ow?: number;  // depthwise (and pool rows = c*oh)
  n?: number;                            // elementwise
  shift?: number;
  /** gemm/depthwise accumulator width (default: 32 when exact for the random weights) */
  acc?: 32 | 48;
  tiles?: number;
  seed?: number;
  /** also count the VR4300 instructions of the same tile with dnnc's CPU int16 kernels (qemu-mips64) */
  cpu?: boolean;
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (lo: number, hi: number) => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return lo + Math.floor((s / 2 ** 32) * (hi - lo + 1)); };
}

/** Build the kernel and its random input tiles for a listing or a benchmark. */
export function buildExample(name: string, o: ListingOptions = {}): { kernel: RspKernel; in0: Int16Array[]; in1: Int16Array[] } {
  const r = rng(o.seed ?? 1);
  const tiles = o.tiles ?? 4;
  const rand = (n: number, lo = -32768, hi = 32767) => Int16Array.from({ length: n }, () => r(lo, hi));
  const shift = o.shift ?? (o.acc === 48 || ((name === 'conv3x3' || name === 'conv3x3c') && o.acc !== 32) ? 17 : 12);
  const rq = (n: number): Requant[] => Array.from({ length: n }, () => ({ shift, bias: r(-10000, 10000), lo: 0, hi: 32767 }));
  let kernel: RspKernel;
  let in0: Int16Array[], in1: Int16Array[] = [];
  switch (name) {
    case 'gemm': {
      const K = o.k ?? 32, P = o.p ?? 16, Co = o.co ?? 8;
      kernel = gemmKernel({ K, P, Co, weights: o.acc === 48 ? rand(K * Co) : rand(K * Co, -1000, 1000), requant: rq(Co), acc: o.acc });
      in0 = Array.from({ length: tiles }, () => rand(K * P));
      break;
    }
    case 'conv3x3': {
      // defaults: the example cnn's second layer (8 -> 16 channels), 2 output rows x 8 per tile, 2 channels per task
      const Ci = o.c ?? 8, Co = o.co ?? 2, OH = o.oh ?? 2, OW = o.ow ?? 8;
      kernel = conv3x3Kernel({ Ci, Co, OH, OW, weights: o.acc === 32 ? rand(Co * Ci * 9, -100, 100) : rand(Co * Ci * 9), requant: rq(Co), acc: o.acc });
      in0 = Array.from({ length: tiles }, () => rand(Ci * (OH + 2) * depthwiseRowWidth(OW)));
      break;
    }
    case 'conv3x3c': {
      // input channels in chunks: -c channels per chunk, -n chunks per output tile, -t output tiles
      const cc = o.c ?? 4, chunks = o.n ?? 4, Co = o.co ?? 2, OH = o.oh ?? 2, OW = o.ow ?? 16, Ci = cc * chunks;
      const w = o.acc === 32 ? rand(Co * Ci * 9, -60, 60) : rand(Co * Ci * 9);
      const q = rq(Co);
      const acc = chooseAcc(q, (c) => { let a = 0; for (let i = 0; i < Ci * 9; i++) a += Math.abs(w[c * Ci * 9 + i]!); return a; }, o.acc);
      kernel = conv3x3cKernel({ cc, chunks, Co, OH, OW, requant: q, acc });
      const wb = conv3x3Weights(w, Co, cc, chunks), wt = conv3x3cWeightBytes(Co, cc);
      in0 = Array.from({ length: tiles * chunks }, () => rand(cc * (OH + 2) * depthwiseRowWidth(OW)));
      in1 = Array.from({ length: tiles * chunks }, (_, t) => fromBe16(wb, (t % chunks) * wt, wt / 2));
      break;
    }
    case 'depthwise3x3': {
      const C = o.c ?? 2, OH = o.oh ?? 8, OW = o.ow ?? 16;
      kernel = depthwiseKernel({ C, OH, OW, weights: o.acc === 48 ? rand(C * 9) : rand(C * 9, -4000, 4000), requant: rq(C), acc: o.acc });
      in0 = Array.from({ length: tiles }, () => rand(C * (OH + 2) * depthwiseRowWidth(OW)));
      break;
    }
    case 'add': case 'mul': case 'clamp': {
      const n = o.n ?? 256;
      kernel = name === 'add' ? addKernel({ n, ma: 1 << 2, mb: 1 << 1, shift: Math.max(2, o.shift ?? 3), lo: -32768, hi: 32767 })
        : name === 'mul' ? mulKernel({ n, shift, lo: -32768, hi: 32767 }) : clampKernel({ n, lo: 0, hi: 6 << 10 });
      in0 = Array.from({ length: tiles }, () => rand(n));
      if (name !== 'clamp') in1 = Array.from({ length: tiles }, () => rand(n));
      break;
    }
    case 'maxpool2x2': case 'avgpool2x2': {
      const rows = (o.c ?? 2) * (o.oh ?? 4), OW = o.ow ?? 16;
      kernel = name === 'maxpool2x2' ? maxpoolKernel({ rows, OW }) : avgpoolKernel({ rows, OW });
      in0 = Array.from({ length: tiles }, () => rand(rows * 4 * OW));
      break;
    }
    default:
      throw new DnncError(`unknown RSP kernel '${name}' (have: ${RSP_KERNELS.join(', ')})`);
  }
  return { kernel, in0, in1 };
}

export interface ListingResult { text: string; kernel: RspKernel; run: TileRun; cpu?: number }

export function rspListing(name: string, o: ListingOptions = {}): ListingResult {
  const { kernel, in0, in1 } = buildExample(name, o);
  const run = runTiles(kernel, in0, in1);
  const tiles = in0.length;
  const img = kernel.image;
  const srcByAddr = new Map(img.lines.map((l) => [l.addr, l.src]));
  const labels = new Map<number, string[]>();
  for (const [s, a] of img.symbols) if (!s.startsWith('wait_')) labels.set(a, [...(labels.get(a) ?? []), s]);
  const m = kernel.map;
  const out: string[] = [];
  out.push(`# RSP kernel ${kernel.name}: ${kernel.description}`);
  out.push(`# IMEM ${img.imem.length} bytes (${img.imem.length / 4} instructions); DMEM ${m.end} of 4096 bytes:` +
    ` params 0x000, const 0x${m.const.toString(16)} (${kernel.layout.constBytes} B), in0 0x${m.in0[0].toString(16)}/0x${m.in0[1].toString(16)} (${kernel.layout.in0Bytes} B)` +
    (kernel.layout.in1Bytes ? `, in1 0x${m.in1[0].toString(16)}/0x${m.in1[1].toString(16)} (${kernel.layout.in1Bytes} B)` : '') +
    `, out 0x${m.out[0].toString(16)}/0x${m.out[1].toString(16)} (${kernel.layout.outBytes} B)`);
  out.push(`# addr  word      per-tile  instruction                                   source`);
  const prof = run.profile;
  for (let a = 0; a < img.imem.length; a += 4) {
    for (const l of labels.get(a) ?? []) out.push(`${l}:`);
    const w = ((img.imem[a]! << 24) | (img.imem[a + 1]! << 16) | (img.imem[a + 2]! << 8) | img.imem[a + 3]!) >>> 0;
    const cnt = prof[a >> 2]! / tiles;
    const cntS = cnt === 0 ? '' : Number.isInteger(cnt) ? String(cnt) : cnt.toFixed(2);
    out.push(`  ${a.toString(16).padStart(3, '0')}  ${w.toString(16).padStart(8, '0')}  ${cntS.padStart(8)}  ${disassemble(w, a).padEnd(44)}  ${srcByAddr.get(a)?.replace(/\s+#.*$/, '') ?? ''}`);
  }
  const s = run.stats;
  out.push('');
  out.push(`# per tile (${tiles} tiles simulated, single-issue model: 1 cycle per instruction, DMA ${DMA_SETUP} + bytes/8 cycles):`);
  out.push(`#   compute instructions (static cycles)  ${run.computePerTile}`);
  out.push(`#   compute cycles, pipeline estimate     ${run.pipelinedPerTile.toFixed(0)} (VU results 4 cycles, loads 3, SU+VU pairs; see Rsp.pipeline)`);
  out.push(`#   all instructions incl. DMA loop       ${run.totalPerTile.toFixed(1)} (of which DMA wait polling ${(s.dmaWaitInstructions / tiles).toFixed(1)})`);
  out.push(`#   DMA bytes                             ${run.dmaBytesPerTile} (in ${kernel.layout.in0Bytes + kernel.layout.in1Bytes}, out ${kernel.layout.outBytes}); const block ${kernel.layout.constBytes} B once`);
  out.push(`#   MACs / element ops                    ${kernel.opsPerTile} (${(kernel.opsPerTile / run.computePerTile).toFixed(2)} per cycle)`);
  let cpu: number | undefined;
  if (o.cpu) {
    cpu = cpuTileInstructions(name, o);
    out.push(`#   VR4300 instructions, same tile, dnnc CPU int16 kernel (qemu-mips64 count)  ${cpu} (${(cpu / run.totalPerTile).toFixed(1)}x the RSP's)`);
  }
  return { text: out.join('\n') + '\n', kernel, run, cpu };
}

