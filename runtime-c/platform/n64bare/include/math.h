/* dnnc bare-metal N64: the C99 <math.h> functions model code and kernels use,
   implemented in libm.c (double precision; float versions round the double
   result, so they are within about one ulp). */
#ifndef DNNC_N64BARE_MATH_H
#define DNNC_N64BARE_MATH_H

#define INFINITY (__builtin_inff())
#define NAN (__builtin_nanf(""))
#define HUGE_VAL (__builtin_huge_val())
#define HUGE_VALF (__builtin_huge_valf())
#define M_PI 3.14159265358979323846
#define isnan(x) __builtin_isnan(x)
#define isinf(x) __builtin_isinf_sign(x)
#define isfinite(x) __builtin_isfinite(x)
#define signbit(x) __builtin_signbit(x)
typedef float float_t;
typedef double double_t;

#define DNNC_M1(name) double name(double x); float name##f(float x);
#define DNNC_M2(name) double name(double x, double y); float name##f(float x, float y);
DNNC_M1(fabs) DNNC_M1(sqrt) DNNC_M1(floor) DNNC_M1(ceil) DNNC_M1(trunc) DNNC_M1(round) DNNC_M1(rint) DNNC_M1(nearbyint)
DNNC_M1(exp) DNNC_M1(exp2) DNNC_M1(expm1) DNNC_M1(log) DNNC_M1(log2) DNNC_M1(log10) DNNC_M1(log1p)
DNNC_M1(sin) DNNC_M1(cos) DNNC_M1(tan) DNNC_M1(asin) DNNC_M1(acos) DNNC_M1(atan)
DNNC_M1(sinh) DNNC_M1(cosh) DNNC_M1(tanh) DNNC_M1(asinh) DNNC_M1(acosh) DNNC_M1(atanh)
DNNC_M1(erf) DNNC_M1(erfc) DNNC_M1(cbrt)
DNNC_M2(pow) DNNC_M2(fmod) DNNC_M2(fmax) DNNC_M2(fmin) DNNC_M2(atan2) DNNC_M2(copysign) DNNC_M2(hypot) DNNC_M2(remainder)
#undef DNNC_M1
#undef DNNC_M2
double ldexp(double x, int e);
float ldexpf(float x, int e);
double frexp(double x, int *e);
float frexpf(float x, int *e);
double fma(double x, double y, double z);
float fmaf(float x, float y, float z);
long lrint(double x);
long lrintf(float x);
long lround(double x);
long lroundf(float x);
#endif
