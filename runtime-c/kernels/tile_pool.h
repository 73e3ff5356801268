/* Tiled float32 max / average pooling (see tile.h for the scratch layout). */
#ifndef DNNC_TILE_POOL_H
#define DNNC_TILE_POOL_H
#include "tile.h"
#include "pool.h"

/* is_max: 1 max pool, 0 average pool */
int dnnc_tiled_pool2d_f32(const float *x, float *y, const dnnc_pool2d_params *p, int32_t is_max,
                          const dnnc_tile_params *t, uint8_t *scratch);

#endif
