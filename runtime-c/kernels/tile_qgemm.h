/* Tiled quantized Gemm / MatMul (int8, int16; w stored [N][K]): the tile
   loops around the raw-accumulator kernels of qgemm.c (see tile.h). */
#ifndef DNNC_TILE_QGEMM_H
#define DNNC_TILE_QGEMM_H
#include "tile.h"
#include "qgemm.h"

int dnnc_tiled_qgemm_i8(const int8_t *a, const int8_t *w, const int32_t *b, int8_t *y, const dnnc_qgemm_params *p,
                        const dnnc_tile_params *t, uint8_t *scratch);
int dnnc_tiled_qgemm_i16(const int16_t *a, const int16_t *w, const int64_t *b, int16_t *y, const dnnc_qgemm_params *p,
                         const dnnc_tile_params *t, uint8_t *scratch);

#endif
