/* dnnc bare-metal N64 layer (see n64bare.h): IS-Viewer output, Count timer,
   PI DMA, cache maintenance, the exception report, and the small C library
   the model code and kernels need (mem*, str*, snprintf, abs, abort).
   Built with -fno-tree-loop-distribute-patterns so memcpy/memset are never
   turned into calls to themselves. */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include "n64bare.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define PI_BASE 0xA4600000u
#define PI_DRAM_ADDR REG32(PI_BASE + 0x00)
#define PI_CART_ADDR REG32(PI_BASE + 0x04)
#define PI_WR_LEN REG32(PI_BASE + 0x0C)
#define PI_STATUS REG32(PI_BASE + 0x10)
#define PI_STATUS_BUSY 3u       /* DMA busy | I/O busy */
#define PI_STATUS_CLR_INTR 2u

/* IS-Viewer: text bytes at 0x13FF0020 (32-bit big-endian words), then their
   count at 0x13FF0014; the window is 4 KB */
#define IS_BASE 0xB3FF0000u
#define IS_LEN (IS_BASE + 0x14u)
#define IS_DATA (IS_BASE + 0x20u)
#define IS_CHUNK 512u

uint32_t n64_count(void) {
  uint32_t c;
  __asm__ volatile("mfc0 %0, $9" : "=r"(c));
  return c;
}

static void pi_idle(void) {
  while (PI_STATUS & PI_STATUS_BUSY) {}
}

static void is_write(const char *s, uint32_t n) {
  uint32_t i, k;
  pi_idle(); /* the IS-Viewer sits on the cartridge bus: not while a DMA runs */
  for (i = 0; i < n; i += 4) {
    uint32_t w = 0;
    for (k = 0; k < 4; k++) w = (w << 8) | (i + k < n ? (uint8_t)s[i + k] : 0u);
    REG32(IS_DATA + i) = w;
  }
  REG32(IS_LEN) = n;
}

/* one write per line: mupen64plus 2.5.9 prints the text up to the first '\n'
   of a write and drops the rest */
void n64_puts(const char *s) {
  while (*s) {
    uint32_t n = 0;
    while (s[n] && s[n] != '\n' && n < IS_CHUNK) n++;
    if (s[n] == '\n') n++;
    is_write(s, n);
    s += n;
  }
}

void n64_printf(const char *fmt, ...) {
  char line[IS_CHUNK];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  n64_puts(line);
}

int printf(const char *fmt, ...) {
  char line[IS_CHUNK];
  int n;
  va_list ap;
  va_start(ap, fmt);
  n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  n64_puts(line);
  return n;
}

uint32_t n64_cart_read32(uint32_t cart_addr) {
  pi_idle();
  return REG32(0xA0000000u | cart_addr);
}

/* VR4300 data cache: 8 KB, direct mapped, 16-byte lines */
#define N64_DCACHE_SIZE 8192u
#define N64_DCACHE_LINE 16u

void n64_dcache_writeback_invalidate(const void *p, uint32_t bytes) {
  uintptr_t a = (uintptr_t)p & ~(uintptr_t)(N64_DCACHE_LINE - 1u), end = (uintptr_t)p + bytes;
  if (end - a >= N64_DCACHE_SIZE) {
    /* a range at least as large as the cache: every line once by index (Index_Writeback_Invalidate_D
       on KSEG0 addresses 0..8 KB), 512 cache ops whatever the range, 4 per loop */
    for (a = 0x80000000u; a < 0x80000000u + N64_DCACHE_SIZE; a += 4u * N64_DCACHE_LINE)
      __asm__ volatile("cache 0x01, 0(%0)\n\tcache 0x01, 16(%0)\n\tcache 0x01, 32(%0)\n\tcache 0x01, 48(%0)" : : "r"(a) : "memory");
    return;
  }
  for (; a < end; a += N64_DCACHE_LINE) __asm__ volatile("cache 0x15, 0(%0)" : : "r"(a) : "memory");
}

void n64_pi_read_async(void *dst, uint32_t cart_addr, uint32_t bytes) {
  if (!bytes) return;
  n64_dcache_writeback_invalidate(dst, bytes);
  pi_idle(); /* one transfer at a time: wait for the previous one */
  PI_STATUS = PI_STATUS_CLR_INTR;
  PI_DRAM_ADDR = (uint32_t)(uintptr_t)dst & 0x1FFFFFFFu;
  PI_CART_ADDR = cart_addr;
  PI_WR_LEN = bytes - 1u;
}

void n64_pi_wait(void) {
  pi_idle();
  PI_STATUS = PI_STATUS_CLR_INTR;
}

/* called from crt0's exception vectors: say what happened, then stop */
void n64_exception(uint32_t cause, uint32_t epc, uint32_t badvaddr);
void n64_exception(uint32_t cause, uint32_t epc, uint32_t badvaddr) {
  static const char *const names[32] = {
    "interrupt", "TLB modification", "TLB load", "TLB store", "address error (load)", "address error (store)",
    "bus error (fetch)", "bus error (data)", "syscall", "breakpoint", "reserved instruction", "coprocessor unusable",
    "integer overflow", "trap (integer division by zero?)", "?", "floating-point", "?", "?", "?", "?", "?", "?", "?",
    "watch", "?", "?", "?", "?", "?", "?", "?", "?",
  };
  uint32_t code = (cause >> 2) & 31u;
  uint32_t fcsr;
  __asm__ volatile("cfc1 %0, $31" : "=r"(fcsr));
  n64_printf("\nFAIL CPU exception %lu (%s) at pc 0x%08lx, bad address 0x%08lx, cause 0x%08lx, fcsr 0x%08lx\n",
             (unsigned long)code, names[code], (unsigned long)epc, (unsigned long)badvaddr, (unsigned long)cause, (unsigned long)fcsr);
  for (;;) {}
}

void abort(void) {
  n64_puts("\nFAIL abort()\n");
  for (;;) {}
}

int abs(int x) { return x < 0 ? -x : x; }
long labs(long x) { return x < 0 ? -x : x; }
long long llabs(long long x) { return x < 0 ? -x : x; }

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
    for (; n >= 16; n -= 16, d += 16, s += 16) {
      uint32_t a = ((const uint32_t *)s)[0], b = ((const uint32_t *)s)[1], c = ((const uint32_t *)s)[2], e = ((const uint32_t *)s)[3];
      ((uint32_t *)d)[0] = a; ((uint32_t *)d)[1] = b; ((uint32_t *)d)[2] = c; ((uint32_t *)d)[3] = e;
    }
    for (; n >= 4; n -= 4, d += 4, s += 4) *(uint32_t *)d = *(const uint32_t *)s;
  }
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  if (d == s || !n) return dst;
  if (d < s || d >= s + n) return memcpy(dst, src, n);
  while (n--) d[n] = s[n];
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  uint8_t *d = (uint8_t *)dst;
  uint8_t b = (uint8_t)c;
  for (; n && ((uintptr_t)d & 3u); n--) *d++ = b;
  if (n >= 4) {
    uint32_t w = b * 0x01010101u;
    for (; n >= 4; n -= 4, d += 4) *(uint32_t *)d = w;
  }
  while (n--) *d++ = b;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *p = (const uint8_t *)a, *q = (const uint8_t *)b;
  for (; n; n--, p++, q++) if (*p != *q) return *p < *q ? -1 : 1;
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

int strcmp(const char *a, const char *b) {
  while (*a && *a == *b) { a++; b++; }
  return (uint8_t)*a - (uint8_t)*b;
}

/* ---- vsnprintf ---- */

typedef struct {
  char *buf;
  size_t size, len;
} out_t;

static void put(out_t *o, char c) {
  if (o->len + 1 < o->size) o->buf[o->len] = c;
  o->len++;
}

static void put_padded(out_t *o, const char *s, size_t n, int width, int left, char pad) {
  int fill = width > (int)n ? width - (int)n : 0;
  size_t i;
  if (!left && pad == '0' && n && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) {
    put(o, s[0]);
    s++;
    n--;
  }
  if (!left) while (fill-- > 0) put(o, pad);
  for (i = 0; i < n; i++) put(o, s[i]);
  if (left) while (fill-- > 0) put(o, ' ');
}

/* unsigned 64-bit to text in base 10 or 16 (64-bit division: libgcc.c) */
static size_t utoa64(char *out, uint64_t v, int hex, int upper) {
  char tmp[24];
  size_t n = 0, i;
  const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  if (hex) {
    do { tmp[n++] = dig[(uint32_t)v & 15u]; v >>= 4; } while (v);
  } else {
    do { tmp[n++] = (char)('0' + (uint32_t)(v % 10u)); v /= 10u; } while (v);
  }
  for (i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  return n;
}

/* decimal exponent of v (finite, > 0): 10^e <= v < 10^(e+1), up to rounding of the scaling */
static int exp10_of(double v) {
  static const double p10[] = {1e1, 1e2, 1e4, 1e8, 1e16, 1e32, 1e64, 1e128, 1e256};
  int e = 0, i;
  if (v >= 10.0) {
    for (i = 8; i >= 0; i--) if (v >= p10[i]) { v /= p10[i]; e += 1 << i; }
  } else if (v < 1.0) {
    for (i = 8; i >= 0; i--) if (v * p10[i] < 10.0) { v *= p10[i]; e -= 1 << i; }
    if (v < 1.0) e--;
  }
  return e;
}

/* decimal digits of |v| (finite, > 0): v ~= 0.d1d2d3... * 10^exp10, `ndig` digits, rounded */
static void float_digits(double v, int ndig, char *digits, int *exp10) {
  int e = 0, i;
  double scale;
  static const double p10[] = {1e1, 1e2, 1e4, 1e8, 1e16, 1e32, 1e64, 1e128, 1e256};
  /* bring v into [1, 10) */
  if (v >= 10.0) {
    for (i = 8; i >= 0; i--) if (v >= p10[i]) { v /= p10[i]; e += 1 << i; }
  } else if (v < 1.0) {
    for (i = 8; i >= 0; i--) if (v * p10[i] < 10.0) { v *= p10[i]; e -= 1 << i; }
    if (v < 1.0) { v *= 10.0; e--; }
  }
  /* round at ndig digits */
  scale = 0.5;
  for (i = 1; i < ndig; i++) scale /= 10.0;
  v += scale;
  if (v >= 10.0) { v /= 10.0; e++; }
  for (i = 0; i < ndig; i++) {
    int d = (int)v;
    if (d > 9) d = 9;
    digits[i] = (char)('0' + d);
    v = (v - d) * 10.0;
  }
  *exp10 = e;
}

static size_t fmt_float(char *out, double v, char conv, int prec, int plus, int space, int alt) {
  size_t n = 0;
  char digits[40];
  int e10, i, ndig, upper = conv == 'E' || conv == 'G' || conv == 'F';
  char c = (char)(conv | 0x20);
  /* NaN and the sign from the bits: no float compare with a NaN (mupen64plus's interpreter halts at one) */
  union { double d; uint64_t u; } bits;
  bits.d = v;
  if (((bits.u >> 52) & 0x7ffu) == 0x7ffu && (bits.u & 0xfffffffffffffull)) { const char *s = upper ? "NAN" : "nan"; for (i = 0; i < 3; i++) out[n++] = s[i]; return n; }
  if (bits.u >> 63) { out[n++] = '-'; v = -v; }
  else if (plus) out[n++] = '+';
  else if (space) out[n++] = ' ';
  if (v > 1.7976931348623157e308) { const char *s = upper ? "INF" : "inf"; for (i = 0; i < 3; i++) out[n++] = s[i]; return n; }
  if (prec < 0) prec = 6;
  if (prec > 30) prec = 30;
  if (c == 'g') {
    int P = prec ? prec : 1, X;
    if (v == 0) X = 0;
    else { float_digits(v, P, digits, &X); }
    if (X < -4 || X >= P) { c = 'e'; prec = P - 1; }
    else { c = 'f'; prec = P - 1 - X; }
    if (!alt) {
      /* %g drops trailing zeros: count the significant digits needed */
      int keep = P;
      if (v == 0) keep = 1;
      else while (keep > 1 && digits[keep - 1] == '0') keep--;
      if (c == 'e') prec = keep - 1;
      else { prec = keep - 1 - X; if (prec < 0) prec = 0; }
    }
  }
  if (c == 'e') {
    ndig = prec + 1;
    if (v == 0) { for (i = 0; i < ndig; i++) digits[i] = '0'; e10 = 0; }
    else float_digits(v, ndig, digits, &e10);
    out[n++] = digits[0];
    if (prec || alt) out[n++] = '.';
    for (i = 1; i < ndig; i++) out[n++] = digits[i];
    out[n++] = upper ? 'E' : 'e';
    out[n++] = e10 < 0 ? '-' : '+';
    if (e10 < 0) e10 = -e10;
    if (e10 >= 100) out[n++] = (char)('0' + e10 / 100);
    out[n++] = (char)('0' + (e10 / 10) % 10);
    out[n++] = (char)('0' + e10 % 10);
    return n;
  }
  /* %f: digits before the point = e10 + 1 */
  if (v >= 1e18) { /* too wide for this printf: fall back to %e */
    return n + fmt_float(out + n, v, upper ? 'E' : 'e', prec, 0, 0, alt);
  }
  if (v == 0) e10 = 0, ndig = 0;
  else {
    int X = exp10_of(v);
    ndig = X + 1 + prec;
    if (ndig > 38) ndig = 38;
    if (ndig <= 0) {
      /* below the last printed place: 0 or, rounded up, one unit of it */
      double unit = 1.0;
      for (i = 0; i < prec; i++) unit /= 10.0;
      e10 = -prec;
      ndig = v >= 0.5 * unit ? 1 : 0;
      digits[0] = '1';
    } else {
      float_digits(v, ndig, digits, &e10); /* e10 = X + 1 when rounding carried */
    }
  }
  {
    int pos; /* digit index of 10^pos: digits[k] is 10^(e10 - k) */
    int top = e10 > 0 ? e10 : 0;
    for (pos = top; pos >= -prec; pos--) {
      int k = e10 - pos;
      out[n++] = (k >= 0 && k < ndig) ? digits[k] : '0';
      if (pos == 0 && (prec || alt)) out[n++] = '.';
    }
  }
  return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
  out_t o;
  o.buf = buf;
  o.size = size;
  o.len = 0;
  while (*fmt) {
    int left = 0, plus = 0, space = 0, alt = 0, width = 0, prec = -1, lng = 0;
    char pad = ' ', tmp[80];
    size_t n = 0;
    if (*fmt != '%') { put(&o, *fmt++); continue; }
    fmt++;
    for (;; fmt++) {
      if (*fmt == '-') left = 1;
      else if (*fmt == '+') plus = 1;
      else if (*fmt == ' ') space = 1;
      else if (*fmt == '#') alt = 1;
      else if (*fmt == '0') pad = '0';
      else break;
    }
    if (*fmt == '*') { width = va_arg(ap, int); fmt++; if (width < 0) { left = 1; width = -width; } }
    else while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    if (*fmt == '.') {
      fmt++;
      prec = 0;
      if (*fmt == '*') { prec = va_arg(ap, int); fmt++; }
      else while (*fmt >= '0' && *fmt <= '9') prec = prec * 10 + (*fmt++ - '0');
    }
    while (*fmt == 'l' || *fmt == 'h' || *fmt == 'z' || *fmt == 't') { if (*fmt == 'l') lng++; else if (*fmt == 'z' || *fmt == 't') lng = 1; fmt++; }
    if (left) pad = ' ';
    switch (*fmt) {
      case 'd': case 'i': {
        long long v = lng >= 2 ? va_arg(ap, long long) : lng ? (long long)va_arg(ap, long) : (long long)va_arg(ap, int);
        uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        if (v < 0) tmp[n++] = '-';
        else if (plus) tmp[n++] = '+';
        else if (space) tmp[n++] = ' ';
        n += utoa64(tmp + n, u, 0, 0);
        put_padded(&o, tmp, n, width, left, pad);
        break;
      }
      case 'u': case 'x': case 'X': case 'p': {
        uint64_t u;
        if (*fmt == 'p') { u = (uintptr_t)va_arg(ap, void *); tmp[n++] = '0'; tmp[n++] = 'x'; }
        else u = lng >= 2 ? va_arg(ap, unsigned long long) : lng ? (uint64_t)va_arg(ap, unsigned long) : (uint64_t)va_arg(ap, unsigned int);
        n += utoa64(tmp + n, u, *fmt != 'u', *fmt == 'X');
        put_padded(&o, tmp, n, width, left, pad);
        break;
      }
      case 'c': tmp[0] = (char)va_arg(ap, int); put_padded(&o, tmp, 1, width, left, ' '); break;
      case 's': {
        const char *s = va_arg(ap, const char *);
        size_t len;
        if (!s) s = "(null)";
        len = strlen(s);
        if (prec >= 0 && (size_t)prec < len) len = (size_t)prec;
        put_padded(&o, s, len, width, left, ' ');
        break;
      }
      case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
        n = fmt_float(tmp, va_arg(ap, double), *fmt, prec, plus, space, alt);
        put_padded(&o, tmp, n, width, left, pad);
        break;
      case '%': put(&o, '%'); break;
      case 0: fmt--; break;
      default: put(&o, '%'); put(&o, *fmt); break;
    }
    fmt++;
  }
  if (size) o.buf[o.len < size ? o.len : size - 1] = 0;
  return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...) {
  int n;
  va_list ap;
  va_start(ap, fmt);
  n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
