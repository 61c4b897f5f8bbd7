import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc32, encodeNpz, parseNpz, readNpz } from '../../runtime/npz.js';
import { DTYPES, Tensor, type TensorType } from '../../runtime/tensor.js';

const REF = '/work/shared/models/squeezenet1_1.ref.npz';

// np.savez_compressed(f, a=np.arange(12, dtype=np.float32).reshape(3,4),
//                     ids=np.array([1,-2,3], dtype=np.int64), flag=np.array([True, False]))  (numpy 2.4)
const COMPRESSED = 'UEsDBC0AAAAIAAAAIQAtbyIm//////////8FABQAYS5ucHkBABAAsAAAAAAAAABmAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GsY6CiaaOgq1CmQDLgYwaLAHEg5ABMQNQLwAiA8A8QMgZnBkYBAAYgUgNnAEAFBLAwQtAAAACAAAACEAdKjzMP//////////BwAUAGlkcy5ucHkBABAAmAAAAAAAAABOAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TaaGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GsY6mjoKtQoUAC5GBgj49x8CmKF8AFBLAwQtAAAACAAAACEA7hm7Xf//////////CAAUAGZsYWcubnB5AQAQAIIAAAAAAAAARgAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBek2SorqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOpo6CrUKFAAuRgYAUEsBAi0DLQAAAAgAAAAhAC1vIiZmAAAAsAAAAAUAAAAAAAAAAAAAAIABAAAAAGEubnB5UEsBAi0DLQAAAAgAAAAhAHSo8zBOAAAAmAAAAAcAAAAAAAAAAAAAAIABnQAAAGlkcy5ucHlQSwECLQMtAAAACAAAACEA7hm7XUYAAACCAAAACAAAAAAAAAAAAAAAgAEkAQAAZmxhZy5ucHlQSwUGAAAAAAMAAwCeAAAApAEAAAAA';

describe('npz', () => {
  it('computes CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('round-trips every dtype through stored entries', () => {
    const arrays: Record<string, Tensor> = {};
    for (const type of Object.keys(DTYPES) as TensorType[]) {
      const data = new DTYPES[type].array(6);
      for (let i = 0; i < 6; i++) {
        if (DTYPES[type].bigint) (data as BigInt64Array)[i] = BigInt(i * 11);
        else (data as Float32Array)[i] = type === 'bool' ? i % 2 : i * 11;
      }
      arrays[`t_${type}`] = new Tensor(type, data, [3, 2]);
    }
    const back = parseNpz(encodeNpz(arrays));
    expect(Object.keys(back)).toEqual(Object.keys(arrays));
    for (const [k, t] of Object.entries(arrays)) {
      expect(back[k]!.type).toBe(t.type);
      expect(back[k]!.dims).toEqual([3, 2]);
      expect(back[k]!.data).toEqual(t.data);
    }
  });

  it('reads deflated entries written by numpy (savez_compressed, zip64 local headers)', () => {
    const out = parseNpz(new Uint8Array(Buffer.from(COMPRESSED, 'base64')));
    expect(Object.keys(out).sort()).toEqual(['a', 'flag', 'ids']);
    expect(out.a!.dims).toEqual([3, 4]);
    expect(Array.from(out.a!.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(out.ids!.data).toEqual(new BigInt64Array([1n, -2n, 3n]));
    expect(out.flag!.type).toBe('bool');
    expect(Array.from(out.flag!.data as Float32Array)).toEqual([1, 0]);
  });

  it('detects corruption and non-zip data', () => {
    const bytes = encodeNpz({ x: new Tensor(new Float32Array([1, 2, 3])) });
    bytes[100] ^= 0xff;
    expect(() => parseNpz(bytes, 'in.npz')).toThrow(/^E_FILE: in.npz: entry 'x.npy' is corrupt/);
    expect(() => parseNpz(new Uint8Array(64), 'in.npz')).toThrow(/^E_FILE: in.npz: not a zip archive/);
  });

  it.skipIf(!existsSync(REF))('reads a real reference file', async () => {
    const ref = await readNpz(REF);
    expect(ref.input!.type).toBe('float32');
    expect(ref.input!.dims).toEqual([1, 3, 224, 224]);
    expect(ref.logits!.dims).toEqual([1, 1000]);
    expect(ref.logits!.data.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('reports a missing file as E_FILE', async () => {
    await expect(readNpz('/nonexistent/in.npz')).rejects.toThrow(/^E_FILE: cannot read '\/nonexistent\/in.npz': no such file/);
  });
});
