import { describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy, NPY_DESCR } from '../../runtime/npy.js';
import { DTYPES, Tensor, type TensorType } from '../../runtime/tensor.js';

function sample(type: TensorType, dims: number[]): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new DTYPES[type].array(n);
  for (let i = 0; i < n; i++) {
    const v = type === 'bool' ? i % 2 : i * 3 - 5;
    if (DTYPES[type].bigint) (data as BigInt64Array)[i] = BigInt(type === 'uint64' ? i * 7 : v);
    else (data as Float32Array)[i] = type.startsWith('uint') || type === 'float16' ? i * 7 : v;
  }
  return new Tensor(type, data, dims);
}

/** A .npy with a version 2 or 3 header, the way numpy writes one when the header is long. */
function npyWithVersion(major: 2 | 3, header: string, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(header.padEnd(Math.ceil((12 + header.length + 1) / 64) * 64 - 13) + '\n');
  const out = new Uint8Array(12 + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  new DataView(out.buffer).setUint32(8, h.length, true);
  out.set(h, 12);
  out.set(data, 12 + h.length);
  return out;
}

describe('npy', () => {
  for (const type of Object.keys(NPY_DESCR) as TensorType[]) {
    it(`round-trips ${type} (${NPY_DESCR[type]})`, () => {
      const t = sample(type, [2, 3]);
      const bytes = encodeNpy(t);
      const headerLen = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLen) % 64).toBe(0);
      const back = parseNpy(bytes);
      expect(back.type).toBe(type);
      expect(back.dims).toEqual([2, 3]);
      expect(back.data).toEqual(t.data);
    });
  }

  it('round-trips scalars, vectors and empty arrays', () => {
    for (const dims of [[], [5], [0, 3]]) {
      const back = parseNpy(encodeNpy(sample('float32', dims)));
      expect(back.dims).toEqual(dims);
    }
    expect(new TextDecoder().decode(encodeNpy(sample('int8', [5])).subarray(10, 80))).toContain("'shape': (5,)");
  });

  it('reads version 2 and 3 headers', () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    for (const v of [2, 3] as const) {
      const t = parseNpy(npyWithVersion(v, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data));
      expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3]);
    }
  });

  it('refuses Fortran order, big-endian, unknown dtypes and truncated files with one-line errors', () => {
    const data = new Uint8Array(8);
    expect(() => parseNpy(npyWithVersion(2, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", data), 'a.npy'))
      .toThrow(/^E_UNSUPPORTED: a.npy: Fortran-order arrays are not supported/);
    expect(() => parseNpy(npyWithVersion(2, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", data)))
      .toThrow(/big-endian dtype '>f4'/);
    expect(() => parseNpy(npyWithVersion(2, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", data)))
      .toThrow(/unsupported dtype '<c8'/);
    expect(() => parseNpy(npyWithVersion(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data)))
      .toThrow(/E_FILE: .*truncated data: float32 \[3\] needs 12 bytes, the file has 8/);
    expect(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'x.npy')).toThrow(/^E_FILE: x.npy: not a NumPy .npy file/);
  });
});
