// Shared by the --rsp emulator tests: whether mupen64plus with the low-level RSP plugin is here,
// the int16 quantization they use, and a ROM run's printed output as hex.
import fs from 'node:fs';
import path from 'node:path';
import { verify } from '../../compiler/verify.js';
import { getTarget } from '../../compiler/targets/target.js';
import { haveCommand } from '../../compiler/toolchain.js';

const EMU = getTarget('n64')!.emulators!.mupen64plus!;
export const HAVE_RSP_EMULATOR = fs.existsSync(process.env.DNNC_MUPEN64PLUS || EMU.command) && haveCommand('stdbuf') && haveCommand(EMU.cc[0]!)
  && fs.existsSync('/usr/lib/x86_64-linux-gnu/mupen64plus/mupen64plus-rsp-z64.so');
export const Q = { dtype: 'int16' as const, calibrateRandom: 4 };

/** Run `model` as an n64 ROM (int16, with or without --rsp); its IS-Viewer lines and the hex of its outputs. */
export async function romOutput(rsp: boolean, model: string) {
  const r = await verify(model, { target: 'n64', emulator: 'mupen64plus', keep: true, quantize: Q, rsp, tolerance: 1e-2 });
  const log = fs.readFileSync(path.join(r.dir, 'emulator.log'), 'utf8');
  fs.rmSync(r.dir, { recursive: true, force: true });
  const lines = log.split('\n').filter((l) => l.startsWith('Core: IS64: ')).map((l) => l.slice(12));
  const at = lines.findIndex((l) => l.startsWith('DNNC-OUTPUT'));
  let hex = '';
  for (let i = at + 1; at >= 0 && i < lines.length && /^[0-9a-f]+$/.test(lines[i]!); i++) hex += lines[i];
  return { r, lines, hex };
}
