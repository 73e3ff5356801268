/* dnnc bare-metal N64: the C99 math functions model code and kernels call.
   Written for the VR4300's double-precision FPU: every function is computed
   in double (argument reduction with split constants, then a polynomial or a
   series), and the float versions round the double result, which keeps them
   within about one ulp of the correctly rounded value. Rounding functions work
   on the bits or with the 2^52 trick under the default round-to-nearest mode.
   Huge arguments of sin/cos/tan (|x| > 1e6) lose accuracy (no Payne-Hanek). */
#include <stdint.h>
#include <math.h>

typedef union {
  double d;
  uint64_t u;
} dbits;

typedef union {
  float f;
  uint32_t u;
} fbits;

static const double LN2_HI = 6.93147180369123816490e-01; /* ln 2, upper bits (exact times small ints) */
static const double LN2_LO = 1.90821492927058770002e-10;
static const double LN2 = 0.69314718055994530942;
static const double INV_LN2 = 1.44269504088896338700;
static const double PI = 3.14159265358979323846;
static const double PIO2_1 = 1.57079632673412561417e+00; /* pi/2 in three parts */
static const double PIO2_2 = 6.07710050630396597660e-11;
static const double PIO2_3 = 2.02226624879595063154e-21;
static const double TWO52 = 4503599627370496.0;

double fabs(double x) {
  dbits b;
  b.d = x;
  b.u &= ~((uint64_t)1 << 63);
  return b.d;
}
float fabsf(float x) {
  fbits b;
  b.f = x;
  b.u &= 0x7fffffffu;
  return b.f;
}

double copysign(double x, double y) {
  dbits a, b;
  a.d = x;
  b.d = y;
  a.u = (a.u & ~((uint64_t)1 << 63)) | (b.u & ((uint64_t)1 << 63));
  return a.d;
}
float copysignf(float x, float y) {
  fbits a, b;
  a.f = x;
  b.f = y;
  a.u = (a.u & 0x7fffffffu) | (b.u & 0x80000000u);
  return a.f;
}

/* sqrt.d / sqrt.s instructions (-fno-math-errno) */
double sqrt(double x) { return __builtin_sqrt(x); }
float sqrtf(float x) { return __builtin_sqrtf(x); }

/* 2^e times x, exact unless the result over- or underflows */
double ldexp(double x, int e) {
  dbits b;
  if (x == 0 || x != x || fabs(x) > 1.7976931348623157e308) return x;
  while (e > 1000) { x *= 0x1p1000; e -= 1000; if (fabs(x) > 1.7976931348623157e308) return x; }
  while (e < -1000) { x *= 0x1p-1000; e += 1000; if (x == 0) return x; }
  if (e > 0) {
    int h = e / 2;
    b.u = (uint64_t)(1023 + h) << 52;
    x *= b.d;
    b.u = (uint64_t)(1023 + e - h) << 52;
    return x * b.d;
  }
  if (e < 0) {
    int h = -e / 2;
    b.u = (uint64_t)(1023 - h) << 52;
    x *= b.d;
    b.u = (uint64_t)(1023 - (-e - h)) << 52;
    return x * b.d;
  }
  return x;
}
float ldexpf(float x, int e) { return (float)ldexp((double)x, e); }

double frexp(double x, int *e) {
  dbits b;
  int ex;
  *e = 0;
  if (x == 0 || x != x || fabs(x) > 1.7976931348623157e308) return x;
  b.d = x;
  ex = (int)((b.u >> 52) & 0x7ff);
  if (ex == 0) { /* subnormal */
    b.d = x * 0x1p64;
    ex = (int)((b.u >> 52) & 0x7ff) - 64;
  }
  *e = ex - 1022;
  b.u = (b.u & ~((uint64_t)0x7ff << 52)) | ((uint64_t)1022 << 52);
  return b.d;
}
float frexpf(float x, int *e) { return (float)frexp((double)x, e); }

/* ---- rounding ---- */

double rint(double x) {
  double a = fabs(x), r;
  if (!(a < TWO52)) return x; /* integral already, inf or nan */
  r = (a + TWO52) - TWO52;       /* rounds to nearest even in the FPU */
  return copysign(r, x);
}
double nearbyint(double x) { return rint(x); }
double trunc(double x) {
  double a = fabs(x), r;
  if (!(a < TWO52)) return x;
  r = rint(a);
  if (r > a) r -= 1.0;
  return copysign(r, x);
}
double floor(double x) {
  double r = trunc(x);
  if (r > x) r -= 1.0;
  return r == 0 ? copysign(0.0, x) : r;
}
double ceil(double x) {
  double r = trunc(x);
  if (r < x) r += 1.0;
  return r == 0 ? copysign(0.0, x) : r;
}
double round(double x) {
  double a = fabs(x), r;
  if (!(a < TWO52)) return x;
  r = trunc(a);
  if (a - r >= 0.5) r += 1.0;
  return copysign(r, x);
}
long lrint(double x) { return (long)rint(x); }
long lround(double x) { return (long)round(x); }

static const float TWO23 = 8388608.0f;
float rintf(float x) {
  float a = fabsf(x), r;
  if (!(a < TWO23)) return x;
  r = (a + TWO23) - TWO23;
  return copysignf(r, x);
}
float nearbyintf(float x) { return rintf(x); }
float truncf(float x) {
  float a = fabsf(x), r;
  if (!(a < TWO23)) return x;
  r = rintf(a);
  if (r > a) r -= 1.0f;
  return copysignf(r, x);
}
float floorf(float x) {
  float r = truncf(x);
  if (r > x) r -= 1.0f;
  return r == 0 ? copysignf(0.0f, x) : r;
}
float ceilf(float x) {
  float r = truncf(x);
  if (r < x) r += 1.0f;
  return r == 0 ? copysignf(0.0f, x) : r;
}
float roundf(float x) {
  float a = fabsf(x), r;
  if (!(a < TWO23)) return x;
  r = truncf(a);
  if (a - r >= 0.5f) r += 1.0f;
  return copysignf(r, x);
}
long lrintf(float x) { return (long)rintf(x); }
long lroundf(float x) { return (long)roundf(x); }

double fmax(double x, double y) { return x != x ? y : y != y ? x : (x > y ? x : (x < y ? y : (signbit(x) ? y : x))); }
double fmin(double x, double y) { return x != x ? y : y != y ? x : (x < y ? x : (x > y ? y : (signbit(x) ? x : y))); }
float fmaxf(float x, float y) { return x != x ? y : y != y ? x : (x > y ? x : (x < y ? y : (signbit(x) ? y : x))); }
float fminf(float x, float y) { return x != x ? y : y != y ? x : (x < y ? x : (x > y ? y : (signbit(x) ? x : y))); }

/* x - n*y with n = trunc(x/y), exactly: subtract y*2^k (Sterbenz: each step is exact) */
double fmod(double x, double y) {
  double ax = fabs(x), ay = fabs(y);
  if (x != x || y != y || ay == 0 || ax > 1.7976931348623157e308) return __builtin_nan("");
  if (ay > 1.7976931348623157e308 || ax < ay) return x;
  while (ax >= ay) {
    int ex, ey;
    double t;
    frexp(ax, &ex);
    frexp(ay, &ey);
    t = ldexp(ay, ex - ey);
    if (t > ax) t = ldexp(ay, ex - ey - 1);
    ax -= t;
  }
  return copysign(ax, x);
}
float fmodf(float x, float y) { return (float)fmod((double)x, (double)y); }

double remainder(double x, double y) {
  double r = fmod(x, y), ay = fabs(y), ar;
  if (r != r) return r;
  ar = fabs(r);
  /* fmod gives |r| < |y|: move to [-|y|/2, |y|/2], ties to even quotient */
  if (ar > ay - ar || (ar == ay - ar && fmod(trunc(x / y), 2.0) != 0)) r = r > 0 ? r - ay : r + ay;
  return r;
}
float remainderf(float x, float y) { return (float)remainder((double)x, (double)y); }

double fma(double x, double y, double z) { return x * y + z; } /* not fused: the VR4300 has no FMA */
float fmaf(float x, float y, float z) { return (float)((double)x * (double)y + (double)z); } /* exact product in double */

/* ---- exponentials and logarithms ---- */

/* e^r for |r| <= ln2/2 + a little: Taylor to degree 13 (error < 1e-17 relative) */
static double exp_poly(double r) {
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  return p * r * r + r; /* e^r - 1 */
}

double exp(double x) {
  double k, r;
  if (x != x) return x;
  if (x > 709.782712893384) return __builtin_inf();
  if (x < -745.2) return 0.0;
  if (fabs(x) < 0x1p-54) return 1.0 + x;
  k = rint(x * INV_LN2);
  r = (x - k * LN2_HI) - k * LN2_LO;
  return ldexp(1.0 + exp_poly(r), (int)k);
}
float expf(float x) { return (float)exp((double)x); }
double exp2(double x) { return exp(x * LN2); }
float exp2f(float x) { return (float)exp2((double)x); }

double expm1(double x) {
  double k, r, e;
  if (x != x) return x;
  if (x > 709.782712893384) return __builtin_inf();
  if (x < -40.0) return -1.0;
  if (fabs(x) <= 0.34657359027997264) return exp_poly(x); /* |x| <= ln2/2: no reduction, no cancellation */
  k = rint(x * INV_LN2);
  r = (x - k * LN2_HI) - k * LN2_LO;
  e = exp_poly(r); /* e^x - 1 = 2^k (e^r - 1) + 2^k - 1 */
  return ldexp(e, (int)k) + (ldexp(1.0, (int)k) - 1.0);
}
float expm1f(float x) { return (float)expm1((double)x); }

/* log(1+f) for f = m-1, m in [sqrt(1/2), sqrt(2)): s = f/(2+f), log = 2 atanh(s) */
static double log_core(double m) {
  double f = m - 1.0, s = f / (2.0 + f), z = s * s, p;
  p = 1.0 / 23;
  p = p * z + 1.0 / 21;
  p = p * z + 1.0 / 19;
  p = p * z + 1.0 / 17;
  p = p * z + 1.0 / 15;
  p = p * z + 1.0 / 13;
  p = p * z + 1.0 / 11;
  p = p * z + 1.0 / 9;
  p = p * z + 1.0 / 7;
  p = p * z + 1.0 / 5;
  p = p * z + 1.0 / 3;
  /* log(m) = 2 atanh(s) = 2s + 2s^3/3 + 2s^5/5 + ... = 2s (1 + z p) */
  return 2.0 * s + 2.0 * s * (z * p);
}

double log(double x) {
  int e;
  double m;
  if (x != x || x < 0) return x != x ? x : __builtin_nan("");
  if (x == 0) return -__builtin_inf();
  if (x > 1.7976931348623157e308) return x;
  m = frexp(x, &e); /* x = m 2^e, m in [0.5, 1) */
  if (m < 0.70710678118654752440) { m *= 2.0; e--; }
  return (double)e * LN2_HI + (log_core(m) + (double)e * LN2_LO);
}
float logf(float x) { return (float)log((double)x); }
double log2(double x) { return log(x) * INV_LN2; }
float log2f(float x) { return (float)log2((double)x); }
double log10(double x) { return log(x) * 0.43429448190325182765; }
float log10f(float x) { return (float)log10((double)x); }

double log1p(double x) {
  double u;
  if (x != x) return x;
  if (x < -1.0) return __builtin_nan("");
  if (x == -1.0) return -__builtin_inf();
  if (fabs(x) < 0x1p-54) return x;
  u = 1.0 + x;
  if (u == 1.0) return x;
  /* log(u) * x / (u - 1): corrects the rounding of 1 + x */
  return log(u) * (x / (u - 1.0));
}
float log1pf(float x) { return (float)log1p((double)x); }

/* x^n for an integer n by squaring (exact while the products fit in 53 bits) */
static double powi(double x, uint32_t n) {
  double r = 1.0;
  while (n) {
    if (n & 1u) r *= x;
    x *= x;
    n >>= 1;
  }
  return r;
}

double pow(double x, double y) {
  double ay = fabs(y), ax, r;
  int yint, yodd;
  if (y == 0) return 1.0;
  if (x == 1.0) return 1.0;
  if (x != x || y != y) return x + y;
  yint = ay < TWO52 * 2 ? (trunc(y) == y) : 1;
  yodd = yint && ay < TWO52 * 2 && fmod(ay, 2.0) == 1.0;
  if (ay > 1.7976931348623157e308) { /* y = +-inf */
    ax = fabs(x);
    if (ax == 1.0) return 1.0;
    return (ax > 1.0) == (y > 0) ? __builtin_inf() : 0.0;
  }
  if (x == 0) {
    if (y > 0) return yodd ? x : 0.0;
    return yodd ? copysign(__builtin_inf(), x) : __builtin_inf();
  }
  if (fabs(x) > 1.7976931348623157e308) { /* x = +-inf */
    if (y < 0) return yodd ? copysign(0.0, x) : 0.0;
    return yodd ? x : __builtin_inf();
  }
  if (x < 0 && !yint) return __builtin_nan("");
  ax = fabs(x);
  if (yint && ay <= 64.0) {
    r = powi(ax, (uint32_t)ay);
    if (y < 0) r = 1.0 / r;
  } else {
    /* e^(y log|x|): log|x| = e ln2 + log(m) with the ln2 product split to keep the bits */
    int e;
    double m = frexp(ax, &e), lm, hi, lo;
    if (m < 0.70710678118654752440) { m *= 2.0; e--; }
    lm = log_core(m);
    hi = y * ((double)e * LN2_HI);
    lo = y * ((double)e * LN2_LO + lm);
    if (hi + lo > 709.8) r = __builtin_inf();
    else if (hi + lo < -745.2) r = 0.0;
    else r = exp(hi) * exp(lo);
  }
  return (x < 0 && yodd) ? -r : r;
}
float powf(float x, float y) { return (float)pow((double)x, (double)y); }

double cbrt(double x) {
  double r;
  int i;
  if (x == 0 || x != x || fabs(x) > 1.7976931348623157e308) return x;
  r = copysign(exp(log(fabs(x)) / 3.0), x);
  for (i = 0; i < 2; i++) r = r - (r * r * r - x) / (3.0 * r * r); /* Newton */
  return r;
}
float cbrtf(float x) { return (float)cbrt((double)x); }

double hypot(double x, double y) {
  double a = fabs(x), b = fabs(y), t;
  if (a > 1.7976931348623157e308 || b > 1.7976931348623157e308) return __builtin_inf();
  if (a != a || b != b) return a + b;
  if (a < b) { t = a; a = b; b = t; }
  if (a == 0) return 0.0;
  t = b / a;
  return a * sqrt(1.0 + t * t);
}
float hypotf(float x, float y) { double a = x, b = y; return (float)sqrt(a * a + b * b); }

/* ---- hyperbolic ---- */

double sinh(double x) {
  double a = fabs(x), e;
  if (x != x) return x;
  if (a > 710.0) return copysign(__builtin_inf(), x);
  if (a > 709.0) { e = exp(0.5 * a); return copysign(0.5 * e * e, x); }
  e = expm1(a);
  return copysign(0.5 * (e + e / (e + 1.0)), x);
}
float sinhf(float x) { return (float)sinh((double)x); }

double cosh(double x) {
  double a = fabs(x), e;
  if (x != x) return x;
  if (a > 710.5) return __builtin_inf();
  if (a > 709.0) { e = exp(0.5 * a); return 0.5 * e * e; }
  e = exp(a);
  return 0.5 * (e + 1.0 / e);
}
float coshf(float x) { return (float)cosh((double)x); }

double tanh(double x) {
  double a = fabs(x), e;
  if (x != x) return x;
  if (a > 22.0) return copysign(1.0, x);
  e = expm1(2.0 * a);
  return copysign(e / (e + 2.0), x);
}
float tanhf(float x) { return (float)tanh((double)x); }

double asinh(double x) {
  double a = fabs(x), r;
  if (x != x || a > 1.7976931348623157e308) return x;
  if (a > 1e9) r = log(a) + LN2;
  else r = log1p(a + a * a / (1.0 + sqrt(1.0 + a * a)));
  return copysign(r, x);
}
float asinhf(float x) { return (float)asinh((double)x); }

double acosh(double x) {
  double t;
  if (x != x) return x;
  if (x < 1.0) return __builtin_nan("");
  if (x > 1e9) return log(x) + LN2;
  t = x - 1.0;
  return log1p(t + sqrt(2.0 * t + t * t));
}
float acoshf(float x) { return (float)acosh((double)x); }

double atanh(double x) {
  double a = fabs(x);
  if (x != x) return x;
  if (a > 1.0) return __builtin_nan("");
  if (a == 1.0) return copysign(__builtin_inf(), x);
  return copysign(0.5 * log1p(2.0 * a / (1.0 - a)), x);
}
float atanhf(float x) { return (float)atanh((double)x); }

/* ---- trigonometric ---- */

/* sin and cos on |r| <= pi/4 (+ a little): Taylor series to degree 17 / 18 */
static double sin_poly(double r) {
  double z = r * r, p = -1.0 / 355687428096000.0;
  p = p * z + 1.0 / 1307674368000.0;
  p = p * z - 1.0 / 6227020800.0;
  p = p * z + 1.0 / 39916800.0;
  p = p * z - 1.0 / 362880.0;
  p = p * z + 1.0 / 5040.0;
  p = p * z - 1.0 / 120.0;
  p = p * z + 1.0 / 6.0;
  return r - r * z * p;
}
static double cos_poly(double r) {
  double z = r * r, p = 1.0 / 6402373705728000.0;
  p = p * z - 1.0 / 20922789888000.0;
  p = p * z + 1.0 / 87178291200.0;
  p = p * z - 1.0 / 479001600.0;
  p = p * z + 1.0 / 3628800.0;
  p = p * z - 1.0 / 40320.0;
  p = p * z + 1.0 / 720.0;
  p = p * z - 1.0 / 24.0;
  return 1.0 - 0.5 * z - z * z * p;
}

/* x = n pi/2 + r; returns n mod 4 */
static int reduce_pio2(double x, double *r) {
  double n = rint(x * (2.0 / PI));
  *r = ((x - n * PIO2_1) - n * PIO2_2) - n * PIO2_3;
  return (int)(n - 4.0 * floor(n * 0.25));
}

double sin(double x) {
  double r;
  if (x != x || fabs(x) > 1.7976931348623157e308) return __builtin_nan("");
  if (fabs(x) < 0x1p-27) return x;
  switch (reduce_pio2(x, &r)) {
    case 0: return sin_poly(r);
    case 1: return cos_poly(r);
    case 2: return -sin_poly(r);
    default: return -cos_poly(r);
  }
}
double cos(double x) {
  double r;
  if (x != x || fabs(x) > 1.7976931348623157e308) return __builtin_nan("");
  switch (reduce_pio2(x, &r)) {
    case 0: return cos_poly(r);
    case 1: return -sin_poly(r);
    case 2: return -cos_poly(r);
    default: return sin_poly(r);
  }
}
double tan(double x) {
  double r;
  int q;
  if (x != x || fabs(x) > 1.7976931348623157e308) return __builtin_nan("");
  if (fabs(x) < 0x1p-27) return x;
  q = reduce_pio2(x, &r);
  return (q & 1) ? -cos_poly(r) / sin_poly(r) : sin_poly(r) / cos_poly(r);
}
float sinf(float x) { return (float)sin((double)x); }
float cosf(float x) { return (float)cos((double)x); }
float tanf(float x) { return (float)tan((double)x); }

/* atan on [0, 1]: reduce to |t| <= tan(pi/12) around pi/6, then the series */
static double atan01(double a) {
  static const double SQRT3 = 1.73205080756887729353, TAN_PI_12 = 0.26794919243112270647;
  double off = 0, t = a, z, p;
  int k;
  if (a > TAN_PI_12) {
    t = (a * SQRT3 - 1.0) / (SQRT3 + a);
    off = PI / 6.0;
  }
  z = t * t;
  p = 0;
  for (k = 27; k >= 3; k -= 2) p = p * z + ((k / 2) % 2 ? -1.0 : 1.0) / k;
  return off + (t + t * z * p);
}

double atan(double x) {
  double a = fabs(x), r;
  if (x != x) return x;
  if (a > 1.7976931348623157e308) return copysign(PI / 2, x);
  if (a <= 1.0) r = atan01(a);
  else r = PI / 2 - atan01(1.0 / a);
  return copysign(r, x);
}
float atanf(float x) { return (float)atan((double)x); }

double atan2(double y, double x) {
  double r;
  if (x != x || y != y) return x + y;
  if (x == 0 && y == 0) return signbit(x) ? copysign(PI, y) : copysign(0.0, y);
  if (fabs(x) >= fabs(y)) {
    if (fabs(x) > 1.7976931348623157e308 && fabs(y) > 1.7976931348623157e308) r = PI / 4;
    else r = atan(fabs(y) / fabs(x));
    if (x < 0) r = PI - r;
  } else {
    r = PI / 2 - atan(fabs(x) / fabs(y));
    if (x < 0) r = PI / 2 + atan(fabs(x) / fabs(y));
  }
  return copysign(r, y);
}
float atan2f(float y, float x) { return (float)atan2((double)y, (double)x); }

double asin(double x) {
  double a = fabs(x);
  if (x != x || a > 1.0) return __builtin_nan("");
  if (a == 1.0) return copysign(PI / 2, x);
  if (a < 0x1p-27) return x;
  return atan(x / sqrt((1.0 - a) * (1.0 + a)));
}
double acos(double x) {
  if (x != x || fabs(x) > 1.0) return __builtin_nan("");
  if (x == -1.0) return PI;
  return 2.0 * atan(sqrt((1.0 - x) / (1.0 + x)));
}
float asinf(float x) { return (float)asin((double)x); }
float acosf(float x) { return (float)acos((double)x); }

/* ---- error function ---- */

/* erf(x) = 2/sqrt(pi) e^(-x^2) sum 2^n x^(2n+1) / (1 3 5 ... (2n+1)): all terms
   positive, so no cancellation; about 2x^2 + 30 terms. erfc for x > 0.5 by
   the continued fraction (Lentz), so the tail keeps its relative accuracy. */
static double erf_series(double a) {
  double z = a * a, term = a, sum = a;
  int n;
  for (n = 1; n < 400; n++) {
    term *= 2.0 * z / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return 1.12837916709551257390 * exp(-z) * sum;
}

static double erfc_cf(double a) {
  /* erfc(a) = e^(-a^2)/sqrt(pi) * 1/(a + 1/2/(a + 1/(a + 3/2/(a + 2/(a + ...))))) */
  double f, C, D, delta;
  int n;
  f = a;
  C = a;
  D = 0;
  for (n = 1; n < 500; n++) {
    double an = n * 0.5;
    D = a + an * D;
    D = D == 0 ? 1e-300 : D;
    C = a + an / C;
    C = C == 0 ? 1e-300 : C;
    D = 1.0 / D;
    delta = C * D;
    f *= delta;
    if (fabs(delta - 1.0) < 1e-16) break;
  }
  return 0.56418958354775628695 * exp(-a * a) / f;
}

double erf(double x) {
  double a = fabs(x);
  if (x != x) return x;
  if (a >= 6.0) return copysign(1.0, x);
  if (a < 2.5) return copysign(erf_series(a), x);
  return copysign(1.0 - erfc_cf(a), x);
}
double erfc(double x) {
  if (x != x) return x;
  if (x < 0.5) return 1.0 - erf(x);
  if (x > 27.3) return 0.0;
  return erfc_cf(x);
}
float erff(float x) { return (float)erf((double)x); }
float erfcf(float x) { return (float)erfc((double)x); }
