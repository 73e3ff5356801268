/* Sampling a token from logits: xorshift32 random numbers and
   temperature / top-k sampling. Deterministic for a given state. */
#ifndef DNNC_SAMPLE_H
#define DNNC_SAMPLE_H

#include <stdint.h>

/* Next xorshift32 value; *state must not be 0 (0 is replaced by a fixed seed). */
uint32_t dnnc_rng_next(uint32_t *state);
/* Uniform float in [0, 1). */
float dnnc_rng_uniform(uint32_t *state);
/* Draw an index in [0, n) with probability softmax(logits / temperature),
   restricted to the top_k largest logits (top_k <= 0: all). temperature <= 0
   picks the largest logit. */
int32_t dnnc_sample(const float *logits, int32_t n, float temperature, int32_t top_k, uint32_t *state);

#endif
