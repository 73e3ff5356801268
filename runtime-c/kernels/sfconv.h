/* Float32 convolution and dense kernels for targets without an FPU
   (ESP32-C3, rv32imc): products of decoded mantissas accumulate exactly
   enough in an int64 fixed-point accumulator, one float conversion per
   output instead of a soft-float multiply and add per multiply-accumulate. */
#ifndef DNNC_SFCONV_H
#define DNNC_SFCONV_H
#include "dnnc.h"
#include "conv.h"
#include "gemm.h"

/* wemax: the largest biased exponent of the weights (computed by the compiler
   for constant weights; -1: scan at run time). Same results as the float
   kernels within |err| <= 2 * K * 2^-30 * max|x| * max|w| (+ float rounding of
   the output); inputs holding inf or nan take the float kernels. */
void dnnc_sfconv2d_f32(const float *x, const float *w, const float *b, float *y, const dnnc_conv2d_params *p, int32_t wemax);
void dnnc_sfgemm_f32(const float *a, const float *b, const float *c, float *y, const dnnc_gemm_params *p, int32_t wemax);

#endif
