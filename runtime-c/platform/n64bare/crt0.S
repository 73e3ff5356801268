/* dnnc bare-metal N64: program entry (0x80000400, see n64bare.ld).
   Sets up the CPU the way the model code needs it, then calls main:
     - Status: CU0|CU1 (coprocessor 0 and the FPU usable), FR=0 (16 double
       registers in even/odd pairs, the o32 -mfp32 model), interrupts off;
     - FCSR: round to nearest, no exception enabled, FS=1 (denormal results
       flush to zero instead of trapping on the VR4300);
     - the stack at the top of RDRAM (__stack_top from the link);
     - .bss cleared;
     - exception vectors at 0x80000000/0x80000080/0x80000180 jump to
       n64_exception (prints the cause and halts instead of running garbage). */
  .set noreorder
  .set noat
  .section .text.start, "ax"
  .globl _start
  .ent _start
_start:
  lui   $t0, 0x3000
  mtc0  $t0, $12            /* Status = CU1 | CU0 */
  nop
  nop
  lui   $t0, 0x0100
  ctc1  $t0, $31            /* FCSR = FS */
  la    $sp, __stack_top
  la    $t0, __bss_start
  la    $t1, __bss_end
1:beq   $t0, $t1, 2f
  nop
  sw    $zero, 0($t0)
  b     1b
  addiu $t0, $t0, 4
2:
  /* exception vectors: 'j n64_exception_entry; nop' at each */
  la    $t0, n64_exception_entry
  srl   $t0, $t0, 2
  lui   $t1, 0x0800         /* j opcode */
  lui   $t2, 0x03FF
  ori   $t2, $t2, 0xFFFF
  and   $t0, $t0, $t2
  or    $t0, $t0, $t1
  lui   $t1, 0x8000
  sw    $t0, 0x000($t1)
  sw    $zero, 0x004($t1)
  sw    $t0, 0x080($t1)
  sw    $zero, 0x084($t1)
  sw    $t0, 0x180($t1)
  sw    $zero, 0x184($t1)
  /* write the vectors back from the D-cache and drop stale I-cache lines */
  cache 0x19, 0x000($t1)    /* D: hit writeback */
  cache 0x19, 0x080($t1)
  cache 0x19, 0x180($t1)
  cache 0x10, 0x000($t1)    /* I: hit invalidate */
  cache 0x10, 0x080($t1)
  cache 0x10, 0x180($t1)
  jal   main
  nop
3:b     3b
  nop
  .end _start

  /* exception entry: a small stack frame below the current one, then C */
  .globl n64_exception_entry
  .ent n64_exception_entry
n64_exception_entry:
  addiu $sp, $sp, -32
  mfc0  $a0, $13            /* Cause */
  mfc0  $a1, $14            /* EPC */
  mfc0  $a2, $8             /* BadVAddr */
  jal   n64_exception
  nop
4:b     4b
  nop
  .end n64_exception_entry
