// The AssemblyScript TopK kernel (kernels/topk.ts via runtime/kernels/topk.ts) against a JS sort:
// the k largest, best first, ties to the lower index, NaN below every number.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTopk, TOPK_WASM_URL, type TopkFn } from '../../runtime/kernels/topk.js';

function reference(values: Float32Array, k: number): { indices: number[]; values: number[] } {
  const order = Array.from(values.keys()).sort((a, b) => {
    const x = values[a]!, y = values[b]!;
    if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
    if (x !== y && !Number.isNaN(x)) return y - x;
    return a - b;
  });
  const top = order.slice(0, Math.min(k, values.length));
  return { indices: top, values: top.map((i) => values[i]!) };
}

function check(topk: TopkFn, values: Float32Array, k: number): void {
  const got = topk(values, k);
  const want = reference(values, k);
  expect(got.indices).toBeInstanceOf(Int32Array);
  expect(got.values).toBeInstanceOf(Float32Array);
  expect(Array.from(got.indices)).toEqual(want.indices);
  expect(Array.from(got.values)).toEqual(want.values); // toEqual: NaN equals NaN
}

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 4294967296;
  };
}

describe('topk kernel', () => {
  let topk: TopkFn;
  beforeAll(async () => {
    expect(existsSync(fileURLToPath(TOPK_WASM_URL)), 'kernels/build/topk.wasm: run npm run build:kernels').toBe(true);
    topk = await loadTopk();
  });

  it('matches a sort on random data with many ties, for every k', () => {
    const next = seeded(7);
    for (const n of [1, 2, 3, 10, 100, 1000]) {
      const values = Float32Array.from({ length: n }, () => Math.floor(next() * 8) - 4); // 8 distinct values
      for (const k of [1, 2, 3, 5, 17, n - 1, n, n + 5]) if (k >= 1) check(topk, values, k);
    }
  });

  it('matches a sort on random floats, large n', () => {
    const next = seeded(11);
    const values = Float32Array.from({ length: 100_000 }, () => next() * 2 - 1);
    for (const k of [1, 10, 1000]) check(topk, values, k);
  });

  it('k = 1 is the argmax with the lowest index', () => {
    const r = topk(new Float32Array([1, 5, 3, 5, 2]), 1);
    expect(Array.from(r.indices)).toEqual([1]);
    expect(Array.from(r.values)).toEqual([5]);
  });

  it('k = n sorts everything; k > n is clamped to n', () => {
    const values = new Float32Array([0.5, -1, 2, 2, -Infinity, Infinity, 0]);
    check(topk, values, values.length);
    const r = topk(values, 100);
    expect(r.indices.length).toBe(values.length);
    expect(Array.from(r.indices)).toEqual([5, 2, 3, 0, 6, 1, 4]);
  });

  it('n = 0 and k = 0 give empty results', () => {
    expect(topk(new Float32Array(0), 3)).toEqual({ indices: new Int32Array(0), values: new Float32Array(0) });
    expect(topk(new Float32Array([1, 2]), 0).indices.length).toBe(0);
  });

  it('NaN ranks below every number, -Infinity included; NaNs among themselves by index', () => {
    const values = new Float32Array([NaN, -Infinity, NaN, 3, -1, NaN]);
    check(topk, values, 6);
    expect(Array.from(topk(values, 6).indices)).toEqual([3, 4, 1, 0, 2, 5]);
    check(topk, values, 2);
    check(topk, new Float32Array([NaN, NaN, NaN]), 2);
    const next = seeded(3);
    const mixed = Float32Array.from({ length: 500 }, () => (next() < 0.2 ? NaN : Math.floor(next() * 20)));
    for (const k of [1, 7, 450, 500]) check(topk, mixed, k);
  });

  it('reuses its memory across calls of different sizes', () => {
    check(topk, Float32Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 1000), 50);
    check(topk, new Float32Array([3, 1, 2]), 2);
  });

  it('refuses a negative or fractional k', () => {
    expect(() => topk(new Float32Array(3), -1)).toThrow(/k must be a non-negative integer/);
    expect(() => topk(new Float32Array(3), 1.5)).toThrow(/k must be a non-negative integer/);
  });
});
