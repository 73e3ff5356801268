// The N64 ROM image of dnnc's bare-metal test program (`dnnc verify --target n64
// --emulator ...`): header, boot code, program, and the weight pack after it.
//
//   0x0000  header (64 bytes): PI timing word 0x80371240, clock rate, entry point
//           (the program's load address), release, CRC1/CRC2, title, ...
//   0x0040  boot code (runtime-c/platform/n64bare/boot.S), run by the console from
//           RSP DMEM: it PI-DMAs the program from cartridge 0x10001000 to the entry
//           point and jumps there
//   0x0FF0  dnnc ROM directory (16 bytes): "DNRD", program bytes, ROM offset of
//           the weight pack (0: none), pack bytes; read by boot.S and pack_n64bare.c
//   0x1000  program (text, rodata, data: objcopy -O binary of the ELF at 0x80000400)
//   ...     weight pack (16-byte aligned), then padding to at least 1 MiB + 4 KiB
//           (the span the CIC-6102 checksum covers; cartridges are never smaller)
//
// The checksum fields are computed with the CIC-6102 algorithm, the CIC that
// emulators assume for an unknown boot code, so they match what they check.
import { DnncError } from '../ir/errors.js';

export const ROM_HEADER_BYTES = 0x40;
export const ROM_BOOT_END = 0xff0;
export const ROM_DIR_OFFSET = 0xff0;
export const ROM_PROGRAM_OFFSET = 0x1000;
export const ROM_PACK_ALIGN = 16;
/** where the program is loaded and entered (KSEG0, after the exception vectors) */
export const N64_ENTRY = 0x80000400;
const CHECKSUM_END = 0x101000;
const CIC6102_SEED = 0xf8ca4ddc;

export interface RomParts {
  /** boot code, at most 0xFB0 bytes */
  boot: Uint8Array;
  /** the program image loaded at `entry` */
  program: Uint8Array;
  /** weight pack streamed by PI DMA, if any */
  pack?: Uint8Array | null;
  /** up to 20 ASCII characters */
  title: string;
  entry?: number;
}

export interface RomImage {
  rom: Uint8Array;
  packOffset: number;
  crc1: number;
  crc2: number;
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

/** CIC-6102 checksum over ROM bytes 0x1000..0x101000 (big-endian words). */
export function cic6102Checksum(rom: Uint8Array): [number, number] {
  const dv = new DataView(rom.buffer, rom.byteOffset, rom.byteLength);
  let t1 = CIC6102_SEED, t2 = CIC6102_SEED, t3 = CIC6102_SEED, t4 = CIC6102_SEED, t5 = CIC6102_SEED, t6 = CIC6102_SEED;
  for (let i = ROM_PROGRAM_OFFSET; i < CHECKSUM_END; i += 4) {
    const d = dv.getUint32(i, false);
    const sum = (t6 + d) >>> 0;
    if (sum < t6) t4 = (t4 + 1) >>> 0;
    t6 = sum;
    t3 = (t3 ^ d) >>> 0;
    const s = d & 0x1f;
    const r = s ? ((d << s) | (d >>> (32 - s))) >>> 0 : d;
    t5 = (t5 + r) >>> 0;
    t2 = (t2 > d ? t2 ^ r : t2 ^ t6 ^ d) >>> 0;
    t1 = (t1 + (t5 ^ d)) >>> 0;
  }
  return [(t6 ^ t4 ^ t3) >>> 0, (t5 ^ t2 ^ t1) >>> 0];
}

export function buildRom(p: RomParts): RomImage {
  const entry = p.entry ?? N64_ENTRY;
  if (p.boot.length > ROM_BOOT_END - ROM_HEADER_BYTES) throw new DnncError(`internal: N64 boot code is ${p.boot.length} bytes, at most ${ROM_BOOT_END - ROM_HEADER_BYTES} fit`);
  // the boot code copies whole 8-byte units (PI DMA lengths are even; RDRAM is written in 8-byte words)
  const programBytes = align(p.program.length, 8);
  const pack = p.pack ?? null;
  const packOffset = pack ? align(ROM_PROGRAM_OFFSET + programBytes, ROM_PACK_ALIGN) : 0;
  const end = pack ? packOffset + pack.length : ROM_PROGRAM_OFFSET + programBytes;
  const size = Math.max(CHECKSUM_END, align(end, 4096));
  if (size > 0x3ff0000) throw new DnncError(`the N64 ROM would be ${size} bytes; cartridge space below the IS-Viewer port (0x13FF0000) is ${0x3ff0000} bytes`);
  const rom = new Uint8Array(size);
  const dv = new DataView(rom.buffer);
  dv.setUint32(0x00, 0x80371240, false); // PI BSD DOM1 timing: the console's standard values
  dv.setUint32(0x04, 0x0000000f, false); // clock rate field (unused by the boot code)
  dv.setUint32(0x08, entry >>> 0, false);
  dv.setUint32(0x0c, 0x0000144c, false); // release (libultra 2.0L)
  const title = p.title.replace(/[^\x20-\x7e]/g, '_').slice(0, 20).padEnd(20, ' ');
  for (let i = 0; i < 20; i++) rom[0x20 + i] = title.charCodeAt(i);
  rom[0x3b] = 'N'.charCodeAt(0); // media: cartridge
  rom[0x3c] = 'D'.charCodeAt(0); // game id "DN" (dnnc)
  rom[0x3d] = 'N'.charCodeAt(0);
  rom[0x3e] = 'E'.charCodeAt(0); // region
  rom.set(p.boot, ROM_HEADER_BYTES);
  dv.setUint32(ROM_DIR_OFFSET, 0x444e5244, false); // "DNRD"
  dv.setUint32(ROM_DIR_OFFSET + 4, programBytes, false);
  dv.setUint32(ROM_DIR_OFFSET + 8, packOffset, false);
  dv.setUint32(ROM_DIR_OFFSET + 12, pack ? pack.length : 0, false);
  rom.set(p.program, ROM_PROGRAM_OFFSET);
  if (pack) rom.set(pack, packOffset);
  const [crc1, crc2] = cic6102Checksum(rom);
  dv.setUint32(0x10, crc1, false);
  dv.setUint32(0x14, crc2, false);
  return { rom, packOffset, crc1, crc2 };
}
