// The n64 target: generated C cross-compiled for the VR4300 (mips64 big-endian,
// -march=vr4300) and run under qemu-mips64, compared with onnxruntime; the
// libdragon project files; weights streamed from a big-endian ROM weight pack
// (CRC, byte order); the RDRAM budget check.
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { verify, buildForTarget, runAndCompare, fileIo } from '../../compiler/verify.js';
import { compile, type Compiled } from '../../compiler/driver.js';
import { writeProject, projectFiles, binaryFiles } from '../../compiler/project.js';
import { crc32 } from '../../compiler/codegen/generate.js';
import { getTarget } from '../../compiler/targets/target.js';
import { OnnxBuilder, seededTensor } from '../../compiler/onnx/builder.js';
import { dnnc, example, tmpDir, writeModel, ROOT, buildSanitizedProject } from '../helpers.js';

const N64 = getTarget('n64')!;

/** An MLP whose weights (4 x 512x512 floats = 4 MiB) do not fit in 4 MB RDRAM beside libdragon. */
function bigMlp(): string {
  const b = new OnnxBuilder('big_mlp');
  const W = 512, L = 4;
  b.input('x', 'float32', [1, W]);
  let x = 'x';
  for (let i = 0; i < L; i++) {
    const w = b.init(`fc${i}.weight`, seededTensor([W, W], 100 + i, 1 / Math.sqrt(W)));
    const bias = b.init(`fc${i}.bias`, seededTensor([W], 200 + i, 0.1));
    x = b.node('Gemm', [x, w, bias], { transB: 1 }, i === L - 1 ? ['y'] : undefined, `fc${i}`)[0]!;
    if (i < L - 1) x = b.node('Relu', [x], {}, undefined, `relu${i}`)[0]!;
  }
  b.output('y', 'float32', [1, W]);
  return writeModel(b, tmpDir('big'));
}

function text(c: Compiled, f: string): string {
  const v = c.files[f];
  if (typeof v !== 'string') throw new Error(`${f} is not a text file`);
  return v;
}

describe.each(['mlp', 'cnn'])('n64 example %s under qemu-mips64', (name) => {
  it('verifies against onnxruntime with embedded weights', async () => {
    const r = await verify(example(name), { target: 'n64' });
    expect(r.line).toMatch(/^PASS max_abs_err=/);
    expect(r.maxAbsErr).toBeLessThan(1e-5);
  });

  it('verifies against onnxruntime with weights streamed from the ROM weight pack', async () => {
    const r = await verify(example(name), { target: 'n64', weights: 'rom' });
    expect(r.line).toMatch(/^PASS max_abs_err=/);
    expect(r.maxAbsErr).toBeLessThan(1e-5);
  });
});

describe('VR4300 data cache', () => {
  it('convolutions larger than the 8 KB D-cache run in bands of rows and still match onnxruntime', async () => {
    const b = new OnnxBuilder('bigconv');
    b.input('x', 'float32', [1, 4, 64, 64]);
    let x = b.node('Conv', ['x', b.init('w0', seededTensor([6, 4, 3, 3], 1, 0.3)), b.init('b0', seededTensor([6], 2, 0.1))], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, undefined, 'c0')[0]!;
    x = b.node('Conv', [x, b.init('w1', seededTensor([5, 6, 3, 3], 3, 0.3))], { kernel_shape: [3, 3], pads: [2, 1, 2, 1], strides: [2, 1], dilations: [2, 1] }, ['y'], 'c1')[0]!;
    b.output('y', 'float32', [1, 5, 32, 64]);
    const file = writeModel(b, tmpDir('bigconv'));
    const c = await compile(file, { target: 'n64' });
    expect(text(c, 'Makefile')).toMatch(/CFLAGS \+= -DDNNC_DCACHE_BYTES=8192/);
    const r = await verify(file, { target: 'n64' });
    expect(r.line).toMatch(/^PASS/);
    expect(r.maxAbsErr).toBeLessThan(1e-5);
  });
});

describe('n64 libdragon project', () => {
  it('matches the snapshots (embedded weights: mlp; ROM weight pack: cnn)', async () => {
    const mlp = await compile(example('mlp'), { target: 'n64' });
    expect(mlp.code.pack).toBeNull();
    for (const f of ['Makefile', 'main.c', 'model.c', 'model.h']) {
      await expect(text(mlp, f)).toMatchFileSnapshot(`../__snapshots__/n64/mlp/${f}.snap`);
    }
    const cnn = await compile(example('cnn'), { target: 'n64', weights: 'rom' });
    for (const f of ['Makefile', 'main.c', 'model.c', 'model.h', 'filesystem/model_wpk_manifest.txt']) {
      await expect(text(cnn, f)).toMatchFileSnapshot(`../__snapshots__/n64/cnn/${f.replace('filesystem/', '')}.snap`);
    }
  });

  it('has the libdragon layout: n64.mk Makefile, DFS filesystem/, runtime/, main.c timing with get_ticks', async () => {
    const c = await compile(example('cnn'), { target: 'n64', weights: 'rom' });
    const names = Object.keys(c.files).sort();
    expect(names).toEqual(expect.arrayContaining(['Makefile', 'main.c', 'model.c', 'model.h', 'model_weights.c', 'filesystem/model.wpk',
      'filesystem/model_wpk_manifest.txt', 'runtime/dnnc.h', 'runtime/conv.c', 'runtime/wpack.c', 'runtime/pack_libdragon.c']));
    expect(names).not.toContain('runtime/pack_stdio.c');
    const mk = text(c, 'Makefile');
    expect(mk).toMatch(/^include \$\(N64_INST\)\/include\/n64\.mk$/m);
    expect(mk).toMatch(/N64_ROM_TITLE = "dnnc model"/);
    expect(mk).toMatch(/\$\(BUILD_DIR\)\/model\.dfs: \$\(wildcard filesystem\/\*\)/);
    // every C file of the project is built
    for (const f of names.filter((n) => n.endsWith('.c'))) expect(mk).toContain(`$(BUILD_DIR)/${f.replace(/\.c$/, '.o')}`);
    const main = text(c, 'main.c');
    expect(main).toMatch(/dfs_init\(DFS_DEFAULT_LOCATION\)/);
    expect(main).toMatch(/TICKS_TO_US/);
    expect(main).toMatch(/PASS max_abs_err/);
  });

  it.each(['embed', 'rom'] as const)('compiles for the VR4300 against libdragon declarations (a stub header; the real ROM build needs N64_INST), weights %s', async (weights) => {
    const c = await compile(example('cnn'), { target: 'n64', weights });
    const dir = tmpDir('n64proj');
    writeProject(dir, c.files, true);
    // the libdragon functions the project calls, with the signatures of libdragon's headers
    fs.writeFileSync(path.join(dir, 'libdragon.h'), [
      '#include <stdint.h>', '#include <stdbool.h>', '#include <stdio.h>',
      '#define RENDER_MANUAL 0', '#define DFS_DEFAULT_LOCATION 0', '#define DFS_ESUCCESS 0',
      '#define TICKS_TO_US(v) ((v) * 8 / 375)', '#define debugf(...) fprintf(stderr, __VA_ARGS__)',
      'void console_init(void); void console_set_render_mode(int mode); void console_render(void);',
      'bool debug_init_isviewer(void); bool debug_init_usblog(void);',
      'int dfs_init(uint32_t base_fs_loc); int dfs_open(const char *path); int dfs_size(uint32_t handle); int dfs_close(uint32_t handle);',
      'uint32_t dfs_rom_addr(const char *path);',
      'void dma_read_async(void *ram_address, unsigned long pi_address, unsigned long len); void dma_wait(void);',
      'void data_cache_hit_writeback_invalidate(volatile void *addr, unsigned long length);',
      'uint32_t get_ticks(void);', '',
    ].join('\n'));
    const srcs = Object.keys(c.files).filter((f) => f.endsWith('.c'));
    for (const f of srcs) {
      const r = spawnSync(N64.cc[0]!, ['-std=gnu17', '-O2', '-march=vr4300', '-Wall', '-Werror', '-Wdouble-promotion', '-I', dir, '-I', path.join(dir, 'runtime'), '-fsyntax-only', path.join(dir, f)], { encoding: 'utf8' });
      expect(r.status, `${f}: ${r.stderr}`).toBe(0);
    }
  });

  it.skipIf(!process.env.N64_INST)('builds the ROM with libdragon (skipped: N64_INST is not set, libdragon is not installed here)', async () => {
    const c = await compile(example('cnn'), { target: 'n64', weights: 'rom' });
    const dir = tmpDir('n64rom');
    writeProject(dir, c.files, true);
    const r = spawnSync('make', ['-C', dir], { encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.statSync(path.join(dir, 'model.z64')).size).toBeGreaterThan(c.code.pack!.data.length);
  });
});

describe('n64 weight pack (ROM streaming)', () => {
  let big: string;
  beforeAll(() => {
    big = bigMlp();
  });

  it('--weights auto streams a model that does not fit in RDRAM, and it runs under qemu', async () => {
    const c = await compile(big, { target: 'n64' });
    expect(c.code.pack).not.toBeNull();
    expect(c.memory!.residentWeights).toBe(0);
    expect(c.memory!.streamedWeights).toBe(4 * (512 * 512 + 512) * 4);
    expect(c.memory!.fits).toBe(true);
    // two reused buffers, each the largest layer's weights
    expect(c.memory!.streamBuffers).toBe(2 * (512 * 512 + 512) * 4);
    expect(c.memory!.used).toBeLessThanOrEqual(4 * 1024 * 1024);
    const r = await verify(big, { target: 'n64' });
    expect(r.line).toMatch(/^PASS max_abs_err=/);
  });

  it('shared weights: stored once, read by each layer that uses them, contiguous tensors in one transfer', async () => {
    const b = new OnnxBuilder('shared');
    b.input('x', 'float32', [1, 24]);
    const w1 = b.init('w1', seededTensor([24, 24], 1, 0.2));
    const w2 = b.init('w2', seededTensor([24, 24], 2, 0.2));
    const bias = b.init('bias', seededTensor([24], 3, 0.1));
    const bias2 = b.init('bias2', seededTensor([24], 4, 0.1));
    let x = b.node('Gemm', ['x', w1, bias], {}, undefined, 'g1')[0]!;
    x = b.node('Relu', [x], {}, undefined, 'r1')[0]!;
    x = b.node('Gemm', [x, w2, bias2], {}, undefined, 'g2')[0]!;
    x = b.node('Tanh', [x], {}, undefined, 't')[0]!;
    x = b.node('Gemm', [x, w1, bias2], {}, ['y'], 'g3')[0]!;
    b.output('y', 'float32', [1, 24]);
    const file = writeModel(b, tmpDir('shared'));
    const c = await compile(file, { target: 'n64', weights: 'rom' });
    expect(c.code.pack!.tensors.map((t) => t.name)).toEqual(['w1', 'bias', 'w2', 'bias2']);
    expect(c.code.pack!.steps).toBe(3);
    const model = text(c, 'model.c');
    // g1 and g2 read their (contiguous) weights in one transfer each; g3 reads w1 and bias2, apart in the pack: two
    expect(model).toMatch(/model_wpack_reads\[4\]/);
    expect(model).toMatch(/model_wpack_steps\[3\] = \{\n  \{ 0u, 1u, 0u, 2u \},\n  \{ 1u, 1u, 2u, 2u \},\n  \{ 2u, 2u, 4u, 2u \},/);
    const r = await verify(file, { target: 'n64', weights: 'rom' });
    expect(r.line).toMatch(/^PASS/);
  });

  it('with an even number of streaming layers the next inference\'s first layer loads during the last one; repeated runs agree', async () => {
    const b = new OnnxBuilder('four');
    b.input('x', 'float32', [1, 16]);
    let x = 'x';
    for (let i = 0; i < 4; i++) {
      x = b.node('Gemm', [x, b.init(`w${i}`, seededTensor([16, 16], 10 + i, 0.3)), b.init(`b${i}`, seededTensor([16], 20 + i, 0.1))], { transB: 1 }, i === 3 ? ['y'] : undefined, `g${i}`)[0]!;
      if (i < 3) x = b.node('Tanh', [x], {}, undefined, `t${i}`)[0]!;
    }
    b.output('y', 'float32', [1, 16]);
    const file = writeModel(b, tmpDir('four'));
    const c = await compile(file, { target: 'n64', weights: 'rom' });
    expect(c.code.pack!.steps).toBe(4);
    expect(text(c, 'model.c')).toMatch(/dnnc_wpack_start\(&model_wpack, 0u, g_wbuf0\); \/\* first layer of the next inference \*\//);
    const dir = tmpDir('four');
    const launch = buildForTarget(c, dir);
    // no arguments: the golden test, which runs the model many times and checks the first and the last outputs
    const r = spawnSync(launch.cmd!, launch.args!, { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/time per inference: [\d.]+ us \((\d+) runs\)/);
    expect(Number(/\((\d+) runs\)/.exec(r.stdout)![1])).toBeGreaterThan(1);
    expect(r.stdout).toMatch(/^PASS max_abs_err=/m);
  });

  it('the pack is big-endian with aligned tensors and a manifest with CRC32s', async () => {
    const c = await compile(example('cnn'), { target: 'n64', weights: 'rom' });
    const pack = c.code.pack!;
    const data = pack.data;
    expect(Buffer.from(data.subarray(0, 8)).toString('hex')).toBe('4457504b01020304'); // "DWPK", mark in big-endian
    const consts = new Map(c.graph.constants().map((v) => [v.name, v]));
    for (const t of pack.tensors) {
      expect(t.offset % 16).toBe(0);
      const bytes = data.subarray(t.offset, t.offset + t.bytes);
      const v = consts.get(t.name)!;
      expect(Buffer.from(bytes).equals(Buffer.from(v.const!.toBytes(false))), t.name).toBe(true);
      expect(Buffer.from(bytes).equals(Buffer.from(v.const!.toBytes(true))), t.name).toBe(false);
      expect(crc32(bytes)).toBe(t.crc32);
      expect(pack.manifest).toContain(`${t.name}\t${t.offset}\t${t.bytes}\tfloat32\t`);
      expect(pack.manifest).toContain(`0x${t.crc32.toString(16).padStart(8, '0')}`);
      // the first float read back big-endian is the weight itself
      expect(new DataView(bytes.buffer, bytes.byteOffset).getFloat32(0, false)).toBe(v.const!.get(0));
    }
    // only tensors read at run time are streamed (the Reshape shape is not)
    expect(pack.tensors.map((t) => t.dtype)).not.toContain('int64');
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('a corrupted byte in the pack is reported as a CRC mismatch, not computed on', async () => {
    const c = await compile(example('cnn'), { target: 'n64', weights: 'rom' });
    const dir = tmpDir('crc');
    const launch = buildForTarget(c, dir);
    expect(runAndCompare(c, launch, dir).line).toMatch(/^PASS/);
    const t = c.code.pack!.tensors.find((x) => x.name === 'fc.weight')!;
    const file = path.join(dir, 'filesystem', 'model.wpk');
    const bytes = fs.readFileSync(file);
    bytes[t.offset + 5]! ^= 0x40;
    fs.writeFileSync(file, bytes);
    fs.rmSync(path.join(dir, 'out0.bin'), { force: true });
    const r = runAndCompare(c, launch, dir);
    expect(r.pass).toBe(false);
    expect(r.line).toMatch(/FAIL program exited with 1: error: weight pack 'model.wpk': CRC mismatch in 'fc.weight'/);
    expect(fs.existsSync(path.join(dir, 'out0.bin'))).toBe(false);
  });

  it('a little-endian pack is caught on the big-endian VR4300 (byte-order mark, and wrong numbers without it)', async () => {
    const c = await compile(example('mlp'), { target: 'n64', weights: 'rom', packLittleEndian: true });
    const dir = tmpDir('endian');
    const launch = buildForTarget(c, dir);
    const r = runAndCompare(c, launch, dir);
    expect(r.pass).toBe(false);
    expect(r.line).toMatch(/byte order does not match this CPU/);
    // forge the mark: the CRCs still match (they are over the bytes as written), the results do not
    const file = path.join(dir, 'filesystem', 'model.wpk');
    const bytes = fs.readFileSync(file);
    bytes.set([1, 2, 3, 4, 0, 0, 0, c.code.pack!.tensors.length], 4);
    fs.writeFileSync(file, bytes);
    const r2 = runAndCompare(c, launch, dir);
    expect(r2.pass).toBe(false);
    expect(r2.line).toMatch(/^FAIL mismatch in logits/);
  });

  it('the streaming runtime is clean under ASan/UBSan (host build of the test program with a little-endian pack)', async () => {
    const c = await compile(example('cnn'), { target: 'n64', weights: 'rom', packLittleEndian: true });
    const dir = tmpDir('asan');
    const files = { ...projectFiles(c.target, c.code, c.golden, {}, 'test'), ...binaryFiles(c.target, c.code) };
    const { exe, ...b } = buildSanitizedProject(dir, files);
    expect(b.status, b.stderr).toBe(0);
    const launch = fileIo(c, dir, exe, [], 'host ASan', true);
    expect(runAndCompare(c, launch, dir).line).toMatch(/^PASS/);
    const file = path.join(dir, 'filesystem', 'model.wpk');
    const bytes = fs.readFileSync(file);
    bytes[c.code.pack!.tensors[0]!.offset]! ^= 1;
    fs.writeFileSync(file, bytes);
    expect(runAndCompare(c, launch, dir).line).toMatch(/CRC mismatch in 'conv0\.weight_bn'/);
    fs.rmSync(file);
    expect(runAndCompare(c, launch, dir).line).toMatch(/weight pack 'model\.wpk': cannot open/);
  });

  it('fails the compile with every number and what would make it fit', () => {
    const r = dnnc(['compile', big, '--target', 'n64', '--weights', 'embed', '-o', path.join(tmpDir('nofit'), 'o')]);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dnnc: error: .*big.*model\.onnx: model does not fit in n64 RDRAM: arena 4096 B \+ resident weights 4202496 B \+ code ~\d+ B \+ reserve \d+ B .* = \d+ B > 4194304 B \(4 MiB RDRAM\)/);
    expect(lines[0]).toMatch(/it would fit with --expansion-pak \(\d+ B of 8388608 B\), or --weights rom \(\d+ B of 4194304 B\)/);
    expect(lines[0]).toMatch(/int8 weights \(planned, not yet available\) would need ~\d+ B/);
  });

  it('prints the memory report, and the Expansion Pak makes room for embedded weights', () => {
    const dir = tmpDir('fit');
    const r = dnnc(['compile', big, '--target', 'n64', '-o', path.join(dir, 'rom')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/memory report for n64: RDRAM 4 MiB, weights streamed from the ROM weight pack/);
    expect(r.stderr).toMatch(/resident weights +0 B/);
    expect(r.stderr).toMatch(/streamed weights \(in ROM\) +4202496 B/);
    expect(fs.statSync(path.join(dir, 'rom', 'filesystem', 'model.wpk')).size).toBe(4202496 + 16);
    const e = dnnc(['compile', big, '--target', 'n64', '--expansion-pak', '-o', path.join(dir, 'exp')]);
    expect(e.status, e.stderr).toBe(0);
    expect(e.stderr).toMatch(/RDRAM 8 MiB \(Expansion Pak\), weights embedded/);
    expect(fs.existsSync(path.join(dir, 'exp', 'filesystem'))).toBe(false);
    const i = dnnc(['inspect', big, '--target', 'n64', '--memory']);
    expect(i.status, i.stderr).toBe(0);
    expect(i.stdout).toMatch(/weight stream buffers +2101248 B/);
  });
});

describe('VR4300: single precision', () => {
  it('the float32 runtime kernels compile with -Wdouble-promotion -Werror for the VR4300', () => {
    const dir = path.join(ROOT, 'runtime-c', 'kernels');
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.c'))) {
      const r = spawnSync(N64.cc[0]!, [...N64.cflags.filter((x) => x !== '-static'), '-Wdouble-promotion', '-Wfloat-conversion', '-I', path.join(ROOT, 'runtime-c', 'include'), '-c', path.join(dir, f), '-o', '/dev/null'], { encoding: 'utf8' });
      expect(r.status, `${f}: ${r.stderr}`).toBe(0);
    }
  });
});
