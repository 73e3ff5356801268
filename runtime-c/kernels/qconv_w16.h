/* Quantized convolution with int8 activations and int16 weights: for uint8
   (or int8) weights whose zero point leaves w - w_zp outside int8 (up to
   [-255, 255]). int32 bias and accumulators, as onnxruntime. */
#ifndef DNNC_QCONV_W16_H
#define DNNC_QCONV_W16_H
#include "qconv.h"

/* acc = b + sum (x - x_zp) * w, requantized to int8. */
void dnnc_qconv2d_i8w16(const int8_t *x, const int16_t *w, const int32_t *b, int8_t *y, const dnnc_qconv2d_params *p);
/* ConvInteger: the int32 accumulator itself. */
void dnnc_qconv2d_i8w16_i32(const int8_t *x, const int16_t *w, const int32_t *b, int32_t *y, const dnnc_qconv2d_params *p);

#endif
