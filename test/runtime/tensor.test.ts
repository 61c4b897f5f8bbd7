import { describe, expect, it } from 'vitest';
import { Tensor, DTYPES, type TensorType } from '../../runtime/tensor.js';

describe('Tensor', () => {
  it('takes a type, data and dims like onnxruntime-web', () => {
    const t = new Tensor('float32', new Float32Array(6), [2, 3]);
    expect(t.type).toBe('float32');
    expect(t.dims).toEqual([2, 3]);
    expect(t.size).toBe(6);
  });

  it('infers the type from the typed array', () => {
    expect(new Tensor(new Float32Array(4), [4]).type).toBe('float32');
    expect(new Tensor(new BigInt64Array(2), [2]).type).toBe('int64');
    expect(new Tensor(new Uint8Array(3)).type).toBe('uint8');
    expect(new Tensor(new Uint8Array(3)).dims).toEqual([3]);
  });

  it('converts plain arrays', () => {
    expect(new Tensor('int64', [1, 2, 3]).data).toEqual(new BigInt64Array([1n, 2n, 3n]));
    expect(new Tensor('bool', [true, false]).data).toEqual(new Uint8Array([1, 0]));
    expect(new Tensor([1.5, 2]).type).toBe('float32');
  });

  it('knows every dtype', () => {
    for (const type of Object.keys(DTYPES) as TensorType[]) {
      const t = new Tensor(type, new DTYPES[type].array(4), [2, 2]);
      expect(t.data.byteLength).toBe(4 * DTYPES[type].bytes);
    }
  });

  it('checks data length against dims', () => {
    expect(() => new Tensor('float32', new Float32Array(5), [2, 3])).toThrow(/E_INPUT.*\[2,3\] hold 6 elements but the data has 5/);
  });

  it('rejects the wrong array for the type, bad dims and unknown types', () => {
    expect(() => new Tensor('float32', new Float64Array(2), [2])).toThrow(/float32 tensor needs a Float32Array, got Float64Array/);
    expect(() => new Tensor('float32', new Float32Array(2), [-2])).toThrow(/non-negative integers/);
    expect(() => new Tensor('complex64' as TensorType, new Float32Array(2))).toThrow(/unknown tensor type 'complex64'/);
    expect(() => new Tensor('int64', [1.5])).toThrow(/needs integers/);
  });
});
