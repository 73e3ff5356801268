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

/* 64-bit shifts, multiply and bit counts on 32-bit halves */
typedef union {
  uint64_t u;
  int64_t s;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  struct { uint32_t lo, hi; } w; /* (host builds of the tests) */
#else
  struct { uint32_t hi, lo; } w; /* big-endian VR4300: high word first */
#endif
} dw;

uint64_t __ashldi3(uint64_t a, int b);
uint64_t __lshrdi3(uint64_t a, int b);
int64_t __ashrdi3(int64_t a, int b);
uint64_t __muldi3(uint64_t a, uint64_t b);
uint32_t __bswapsi2(uint32_t x);
uint64_t __bswapdi2(uint64_t x);
int __clzsi2(uint32_t x);
int __ctzsi2(uint32_t x);
int __clzdi2(uint64_t x);
int __ctzdi2(uint64_t x);
int __popcountsi2(uint32_t x);
int __popcountdi2(uint64_t x);
int __cmpdi2(int64_t a, int64_t b);
int __ucmpdi2(uint64_t a, uint64_t b);

uint64_t __ashldi3(uint64_t a, int b) {
  dw x, r;
  x.u = a;
  b &= 63;
  if (b == 0) return a;
  if (b >= 32) { r.w.hi = x.w.lo << (b - 32); r.w.lo = 0; }
  else { r.w.hi = (x.w.hi << b) | (x.w.lo >> (32 - b)); r.w.lo = x.w.lo << b; }
  return r.u;
}
uint64_t __lshrdi3(uint64_t a, int b) {
  dw x, r;
  x.u = a;
  b &= 63;
  if (b == 0) return a;
  if (b >= 32) { r.w.lo = x.w.hi >> (b - 32); r.w.hi = 0; }
  else { r.w.lo = (x.w.lo >> b) | (x.w.hi << (32 - b)); r.w.hi = x.w.hi >> b; }
  return r.u;
}
int64_t __ashrdi3(int64_t a, int b) {
  dw x, r;
  uint32_t sign;
  x.s = a;
  b &= 63;
  if (b == 0) return a;
  sign = (x.w.hi & 0x80000000u) ? 0xffffffffu : 0u;
  if (b >= 32) { r.w.lo = (uint32_t)((int32_t)x.w.hi >> (b - 32)); r.w.hi = sign; }
  else { r.w.lo = (x.w.lo >> b) | (x.w.hi << (32 - b)); r.w.hi = (uint32_t)((int32_t)x.w.hi >> b); }
  return r.s;
}
uint64_t __muldi3(uint64_t a, uint64_t b) {
  dw x, y, r;
  uint32_t a0, a1, b0, b1, p00, p01, p10, p11, mid, lo;
  x.u = a;
  y.u = b;
  /* low word product in 16-bit pieces (no 32x32->64 helper needed) */
  a0 = x.w.lo & 0xffffu; a1 = x.w.lo >> 16; b0 = y.w.lo & 0xffffu; b1 = y.w.lo >> 16;
  p00 = a0 * b0; p01 = a0 * b1; p10 = a1 * b0; p11 = a1 * b1;
  mid = (p00 >> 16) + (p01 & 0xffffu) + (p10 & 0xffffu);
  lo = (p00 & 0xffffu) | (mid << 16);
  r.w.hi = p11 + (p01 >> 16) + (p10 >> 16) + (mid >> 16) + x.w.hi * y.w.lo + x.w.lo * y.w.hi;
  r.w.lo = lo;
  return r.u;
}
uint32_t __bswapsi2(uint32_t x) { return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24); }
uint64_t __bswapdi2(uint64_t a) {
  dw x, r;
  x.u = a;
  r.w.hi = __bswapsi2(x.w.lo);
  r.w.lo = __bswapsi2(x.w.hi);
  return r.u;
}
int __clzsi2(uint32_t x) {
  int n = 0;
  if (!x) return 32;
  while (!(x & 0x80000000u)) { x <<= 1; n++; }
  return n;
}
int __ctzsi2(uint32_t x) {
  int n = 0;
  if (!x) return 32;
  while (!(x & 1u)) { x >>= 1; n++; }
  return n;
}
int __clzdi2(uint64_t a) {
  dw x;
  x.u = a;
  return x.w.hi ? __clzsi2(x.w.hi) : 32 + __clzsi2(x.w.lo);
}
int __ctzdi2(uint64_t a) {
  dw x;
  x.u = a;
  return x.w.lo ? __ctzsi2(x.w.lo) : 32 + __ctzsi2(x.w.hi);
}
int __popcountsi2(uint32_t x) {
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  x = (x + (x >> 4)) & 0x0f0f0f0fu;
  return (int)((x * 0x01010101u) >> 24);
}
int __popcountdi2(uint64_t a) {
  dw x;
  x.u = a;
  return __popcountsi2(x.w.hi) + __popcountsi2(x.w.lo);
}
/* 0, 1, 2 for less, equal, greater */
int __cmpdi2(int64_t a, int64_t b) { return a < b ? 0 : a > b ? 2 : 1; }
int __ucmpdi2(uint64_t a, uint64_t b) { return a < b ? 0 : a > b ? 2 : 1; }
