// Target descriptions: every fact a pass or the codegen needs about a
// machine lives here, never as `if (target === ...)` elsewhere.

export interface MemoryLevel {
  name: string;
  bytes: number;
  note?: string;
  /** bytes of the level kept back from tiles (e.g. RSP microcode data and stack in DMEM) */
  reserve?: number;
  reserveNote?: string;
  /** the level is filled by DMA: transfers need this alignment of offsets and lengths (bytes) */
  dmaAlign?: number;
  /** vector lanes of the unit computing on the level: int16 tiles pad channels to a multiple of it */
  lanes?: number;
}

export interface TargetDesc {
  name: string;
  description: string;
  /** template folder under templates/ */
  templates: string;
  littleEndian: boolean;
  /** pointer/word size in bytes */
  wordBytes: number;
  hasFpu: boolean;
  /** double-precision FPU */
  hasDoubleFpu: boolean;
  /** alignment of arena offsets and weight blobs in bytes */
  alignment: number;
  /** RAM available for the arena + resident weights (bytes) */
  ramBytes: number;
  ramNote: string;
  /** memory levels used by tiling (fastest first) */
  levels: MemoryLevel[];
  /**
   * `static const` weight arrays stay in memory-mapped flash/ROM and are
   * read through the cache while running (streamed), so they cost no RAM.
   */
  weightsInFlash?: boolean;
  /** compile command prefix for the verify/bench path (cross or native) */
  cc: string[];
  cflags: string[];
  ldflags: string[];
  /** command prefix that runs a built program (e.g. qemu), empty for native */
  run: string[];
  /** Debian packages providing the toolchain and emulator */
  packages: string[];
  /** project layout: templates to render (relative to templates/) and where sources go */
  layout: ProjectLayout;
  /** where the weights live: 'ram' (default) or 'flash' (const .rodata, read through the cache) */
  weightsIn?: 'ram' | 'flash';
  /** chip facts for microcontroller projects (ESP-IDF), absent for the others */
  mcu?: McuDesc;
  /** how `dnnc verify` builds and runs a test program (see compiler/verify.ts RUNNERS); absent: no emulator here */
  runner?: RunnerKind;
  /** POSIX test main rendered for `verify` when the project's own main.c is not runnable there */
  testMain?: string;
  /** RAM map, when the compiler must check that a model fits (arena + resident weights + code) */
  memoryMap?: MemoryMap;
  /** weights streamed from a read-only file system (cartridge ROM), when supported */
  weightPack?: WeightPackDesc;
  /** --generate: main templates of the token loop replacing the golden-test ones (layout or test-main template -> template) */
  generateTemplates?: Record<string, string>;
  /** whole-machine emulators `dnnc verify --emulator NAME` can run a bare-metal build in */
  emulators?: Record<string, EmulatorDesc>;
}

/** A system emulator and the bare-metal build of the test program it runs (e.g. an N64 ROM). */
export interface EmulatorDesc {
  runner: RunnerKind;
  /** the emulator program (absolute path or a name on PATH) */
  command: string;
  /** Debian packages providing it */
  packages: string[];
  /** bare-metal compiler, flags, linker and objcopy for the test program */
  cc: string[];
  cflags: string[];
  ld: string[];
  objcopy: string;
  /** rate of the timer the test program reads (Hz) */
  timerHz: number;
  /** emulation mode (mupen64plus --emumode) */
  mode: string;
  /** Count register increments per instruction the emulator is told to use (mupen64plus CountPerOp) */
  countPerOp: number;
  /** wall-clock limit of one run */
  timeoutMs: number;
}

/** Facts about a microcontroller's memories and its SDK configuration. */
export interface McuDesc {
  /** IDF_TARGET name used by `idf.py set-target` and CONFIG_IDF_TARGET */
  idfTarget: string;
  cpuMhz: number;
  /** total internal SRAM / DRAM of the chip (for the report) */
  sramBytes: number;
  sramNote: string;
  /** external PSRAM: largest size the chip can map (0 = no PSRAM support) */
  psramMaxBytes: number;
  /** attribute putting a zero-initialised static in PSRAM, and its header */
  psramAttr: string;
  psramHeader: string;
  /** what else the board's PSRAM may need in sdkconfig (shown as a comment) */
  psramNote: string;
  /** flash size assumed for the partition table, and the largest .rodata the cache can map */
  flashBytes: number;
  dromBytes: number;
  /** the default partition table's factory app size (weights + code must fit, else partitions.csv) */
  defaultAppBytes: number;
  /** flash kept for ESP-IDF, the C library and the golden-test main in the app image */
  codeReserveBytes: number;
  /** main task stack: ESP-IDF's own need (app_main frame, printf of floats, esp_timer), and an
   *  allowance per call level of model code (rv32 frames are measured by `dnnc verify`; Xtensa's
   *  windowed ABI gets 1.5x for its register save areas) */
  stackBaseBytes: number;
  stackFrameBytes: number;
}

/**
 * host-make: the project's Makefile and main.c, run natively;
 * qemu-user: cross-compile a POSIX test main, run under a user-mode emulator (qemu-mips64);
 * qemu-riscv32-semihost: bare-metal rv32 test main under qemu-system-riscv32 with semihosting;
 * mupen64plus-rom: bare-metal N64 ROM (dnnc's boot code and platform layer) in the mupen64plus emulator.
 */
export type RunnerKind = 'host-make' | 'qemu-user' | 'qemu-riscv32-semihost' | 'mupen64plus-rom';

export interface MemoryReserve {
  what: string;
  bytes: number;
  /** how the number was arrived at */
  note: string;
}

export interface MemoryMap {
  /** main RAM name, e.g. RDRAM */
  ramName: string;
  ramBytes: number;
  /** RAM with the memory expansion (`--expansion-pak`), if the machine has one */
  expandedRamBytes?: number;
  /** RAM the model cannot use (runtime library, framebuffers, stack, ...) */
  reserve: MemoryReserve[];
  /** const data (embedded weights) is loaded into RAM too (true on N64: the whole ELF is loaded into RDRAM) */
  constInRam: boolean;
  /** code-size estimate: base (main, glue, pack runtime) + per runtime kernel family + per node */
  codeBase: number;
  codePerKernel: number;
  codePerNode: number;
}

export interface WeightPackDesc {
  /** folder of the project packed into the ROM file system */
  dir: string;
  /** alignment of every tensor in the pack (DMA + cache lines) */
  align: number;
  /** runtime-c file implementing the platform hooks in the project (the verify path uses platform/pack_stdio.c) */
  platform: string;
}

export interface ProjectLayout {
  /** template path -> output path; `{prefix}` is replaced */
  files: Record<string, string>;
  /** folder (relative to the project) for model.c/model.h/weights (`{prefix}` is replaced);
   *  a template that renders to nothing but whitespace is not written (optional files) */
  modelDir: string;
  /** folder for runtime-c files (`{prefix}` is replaced) */
  runtimeDir: string;
}

const HOST: TargetDesc = {
  name: 'host',
  description: 'plain C99 on the build machine, with a Makefile',
  templates: 'host',
  littleEndian: true,
  wordBytes: 8,
  hasFpu: true,
  hasDoubleFpu: true,
  alignment: 16,
  ramBytes: 1024 ** 3,
  ramNote: 'host: 1 GiB budget',
  levels: [{ name: 'L1', bytes: 32 * 1024 }],
  cc: ['cc'],
  cflags: ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror'],
  ldflags: ['-lm'],
  run: [],
  packages: [],
  layout: {
    files: { 'host/main.c.njk': 'main.c', 'host/Makefile.njk': 'Makefile' },
    modelDir: '.',
    runtimeDir: 'runtime',
  },
  runner: 'host-make',
  generateTemplates: { 'host/main.c.njk': 'host/generate_main.c.njk' },
};

const KiB = 1024, MiB = 1024 * 1024;

// N64 memory facts and the reserve kept for libdragon: see docs/targets.md (n64) for the sources.
const N64_MEMORY: MemoryMap = {
  ramName: 'RDRAM',
  ramBytes: 4 * MiB,
  expandedRamBytes: 8 * MiB,
  reserve: [
    { what: 'low memory', bytes: 1 * KiB, note: 'exception vectors and boot area below 0x80000400, where n64.ld starts the program' },
    { what: 'libdragon + newlib', bytes: 256 * KiB, note: 'code and data of libdragon, newlib and libm linked into a console/DFS program' },
    { what: 'framebuffers', bytes: 600 * KiB, note: 'console display: 2 x 320x240 at up to 32 bpp (older libdragon: 16 bpp, half)' },
    { what: 'stack', bytes: 64 * KiB, note: 'main stack' },
    { what: 'heap', bytes: 64 * KiB, note: 'console text buffer, DFS handles, stdio buffers' },
  ],
  constInRam: true,
  codeBase: 24 * KiB,
  codePerKernel: 8 * KiB,
  codePerNode: 96,
};

/** VR4300 data cache: 8 KB, direct-mapped, 16-byte lines (the kernels block their loops for it) */
const N64_DCACHE_BYTES = 8 * KiB;

const N64: TargetDesc = {
  name: 'n64',
  description: 'Nintendo 64 (VR4300 MIPS III, big-endian, FPU), libdragon project',
  templates: 'n64',
  littleEndian: false,
  wordBytes: 4,
  hasFpu: true,
  hasDoubleFpu: true,
  alignment: 16,
  // 4 MB RDRAM minus the reserve above (the exact check is memoryMap)
  ramBytes: N64_MEMORY.ramBytes - N64_MEMORY.reserve.reduce((a, r) => a + r.bytes, 0),
  ramNote: '4 MiB RDRAM (8 MiB with the Expansion Pak) minus libdragon, framebuffers, stack and heap',
  levels: [
    { name: 'RSP DMEM', bytes: 4096, note: '4 KB DMEM', reserve: 512, reserveNote: 'kept for the microcode: its constants, the per-layer parameters and a stack / vector-register save area; tiles use the other 3584 B (the tile descriptor at offset 0 included)', dmaAlign: 8, lanes: 8 },
    { name: 'D-cache', bytes: N64_DCACHE_BYTES, note: '8 KB, direct-mapped, 16-byte lines' },
  ],
  cc: ['mips64-linux-gnuabi64-gcc'],
  // -Wdouble-promotion: the VR4300 kernels must stay in single precision; DNNC_DCACHE_BYTES: loop blocking
  cflags: ['-std=c99', '-O2', '-march=vr4300', '-static', '-Wall', '-Wextra', '-Werror', '-Wdouble-promotion', `-DDNNC_DCACHE_BYTES=${N64_DCACHE_BYTES}`],
  ldflags: ['-lm'],
  run: ['qemu-mips64'],
  packages: ['gcc-mips64-linux-gnuabi64', 'libc6-dev-mips64-cross', 'qemu-user'],
  layout: {
    files: { 'n64/main.c.njk': 'main.c', 'n64/Makefile.njk': 'Makefile' },
    modelDir: '.',
    runtimeDir: 'runtime',
  },
  runner: 'qemu-user',
  testMain: 'host/main.c.njk',
  memoryMap: N64_MEMORY,
  weightPack: { dir: 'filesystem', align: 16, platform: 'platform/pack_libdragon.c' },
  generateTemplates: { 'n64/main.c.njk': 'n64/generate_main.c.njk', 'host/main.c.njk': 'host/generate_main.c.njk' },
  emulators: {
    // the whole console: boot from the cartridge, 4 MB RDRAM, PI DMA, FPU set up from reset (see compiler/runners/mupen64plus.ts)
    mupen64plus: {
      runner: 'mupen64plus-rom',
      command: '/usr/games/mupen64plus',
      packages: ['mupen64plus-ui-console', 'mupen64plus-rsp-hle', 'mupen64plus-data'],
      cc: ['mips64-linux-gnuabi64-gcc'],
      cflags: ['-mabi=32', '-march=vr4300', '-mfp32', '-EB', '-ffreestanding', '-nostdlib', '-fno-pic', '-mno-abicalls', '-G0', '-O2',
        '-std=c99', '-Wall', '-Wextra', '-Werror', '-fno-math-errno', '-fno-asynchronous-unwind-tables', `-DDNNC_DCACHE_BYTES=${N64_DCACHE_BYTES}`, '-DDNNC_N64BARE'],
      ld: ['mips64-linux-gnuabi64-ld', '-m', 'elf32btsmip'],
      objcopy: 'mips64-linux-gnuabi64-objcopy',
      // CP0 Count: half the 93.75 MHz CPU clock
      timerHz: 46_875_000,
      // the pure interpreter, the most faithful (it halts at a float compare with a NaN operand, with
      // a message); the dynamic recompiler (--emumode 2) is 2-4x faster but compares NaN as equal
      mode: '0',
      // Count += 1 per instruction: Count = instructions, time = 2 CPU cycles per instruction
      countPerOp: 1,
      timeoutMs: 120_000,
    },
  },
};


// ESP-IDF project layout shared by the three chips; the model is a component.
const ESP_FILES: Record<string, string> = {
  'esp32/CMakeLists.txt.njk': 'CMakeLists.txt',
  'esp32/sdkconfig.defaults.njk': 'sdkconfig.defaults',
  'esp32/partitions.csv.njk': 'partitions.csv',
  'esp32/README.md.njk': 'README.md',
  'esp32/main/CMakeLists.txt.njk': 'main/CMakeLists.txt',
  'esp32/main/main.c.njk': 'main/main.c',
  'esp32/component/CMakeLists.txt.njk': 'components/{prefix}/CMakeLists.txt',
};

interface EspSpec {
  name: string;
  description: string;
  fpu: boolean;
  /** budget for dnnc's static buffers in internal DRAM (largest contiguous block) */
  ramBytes: number;
  ramNote: string;
  mcu: McuDesc;
  /** compiler for `dnnc verify` (rv32 under qemu for the C3), or the chip's own for reference */
  cc: string[];
  cflags: string[];
  ldflags: string[];
  run: string[];
  packages: string[];
  runner?: RunnerKind;
  extraFiles?: Record<string, string>;
}

function esp(s: EspSpec): TargetDesc {
  return {
    name: s.name,
    description: s.description,
    templates: 'esp32',
    littleEndian: true,
    wordBytes: 4,
    hasFpu: s.fpu,
    hasDoubleFpu: false,
    alignment: 16,
    ramBytes: s.ramBytes,
    ramNote: s.ramNote,
    levels: [{ name: 'internal DRAM', bytes: s.ramBytes, note: s.ramNote }],
    // ESP-IDF keeps const data in flash (.rodata through the MMU cache)
    weightsInFlash: true,
    cc: s.cc,
    cflags: s.cflags,
    ldflags: s.ldflags,
    run: s.run,
    packages: s.packages,
    layout: {
      files: { ...ESP_FILES, ...(s.extraFiles ?? {}) },
      modelDir: 'components/{prefix}',
      runtimeDir: 'components/{prefix}/runtime',
    },
    weightsIn: 'flash',
    runner: s.runner,
    mcu: s.mcu,
    generateTemplates: { 'esp32/main/main.c.njk': 'esp32/main/generate_main.c.njk', 'esp32/test/semihost_main.c.njk': 'esp32/test/generate_semihost_main.c.njk' },
  };
}

// Sources for every number: docs/targets.md, section "ESP32 family".
const ESP32 = esp({
  name: 'esp32',
  description: 'ESP32 (Xtensa LX6, single-precision FPU), ESP-IDF project',
  fpu: true,
  ramBytes: 110 * KiB,
  ramNote: 'largest contiguous internal DRAM block left after ESP-IDF start-up (~110 KiB of ~320 KiB DRAM in several regions; static DRAM is capped at 160 KiB)',
  mcu: {
    idfTarget: 'esp32', cpuMhz: 240,
    sramBytes: 320 * KiB, sramNote: '520 KiB SRAM, ~320 KiB of it DRAM in several regions',
    psramMaxBytes: 4 * MiB, psramAttr: 'EXT_RAM_BSS_ATTR', psramHeader: 'esp_attr.h', psramNote: 'quad SPI PSRAM (ESP-PSRAM32/64) is the default',
    flashBytes: 4 * MiB, dromBytes: 4 * MiB, defaultAppBytes: 1 * MiB, codeReserveBytes: 256 * KiB,
    stackBaseBytes: 4096, stackFrameBytes: 768,
  },
  cc: ['xtensa-esp32-elf-gcc'], cflags: ['-std=c99', '-O2', '-mlongcalls'], ldflags: ['-lm'], run: [], packages: [],
});

const ESP32S3 = esp({
  name: 'esp32s3',
  description: 'ESP32-S3 (Xtensa LX7, single-precision FPU, vector extensions), ESP-IDF project',
  fpu: true,
  ramBytes: 256 * KiB,
  ramNote: 'half of the 512 KiB SRAM; the rest is kept for ESP-IDF code in IRAM, its static data, task stacks and heap',
  mcu: {
    idfTarget: 'esp32s3', cpuMhz: 240,
    sramBytes: 512 * KiB, sramNote: '512 KiB SRAM shared by IRAM and DRAM',
    psramMaxBytes: 32 * MiB, psramAttr: 'EXT_RAM_BSS_ATTR', psramHeader: 'esp_attr.h', psramNote: 'modules with octal PSRAM (e.g. N8R8) also need CONFIG_SPIRAM_MODE_OCT=y',
    flashBytes: 8 * MiB, dromBytes: 32 * MiB, defaultAppBytes: 1 * MiB, codeReserveBytes: 256 * KiB,
    stackBaseBytes: 4096, stackFrameBytes: 768,
  },
  cc: ['xtensa-esp32s3-elf-gcc'], cflags: ['-std=c99', '-O2', '-mlongcalls'], ldflags: ['-lm'], run: [], packages: [],
});

const ESP32C3 = esp({
  name: 'esp32c3',
  description: 'ESP32-C3 (RISC-V rv32imc, no FPU), ESP-IDF project; verified under qemu-system-riscv32',
  fpu: false,
  ramBytes: 200 * KiB,
  ramNote: 'half of the 400 KiB SRAM (16 KiB of it is cache); the rest is kept for ESP-IDF code in IRAM, its static data, task stacks and heap',
  mcu: {
    idfTarget: 'esp32c3', cpuMhz: 160,
    sramBytes: 400 * KiB, sramNote: '400 KiB SRAM (16 KiB used as cache), no PSRAM interface',
    psramMaxBytes: 0, psramAttr: 'EXT_RAM_BSS_ATTR', psramHeader: 'esp_attr.h', psramNote: 'no PSRAM interface',
    flashBytes: 4 * MiB, dromBytes: 8 * MiB, defaultAppBytes: 1 * MiB, codeReserveBytes: 256 * KiB,
    stackBaseBytes: 4096, stackFrameBytes: 512,
  },
  // verify: the same rv32imc ISA without FPU, bare metal on qemu's virt board with picolibc and semihosting
  cc: ['riscv64-unknown-elf-gcc'],
  cflags: ['-std=c99', '-O2', '-march=rv32imc', '-mabi=ilp32', '--specs=picolibc.specs', '--oslib=semihost', '--crt0=semihost', '-Wall', '-Wextra', '-Werror'],
  ldflags: ['-lm'],
  // -icount shift=0: one instruction per virtual ns, so the instret CSR counts retired instructions exactly
  run: ['qemu-system-riscv32', '-machine', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none', '-serial', 'none', '-semihosting-config', 'enable=on,target=native', '-icount', 'shift=0', '-kernel'],
  packages: ['gcc-riscv64-unknown-elf', 'picolibc-riscv64-unknown-elf', 'qemu-system-misc'],
  runner: 'qemu-riscv32-semihost',
  extraFiles: { 'esp32/test/semihost_main.c.njk': 'test/semihost_main.c' },
});

const TARGETS: Record<string, TargetDesc> = {
  host: HOST,
  n64: N64,
  esp32: ESP32,
  esp32s3: ESP32S3,
  esp32c3: ESP32C3,
};

export function getTarget(name: string): TargetDesc | undefined {
  return TARGETS[name];
}

export function targetNames(): string[] {
  return Object.keys(TARGETS);
}
