// `accelc model.onnx`, with compiler/compile.js mocked: checks flags reach CompileOptions and the
// summary line; the compiler itself is tested elsewhere.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../compiler/cli/main.js';
import { buildTinyModule } from '../helpers/tiny-module.js';

const compile = vi.hoisted(() => vi.fn());
vi.mock('../../compiler/compile.js', () => ({ compile }));

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('accelc model.onnx', () => {
  const dir = mkdtempSync(join(tmpdir(), 'accelc-compile-'));
  const model = join(dir, 'net.onnx');
  writeFileSync(model, 'not really onnx: the compiler is mocked');

  it('passes the flags on, writes the module and prints one summary line', async () => {
    const tiny = buildTinyModule();
    compile.mockImplementation(async (_m: string, opts: { log?: (l: string) => void }) => {
      opts.log?.('graph after fold-batchnorm: ...');
      return { ...tiny, warnings: ['op Foo runs slowly'] };
    });
    const r = await cli(model, '--shape', 'x=1x8', '--relaxed-simd', '--disable-pass', 'fuse', '--dump-after', 'fold-batchnorm', '--max-threads', '4');
    expect(r.code).toBe(0);
    expect(compile).toHaveBeenLastCalledWith(model, expect.objectContaining({
      shapes: { x: [1, 8] }, relaxedSimd: true, maxThreads: 4, disablePasses: ['fuse'], dumpAfter: ['fold-batchnorm'],
    }));
    expect(r.stdout).toContain('graph after fold-batchnorm: ...\n');
    expect(r.stdout).toMatch(/net\.wasm: 1 kernels, 0\.00 MB weights, 0\.00 MB wasm, compiled in \d+ ms\n$/);
    expect(r.stderr).toBe('accelc: warning: op Foo runs slowly\n');
    expect(existsSync(join(dir, 'net.wasm'))).toBe(true);
  });

  it('-o names the output; `compile` may be spelled out', async () => {
    compile.mockResolvedValue({ ...buildTinyModule(), warnings: [] });
    const out = join(dir, 'other.wasm');
    expect((await cli('compile', model, '-o', out)).code).toBe(0);
    expect(existsSync(out)).toBe(true);
  });

  it('bench compiles an .onnx and reports compile_ms', async () => {
    compile.mockResolvedValue({ ...buildTinyModule(), warnings: [] });
    const r = await cli('bench', model, '--iters', '2', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: 'net', iters: 2, threads: 1, compile_ms: expect.any(Number) });
  });

  it('a compile error is one line, exit 1', async () => {
    const { AccelcError } = await import('../../compiler/errors.js');
    compile.mockRejectedValue(new AccelcError({ code: 'E_UNSUPPORTED', message: 'op Foo is not supported', model: 'net', node: 'n1' }));
    const r = await cli(model);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("accelc: E_UNSUPPORTED: model net node 'n1': op Foo is not supported\n");
  });

  it('--int8 reads the calibration arrays, passes them on and prints what was quantized', async () => {
    compile.mockResolvedValue({ ...buildTinyModule(), warnings: [], int8: { quantized: ['a', 'b'], skipped: [{ node: 'c', reason: 'grouped or depthwise' }, { node: 'd', reason: 'grouped or depthwise' }] } });
    const calib = fileURLToPath(new URL('../../examples/digits-calibration.npy', import.meta.url));
    const r = await cli(model, '--int8', calib);
    expect(r.code).toBe(0);
    const opts = compile.mock.lastCall![1] as { int8: { calibration: Record<string, { dims: number[] }>[] } };
    expect(opts.int8.calibration.length).toBe(1);
    expect(Object.values(opts.int8.calibration[0]!).map((t) => t.dims)).toEqual([[200, 1, 16, 16]]);
    expect(r.stdout).toMatch(/^int8: 2 of 4 convolutions quantized; float32: 2 grouped or depthwise\n.*net\.wasm: /s);
  });

  it('--int8 takes an existing .npz or .npy', async () => {
    compile.mockClear();
    const bad = await cli(model, '--int8', join(dir, 'calib.txt'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/E_USAGE: --int8 takes a \.npz or \.npy file/);
    const missing = await cli(model, '--int8', join(dir, 'none.npz'));
    expect(missing.stderr).toMatch(/E_FILE: cannot read '.*none\.npz'/);
    expect(compile).not.toHaveBeenCalled();
  });
});
