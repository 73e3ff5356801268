/* Tiled quantized convolution (int8, int16): the tile loops around the
   raw-accumulator kernels of qconv.c (see tile.h for the scratch layout). */
#ifndef DNNC_TILE_QCONV_H
#define DNNC_TILE_QCONV_H
#include "tile.h"
#include "qconv.h"

int dnnc_tiled_qconv2d_i8(const int8_t *x, const int8_t *w, const int32_t *b, int8_t *y, const dnnc_qconv2d_params *p,
                          const dnnc_tile_params *t, uint8_t *scratch);
int dnnc_tiled_qconv2d_i16(const int16_t *x, const int16_t *w, const int64_t *b, int16_t *y, const dnnc_qconv2d_params *p,
                           const dnnc_tile_params *t, uint8_t *scratch);

#endif
