// Every pass registers itself on import; the default pipeline is listed here.
import './shape-infer.js';
import './const-fold.js';
import './dce.js';
import './fold-batchnorm.js';
import './fuse-activation.js';
import './fuse-layernorm.js';
import './fuse-gelu.js';
import './fuse-attention.js';
import './tied-weights.js';
import './conv-weights-fp16.js';
import './schedule.js';
import './plan-memory.js';
import './state.js';
import './quantize.js';
import './quantize-qdq.js';
import './quantize-cleanup.js';
import './autodiff.js';
import './tile.js';
import './rsp.js';
import './fuse-patches.js';
export { getPass, allPasses, type Pass, type PassContext } from './pass.js';

export const DEFAULT_PIPELINE = [
  'shape-infer',
  'quantize-qdq',
  'quantize-cleanup',
  'tied-weights',
  'const-fold',
  'dce',
  'fold-batchnorm',
  'fuse-layernorm',
  'fuse-gelu',
  'fuse-attention',
  'fuse-activation',
  'dce',
  'conv-weights-fp16',
  'schedule',
  'plan-memory',
];

/** The pipeline of a post-training-quantized compile (--quantize). */
export const QUANT_PIPELINE = [
  ...DEFAULT_PIPELINE.slice(0, -2),
  'quantize',
  'dce',
  'schedule',
  'plan-memory',
];

/** The pipeline of a training compile (--train): the loss and backward pass, then the usual clean-up and planning. */
export const TRAIN_PIPELINE = [
  'shape-infer',
  'autodiff',
  'shape-infer',
  'const-fold',
  'dce',
  'schedule',
  'plan-memory',
];
