/* Tiled float32 convolution: the tile loops around dnnc_conv2d_f32 (see tile.h for the scratch layout). */
#ifndef DNNC_TILE_CONV_H
#define DNNC_TILE_CONV_H
#include "tile.h"
#include "conv.h"

/* Returns 0, or non-zero when a scratch transfer broke the bounds / DMA rules. */
int dnnc_tiled_conv2d_f32(const float *x, const float *w, const float *b, float *y, const dnnc_conv2d_params *p,
                          const dnnc_tile_params *t, uint8_t *scratch);

#endif
