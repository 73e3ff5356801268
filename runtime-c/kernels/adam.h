/* Optimizer steps of the generated trainers (dnnc compile --train). */
#ifndef DNNC_ADAM_H
#define DNNC_ADAM_H

#include <stdint.h>

/* Adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
   p -= lr * (m * c1) / (sqrt(v * c2) + eps), with the bias corrections
   c1 = 1 / (1 - b1^t), c2 = 1 / (1 - b2^t) computed by the caller. */
void dnnc_adam_step(float *p, const float *g, float *m, float *v, int32_t n,
                    float lr, float b1, float b2, float eps, float c1, float c2);

/* Plain gradient descent: p -= lr g. */
void dnnc_sgd_step(float *p, const float *g, int32_t n, float lr);

#endif
