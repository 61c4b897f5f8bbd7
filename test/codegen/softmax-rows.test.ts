// Softmax / LogSoftmax over the last axis: rows are vectorized (exp and scale stages, and the row max
// and sum through row-reduce.ts with a shifted last tile). Row lengths cover every path: shorter than
// a tile (scalar), whole tiles (in-place scale), shifted tails of 4 and of 8 lanes (recomputed exp,
// the sum's double-counted columns subtracted); checked in double precision, at 1 and 2 threads.

import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { encode, FLOAT, node, valueInfo } from '../frontend/build-model.js';
import { randoms } from './helpers.js';

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

async function run(op: string, shape: number[], threads: number): Promise<{ x: Float32Array; y: Float32Array }> {
  const bytes = encode({
    nodes: [node(op, ['x'], ['y'], 'sm', [{ name: 'axis', type: 2, i: -1 }])],
    inputs: [valueInfo('x', FLOAT, shape)], outputs: [valueInfo('y', FLOAT, shape)],
  });
  const { wasm } = await compile(bytes, { modelName: 'softmax_rows' });
  const n = shape.reduce((a, b) => a * b, 1);
  const x = randoms(n, shape[shape.length - 1]).map((v) => v * 8);
  x[3] = 40;  // one large logit: most of its row's exps are tiny
  const s = await InferenceSession.create(wasm, { threads });
  const { y } = await s.run({ x: new Tensor(x, shape) });
  await s.release();
  return { x, y: y!.data as Float32Array };
}

describe('softmax over contiguous rows', () => {
  for (const n of [3, 8, 13, 21, 40, 128, 197]) {
    for (const op of ['Softmax', 'LogSoftmax']) {
      it(`${op} rows of ${n}`, async () => {
        const rows = 6;
        for (const threads of [1, 2]) {
          const { x, y } = await run(op, [2, rows / 2, n], threads);
          const want = reference(x, rows, n, op === 'LogSoftmax');
          for (let i = 0; i < want.length; i++) expect(Math.abs(y[i] - want[i])).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(want[i])));
        }
      });
    }
  }
});
