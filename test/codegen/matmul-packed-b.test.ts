// MatMul of two activations where B is a transposed view (attention's Q x K^T: B's columns are not
// adjacent) or a head slice of wide rows (attention's P x V: B's rows 512+ floats apart): B is packed
// into column panels at run time (pack-panels.ts) before the GEMM.
// Checked against a double-precision matmul, for column counts with and without a shifted last
// panel, at 1 and 2 threads; and the packing must actually be there.

import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { encode, FLOAT, node, valueInfo } from '../frontend/build-model.js';
import { randoms } from './helpers.js';

/** Compiles `nodes` (inputs a and b, output y), runs it on seeded data and returns y, the float64
 * reference ref(a, b) and whether B was packed. */
async function runMatMul(name: string, nodes: ReturnType<typeof node>[], aShape: number[], bShape: number[], yShape: number[],
  ref: (a: Float32Array, b: Float32Array) => Float64Array, seed: number, threads: number) {
  const bytes = encode({ nodes, inputs: [valueInfo('a', FLOAT, aShape), valueInfo('b', FLOAT, bShape)], outputs: [valueInfo('y', FLOAT, yShape)] });
  const { wasm, program } = await compile(bytes, { modelName: name });
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  const a = randoms(size(aShape), seed), b = randoms(size(bShape), seed + 1);
  const s = await InferenceSession.create(wasm, { threads });
  const { y } = await s.run({ a: new Tensor(a, aShape), b: new Tensor(b, bShape) });
  await s.release();
  return { y: y!.data as Float32Array, want: ref(a, b), packed: [...program.bufs.keys()].some((x) => x.includes('bpanels')) };
}

/** float64 reference: y[b][i][j] = sum_q a[b][i][q] * B(b, q, j), B read from `bv` at bAt(b, q, j). */
function reference(Bt: number, M: number, N: number, K: number, bAt: (b: number, q: number, j: number) => number) {
  return (a: Float32Array, bv: Float32Array) => {
    const want = new Float64Array(Bt * M * N);
    for (let b = 0; b < Bt; b++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let q = 0; q < K; q++) acc += a[(b * M + i) * K + q] * bv[bAt(b, q, j)];
      want[(b * M + i) * N + j] = acc;
    }
    return want;
  };
}

// y[b] = a[b] (M x K) . transpose(k[b]) where k[b] is N x K
function run(Bt: number, M: number, N: number, K: number, threads: number) {
  const nodes = [node('Transpose', ['b'], ['kt'], 't', [{ name: 'perm', type: 7, ints: [0, 2, 1] }]), node('MatMul', ['a', 'kt'], ['y'], 'mm')];
  return runMatMul('qk', nodes, [Bt, M, K], [Bt, N, K], [Bt, M, N], reference(Bt, M, N, K, (b, q, j) => (b * N + j) * K + q), 3, threads);
}

// y[h] = a[h] (M x K) . v[:, h, :] (K x N): v is [K, H, N], viewed per head through Transpose [1, 0, 2]
function runHeads(H: number, M: number, N: number, K: number, threads: number) {
  const nodes = [node('Transpose', ['b'], ['vt'], 't', [{ name: 'perm', type: 7, ints: [1, 0, 2] }]), node('MatMul', ['a', 'vt'], ['y'], 'mm')];
  return runMatMul('pv', nodes, [H, M, K], [K, H, N], [H, M, N], reference(H, M, N, K, (h, q, j) => (q * H + h) * N + j), 5, threads);
}

describe('MatMul with a transposed activation as B', () => {
  for (const [Bt, M, N, K] of [[2, 13, 11, 8], [3, 9, 24, 16], [1, 4, 5, 3]]) {
    it(`[${Bt}, ${M}, ${K}] x [${Bt}, ${K}, ${N}]`, async () => {
      for (const threads of [1, 2]) {
        const { y, want, packed } = await run(Bt, M, N, K, threads);
        expect(packed).toBe(true);
        for (let i = 0; i < want.length; i++) expect(Math.abs(y[i] - want[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i])));
      }
    });
  }
});

describe('MatMul with a head slice of wide rows as B', () => {
  for (const [H, M, N, K, packs] of [[8, 33, 64, 40, true], [2, 33, 64, 40, false]] as const) {
    it(`${H} heads of [${M}, ${K}] x [${K}, ${N}], rows ${H * N} apart: ${packs ? '' : 'not '}packed`, async () => {
      for (const threads of [1, 2]) {
        const { y, want, packed } = await runHeads(H, M, N, K, threads);
        expect(packed).toBe(packs);
        for (let i = 0; i < want.length; i++) expect(Math.abs(y[i] - want[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i])));
      }
    });
  }
});
