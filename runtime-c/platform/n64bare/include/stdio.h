/* dnnc bare-metal N64: formatted output into buffers (%d %i %u %x %X %s %c %g %f %e %p, l/ll,
   flags - 0 space +, width, precision). printf writes to the IS-Viewer. */
#ifndef DNNC_N64BARE_STDIO_H
#define DNNC_N64BARE_STDIO_H
#include <stddef.h>
#include <stdarg.h>
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
