// Run a layer plan of compiler/rsp/plan.ts (the tasks `--rsp` emits) on real
// data in the bit-exact simulator, or on another RSP implementation (e.g.
// mupen64plus-rsp-z64, compiler/rsp/z64.ts), the way
// runtime-c/kernels/rspdispatch.c runs it on the N64: the staged input (pad
// copy, conv3x3c's padded / deinterleaved copies, relayout copies), the
// params block of every task (grouped / two-stream extras, the second tensor
// of add / mul), then the CPU's output copies (compaction, stride-2 pick).
// The one runner of the layer tests.
import { Rsp } from './sim.js';
import { be16, fromBe16, dmaLen } from './kernels/common.js';
import type { RspLayerPlan } from './plan.js';
import { rspStaging, runCopies } from './relayout.js';
import { DnncError } from '../../ir/errors.js';
import type { TaskEngine } from './layer.js';

/** The zero-padded, column-deinterleaved copy a stride-2 conv3x3c layer reads (as dnnc_rsp_run_layer_s2 builds it). */
export function deinterleave(x: ArrayLike<number>, d: { C: number; H: number; W: number; ew: number; pt: number; pl: number }): Int16Array {
  const rw = d.ew + d.W / 2, out = new Int16Array(d.C * (d.H + 2) * rw);
  // as dnnc_rsp_run_layer_s2: only the top / bottom rows and E[0] of each row are zeroed; the cells the tasks
  // never read (E beyond w/2) hold garbage here, so a kernel reading them would fail the tests
  out.fill(0x5a5a);
  for (let c = 0; c < d.C; c++) {
    for (let R = 0; R < d.H + 2; R++) {
      if (R < d.pt || R >= d.pt + d.H) out.fill(0, (c * (d.H + 2) + R) * rw, (c * (d.H + 2) + R + 1) * rw);
      else out[(c * (d.H + 2) + R) * rw + (d.pl ? 0 : d.W / 2)] = 0; // padded column 0 (pl = 1) or W (pl = 0)
    }
  }
  for (let c = 0; c < d.C; c++) for (let r = 0; r < d.H; r++) for (let i = 0; i < d.W; i++) {
    const u = i + d.pl, row = (c * (d.H + 2) + r + d.pt) * rw;
    out[row + (u & 1 ? d.ew + (u >> 1) : u >> 1)] = x[(c * d.H + r) * d.W + i]!;
  }
  return out;
}

export interface RunPlanOptions {
  /** the second input of add / mul plans */
  x1?: Int16Array;
  /** another RSP implementation (default: the simulator) */
  engine?: TaskEngine;
  /** output elements (default: what the output copies write, else the plan's outBytes / 2) */
  yLen?: number;
}

const JUNK = 0x5a5a;

/** The input the tasks read: x itself, or its staged copy (as the dispatcher builds it; cells it leaves alone hold junk). */
function stageInput(plan: RspLayerPlan, x: Int16Array): Int16Array {
  if (plan.pad) {
    const { C, H, W, IWp } = plan.pad;
    const inp = new Int16Array(plan.inBytes / 2);
    for (let c = 0; c < C; c++) for (let r = 0; r < H; r++) for (let i = 0; i < W; i++) inp[(c * (H + 2) + r + 1) * IWp + i + 1] = x[(c * H + r) * W + i]!;
    return inp;
  }
  if (plan.deint) return deinterleave(x, plan.deint);
  if (plan.padb) {
    // as dnnc_rsp_run_layer_pad: only rows 0 / H+1 and columns 0 / W+1 zeroed, junk where the tasks must not read
    const { C, H, W, IWp } = plan.padb;
    const inp = new Int16Array(C * (H + 2) * IWp).fill(JUNK);
    for (let c = 0; c < C; c++) {
      inp.fill(0, c * (H + 2) * IWp, (c * (H + 2) + 1) * IWp);
      inp.fill(0, (c * (H + 2) + H + 1) * IWp, (c * (H + 2) + H + 2) * IWp);
      for (let r = 0; r < H; r++) {
        const row = (c * (H + 2) + r + 1) * IWp;
        inp[row] = 0; inp[row + W + 1] = 0;
        for (let i = 0; i < W; i++) inp[row + i + 1] = x[(c * H + r) * W + i]!;
      }
    }
    return inp;
  }
  const st = rspStaging(plan);
  if (!st.inCopies.length) return x;
  const inp = new Int16Array(plan.inBytes / 2).fill(JUNK); // positions the copies do not write: never read into y
  runCopies(st.inCopies, x, inp);
  return inp;
}

/** x: the layer input (int16, NCHW); returns the layer output and the instructions the simulator executed. */
export function runLayerPlan(plan: RspLayerPlan, x: Int16Array, opts: RunPlanOptions | TaskEngine = {}): { y: Int16Array; instructions: number } {
  const o: RunPlanOptions = typeof opts === 'function' ? { engine: opts } : opts;
  if (!!plan.in1 !== !!o.x1) throw new DnncError('runLayerPlan: the second input must be given exactly for two-input plans');
  const inp = stageInput(plan, x);
  const al = (v: number) => (v + 63) & ~63;
  const cMax = Math.max(8, ...plan.tasks.map((t) => t.kernel.constData.length));
  const wMax = Math.max(0, ...plan.tasks.map((t) => t.in1?.data.length ?? 0));
  const xAt = 0x1000, x1At = al(xAt + Math.max(inp.length * 2, plan.inBytes)), yAt = al(x1At + (o.x1 ? o.x1.length * 2 : 0));
  const cAt = al(yAt + plan.outBytes), wAt = al(cAt + cMax), end = wAt + wMax;
  let size = 1 << 20; // the z64 runner models 1 MiB
  while (size < end) size *= 2;
  if (o.engine && size !== 1 << 20) throw new DnncError('runLayerPlan: the layer does not fit the 1 MiB the z64 runner models');
  const rsp = new Rsp(size);
  rsp.rdram.set(be16(inp), xAt);
  if (o.x1) rsp.rdram.set(be16(o.x1), x1At);
  for (const t of plan.tasks) {
    rsp.rdram.set(t.kernel.constData, cAt);
    if (t.in1) rsp.rdram.set(t.in1.data, wAt);
    rsp.dmem.fill(0);
    const dv = new DataView(rsp.dmem.buffer);
    const in1 = o.x1 ? [x1At + t.inOff, t.inStride, t.inLen, 0] : [t.in1 ? wAt : 0, t.in1?.stride ?? 0, t.in1?.len ?? 0, t.in1?.step2 ?? 0];
    const words = [t.ntiles, cAt, t.kernel.constData.length ? dmaLen(Math.ceil(t.kernel.constData.length / 8) * 8) : 0, 0,
      xAt + t.inOff, t.inStride, t.inLen, t.inStep2 ?? 0, ...in1, yAt + t.outOff, t.outStride, t.outLen, t.outStep2 ?? 0];
    words.forEach((v, i) => dv.setUint32(4 * i, v >>> 0, false));
    if (o.engine) {
      const imem = new Uint8Array(4096);
      imem.set(t.kernel.image.imem);
      rsp.rdram.set(o.engine(rsp.rdram, rsp.dmem, imem));
    } else {
      rsp.loadImem(t.kernel.image.imem);
      rsp.run(0);
      rsp.drain();
    }
  }
  const out = fromBe16(rsp.rdram, yAt, plan.outBytes / 2);
  const st = rspStaging(plan);
  if (!st.outBytes) return { y: o.yLen === undefined ? out : out.slice(0, o.yLen), instructions: rsp.stats.instructions };
  let n = o.yLen ?? 0;
  if (o.yLen === undefined) for (const c of st.outCopies) n = Math.max(n, c.dOff + (c.n[0] - 1) * c.d[0] + (c.n[1] - 1) * c.d[1] + (c.n[2] - 1) * c.d[2] + c.n[3]);
  const y = new Int16Array(n).fill(0x7777);
  runCopies(st.outCopies, out, y);
  return { y, instructions: rsp.stats.instructions };
}
