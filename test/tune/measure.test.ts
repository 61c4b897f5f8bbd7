// The tuner's output check: floats within 1e-4 of the larger magnitude, equal NaNs and infinities
// matching, other dtypes byte for byte; the first difference named.

import { describe, expect, it } from 'vitest';
import { sameOutputs } from '../../compiler/tune/measure.js';
import type { LoadedModel } from '../../runtime/loader.js';

const model = (dtype: string) => ({ meta: { outputs: [{ name: 'y', dtype, shape: [4], offset: 0 }] } }) as unknown as LoadedModel;
const f32 = (...xs: number[]) => [new Uint8Array(Float32Array.from(xs).buffer)];

describe('sameOutputs', () => {
  it('matches equal floats, NaN with NaN and infinity with the same infinity', () => {
    expect(sameOutputs(model('float32'), f32(1, NaN, Infinity, -Infinity), f32(1 + 1e-6, NaN, Infinity, -Infinity))).toBeUndefined();
  });

  it('names the first output element that differs', () => {
    expect(sameOutputs(model('float32'), f32(1, 2, 3, 4), f32(1, 2, 3.01, 4))).toBe("output 'y'[2]: 3 against 3.009999990463257");
    expect(sameOutputs(model('float32'), f32(1, NaN, 0, 0), f32(1, 2, 0, 0))).toMatch(/'y'\[1\]: NaN against 2/);
    expect(sameOutputs(model('float32'), f32(Infinity, 0, 0, 0), f32(-Infinity, 0, 0, 0))).toMatch(/'y'\[0\]/);
    expect(sameOutputs(model('int32'), [new Uint8Array([1, 0, 0, 0])], [new Uint8Array([2, 0, 0, 0])])).toBe("output 'y' differs");
  });
});
