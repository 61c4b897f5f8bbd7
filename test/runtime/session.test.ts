import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { wasm as wasmApi } from '../../runtime/wasm-api.js';
import { buildTinyModule } from '../helpers/tiny-module.js';

const x = (values: number[], dims = [1, 8]) => new Tensor('float32', new Float32Array(values), dims);
const ramp = x([0, 1, 2, 3, 4, 5, 6, 7]);

describe('InferenceSession with a hand-written module', () => {
  let session: InferenceSession;
  beforeAll(async () => {
    session = await InferenceSession.create(buildTinyModule().wasm);
  });

  it('names its inputs and outputs', () => {
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y']);
  });

  it('runs: y = x * 2 + 1', async () => {
    const { y } = await session.run({ x: ramp });
    expect(y!.type).toBe('float32');
    expect(y!.dims).toEqual([1, 8]);
    expect(Array.from(y!.data as Float32Array)).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
  });

  it('returns fresh arrays, never views of the shared memory', async () => {
    const first = (await session.run({ x: ramp })).y!;
    expect(first.data.buffer).toBeInstanceOf(ArrayBuffer);
    expect(first.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    await session.run({ x: x([9, 9, 9, 9, 9, 9, 9, 9]) });
    expect(first.data[0]).toBe(1);
  });

  it('accepts any tensor-shaped object (an onnxruntime Tensor, say)', async () => {
    const feed = { type: 'float32', dims: [1, 8], data: new Float32Array(8), size: 8 } as unknown as Tensor;
    expect(Array.from((await session.run({ x: feed })).y!.data as Float32Array)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('names the input and both values in feed errors', async () => {
    await expect(session.run({ x: ramp, z: ramp })).rejects.toThrow("E_INPUT: model tiny: unknown input 'z'; the model's inputs are: x");
    await expect(session.run({})).rejects.toThrow("E_INPUT: model tiny: missing input 'x' (expected float32 [1,8])");
    await expect(session.run({ x: new Tensor('float64', new Float64Array(8), [1, 8]) }))
      .rejects.toThrow("E_INPUT: model tiny: input 'x': expected dtype float32, got float64");
    await expect(session.run({ x: x([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]) }))
      .rejects.toThrow("E_INPUT: model tiny: input 'x': expected dims [1,8], got [2,4]");
    const short = { type: 'float32', dims: [1, 8], data: new Float32Array(7) } as unknown as Tensor;
    await expect(session.run({ x: short })).rejects.toThrow("E_INPUT: model tiny: input 'x': expected 8 elements, got 7");
  });

  it('turns a trap into E_RUNTIME and stays usable', async () => {
    const err = await session.run({ x: x([NaN, 0, 0, 0, 0, 0, 0, 0]) }).catch((e: unknown) => e as Error & { code: string });
    expect(err.code).toBe('E_RUNTIME');
    expect(err.message).toMatch(/^E_RUNTIME: model tiny: kernel 0 'kernel_0' trapped: unreachable/);
    expect(Array.from((await session.run({ x: ramp })).y!.data as Float32Array)).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
  });

  it('refuses to run after release', async () => {
    const s = await InferenceSession.create(buildTinyModule().wasm);
    await s.release();
    await expect(s.run({ x: ramp })).rejects.toThrow(/E_RUNTIME: .*released/);
  });
});

describe('InferenceSession.create', () => {
  it('loads from a path, an ArrayBuffer and a precompiled module', async () => {
    const { wasm } = buildTinyModule({ shape: [4] });
    const dir = mkdtempSync(join(tmpdir(), 'accelc-'));
    writeFileSync(join(dir, 'tiny.wasm'), wasm);
    const four = new Tensor(new Float32Array([1, 2, 3, 4]), [4]);
    const fromPath = await InferenceSession.create(join(dir, 'tiny.wasm'));
    const fromBuffer = await InferenceSession.create(wasm.slice().buffer);
    const fromModule = await InferenceSession.create(await wasmApi.compile(wasm), { tierUp: 'lazy' });
    for (const s of [fromPath, fromBuffer, fromModule]) {
      expect(Array.from((await s.run({ x: four })).y!.data as Float32Array)).toEqual([3, 5, 7, 9]);
    }
  });

  it('accepts as many threads as the module was compiled for (the tiny module: 1)', async () => {
    const { wasm } = buildTinyModule();
    await expect(InferenceSession.create(wasm, { threads: 1 })).resolves.toBeInstanceOf(InferenceSession);
    await expect(InferenceSession.create(wasm, { threads: 4 })).rejects.toThrow(/threads=4, but the module was compiled for at most 1 threads/);
    await expect(InferenceSession.create(wasm, { threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
  });

  it('reports missing files, garbage and modules without metadata as E_FILE', async () => {
    await expect(InferenceSession.create('/nonexistent/model.wasm')).rejects.toThrow("E_FILE: cannot read '/nonexistent/model.wasm'");
    const dir = mkdtempSync(join(tmpdir(), 'accelc-'));
    writeFileSync(join(dir, 'garbage.wasm'), 'this is not wasm');
    await expect(InferenceSession.create(join(dir, 'garbage.wasm'))).rejects.toThrow(/^E_FILE: not a WebAssembly module/);
    const broken = buildTinyModule().wasm.slice(0, 60);
    await expect(InferenceSession.create(broken)).rejects.toThrow(/^E_FILE: /);
    await expect(InferenceSession.create(buildTinyModule({ noMeta: true }).wasm)).rejects.toThrow("E_FILE: not an accelc module (no 'accelc' custom section)");
  });
});
