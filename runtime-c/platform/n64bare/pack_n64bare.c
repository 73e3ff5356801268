/* Weight pack platform hooks for dnnc's bare-metal N64 ROM: the pack sits in
   cartridge ROM after the program (compiler/n64rom.ts writes its offset and
   size in the dnnc ROM directory at ROM 0xFF0) and is read by PI DMA straight
   into the streaming buffers. A read starts the transfer and returns, so the
   next layer's weights arrive while the CPU computes the current one; a second
   read of the same layer waits for the PI to finish the first (one DMA at a
   time). The destination's D-cache lines are written back and invalidated
   before the transfer (the buffers and pack offsets are 16-byte aligned and the
   lengths multiples of 16, so no neighbour shares a line). Reads the PI cannot
   do (RDRAM address not 8-byte aligned, odd cartridge address or length) go
   through the CPU, a word at a time. */
#include "wpack.h"
#include "n64bare.h"

int dnnc_platform_pack_open(const char *file, uint32_t *handle, uint32_t *size) {
  uint32_t dir = N64_CART_BASE + N64_ROMDIR_OFFSET;
  (void)file; /* one pack per ROM */
  if (n64_cart_read32(dir) != N64_ROMDIR_MAGIC) return -1;
  if (n64_cart_read32(dir + 8) == 0) return -1;
  *handle = N64_CART_BASE + n64_cart_read32(dir + 8);
  *size = n64_cart_read32(dir + 12);
  return 0;
}

static void cpu_read(uint8_t *dst, uint32_t cart, uint32_t bytes) {
  uint32_t i;
  n64_pi_wait();
  for (i = 0; i < bytes; i++) {
    uint32_t a = cart + i;
    uint32_t w = n64_cart_read32(a & ~3u);
    dst[i] = (uint8_t)(w >> (8u * (3u - (a & 3u))));
  }
}

void dnnc_platform_pack_read(uint32_t handle, void *dst, uint32_t offset, uint32_t bytes) {
  uint32_t cart = handle + offset;
  if (((uintptr_t)dst & 7u) || (cart & 1u) || (bytes & 1u)) cpu_read((uint8_t *)dst, cart, bytes);
  else n64_pi_read_async(dst, cart, bytes);
}

int dnnc_platform_pack_wait(void) {
  n64_pi_wait();
  return 0;
}
