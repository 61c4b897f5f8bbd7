// A lowering that needs its output in a shape the output's layout cannot be viewed as (here: a
// Conv computed in place into a Concat along the width, whose [N, M, H*W] view does not exist over
// the slab's strides) writes a contiguous temporary, copied into place after its stages, instead
// of losing its result (which it did before: the copy went the other way, before the stages).

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { runOrtNode } from '../helpers/ort.js';
import { relError } from '../helpers/models.js';
import { attr, encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

const rand = (n: number, seed: number) => { let s = seed; return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1); };

/** x [1, C, H, W] -> two 1x1 convs (C -> M) -> Concat along `axis` -> y. */
function model(axis: number): ModelParts {
  const C = 8, M = 8, H = 20, W = 20;
  const conv = (name: string, y: string, seed: number) => ({
    n: node('Conv', ['x', `${name}.w`, `${name}.b`], [y], name, [attr('kernel_shape', [1, 1])]),
    w: [floatTensor(`${name}.w`, [M, C, 1, 1], rand(M * C, seed)), floatTensor(`${name}.b`, [M], rand(M, seed + 1))],
  });
  const a = conv('ca', 'a', 1), b = conv('cb', 'b', 3);
  const out = [1, M, H, W].map((d, i) => (i === axis ? 2 * d : d));
  return {
    inputs: [valueInfo('x', FLOAT, [1, C, H, W])], outputs: [valueInfo('y', FLOAT, out)],
    initializers: [...a.w, ...b.w],
    nodes: [a.n, b.n, node('Concat', ['a', 'b'], ['y'], 'cat', [attr('axis', axis)])],
  };
}

describe('outputs written through a view their layout cannot give', () => {
  for (const axis of [2, 3]) {
    it(`two convs concatenated along axis ${axis} match onnxruntime-node at 1 and 2 threads`, async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'accelc-strided-')), 'm.onnx');
      writeFileSync(path, encode(model(axis)));
      const x = new Tensor('float32', Float32Array.from(rand(8 * 20 * 20, 9)), [1, 8, 20, 20]);
      const ref = await runOrtNode(path, { x });
      const { wasm } = await compile(path);
      for (const threads of [1, 2]) {
        const s = await InferenceSession.create(wasm, { threads, inlineWork: 0 });
        const ours = await s.run({ x });
        await s.release();
        expect(relError(ours.y, ref.y)).toBeLessThanOrEqual(1e-6);
      }
    });
  }
});
