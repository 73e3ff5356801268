/* dnnc runtime: seeded PRNG and token sampling (see sample.h). */
#include "sample.h"
#include <math.h>

uint32_t dnnc_rng_next(uint32_t *state) {
  uint32_t x = *state;
  if (x == 0u) x = 0x9e3779b9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

float dnnc_rng_uniform(uint32_t *state) {
  return (float)(dnnc_rng_next(state) >> 8) * (1.0f / 16777216.0f);
}

static int32_t dnnc_argmax(const float *x, int32_t n) {
  int32_t i, best = 0;
  for (i = 1; i < n; i++)
    if (x[i] > x[best]) best = i;
  return best;
}

int32_t dnnc_sample(const float *logits, int32_t n, float temperature, int32_t top_k, uint32_t *state) {
  int32_t i, k, last = 0;
  float maxv, cut, sum, u, acc;
  if (n <= 0) return 0;
  if (temperature <= 0.0f || top_k == 1 || n == 1) return dnnc_argmax(logits, n);
  maxv = logits[dnnc_argmax(logits, n)];
  /* cut: the k-th largest distinct value (k passes over the logits, no buffer) */
  cut = -INFINITY;
  if (top_k > 0 && top_k < n) {
    float prev = maxv;
    int32_t kept = 0;
    cut = maxv;
    for (k = 0; k < top_k; k++) {
      int32_t count = 0;
      float next = -INFINITY;
      if (k > 0) {
        for (i = 0; i < n; i++)
          if (logits[i] < prev && logits[i] > next) next = logits[i];
        if (next == -INFINITY) break;
        prev = cut = next;
      }
      for (i = 0; i < n; i++)
        if (logits[i] == cut) count++;
      kept += count;
      if (kept >= top_k) break;
    }
  }
  sum = 0.0f;
  for (i = 0; i < n; i++)
    if (logits[i] >= cut) sum += expf((logits[i] - maxv) / temperature);
  u = dnnc_rng_uniform(state) * sum;
  acc = 0.0f;
  for (i = 0; i < n; i++) {
    if (logits[i] < cut) continue;
    acc += expf((logits[i] - maxv) / temperature);
    last = i;
    if (u < acc) return i;
  }
  return last;
}
