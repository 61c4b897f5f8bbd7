// The GEMM stage's parallel loop: when the tile loop with more blocks is the inner one of the
// loop order (vit_tiny's MLP down-projection: 50 row blocks inside 32 column tiles), both tile loops
// become one parallel loop ('tiles') instead of a parallel loop nested in a serial one.

import { describe, expect, it } from 'vitest';
import type { Stmt } from '../../compiler/ir/loop.js';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { encode, FLOAT, floatTensor, node, valueInfo } from '../frontend/build-model.js';
import { randoms } from './helpers.js';

const parallelLoops = (s: Stmt, nested = false, out: string[] = []): string[] => {
  if (s.k === 'for') {
    if (s.kind === 'parallel') out.push(`${nested ? 'nested ' : ''}${s.v}`);
    const single = s.extent.k === 'const' && s.extent.v === 1;   // a loop of one iteration (simplified away later)
    parallelLoops(s.body, nested || !single, out);
  }
  else if (s.k === 'seq') s.body.forEach((b) => parallelLoops(b, nested, out));
  else if ('body' in s && s.body) parallelLoops(s.body as Stmt, nested, out);
  return out;
};

describe('GEMM parallel loop', () => {
  it('row blocks inside column tiles: one fused parallel loop, correct at 1 and 2 threads', async () => {
    const M = 41, K = 12, N = 16;
    const w = Array.from(randoms(K * N, 7));
    const bytes = encode({
      nodes: [node('MatMul', ['x', 'w'], ['y'], 'mm')],
      inputs: [valueInfo('x', FLOAT, [M, K])], outputs: [valueInfo('y', FLOAT, [M, N])],
      initializers: [floatTensor('w', [K, N], w)],
    });
    const { wasm, program } = await compile(bytes, { modelName: 'mm' });
    expect(parallelLoops(program.kernels[0].body)).toEqual(['tiles']);
    const x = randoms(M * K, 8);
    for (const threads of [1, 2]) {
      const s = await InferenceSession.create(wasm, { threads });
      const y = (await s.run({ x: new Tensor(x, [M, K]) })).y!.data as Float32Array;
      await s.release();
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += x[i * K + k] * w[k * N + j];
        expect(Math.abs(y[i * N + j] - acc)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(acc)));
      }
    }
  });
});
