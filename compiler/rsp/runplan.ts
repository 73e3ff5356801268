// Run a layer plan of compiler/rsp/plan.ts (the tasks `--rsp` emits) in the
// bit-exact simulator, or on another RSP implementation, the way
// runtime-c/kernels/rspdispatch.c runs it on the N64: zero-padded input copy,
// params block per task (with the grouped / two-stream extras), then the
// CPU's even-row/column pick for stride 2. For tests of whole layers.
import { Rsp } from './sim.js';
import { be16, fromBe16, dmaLen } from './kernels/common.js';
import type { RspLayerPlan } from './plan.js';
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

/** x: the layer input [C][H][W] int16; returns the layer output and the executed instructions. */
export function runLayerPlan(plan: RspLayerPlan, x: Int16Array, engine?: TaskEngine): { y: Int16Array; instructions: number } {
  const rsp = new Rsp(1 << 20); // 1 MiB, as the z64 runner models
  let inp = x;
  if (plan.pad) {
    const { C, H, W, IWp } = plan.pad;
    inp = new Int16Array(C * (H + 2) * IWp);
    for (let c = 0; c < C; c++) for (let r = 0; r < H; r++) for (let i = 0; i < W; i++) inp[(c * (H + 2) + r + 1) * IWp + i + 1] = x[(c * H + r) * W + i]!;
  }
  if (plan.deint) inp = deinterleave(x, plan.deint);
  if (plan.padb) {
    // as dnnc_rsp_run_layer_pad: only rows 0 / H+1 and columns 0 / W+1 zeroed, garbage where the tasks must not read
    const { C, H, W, IWp } = plan.padb;
    inp = new Int16Array(C * (H + 2) * IWp).fill(0x5a5a);
    for (let c = 0; c < C; c++) {
      inp.fill(0, c * (H + 2) * IWp, (c * (H + 2) + 1) * IWp);
      inp.fill(0, (c * (H + 2) + H + 1) * IWp, (c * (H + 2) + H + 2) * IWp);
      for (let r = 0; r < H; r++) {
        const row = (c * (H + 2) + r + 1) * IWp;
        inp[row] = 0; inp[row + W + 1] = 0;
        for (let i = 0; i < W; i++) inp[row + i + 1] = x[(c * H + r) * W + i]!;
      }
    }
  }
  const al = (v: number) => (v + 63) & ~63;
  const xAt = 0x1000, yAt = xAt + al(plan.inBytes), cAt = yAt + al(plan.outBytes), wAt = cAt + 0x1000;
  rsp.rdram.set(be16(inp), xAt);
  for (const t of plan.tasks) {
    if (wAt + (t.in1?.data.length ?? 0) > rsp.rdram.length) throw new Error('task data do not fit the modelled RDRAM');
    rsp.rdram.set(t.kernel.constData, cAt);
    if (t.in1) rsp.rdram.set(t.in1.data, wAt);
    rsp.dmem.fill(0);
    const dv = new DataView(rsp.dmem.buffer);
    const words = [t.ntiles, cAt, t.kernel.constData.length ? dmaLen(Math.ceil(t.kernel.constData.length / 8) * 8) : 0, 0,
      xAt + t.inOff, t.inStride, t.inLen, t.inStep2 ?? 0, t.in1 ? wAt : 0, t.in1?.stride ?? 0, t.in1?.len ?? 0, t.in1?.step2 ?? 0,
      yAt + t.outOff, t.outStride, t.outLen, t.outStep2 ?? 0];
    words.forEach((v, i) => dv.setUint32(4 * i, v >>> 0, false));
    if (engine) {
      const imem = new Uint8Array(4096);
      imem.set(t.kernel.image.imem);
      rsp.rdram.set(engine(rsp.rdram, rsp.dmem, imem));
    } else {
      rsp.loadImem(t.kernel.image.imem);
      rsp.run(0);
      rsp.drain();
    }
  }
  let y = fromBe16(rsp.rdram, yAt, plan.outBytes / 2);
  if (plan.sub) {
    const { C, H, W } = plan.sub, oh = H / 2, ow = W / 2, s = new Int16Array(C * oh * ow);
    for (let c = 0; c < C; c++) for (let r = 0; r < oh; r++) for (let i = 0; i < ow; i++) s[(c * oh + r) * ow + i] = y[(c * H + 2 * r) * W + 2 * i]!;
    y = s;
  }
  return { y, instructions: rsp.stats.instructions };
}
