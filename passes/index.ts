// Every pass registers itself on import; the default pipeline is listed here.
import './shape-infer.js';
import './const-fold.js';
import './dce.js';
import './fold-batchnorm.js';
import './fuse-activation.js';
import './schedule.js';
import './plan-memory.js';
import './quantize.js';
import './quantize-qdq.js';
import './quantize-cleanup.js';
import './fuse-patches.js';
export { getPass, allPasses, type Pass, type PassContext } from './pass.js';

export const DEFAULT_PIPELINE = [
  'shape-infer',
  'quantize-qdq',
  'quantize-cleanup',
  'const-fold',
  'dce',
  'fold-batchnorm',
  'fuse-activation',
  'dce',
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
