// A fixed sample of ONNX backend node tests from the neural-network kernel
// families (normalization, ConvTranspose, Resize, GridSample, RNNs, N-D pooling,
// RoiAlign, signal ops, QLinearConv/QLinearMatMul), run through the conformance runner: compile, build,
// run every data set, compare with the ONNX reference outputs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { listNodeTests } from '../../scripts/testdata.js';
import { runNodeTest, ObjectCache, defaultWorkDir } from '../../scripts/conformance-lib.js';

const SAMPLE = [
  'test_layer_normalization_2d_axis0', 'test_layer_normalization_3d_axis1_epsilon', 'test_layer_normalization_4d_axis_negative_2',
  'test_layer_normalization_default_axis', 'test_instancenorm_example', 'test_lrn', 'test_mvn',
  'test_convtranspose', 'test_convtranspose_1d', 'test_convtranspose_3d', 'test_convtranspose_autopad_same',
  'test_convtranspose_output_shape', 'test_convtranspose_dilations', 'test_convtranspose_kernel_shape',
  'test_resize_upsample_scales_nearest', 'test_resize_downsample_scales_linear', 'test_resize_upsample_scales_cubic',
  'test_resize_tf_crop_and_resize', 'test_resize_upsample_sizes_nearest_ceil_half_pixel',
  'test_resize_downsample_scales_cubic_A_n0p5_exclude_outside', 'test_resize_upsample_scales_linear_align_corners',
  'test_resize_downsample_sizes_linear_pytorch_half_pixel', 'test_upsample_nearest',
  'test_gridsample', 'test_gridsample_bicubic', 'test_gridsample_reflection_padding', 'test_gridsample_nearest',
  'test_lstm_with_peepholes', 'test_lstm_batchwise', 'test_gru_seq_length', 'test_gru_with_initial_bias',
  'test_simple_rnn_batchwise', 'test_rnn_seq_length',
  'test_maxpool_with_argmax_2d_precomputed_pads', 'test_maxpool_3d_default', 'test_averagepool_3d_default',
  'test_maxpool_2d_uint8', 'test_averagepool_2d_ceil', 'test_maxunpool_export_with_output_shape',
  'test_roialign_aligned_true', 'test_dft_inverse', 'test_stft_with_window', 'test_melweightmatrix', 'test_shrink_soft',
  'test_slice_neg_steps', 'test_constantofshape_int_shape_zero',
  // quantized: uint8 weights whose zero point leaves w - w_zp outside int8, batched B
  'test_qlinearconv', 'test_qlinearmatmul_2D', 'test_qlinearmatmul_3D',
];

let objects: ObjectCache;
let work: string;
const dirs = new Map(listNodeTests().map((d) => [path.basename(d), d]));

beforeAll(() => {
  work = defaultWorkDir();
  objects = new ObjectCache(path.join(work, 'obj'));
});
afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('ONNX node tests: neural-network kernels (sample)', () => {
  it.each(SAMPLE)('%s passes', async (name) => {
    const dir = dirs.get(name);
    expect(dir, `${name} is not in the test data`).toBeDefined();
    const r = await runNodeTest(dir!, { objects, workDir: work });
    expect(r.reason ?? '', name).toBe('');
    expect(r.status).toBe('pass');
  });
});
