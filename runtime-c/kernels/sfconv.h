/* Float32 convolution and dense kernels for targets without an FPU
   (ESP32-C3, rv32imc): products of decoded mantissas accumulate exactly
   enough in an int64 fixed-point accumulator, one float conversion per
   output instead of a soft-float multiply and add per multiply-accumulate. */
#ifndef DNNC_SFCONV_H
#define DNNC_SFCONV_H
#include "dnnc.h"

/* the fields of dnnc_conv2d_params and dnnc_gemm_params (kernels/conv.h,
   gemm.h), repeated so that this kernel needs neither file */
typedef struct {
  int32_t n, cin, ih, iw;
  int32_t cout, oh, ow;
  int32_t kh, kw;
  int32_t sh, sw, dh, dw;
  int32_t pt, pl;
  int32_t group;
  float act_min, act_max;
} dnnc_sfconv2d_params;

typedef struct {
  int32_t M, N, K;
  int32_t trans_a, trans_b;
  float alpha, beta;
  int32_t c_sm, c_sn;
  float act_min, act_max;
} dnnc_sfgemm_params;

/* wemax: the largest biased exponent of the weights (computed by the compiler
   for constant weights; -1: scan at run time). Same results as the float
   kernels within |err| <= 2 * K * 2^-30 * max|x| * max|w| (+ float rounding of
   the output); inputs holding inf or nan take plain float loops. */
void dnnc_sfconv2d_f32(const float *x, const float *w, const float *b, float *y, const dnnc_sfconv2d_params *p, int32_t wemax);
void dnnc_sfgemm_f32(const float *a, const float *b, const float *c, float *y, const dnnc_sfgemm_params *p, int32_t wemax);
/* output rows [oy0, oy1) with row-ring input/output (see kernels/rows.h), for fused patches */
void dnnc_sfconv2d_rows_f32(const float *x, int32_t xring, const float *w, const float *b, float *y, int32_t yring,
                            int32_t oy0, int32_t oy1, const dnnc_sfconv2d_params *p, int32_t wemax);

#endif
