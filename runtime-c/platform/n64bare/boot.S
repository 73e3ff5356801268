/* dnnc bare-metal N64: the ROM's boot code (ROM bytes 0x40..0xFFF).
   The console's PIF copies these bytes to RSP DMEM and jumps to 0xA4000040
   (uncached), where this stub:
     1. clears the tags of the CPU caches (16 KB I-cache, 32-byte lines;
        8 KB D-cache, 16-byte lines), so nothing stale is ever used;
     2. copies the program from cartridge address 0x10001000 to the entry
        point (physical 0x00000400) with one PI DMA, its length read from the
        dnnc ROM directory at ROM 0xFF0 (written by compiler/n64rom.ts);
     3. waits for the PI and jumps to the entry point read from header word 8.
   It does not initialise RDRAM (emulators and the real IPL3 of a console have
   done so) and needs no stack. Assembled position-independent: only
   absolute I/O addresses and relative branches. */
#define PI_DRAM_ADDR 0x00
#define PI_CART_ADDR 0x04
#define PI_WR_LEN 0x0C
#define PI_STATUS 0x10

  .set noreorder
  .set noat
  .text
  .globl boot
boot:
  mtc0  $zero, $28          /* TagLo = 0: invalid line */
  mtc0  $zero, $29          /* TagHi */
  lui   $t0, 0x8000
  ori   $t1, $t0, 0x4000
1:cache 0x08, 0($t0)        /* I-cache: index store tag */
  addiu $t0, $t0, 32
  bne   $t0, $t1, 1b
  nop
  lui   $t0, 0x8000
  ori   $t1, $t0, 0x2000
2:cache 0x09, 0($t0)        /* D-cache: index store tag */
  addiu $t0, $t0, 16
  bne   $t0, $t1, 2b
  nop

  lui   $t2, 0xB000         /* cartridge ROM, uncached */
  lw    $t3, 8($t2)         /* entry point (0x80000400) */
  lw    $t4, 0xFF4($t2)     /* program bytes (dnnc ROM directory) */
  lui   $t5, 0xA460         /* PI registers */
3:lw    $t6, PI_STATUS($t5)
  andi  $t6, $t6, 3
  bnez  $t6, 3b
  nop
  lui   $t7, 0x1FFF
  ori   $t7, $t7, 0xFFFF
  and   $t7, $t3, $t7       /* physical address of the entry point */
  sw    $t7, PI_DRAM_ADDR($t5)
  lui   $t8, 0x1000
  ori   $t8, $t8, 0x1000
  sw    $t8, PI_CART_ADDR($t5)
  addiu $t4, $t4, -1
  sw    $t4, PI_WR_LEN($t5) /* cartridge -> RDRAM, starts the transfer */
4:lw    $t6, PI_STATUS($t5)
  andi  $t6, $t6, 3         /* DMA busy | I/O busy */
  bnez  $t6, 4b
  nop
  jr    $t3
  nop
