#include "adam.h"
#include <math.h>

void dnnc_adam_step(float *p, const float *g, float *m, float *v, int32_t n,
                    float lr, float b1, float b2, float eps, float c1, float c2) {
  int32_t i;
  for (i = 0; i < n; i++) {
    float gi = g[i];
    m[i] = b1 * m[i] + (1.0f - b1) * gi;
    v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
    p[i] -= lr * (m[i] * c1) / (sqrtf(v[i] * c2) + eps);
  }
}

void dnnc_sgd_step(float *p, const float *g, int32_t n, float lr) {
  int32_t i;
  for (i = 0; i < n; i++) p[i] -= lr * g[i];
}
