// A reference trainer for the microgpt layout (compiler/onnx/gpt-train.ts)
// in plain TypeScript, float64, with a hand-written backward pass, for
// checking the generated trainer: same initial parameters, same documents
// in the same order, same loss, Adam and learning-rate schedule. It does not
// use the IR: it is an independent statement of what training computes.
import type { GptConfig } from './onnx/gpt.js';
import { encodeDoc, type TrainRequest } from './train.js';

type Mat = Float64Array;

/** y[M,N] = x[M,K] w[K,N] */
function mm(x: Mat, w: Mat, M: number, K: number, N: number): Mat {
  const y = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) {
    const a = x[i * K + k]!;
    if (a === 0) continue;
    for (let j = 0; j < N; j++) y[i * N + j]! += a * w[k * N + j]!;
  }
  return y;
}

/** dw[K,N] += x[M,K]^T dy[M,N]; returns dx[M,K] = dy w^T */
function mmBack(x: Mat, w: Mat, dy: Mat, dw: Mat, M: number, K: number, N: number): Mat {
  const dx = new Float64Array(M * K);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) {
    let s = 0;
    const a = x[i * K + k]!;
    for (let j = 0; j < N; j++) {
      const d = dy[i * N + j]!;
      dw[k * N + j]! += a * d;
      s += d * w[k * N + j]!;
    }
    dx[i * K + k] = s;
  }
  return dx;
}

export const MICROGPT_PARAMS = ['wte', 'wpe', 'l0.q.weight', 'l0.k.weight', 'l0.v.weight', 'l0.o.weight', 'l0.fc1.weight', 'l0.fc2.weight', 'lm_head'];

/** Loss and gradients of one document (one layer, as buildGptTrain). */
export function microgptStep(c: GptConfig, p: Record<string, Mat>, tokens: number[], targets: number[], n: number): { loss: number; grads: Record<string, Mat> } {
  const { vocab: V, embd: C, heads: H, ffn: F } = c;
  const D = C / H, scale = 1 / Math.sqrt(D);
  const g: Record<string, Mat> = {};
  for (const [k, v] of Object.entries(p)) g[k] = new Float64Array(v.length);
  const x = new Float64Array(n * C);
  for (let t = 0; t < n; t++) for (let i = 0; i < C; i++) x[t * C + i] = p.wte![tokens[t]! * C + i]! + p.wpe![t * C + i]!;
  const q = mm(x, p['l0.q.weight']!, n, C, C), k = mm(x, p['l0.k.weight']!, n, C, C), v = mm(x, p['l0.v.weight']!, n, C, C);
  const att = new Float64Array(H * n * n);
  const y = new Float64Array(n * C);
  for (let h = 0; h < H; h++) for (let t = 0; t < n; t++) {
    let mx = -Infinity;
    const row = h * n * n + t * n;
    for (let u = 0; u <= t; u++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += q[t * C + h * D + d]! * k[u * C + h * D + d]!;
      att[row + u] = s * scale;
      mx = Math.max(mx, s * scale);
    }
    let sum = 0;
    for (let u = 0; u <= t; u++) { att[row + u] = Math.exp(att[row + u]! - mx); sum += att[row + u]!; }
    for (let u = 0; u <= t; u++) att[row + u]! /= sum;
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let u = 0; u <= t; u++) s += att[row + u]! * v[u * C + h * D + d]!;
      y[t * C + h * D + d] = s;
    }
  }
  const o = mm(y, p['l0.o.weight']!, n, C, C);
  const x1 = x.map((a, i) => a + o[i]!);
  const a = mm(x1, p['l0.fc1.weight']!, n, C, F);
  const r = a.map((z) => (z > 0 ? z : 0));
  const f = mm(r, p['l0.fc2.weight']!, n, F, C);
  const x2 = x1.map((z, i) => z + f[i]!);
  const logits = mm(x2, p.lm_head!, n, C, V);
  let loss = 0;
  const dlog = new Float64Array(n * V);
  for (let t = 0; t < n; t++) {
    let mx = -Infinity;
    for (let j = 0; j < V; j++) mx = Math.max(mx, logits[t * V + j]!);
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp(logits[t * V + j]! - mx);
    const lse = mx + Math.log(sum);
    loss += (lse - logits[t * V + targets[t]!]!) / n;
    for (let j = 0; j < V; j++) dlog[t * V + j] = (Math.exp(logits[t * V + j]! - lse) - (j === targets[t] ? 1 : 0)) / n;
  }
  // backward
  const dx2 = mmBack(x2, p.lm_head!, dlog, g.lm_head!, n, C, V);
  const dr = mmBack(r, p['l0.fc2.weight']!, dx2, g['l0.fc2.weight']!, n, F, C);
  const da = dr.map((z, i) => (a[i]! > 0 ? z : 0));
  const dx1 = mmBack(x1, p['l0.fc1.weight']!, da, g['l0.fc1.weight']!, n, C, F).map((z, i) => z + dx2[i]!);
  const dy = mmBack(y, p['l0.o.weight']!, dx1, g['l0.o.weight']!, n, C, C);
  const dq = new Float64Array(n * C), dk = new Float64Array(n * C), dv = new Float64Array(n * C);
  for (let h = 0; h < H; h++) for (let t = 0; t < n; t++) {
    const row = h * n * n + t * n;
    const datt = new Float64Array(t + 1);
    let dot = 0;
    for (let u = 0; u <= t; u++) {
      let s = 0;
      for (let d = 0; d < D; d++) {
        s += dy[t * C + h * D + d]! * v[u * C + h * D + d]!;
        dv[u * C + h * D + d]! += att[row + u]! * dy[t * C + h * D + d]!;
      }
      datt[u] = s;
      dot += s * att[row + u]!;
    }
    for (let u = 0; u <= t; u++) {
      const ds = att[row + u]! * (datt[u]! - dot) * scale;
      for (let d = 0; d < D; d++) {
        dq[t * C + h * D + d]! += ds * k[u * C + h * D + d]!;
        dk[u * C + h * D + d]! += ds * q[t * C + h * D + d]!;
      }
    }
  }
  const dx = dx1.slice();
  for (const [name, dd] of [['l0.q.weight', dq], ['l0.k.weight', dk], ['l0.v.weight', dv]] as const) {
    const d = mmBack(x, p[name]!, dd, g[name]!, n, C, C);
    for (let i = 0; i < d.length; i++) dx[i]! += d[i]!;
  }
  for (let t = 0; t < n; t++) for (let i = 0; i < C; i++) {
    g.wte![tokens[t]! * C + i]! += dx[t * C + i]!;
    g.wpe![t * C + i]! += dx[t * C + i]!;
  }
  return { loss, grads: g };
}

/** Train like the generated trainer; returns the loss of every step. */
export function referenceTrain(c: GptConfig, init: Record<string, ArrayLike<number>>, docs: string[], vocab: string, req: Pick<TrainRequest, 'lr' | 'betas' | 'eps' | 'lrDecay' | 'optimizer'>, steps: number, totalSteps = steps): number[] {
  const p: Record<string, Mat> = {}, m: Record<string, Mat> = {}, v: Record<string, Mat> = {};
  for (const [k, a] of Object.entries(init)) { p[k] = Float64Array.from(a); m[k] = new Float64Array(a.length); v[k] = new Float64Array(a.length); }
  const losses: number[] = [];
  const [b1, b2] = req.betas;
  for (let s = 0; s < steps; s++) {
    const doc = docs[s % docs.length]!;
    const { tokens, targets, n } = encodeDoc(doc, vocab, c.context);
    const { loss, grads } = microgptStep(c, p, tokens, targets, n);
    losses.push(loss);
    const lr = req.lr * (req.lrDecay === 'linear' ? 1 - s / totalSteps : 1);
    const c1 = 1 / (1 - b1 ** (s + 1)), c2 = 1 / (1 - b2 ** (s + 1));
    for (const k of Object.keys(p)) {
      const P = p[k]!, G = grads[k]!, M = m[k]!, W = v[k]!;
      for (let i = 0; i < P.length; i++) {
        if (req.optimizer === 'sgd') { P[i]! -= lr * G[i]!; continue; }
        M[i] = b1 * M[i]! + (1 - b1) * G[i]!;
        W[i] = b2 * W[i]! + (1 - b2) * G[i]! * G[i]!;
        P[i]! -= (lr * M[i]! * c1) / (Math.sqrt(W[i]! * c2) + req.eps);
      }
    }
  }
  return losses;
}
