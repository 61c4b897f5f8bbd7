import { describe, expect, it } from 'vitest';
import { isContiguous, permuteView, reshapeStrides, sliceView } from '../../compiler/lower/views.js';

const contiguous = (s: number[]) => s.map((_, i) => s.slice(i + 1).reduce((a, b) => a * b, 1));
/** Element offsets of a view, in row-major order of its shape. */
function offsets(shape: number[], strides: number[], offset = 0): number[] {
  const out: number[] = [];
  const rec = (d: number, o: number) => { if (d === shape.length) { out.push(o); return; } for (let i = 0; i < shape[d]; i++) rec(d + 1, o + i * strides[d]); };
  rec(0, offset);
  return out;
}

describe('buffer views', () => {
  it('reshape of a contiguous buffer is always a view, in the same element order', () => {
    for (const [a, b] of [[[2, 3, 4], [6, 4]], [[2, 3, 4], [24]], [[1, 232, 14, 14], [1, 2, 116, 14, 14]], [[4, 1, 5], [2, 10]], [[3], [1, 3, 1]]]) {
      const st = reshapeStrides(a, contiguous(a), b)!;
      expect(st).toBeDefined();
      expect(offsets(b, st)).toEqual(offsets(a, contiguous(a)));
    }
  });

  it('reshape of a strided view merges only contiguous runs', () => {
    // channel slice [1, 4, 3, 3] of a [1, 8, 3, 3] tensor: H and W merge, C and H merge too
    const slice = sliceView({ shape: [1, 8, 3, 3], strides: contiguous([1, 8, 3, 3]), offset: 0 }, [0, 4, 0, 0], [1, 4, 3, 3]);
    const st = reshapeStrides(slice.shape, slice.strides, [1, 4, 9])!;
    expect(offsets([1, 4, 9], st, slice.offset)).toEqual(offsets(slice.shape, slice.strides, slice.offset));
    // a transposed view [1, 116, 2, 14, 14] cannot merge (116, 2) back into 232
    const t = permuteView({ shape: [1, 2, 116, 14, 14], strides: contiguous([1, 2, 116, 14, 14]), offset: 0 }, [0, 2, 1, 3, 4]);
    expect(reshapeStrides(t.shape, t.strides, [1, 232, 14, 14])).toBeUndefined();
    expect(isContiguous(t)).toBe(false);
  });

  it('slices with steps and permutations address the right elements', () => {
    const base = { shape: [4, 6], strides: contiguous([4, 6]), offset: 0 };
    const s = sliceView(base, [1, 0], [2, 3], [2, 2]);
    expect(offsets(s.shape, s.strides, s.offset)).toEqual([6, 8, 10, 18, 20, 22]);
    const p = permuteView(base, [1, 0]);
    expect(offsets(p.shape, p.strides).slice(0, 4)).toEqual([0, 6, 12, 18]);
  });
});
