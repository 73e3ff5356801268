/* Tiled float32 Gemm / MatMul: the tile loops around dnnc_gemm_f32 (see tile.h for the scratch layout). */
#ifndef DNNC_TILE_GEMM_H
#define DNNC_TILE_GEMM_H
#include "tile.h"
#include "gemm.h"

int dnnc_tiled_gemm_f32(const float *a, const float *b, const float *c, float *y, const dnnc_gemm_params *p,
                        const dnnc_tile_params *t, uint8_t *scratch);

#endif
