// Every op file registers itself on import; add new op files here.
import './elementwise.js';
import './nn.js';
import './shape.js';
import './indexing.js';
import './quant.js';
import './nn-extra.js';
import './resize.js';
import './rnn.js';
import './signal.js';
import './state.js';
import './attention.js';
import './train.js';
import './patch.js';
export { getOp, allOps, registerOp } from './registry.js';
