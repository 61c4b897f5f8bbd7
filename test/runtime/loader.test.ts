import { describe, expect, it } from 'vitest';
import { loadModel, supportsRelaxedSimd, supportsSimd } from '../../runtime/loader.js';
import { readMetaFromBytes } from '../../runtime/read-meta.js';
import { buildTinyModule } from '../helpers/tiny-module.js';

describe('loader', () => {
  it('reads the metadata from the bytes without compiling', () => {
    const { wasm, meta } = buildTinyModule({ name: 'm' });
    expect(readMetaFromBytes(wasm)).toEqual(meta);
  });

  it('creates the shared memory the module imports and runs init()', async () => {
    const model = await loadModel(buildTinyModule().wasm);
    expect(model.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(model.memory.buffer.byteLength).toBe(65536);
    expect(Array.from(new Float32Array(model.memory.buffer, 64, 8))).toEqual([2, 2, 2, 2, 1, 1, 1, 1]);
    expect(model.exports.kernels).toHaveLength(1);
  });

  it('detects SIMD and relaxed SIMD', () => {
    expect(supportsSimd()).toBe(true);
    expect(typeof supportsRelaxedSimd()).toBe('boolean');
  });

  it('refuses a relaxed-SIMD module on an engine without it, naming the flag', async () => {
    const { wasm } = buildTinyModule({ relaxedSimd: true });
    if (supportsRelaxedSimd()) {
      await expect(loadModel(wasm)).resolves.toBeDefined();
    } else {
      await expect(loadModel(wasm)).rejects.toThrow(/^E_RUNTIME: model tiny: .*--experimental-wasm-relaxed-simd/);
    }
  });

  it('checks the metadata', async () => {
    await expect(loadModel(buildTinyModule({ meta: { format: 99 } }).wasm)).rejects.toThrow(/^E_FILE: module metadata format 99, this runtime reads format 2/);
    const outside = buildTinyModule({ meta: { memory: { pages: 0, maxPages: 2 } } }).wasm;
    await expect(loadModel(outside)).rejects.toThrow(/^E_FILE: bad 'accelc' metadata: input 'x' lies outside the initial memory/);
  });

  it('reports a module that does not match its metadata', async () => {
    const wrong = buildTinyModule({ meta: { memory: { pages: 1, maxPages: 3 } }, importedMemory: { pages: 1, maxPages: 2 } });
    await expect(loadModel(wrong.wasm)).rejects.toThrow(/^E_FILE: model tiny: the module does not link against its own metadata/);
  });
});
