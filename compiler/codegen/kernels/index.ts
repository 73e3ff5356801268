// Every kernel emitter file registers itself on import; add new files here.
import './elementwise.js';
import './nn.js';
import './data.js';
import './reduce.js';
import './indexing.js';
import './loss.js';
import './quant.js';
import './norm.js';
import './conv-nd.js';
import './nn-extra.js';
import './resize.js';
import './rnn.js';
import './signal.js';
import './state.js';
import './attention.js';
import './train.js';
import './patch.js';
export { getKernel, kernelOps } from './registry.js';
