import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../compiler/cli/main.js';
import { encodeNpy } from '../../runtime/npy.js';
import { encodeNpz, readNpz } from '../../runtime/npz.js';
import { Tensor } from '../../runtime/tensor.js';
import { buildThreadsModule } from '../helpers/threads-module.js';
import { buildTinyModule } from '../helpers/tiny-module.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'accelc-cli-'));
const tiny = join(dir, 'tiny.wasm');
const ramp = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]);

beforeAll(() => {
  writeFileSync(tiny, buildTinyModule().wasm);
  writeFileSync(join(dir, 'in.npz'), encodeNpz({ x: new Tensor(ramp, [1, 8]), y: new Tensor(new Float32Array([1, 3, 5, 7, 9, 11, 13, 15]), [1, 8]) }));
  writeFileSync(join(dir, 'f64.npy'), encodeNpy(new Tensor(new Float64Array(ramp), [1, 8])));
  writeFileSync(join(dir, 'garbage.wasm'), 'definitely not a module');
});

describe('accelc', () => {
  it('--help and -h print usage and exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await cli(flag);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^accelc \d+\.\d+\.\d+/);
      expect(r.stdout).toContain('accelc run model.wasm|model.onnx');
    }
    const run = await cli('run', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--inputs FILE');
  });

  it('--version prints the version', async () => {
    const r = await cli('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^accelc \d+\.\d+\.\d+\n$/);
  });

  it('exits 2 on usage errors: no arguments, unknown flags, bad values', async () => {
    expect((await cli()).code).toBe(2);
    const unknown = await cli('model.onnx', '--frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("accelc: E_USAGE: unknown flag '--frobnicate'");
    expect((await cli('run', tiny, '--bogus')).code).toBe(2);
    expect((await cli('bench', tiny, '--iters', 'many')).code).toBe(2);
    expect((await cli('run', tiny, '--inputs')).code).toBe(2);
    expect((await cli('model.onnx', '--shape', 'nonsense')).code).toBe(2);
  });

  it('--layout picks the convolution layout for compile and inspect; other values are usage errors', async () => {
    const model = 'test/models/mobilenet_v2.onnx';
    const ops = async (...flags: string[]) => {
      const r = await cli('inspect', model, '--json', ...flags);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as { kernels: { ops: string }[] }).kernels.map((k) => k.ops).join(' ');
    };
    expect(await ops()).toContain('NhwcConv_Clip');
    expect(await ops('--layout', 'nchw')).not.toContain('Nhwc');
    const bad = await cli('inspect', model, '--layout', 'NHWC');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--layout takes auto, nchw or nhwc, got 'NHWC'");
    expect((await cli(model, '--layout', 'nchwc', '-o', join(dir, 'x.wasm'))).code).toBe(2);
  });

  it('--int8 compiles digits_cnn calibrated on the shipped training digits; a mismatched file is E_INPUT', async () => {
    const out = join(dir, 'digits-int8.wasm');
    const r = await cli('test/models/digits_cnn.onnx', '--shape', 'image=1x1x16x16', '--int8', 'examples/digits-calibration.npy', '-o', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^int8: 3 of 3 convolutions quantized\n.*digits-int8\.wasm: 5 kernels/s);
    const run = await cli('run', out, '--inputs', 'examples/digit-7.npy', '--top', '1');
    expect(run.stdout).toMatch(/1\. +7 /);
    const bad = await cli('test/models/digits_cnn.onnx', '--shape', 'image=1x1x8x8', '--int8', 'examples/digits-calibration.npy', '-o', out);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/E_INPUT: model digits_cnn: calibration sample 0, input 'image': expected shape \[1,1,8,8\], or several stacked along the first axis; got \[200,1,16,16\]/);
  });

  it('exits 1 with one line and no stack on a missing file', async () => {
    for (const argv of [['run', join(dir, 'missing.wasm')], [join(dir, 'missing.onnx')], ['bench', join(dir, 'missing.wasm')]]) {
      const r = await cli(...argv);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^accelc: E_FILE: cannot read '.*missing\.(wasm|onnx)': no such file or directory\n$/);
    }
  });

  it('exits 1 on a garbage .wasm, and prints the stack only with --verbose', async () => {
    const r = await cli('run', join(dir, 'garbage.wasm'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('accelc: E_FILE: not a WebAssembly module (no \\0asm header)\n');
    const v = await cli('run', join(dir, 'garbage.wasm'), '--verbose');
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('    at ');
  });

  it('run prints outputs, compares with a reference, shows the top-K and saves', async () => {
    const out = join(dir, 'out.npz');
    const r = await cli('run', tiny, '--inputs', join(dir, 'in.npz'), '--top', '3', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^y: float32 \[1,8\]  min 1 max 15 mean 8  max\|diff\| vs .*in\.npz 0\.00e\+0$/m);
    expect(r.stdout).toMatch(/top-3 of y, softmaxed:\n\s+1\.\s+7\s+0\.86\d+\n\s+2\.\s+6\s+0\.11\d+/);
    expect(Array.from((await readNpz(out)).y!.data as Float32Array)).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
  });

  it('run refuses float64 for a float32 input unless --cast', async () => {
    const f64 = join(dir, 'f64.npy');
    const r = await cli('run', tiny, '--inputs', f64);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^accelc: E_INPUT: input 'x': expected dtype float32, got float64 in .* \(pass --cast to convert\)\n$/);
    const cast = await cli('run', tiny, '--inputs', f64, '--cast');
    expect(cast.code).toBe(0);
    expect(cast.stdout).toContain('min 1 max 15');
  });

  it('bench prints one JSON object', async () => {
    const r = await cli('bench', tiny, '--iters', '3', '--warmup', '1', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of ['p50_ms', 'p90_ms', 'mean_ms', 'min_ms', 'first_run_ms', 'load_ms']) expect(typeof j[k]).toBe('number');
    expect(j).toMatchObject({ iters: 3, threads: 1, model: 'tiny' });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('bench --threads 2 runs on two workers (workers start from dist/: build first)', async () => {
    const threaded = join(dir, 'threads.wasm');
    writeFileSync(threaded, buildThreadsModule().wasm);
    const r = await cli('bench', threaded, '--threads', '2', '--iters', '2', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ threads: 2, model: 'threads' });
  });

  it('bench --threads above what the module was compiled for is a usage error', async () => {
    const r = await cli('bench', tiny, '--threads', '2', '--iters', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the module was compiled for at most 1 threads (recompile with --max-threads 2)');
  });

  it('exits 70 with a stack on an internal error', async () => {
    let stderr = '';
    const code = await main(['--version'], { stdout: () => { throw new TypeError('boom'); }, stderr: (t) => void (stderr += t) });
    expect(code).toBe(70);
    expect(stderr).toMatch(/^accelc: internal error: boom\nTypeError: boom\n\s+at /);
  });

  it.skipIf(!existsSync('dist/compiler/cli/main.js'))('the built binary runs', () => {
    const r = spawnSync(process.execPath, ['dist/compiler/cli/main.js', '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^accelc /);
  });
});
