// Softmax / LogSoftmax over the last axis: rows are vectorized (exp and scale stages, and the row max
// and sum through row-reduce.ts with a shifted last tile). Row lengths cover every path: shorter than
// a tile (scalar), whole tiles (in-place scale), shifted tails of 4 and of 8 lanes (recomputed exp,
// the sum's double-counted columns subtracted); checked in double precision, at 1 and 2 threads.
// LayerNormalization's row mean and variance take the same vectorized reductions.

import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { encode, FLOAT, floatTensor, node, valueInfo } from '../frontend/build-model.js';
import { randoms } from './helpers.js';

const gamma = (n: number) => Array.from({ length: n }, (_, i) => 1 + i / n);
const beta = (n: number) => Array.from({ length: n }, (_, i) => i % 3 - 1);

function reference(x: Float32Array, rows: number, n: number, log: boolean): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * n, r * n + n));
    const m = Math.max(...row);
    const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
    row.forEach((v, i) => { out[r * n + i] = log ? v - m - Math.log(s) : Math.exp(v - m) / s; });
  }
  return out;
}

function layerNormRef(x: Float32Array, rows: number, n: number, g: number[], b: number[]): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * n, r * n + n));
    const m = row.reduce((a, v) => a + v, 0) / n;
    const inv = 1 / Math.sqrt(row.reduce((a, v) => a + (v - m) ** 2, 0) / n + 1e-5);
    row.forEach((v, i) => { out[r * n + i] = (v - m) * inv * g[i] + b[i]; });
  }
  return out;
}

async function run(op: string, shape: number[], threads: number): Promise<{ x: Float32Array; y: Float32Array }> {
  const n = shape[shape.length - 1];
  const ln = op === 'LayerNormalization';
  const bytes = encode({
    nodes: [node(op, ln ? ['x', 'g', 'b'] : ['x'], ['y'], 'sm', [{ name: 'axis', type: 2, i: -1 }])],
    inputs: [valueInfo('x', FLOAT, shape)], outputs: [valueInfo('y', FLOAT, shape)],
    initializers: ln ? [floatTensor('g', [n], gamma(n)), floatTensor('b', [n], beta(n))] : [],
    opset: ln ? 17 : 13,
  });
  const { wasm } = await compile(bytes, { modelName: 'softmax_rows' });
  const x = randoms(shape.reduce((a, b) => a * b, 1), n).map((v) => v * 8);
  x[3] = 40;  // one large logit: most of its row's exps are tiny
  const s = await InferenceSession.create(wasm, { threads });
  const { y } = await s.run({ x: new Tensor(x, shape) });
  await s.release();
  return { x, y: y!.data as Float32Array };
}

describe('softmax and layer norm over contiguous rows', () => {
  for (const n of [3, 8, 13, 21, 40, 128, 197]) {
    for (const op of ['Softmax', 'LogSoftmax', 'LayerNormalization']) {
      it(`${op} rows of ${n}`, async () => {
        const rows = 6;
        for (const threads of [1, 2]) {
          const { x, y } = await run(op, [2, rows / 2, n], threads);
          const want = op === 'LayerNormalization' ? layerNormRef(x, rows, n, gamma(n), beta(n)) : reference(x, rows, n, op === 'LogSoftmax');
          const tol = op === 'LayerNormalization' ? 2e-5 : 2e-6;
          for (let i = 0; i < want.length; i++) expect(Math.abs(y[i] - want[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i])));
        }
      });
    }
  }
});
