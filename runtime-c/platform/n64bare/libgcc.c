/* dnnc bare-metal N64: the compiler support routines gcc calls for 64-bit
   integers under the o32 ABI (32-bit registers), written here because Debian's
   mips64 cross compiler ships no o32 libgcc. Only 32-bit operations and
   constant 64-bit shifts (inlined by gcc) are used inside, so nothing here
   calls itself. */
#include <stdint.h>

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);
double __floatdidf(int64_t a);
double __floatundidf(uint64_t a);
float __floatdisf(int64_t a);
float __floatundisf(uint64_t a);
uint64_t __fixunsdfdi(double d);
int64_t __fixdfdi(double d);
uint64_t __fixunssfdi(float f);
int64_t __fixsfdi(float f);

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem) {
  uint64_t q = 0, r = 0;
  int i;
  if ((uint32_t)(n >> 32) == 0 && (uint32_t)(d >> 32) == 0) {
    uint32_t a = (uint32_t)n, b = (uint32_t)d;
    if (b == 0) { if (rem) *rem = 0; return 0; }
    if (rem) *rem = a % b;
    return a / b;
  }
  if (d == 0) { if (rem) *rem = 0; return 0; }
  /* restoring division, one bit at a time */
  for (i = 0; i < 64; i++) {
    r = (r << 1) | (n >> 63);
    n <<= 1;
    q <<= 1;
    if (r >= d) {
      r -= d;
      q |= 1u;
    }
  }
  if (rem) *rem = r;
  return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d) { return __udivmoddi4(n, d, 0); }
uint64_t __umoddi3(uint64_t n, uint64_t d) {
  uint64_t r;
  __udivmoddi4(n, d, &r);
  return r;
}
int64_t __divdi3(int64_t n, int64_t d) {
  uint64_t un = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n, ud = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
  uint64_t q = __udivmoddi4(un, ud, 0);
  return (int64_t)(((n < 0) != (d < 0)) ? (uint64_t)0 - q : q);
}
int64_t __moddi3(int64_t n, int64_t d) {
  uint64_t un = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n, ud = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d, r;
  __udivmoddi4(un, ud, &r);
  return (int64_t)(n < 0 ? (uint64_t)0 - r : r);
}

/* hi * 2^32 and lo are exact in double; their sum is rounded once */
double __floatdidf(int64_t a) { return (double)(int32_t)(a >> 32) * 4294967296.0 + (double)(uint32_t)a; }
double __floatundidf(uint64_t a) { return (double)(uint32_t)(a >> 32) * 4294967296.0 + (double)(uint32_t)a; }

/* through double: exact below 2^53; above, rounded twice (at most one float ulp off) */
float __floatdisf(int64_t a) { return (float)__floatdidf(a); }
float __floatundisf(uint64_t a) { return (float)__floatundidf(a); }

uint64_t __fixunsdfdi(double d) {
  uint32_t hi, lo;
  if (!(d >= 1.0)) return 0; /* also NaN */
  if (d >= 18446744073709551616.0) return ~(uint64_t)0;
  hi = (uint32_t)(d * (1.0 / 4294967296.0));
  lo = (uint32_t)(d - (double)hi * 4294967296.0); /* exact */
  return ((uint64_t)hi << 32) | lo;
}
int64_t __fixdfdi(double d) {
  if (d < 0) {
    if (d <= -9223372036854775808.0) return (int64_t)((uint64_t)1 << 63);
    return (int64_t)((uint64_t)0 - __fixunsdfdi(-d));
  }
  if (d >= 9223372036854775807.0) return (int64_t)(~(uint64_t)0 >> 1);
  return (int64_t)__fixunsdfdi(d);
}
uint64_t __fixunssfdi(float f) { return __fixunsdfdi((double)f); }
int64_t __fixsfdi(float f) { return __fixdfdi((double)f); }
