// The quantized GEMM: A and B words hold two i16 each (consecutive k), the sum is the i32 sum of
// their products (binop dot2: i32x4.dot_i16x8_s in vector code, two multiplies in scalar code),
// checked exactly against a naive integer matmul, in vector and scalar column tiles, with the
// extremes of the i16 range.

import { describe, it, expect } from 'vitest';
import { load } from '../../compiler/ir/loop.js';
import { gemmKernel } from '../../compiler/lower/gemm-stage.js';
import { foldConst } from '../../compiler/lower/simplify.js';
import { ProgramBuilder, instantiate } from './helpers.js';

/** Two i16 in one i32 word: low = a, high = b. */
const pack = (a: number, b: number) => (a & 0xffff) | (b << 16);

function ints(n: number, seed: number, lo: number, hi: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => { s = (s * 1103515245 + 12345) >>> 0; return lo + (s % (hi - lo + 1)); });
}

function run(M: number, N: number, K2: number, a: number[], b: number[]): { c: Int32Array; wat: string } {
  const pb = new ProgramBuilder();
  const A = pb.buf('A', 'i32', [M, K2]), B = pb.buf('B', 'i32', [K2, N]), C = pb.buf('C', 'i32', [1, M, N]);
  const k = gemmKernel({
    name: 'q', out: C, batch: 1, M, N, K: K2, arith: 'dot2',
    a: (_b, _ib, _ii, i, kk) => load('A', [i, kk]),
    b: (_b, kk, j) => load('B', [kk, j]),
  });
  pb.kernel('q', k.body);
  const inst = instantiate(pb.program());
  for (let i = 0; i < M; i++) for (let kk = 0; kk < K2; kk++) inst.i32(A)[i * K2 + kk] = pack(a[i * 2 * K2 + 2 * kk], a[i * 2 * K2 + 2 * kk + 1]);
  for (let kk = 0; kk < K2; kk++) for (let j = 0; j < N; j++) inst.i32(B)[kk * N + j] = pack(b[2 * kk * N + j], b[(2 * kk + 1) * N + j]);
  inst.exports.kernel_0(0, 1);
  return { c: inst.i32(C).slice(), wat: inst.text?.() ?? '' };
}

function naive(a: number[], b: number[], M: number, N: number, K: number): Int32Array {
  const out = new Int32Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
    out[i * N + j] = s;
  }
  return out;
}

describe('dot2 GEMM (quantized operands as i16 pairs)', () => {
  for (const [M, N, K] of [[9, 20, 14], [5, 3, 6], [4, 8, 2]]) {
    it(`matches an integer matmul exactly, ${M}x${N}x${K}${N < 4 ? ' (scalar columns)' : ''}`, () => {
      const a = ints(M * K, 3, -128, 255), b = ints(K * N, 5, -127, 127);
      const { c, wat } = run(M, N, K / 2, a, b);
      expect(Array.from(c)).toEqual(Array.from(naive(a, b, M, N, K)));
      expect(wat.includes('i32x4.dot_i16x8_s')).toBe(N >= 4);
    });
  }

  it('is exact at the ends of the i16 range, in vector and scalar code alike', () => {
    const M = 4, N = 9, K = 4;
    const a = Array.from({ length: M * K }, (_, i) => (i % 3 === 0 ? -32768 : i % 3 === 1 ? 32767 : -1));
    const b = Array.from({ length: K * N }, (_, i) => (i % 2 ? 32767 : -32767));
    expect(Array.from(run(M, N, K / 2, a, b).c)).toEqual(Array.from(naive(a, b, M, N, K)));
  });

  it('folds on constants as the instruction computes', () => {
    const e = foldConst({ k: 'bin', op: 'dot2', a: { k: 'const', t: 'i32', v: pack(-3, 7) }, b: { k: 'const', t: 'i32', v: pack(5, -2) } });
    expect(e).toEqual({ k: 'const', t: 'i32', v: -3 * 5 + 7 * -2 });
  });
});
