#include "sample.h"
#include <math.h>

uint32_t dnnc_rng_next(uint32_t *state) {
  uint32_t x = *state ? *state : 0x9e3779b9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

float dnnc_rng_uniform(uint32_t *state) {
  return (float)(dnnc_rng_next(state) >> 8) * (1.0f / 16777216.0f);
}

/* the k-th largest logit (k >= 1), without sorting or extra memory */
static float kth_largest(const float *x, int32_t n, int32_t k) {
  float bound = INFINITY;
  int32_t taken = 0;
  while (taken < k) {
    float best = -INFINITY;
    int32_t i, count = 0;
    for (i = 0; i < n; i++) if (x[i] < bound && x[i] > best) best = x[i];
    for (i = 0; i < n; i++) if (x[i] == best) count++;
    if (count == 0) return bound;
    taken += count;
    bound = best;
  }
  return bound;
}

int32_t dnnc_sample(const float *logits, int32_t n, float temperature, int32_t top_k, uint32_t *state) {
  int32_t i, arg = 0;
  float mx, floor_v = -INFINITY, sum = 0.0f, u;
  if (n <= 0) return 0;
  mx = logits[0];
  for (i = 1; i < n; i++) if (logits[i] > mx) { mx = logits[i]; arg = i; }
  if (!(temperature > 0.0f)) return arg;
  if (top_k > 0 && top_k < n) floor_v = kth_largest(logits, n, top_k);
  for (i = 0; i < n; i++) if (logits[i] >= floor_v) sum += expf((logits[i] - mx) / temperature);
  u = dnnc_rng_uniform(state) * sum;
  for (i = 0; i < n; i++) {
    if (logits[i] < floor_v) continue;
    u -= expf((logits[i] - mx) / temperature);
    if (u < 0.0f) return i;
  }
  return arg;
}
