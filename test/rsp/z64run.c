/* Runs one RSP task on the mupen64plus-rsp-z64 low-level RSP plugin.
   Usage: z64run plugin.so rdram.bin dmem.bin imem.bin out_rdram.bin
   The images are big-endian (as on the console); mupen64plus keeps memory
   as host-order 32-bit words and DMEM/IMEM in one 8 KB block, so the words
   are swapped on the way in and out. The plugin clears its memory in
   InitiateRSP, so the images are copied after it. The plugin does the SP
   DMAs itself and runs until BREAK. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  unsigned char *RDRAM, *DMEM, *IMEM;
  unsigned int *MI_INTR_REG;
  unsigned int *SP_MEM_ADDR_REG, *SP_DRAM_ADDR_REG, *SP_RD_LEN_REG, *SP_WR_LEN_REG, *SP_STATUS_REG;
  unsigned int *SP_DMA_FULL_REG, *SP_DMA_BUSY_REG, *SP_PC_REG, *SP_SEMAPHORE_REG;
  unsigned int *DPC_START_REG, *DPC_END_REG, *DPC_CURRENT_REG, *DPC_STATUS_REG, *DPC_CLOCK_REG;
  unsigned int *DPC_BUFBUSY_REG, *DPC_PIPEBUSY_REG, *DPC_TMEM_REG;
  void (*CheckInterrupts)(void);
  void (*ProcessDlistList)(void);
  void (*ProcessAlistList)(void);
  void (*ProcessRdpList)(void);
  void (*ShowCFB)(void);
} rsp_info;

#define RDRAM_BYTES (1u << 20)
static unsigned int regs[20];
static void none(void) {}
static void debug_cb(void *c, int level, const char *msg) { (void)c; if (level <= 2) fprintf(stderr, "z64: %s\n", msg); }

static void swap_words(unsigned char *b, size_t n) {
  size_t i;
  for (i = 0; i + 3 < n; i += 4) {
    unsigned char t0 = b[i], t1 = b[i + 1];
    b[i] = b[i + 3]; b[i + 1] = b[i + 2]; b[i + 2] = t1; b[i + 3] = t0;
  }
}

static int read_file(const char *f, unsigned char *dst, size_t n) {
  FILE *fp = fopen(f, "rb");
  size_t got;
  if (!fp) { perror(f); return 0; }
  got = fread(dst, 1, n, fp);
  fclose(fp);
  return got == n;
}

int main(int argc, char **argv) {
  void *h;
  int (*startup)(void *, void *, void (*)(void *, int, const char *));
  void (*initiate)(rsp_info, unsigned int *);
  unsigned int (*run)(unsigned int);
  rsp_info info;
  unsigned int cycles = 0, executed;
  unsigned char *rdram = calloc(1, RDRAM_BYTES), *spmem = calloc(1, 8192);
  unsigned char *rd = malloc(RDRAM_BYTES), *dm = malloc(4096), *im = malloc(4096);
  FILE *o;
  if (argc != 6 || !rdram || !spmem || !rd || !dm || !im) { fprintf(stderr, "usage: z64run plugin.so rdram dmem imem out\n"); return 2; }
  h = dlopen(argv[1], RTLD_NOW);
  if (!h) { fprintf(stderr, "%s\n", dlerror()); return 3; }
  *(void **)&startup = dlsym(h, "PluginStartup");
  *(void **)&initiate = dlsym(h, "InitiateRSP");
  *(void **)&run = dlsym(h, "DoRspCycles");
  if (!startup || !initiate || !run) { fprintf(stderr, "not an RSP plugin\n"); return 3; }
  if (!read_file(argv[2], rd, RDRAM_BYTES) || !read_file(argv[3], dm, 4096) || !read_file(argv[4], im, 4096)) return 4;
  if (startup(NULL, NULL, debug_cb) != 0) { fprintf(stderr, "PluginStartup failed\n"); return 5; }
  memset(&info, 0, sizeof info);
  info.RDRAM = rdram; info.DMEM = spmem; info.IMEM = spmem + 4096;
  info.MI_INTR_REG = &regs[0];
  info.SP_MEM_ADDR_REG = &regs[1]; info.SP_DRAM_ADDR_REG = &regs[2]; info.SP_RD_LEN_REG = &regs[3]; info.SP_WR_LEN_REG = &regs[4];
  info.SP_STATUS_REG = &regs[5]; info.SP_DMA_FULL_REG = &regs[6]; info.SP_DMA_BUSY_REG = &regs[7]; info.SP_PC_REG = &regs[8];
  info.SP_SEMAPHORE_REG = &regs[9]; info.DPC_START_REG = &regs[10]; info.DPC_END_REG = &regs[11]; info.DPC_CURRENT_REG = &regs[12];
  info.DPC_STATUS_REG = &regs[13]; info.DPC_CLOCK_REG = &regs[14]; info.DPC_BUFBUSY_REG = &regs[15]; info.DPC_PIPEBUSY_REG = &regs[16];
  info.DPC_TMEM_REG = &regs[17];
  info.CheckInterrupts = none; info.ProcessDlistList = none; info.ProcessAlistList = none; info.ProcessRdpList = none; info.ShowCFB = none;
  initiate(info, &cycles);
  swap_words(rd, RDRAM_BYTES); swap_words(dm, 4096); swap_words(im, 4096);
  memcpy(rdram, rd, RDRAM_BYTES); memcpy(spmem, dm, 4096); memcpy(spmem + 4096, im, 4096);
  regs[5] = 0; /* running */
  regs[8] = 0; /* PC */
  executed = run(0x7fffffffu);
  printf("z64run: executed %u\n", executed);
  swap_words(rdram, RDRAM_BYTES);
  o = fopen(argv[5], "wb");
  if (!o || fwrite(rdram, 1, RDRAM_BYTES, o) != RDRAM_BYTES) return 6;
  fclose(o);
  return 0;
}
