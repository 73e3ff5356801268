/* dnnc runtime: a seeded PRNG (xorshift32) and next-token sampling from logits
   (greedy, temperature, top-k). No allocation; deterministic for a given seed on
   every target (single-precision float arithmetic only). */
#ifndef DNNC_SAMPLE_H
#define DNNC_SAMPLE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Next 32-bit value of the xorshift32 generator; *state is updated (a zero state is
   replaced by a fixed non-zero one, so every seed works). */
uint32_t dnnc_rng_next(uint32_t *state);

/* Uniform float in [0, 1) with 24 random bits. */
float dnnc_rng_uniform(uint32_t *state);

/* Index of the next token drawn from logits[0..n-1]. temperature <= 0 or top_k == 1:
   greedy (the first largest logit, no random draw). Otherwise softmax(logits / temperature)
   over the top_k largest logits (top_k <= 0 or >= n: all of them; ties at the k-th
   value are all kept), one draw of dnnc_rng_uniform. */
int32_t dnnc_sample(const float *logits, int32_t n, float temperature, int32_t top_k, uint32_t *state);

#ifdef __cplusplus
}
#endif

#endif /* DNNC_SAMPLE_H */
