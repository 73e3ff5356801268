/* dnnc bare-metal N64 layer: just what `dnnc verify --emulator` needs to run
   model code on the console (or an emulator) without libdragon: IS-Viewer text
   output, the CP0 Count timer, PI DMA reads from the cartridge and data-cache
   maintenance. Model code and kernels do not include this header. */
#ifndef DNNC_N64BARE_H
#define DNNC_N64BARE_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

/* CP0 Count ticks at half the 93.75 MHz CPU clock */
#define N64_COUNT_HZ 46875000u

/* cartridge (PI domain 1) address of ROM byte 0, and where the program starts */
#define N64_CART_BASE 0x10000000u
#define N64_CART_PROGRAM 0x10001000u

/* the dnnc ROM directory at ROM offset 0xFF0 (see compiler/n64rom.ts):
   magic "DNRD", program bytes, ROM offset of the weight pack, its bytes */
#define N64_ROMDIR_OFFSET 0xFF0u
#define N64_ROMDIR_MAGIC 0x444E5244u

uint32_t n64_count(void);
/* text through the IS-Viewer port; one `Core: IS64:` line per '\n' in mupen64plus */
void n64_puts(const char *s);
void n64_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* a 32-bit word of cartridge ROM (CPU read through the PI) */
uint32_t n64_cart_read32(uint32_t cart_addr);
/* cartridge -> RDRAM by PI DMA. dst 8-byte aligned, cart_addr 2-byte aligned,
   bytes even; the destination's data-cache lines are written back and
   invalidated first (so dst and bytes should cover whole 16-byte lines).
   Starts the transfer and returns; n64_pi_wait() waits for it. */
void n64_pi_read_async(void *dst, uint32_t cart_addr, uint32_t bytes);
void n64_pi_wait(void);
void n64_dcache_writeback_invalidate(const void *p, uint32_t bytes);

#endif
