// Models of test/rsp/layout.test.ts: feature maps whose widths / position
// counts are not multiples of 8 and pointwise rows beyond the SP DMA skip.
import { writeModel, tmpDir } from '../helpers.js';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';

type Layer = { op: 'pw' | 'dw' | 'c3' | 'mp' | 'cv'; co?: number; s?: number; bias?: number; k?: [number, number]; pads?: [number, number, number, number] };

function chain(name: string, input: [number, number, number], layers: Layer[]): OnnxBuilder {
  const b = new OnnxBuilder(name);
  let [c, h, w] = input;
  b.input('x', 'float32', [1, c, h, w]);
  let cur = 'x';
  layers.forEach((l, i) => {
    if (l.op === 'mp') {
      const [y] = b.node('MaxPool', [cur], { kernel_shape: [2, 2], strides: [2, 2] }, i === layers.length - 1 ? ['y'] : undefined);
      h = Math.floor(h / 2); w = Math.floor(w / 2); cur = y!;
      return;
    }
    const s = l.s ?? 1, co = l.op === 'dw' ? c : l.co ?? c;
    const k1 = l.op === 'pw' ? 1 : 3, pad = l.op === 'pw' ? 0 : 1;
    const [kh, kw] = l.k ?? [k1, k1], pads = l.pads ?? [pad, pad, pad, pad];
    const wt = b.init(`w${i}`, seededTensor([co, l.op === 'dw' ? 1 : c, kh, kw], 100 + 2 * i, l.op === 'pw' ? 0.4 : 0.3));
    const bt = b.init(`b${i}`, seededTensor([co], 101 + 2 * i, l.bias ?? 0.1));
    const [y] = b.node('Conv', [cur, wt, bt], { kernel_shape: [kh, kw], pads, strides: [s, s], ...(l.op === 'dw' ? { group: c } : {}) });
    h = Math.floor((h + pads[0] + pads[2] - kh) / s) + 1; w = Math.floor((w + pads[1] + pads[3] - kw) / s) + 1; c = co;
    const last = i === layers.length - 1;
    const [r] = b.node('Relu', [y!], {}, last ? ['y'] : undefined);
    cur = r!;
  });
  b.output('y', 'float32', [1, c, h, w]);
  return b;
}

/**
 * 42x50 input: pointwise 8->8 at HW=2100 (row skip beyond 12 bits, not a multiple of 8: tile-contiguous staging with a
 * partial last tile), depthwise 3x3 stride 2 at W=50, depthwise 3x3 stride 1 at W=25, pointwise 8->4 at HW=525, 3x3 4->4 at W=25.
 */
export function wideModel(): string {
  return writeModel(chain('rsp_wide', [8, 42, 50], [{ op: 'pw', co: 8 }, { op: 'dw', s: 2 }, { op: 'dw' }, { op: 'pw', co: 4 }, { op: 'c3', co: 4 }]), tmpDir('rsp-wide'));
}

/** 12x12 input: pointwise stride 2 (N=36), 3x3 8->8 at W=6, 2x2 max pool to W=3, depthwise at W=3, pointwise at HW=9. */
export function smallModel(): string {
  return writeModel(chain('rsp_small', [8, 12, 12], [{ op: 'pw', co: 8, s: 2 }, { op: 'c3', co: 8 }, { op: 'mp' }, { op: 'dw' }, { op: 'pw', co: 16 }]), tmpDir('rsp-small'));
}

/**
 * 6x6 input of 128 channels: pointwise 128->16 at HW=36 (input tiles too large to double-buffer: one input buffer) with
 * biases beyond 32 bits at the int16 scales (folded into constant input rows), 3x3 depthwise at W=6.
 */
export function deepModel(): string {
  return writeModel(chain('rsp_deep', [128, 6, 6], [{ op: 'pw', co: 16, bias: 6 }, { op: 'dw' }]), tmpDir('rsp-deep'));
}

/**
 * Full convolutions no direct kernel takes, as the gemm kernel on an im2col copy: 5x5 stride 2 pads 2 3->4 on 96x96
 * (N=2304: tile-contiguous, whole tiles per output row), 5x3 stride 2 pads 2,1 4->4 at 48x48. (A 3x3 stride 2 stem
 * runs on the direct conv3x3c kernel.)
 */
export function stemModel(): string {
  return writeModel(chain('rsp_stem', [3, 96, 96], [{ op: 'cv', co: 4, s: 2, k: [5, 5], pads: [2, 2, 2, 2] }, { op: 'cv', co: 4, s: 2, k: [5, 3], pads: [2, 1, 2, 1] }]), tmpDir('rsp-stem'));
}

/** The DS-CNN stem shape: 10x4 stride 2, pads 4,1,5,2, 1 -> 8 channels on 49x10 (N=125, flat rows). */
export function kwsModel(): string {
  return writeModel(chain('rsp_kws', [1, 49, 10], [{ op: 'cv', co: 8, s: 2, k: [10, 4], pads: [4, 1, 5, 2] }]), tmpDir('rsp-kws'));
}

/** Rows beyond one tile: pointwise 256->32 at 8x8 (K=256, chunked over K: gemmchunk.ts) and 3x3 32->8 at 8x8 (the chunked conv3x3c; as im2col K=288 + gemmchunk in the simulator test). */
export function chunkModel(): string {
  return writeModel(chain('rsp_chunk', [256, 8, 8], [{ op: 'pw', co: 32 }, { op: 'cv', co: 8 }]), tmpDir('rsp-chunk'));
}
