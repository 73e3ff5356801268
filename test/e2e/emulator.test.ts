// The n64 build as a real ROM in the mupen64plus emulator (`dnnc verify --target n64
// --emulator mupen64plus`): dnnc's boot code, the console's memory map (4 MB RDRAM,
// 8 MB with the Expansion Pak), the FPU set up from reset, weights streamed from the
// cartridge by PI DMA; every output read back from the IS-Viewer text and compared
// with onnxruntime (or the ONNX test data). scripts/setup.sh installs the emulator.
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { verify, type VerifyOptions } from '../../compiler/verify.js';
import { compile } from '../../compiler/driver.js';
import { getTarget } from '../../compiler/targets/target.js';
import { haveCommand } from '../../compiler/toolchain.js';
import { buildRom, ROM_PROGRAM_OFFSET, ROM_DIR_OFFSET, N64_ENTRY } from '../../compiler/n64rom.js';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { dsCnn } from '../../compiler/onnx/mlperf-tiny.js';
import { Tensor } from '../../ir/tensor.js';
import { listNodeTests } from '../../scripts/testdata.js';
import { runNodeTest, ObjectCache, defaultWorkDir } from '../../scripts/conformance-lib.js';
import { dnnc, example, tmpDir, writeModel } from '../helpers.js';

const EMU = getTarget('n64')!.emulators!.mupen64plus!;
const HAVE = fs.existsSync(process.env.DNNC_MUPEN64PLUS || EMU.command) && haveCommand('stdbuf') && haveCommand(EMU.cc[0]!);
const MiB = 1024 * 1024;

/** An MLP with 5 x 512x512 float weights (5.25 MB): more than the console's 4 MB of RDRAM. */
function bigMlp(): string {
  const b = new OnnxBuilder('big_mlp');
  const W = 512, L = 5;
  b.input('x', 'float32', [1, W]);
  let x = 'x';
  for (let i = 0; i < L; i++) {
    const w = b.init(`fc${i}.weight`, seededTensor([W, W], 300 + i, 1 / Math.sqrt(W)));
    const bias = b.init(`fc${i}.bias`, seededTensor([W], 400 + i, 0.1));
    x = b.node('Gemm', [x, w, bias], { transB: 1 }, i === L - 1 ? ['y'] : undefined, `fc${i}`)[0]!;
    if (i < L - 1) x = b.node('Tanh', [x], {}, undefined, `act${i}`)[0]!;
  }
  b.output('y', 'float32', [1, W]);
  return writeModel(b, tmpDir('emu-big'));
}

/** One output per math function the kernels may call, on arguments spread over their domains. */
function mathModel(): string {
  const b = new OnnxBuilder('math', 18);
  const N = 256;
  b.input('x', 'float32', [1, N]);
  const c = (name: string, v: number) => b.init(name, Tensor.fromNumbers('float32', [1], [v]));
  const [x3] = b.node('Mul', ['x', c('three', 3)]); // [-3, 3)
  const [ax] = b.node('Abs', [x3!]);
  const [pos] = b.node('Add', [ax!, c('tenth', 0.1)]); // [0.1, 3.1]
  const [unit] = b.node('Mul', ['x', c('almost1', 0.99)]); // (-1, 1)
  const [above1] = b.node('Add', [pos!, c('one', 1)]); // [1.1, 4.1]
  const outs: [string, string[], Record<string, number>?][] = [
    ['Exp', [x3!]], ['Tanh', [x3!]], ['Erf', [x3!]], ['Sin', [x3!]], ['Cos', [x3!]], ['Tan', ['x']], ['Atan', [x3!]],
    ['Sinh', [x3!]], ['Cosh', [x3!]], ['Asinh', [x3!]], ['Acosh', [above1!]], ['Asin', [unit!]], ['Acos', [unit!]], ['Atanh', [unit!]],
    ['Sigmoid', [x3!]], ['Softplus', [x3!]], ['Elu', [x3!]], ['Mish', [x3!]], ['Log', [pos!]], ['Sqrt', [pos!]],
    ['Floor', [x3!]], ['Ceil', [x3!]], ['Round', [x3!]], ['Pow', [pos!, x3!]], ['Mod', [x3!, c('m', 0.7)], { fmod: 1 }],
  ];
  for (const [op, ins, attrs] of outs) {
    const name = `y_${op.toLowerCase()}`;
    b.node(op, ins, attrs ?? {}, [name]);
    b.output(name, 'float32', [1, N]);
  }
  return writeModel(b, tmpDir('emu-math'));
}

/** verify in the emulator, keeping the build folder to read the emulator's log */
async function emulate(file: string, opts: Omit<VerifyOptions, 'target'>) {
  const r = await verify(file, { ...opts, target: 'n64', emulator: 'mupen64plus', keep: true });
  const log = fs.readFileSync(path.join(r.dir, 'emulator.log'), 'utf8');
  fs.rmSync(r.dir, { recursive: true, force: true });
  return { r, log };
}

const perInference = (notes: string[] | undefined) => (notes ?? []).find((n) => /time per inference [\d.]+ (us|ms)/.test(n));

describe('N64 ROM image', () => {
  it('has the header, the boot code, the ROM directory, the program at 0x1000 and the pack after it', () => {
    const boot = new Uint8Array(160).fill(0xaa);
    const program = new Uint8Array(1002).fill(0x11);
    const pack = new Uint8Array(300).fill(0x22);
    const { rom, packOffset } = buildRom({ boot, program, pack, title: 'dnnc test' });
    const dv = new DataView(rom.buffer);
    expect(dv.getUint32(0, false)).toBe(0x80371240);
    expect(dv.getUint32(8, false)).toBe(N64_ENTRY);
    expect(Buffer.from(rom.subarray(0x20, 0x34)).toString('latin1')).toBe('dnnc test           ');
    expect(rom[0x40]).toBe(0xaa);
    expect(dv.getUint32(ROM_DIR_OFFSET, false)).toBe(0x444e5244);
    expect(dv.getUint32(ROM_DIR_OFFSET + 4, false)).toBe(1008); // whole 8-byte units
    expect(packOffset % 16).toBe(0);
    expect(packOffset).toBeGreaterThanOrEqual(ROM_PROGRAM_OFFSET + 1008);
    expect(dv.getUint32(ROM_DIR_OFFSET + 8, false)).toBe(packOffset);
    expect(dv.getUint32(ROM_DIR_OFFSET + 12, false)).toBe(300);
    expect(rom[ROM_PROGRAM_OFFSET]).toBe(0x11);
    expect(rom[packOffset]).toBe(0x22);
    expect(rom.length).toBeGreaterThanOrEqual(0x101000); // the span the boot checksum covers
    expect(() => buildRom({ boot: new Uint8Array(0x1000), program, title: 'x' })).toThrow(/boot code/);
  });
});

describe('verify --emulator mupen64plus without the emulator', () => {
  it('refuses in one line with exit status 2', () => {
    const saved = process.env.DNNC_MUPEN64PLUS;
    process.env.DNNC_MUPEN64PLUS = '/nonexistent/mupen64plus';
    try {
      const r = dnnc(['verify', example('mlp'), '--target', 'n64', '--emulator', 'mupen64plus']);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^dnnc: error: .*mupen64plus.* not installed \(Debian: apt-get install mupen64plus-ui-console/);
    } finally {
      if (saved === undefined) delete process.env.DNNC_MUPEN64PLUS;
      else process.env.DNNC_MUPEN64PLUS = saved;
    }
  });

  it('names the emulators a target has', () => {
    const r = dnnc(['verify', example('mlp'), '--target', 'host', '--emulator', 'mupen64plus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--emulator mupen64plus: target 'host' has no system emulator here/);
  });
});

describe.skipIf(!HAVE)(`n64 ROM in mupen64plus${HAVE ? '' : ' (skipped: mupen64plus is not installed; scripts/setup.sh installs it)'}`, () => {
  it('examples/cnn boots from the cartridge into 4 MB of RDRAM, matches onnxruntime and reports the Count time', async () => {
    const { r, log } = await emulate(example('cnn'), {});
    expect(r.line).toMatch(/^PASS max_abs_err=/);
    expect(r.maxAbsErr).toBeLessThan(1e-5);
    expect(log).toMatch(/Core: Initializing 2 RDRAM modules for a total of 4 MB/);
    expect(log).toMatch(/Core: IS64: PASS max_abs_err=/);
    expect(perInference(r.notes)).toBeTruthy();
    expect(r.notes!.join('\n')).toMatch(/ROM's own check .*: PASS/);
  });

  it('examples/mlp with its weights streamed from the cartridge by PI DMA', async () => {
    const c = await compile(example('mlp'), { target: 'n64', weights: 'rom' });
    expect(c.code.pack).not.toBeNull();
    const { r } = await emulate(example('mlp'), { weights: 'rom' });
    expect(r.line).toMatch(/^PASS max_abs_err=/);
    expect(r.notes!.join('\n')).toMatch(new RegExp(`weight pack ${c.code.pack!.data.length} B streamed by PI DMA`));
  });

  it('a weight pack in the wrong byte order is refused by the ROM (the check runs on the console)', async () => {
    const { r } = await emulate(example('mlp'), { weights: 'rom', packLittleEndian: true });
    expect(r.pass).toBe(false);
    expect(r.line).toMatch(/^FAIL .*byte order does not match this CPU/);
  });

  it('--expansion-pak: 8 MB of RDRAM, the stack at its top', async () => {
    const { r, log } = await emulate(example('mlp'), { expansionPak: true });
    expect(r.line).toMatch(/^PASS/);
    expect(log).toMatch(/Core: Initializing 4 RDRAM modules for a total of 8 MB/);
  });

  // (resnet8 passes too, but takes 115 M emulated instructions: 15 s in the interpreter)
  it('MLPerf Tiny ds_cnn matches onnxruntime', async () => {
    const file = writeModel(dsCnn(), tmpDir('emu-ds_cnn'));
    const { r } = await emulate(file, {});
    expect(r.line).toMatch(/^PASS max_abs_err=/);
    expect(perInference(r.notes)).toBeTruthy();
  });

  it('the math functions of dnnc\'s own libm match onnxruntime (25 functions, one output each)', async () => {
    const { r } = await emulate(mathModel(), {});
    expect(r.line).toMatch(/^PASS max_abs_err=/);
  });

  describe('ONNX backend node tests', () => {
    let workDir: string, objects: ObjectCache, all: string[];
    beforeAll(() => {
      workDir = defaultWorkDir();
      objects = new ObjectCache(workDir);
      all = listNodeTests();
    });
    it.each(['test_conv_with_strides_and_asymmetric_padding', 'test_erf'])('%s passes on its test data', async (name) => {
      const dir = all.find((d) => path.basename(d) === name)!;
      expect(dir).toBeTruthy();
      const r = await runNodeTest(dir, { target: 'n64', emulator: 'mupen64plus', objects, workDir });
      expect(r.reason ?? '').toBe('');
      expect(r.status).toBe('pass');
    });
  });

  it('a model with 5.25 MB of weights (more than the 4 MB RDRAM) verifies with its weights streamed from the ROM', async () => {
    const file = bigMlp();
    const c = await compile(file, { target: 'n64', weights: 'rom' });
    expect(c.code.pack!.data.length).toBeGreaterThan(5 * MiB);
    expect(c.memory!.residentWeights).toBe(0);
    expect(c.memory!.used).toBeLessThanOrEqual(4 * MiB);
    const { r, log } = await emulate(file, { weights: 'rom' });
    expect(r.line).toMatch(/^PASS max_abs_err=/);
    expect(r.maxAbsErr).toBeLessThan(1e-5);
    expect(log).toMatch(/total of 4 MB/);
    expect(perInference(r.notes)).toBeTruthy();
  });
});
