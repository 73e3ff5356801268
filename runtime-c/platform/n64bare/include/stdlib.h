/* dnnc bare-metal N64: the <stdlib.h> subset model code uses. */
#ifndef DNNC_N64BARE_STDLIB_H
#define DNNC_N64BARE_STDLIB_H
#include <stddef.h>
int abs(int x);
long labs(long x);
long long llabs(long long x);
void abort(void) __attribute__((noreturn));
#endif
