// The TF.js WASM benchmark peer (bench/peers/tfjs.mjs) against onnxruntime-node: two real models,
// and small graphs for the translations that move layouts around (NHWC activations flattened,
// channel-shuffled, pooled with ceil_mode; K^T folded into matMul; a dynamic batch). It imports
// accelc's frontend from dist/, as the benchmark does: `npm test` builds first.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTfjsSession } from '../../bench/peers/tfjs.mjs';
import { readNpz } from '../../runtime/npz.js';
import { Tensor } from '../../runtime/tensor.js';
import { encode, floatTensor, node, valueInfo, FLOAT, INT64, type ModelParts } from '../frontend/build-model.js';
import { releaseOrtSessions, runOrtNode } from '../helpers/ort.js';
import { hasModel, modelPath, MODELS_DIR, relError } from '../helpers/models.js';

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tfjs-peer-')); });
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await releaseOrtSessions();
});

/** Runs the peer and onnxruntime-node on the same model and feeds; returns the worst relative error. */
async function compare(path: string, feeds: Record<string, Tensor>): Promise<number> {
  const session = await createTfjsSession(path);
  try {
    const ours = await session.run(feeds);
    const theirs = await runOrtNode(path, feeds);
    let worst = 0;
    for (const name of session.outputNames) {
      expect(ours[name].dims, name).toEqual(theirs[name].dims);
      worst = Math.max(worst, relError(new Tensor('float32', ours[name].data, ours[name].dims), theirs[name]));
    }
    return worst;
  } finally {
    session.release();
  }
}

let seed = 7;
const random = (dims: number[]) => {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) { seed = (seed * 16807) % 2147483647; data[i] = (seed / 2147483647) * 2 - 1; }
  return data;
};
const weights = (name: string, dims: number[]) => floatTensor(name, dims, Array.from(random(dims)));
const ints = (name: string, values: number[]) => ({ name, type: 7, ints: values });
const i64 = (name: string, values: number[]) => ({ name, dims: [values.length], dataType: INT64, int64Data: values });

function saved(name: string, parts: ModelParts): string {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, encode(parts));
  return path;
}

describe('TF.js WASM peer matches onnxruntime-node', () => {
  it.skipIf(!hasModel('squeezenet1_1'))('squeezenet1_1 (and PyTorch reference)', async () => {
    const ref = await readNpz(join(MODELS_DIR, 'squeezenet1_1.ref.npz'));
    const session = await createTfjsSession(modelPath('squeezenet1_1'));
    const out = (await session.run({ input: ref.input })).logits;
    session.release();
    expect(out.dims).toEqual([1, 1000]);
    expect(relError(new Tensor('float32', out.data, out.dims), ref.logits)).toBeLessThanOrEqual(1e-4);
    expect(await compare(modelPath('squeezenet1_1'), { input: ref.input })).toBeLessThanOrEqual(1e-4);
  }, 30_000);

  it.skipIf(!hasModel('digits_cnn'))('digits_cnn, batch 1 and a batch of 16 real digits (dynamic batch)', async () => {
    const data = await readNpz(join(MODELS_DIR, 'digits_data.npz'));
    const x = data.test_x.data as Float32Array;
    const batch = (n: number) => new Tensor('float32', x.slice(0, n * 256), [n, 1, 16, 16]);
    expect(await compare(modelPath('digits_cnn'), { image: batch(1) })).toBeLessThanOrEqual(1e-4);
    expect(await compare(modelPath('digits_cnn'), { image: batch(16) })).toBeLessThanOrEqual(1e-4);
  }, 30_000);

  it('an NHWC activation flattened, channel-shuffled and max-pooled with ceil_mode', async () => {
    const path = saved('layouts', {
      nodes: [
        node('Conv', ['x', 'w', 'b'], ['c'], 'conv', [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])]),
        node('Reshape', ['c', 'split'], ['r1'], 'r1'),
        node('Transpose', ['r1'], ['t'], 't', [ints('perm', [0, 2, 1, 3, 4])]),
        node('Reshape', ['t', 'merged'], ['r2'], 'r2'),
        node('MaxPool', ['r2'], ['p'], 'pool', [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), { name: 'ceil_mode', type: 2, i: 1 }]),
        node('Flatten', ['p'], ['y'], 'flatten'),
      ],
      inputs: [valueInfo('x', FLOAT, [1, 3, 9, 10])],
      outputs: [valueInfo('y', FLOAT, [1, 160])],
      initializers: [weights('w', [8, 3, 3, 3]), weights('b', [8]), i64('split', [1, 2, 4, 9, 10]), i64('merged', [1, 8, 9, 10])],
    });
    expect(await compare(path, { x: new Tensor('float32', random([1, 3, 9, 10]), [1, 3, 9, 10]) })).toBeLessThanOrEqual(1e-5);
  });

  it('attention: MatMul by a transposed K, Softmax, MatMul, Erf', async () => {
    const path = saved('attention', {
      nodes: [
        node('Transpose', ['k'], ['kt'], 'kt', [ints('perm', [0, 2, 1])]),
        node('MatMul', ['q', 'kt'], ['s'], 'qk'),
        node('Softmax', ['s'], ['p'], 'softmax'),
        node('MatMul', ['p', 'k'], ['o'], 'pv'),
        node('Erf', ['o'], ['e'], 'erf'),
        node('MatMul', ['e', 'w'], ['y'], 'proj'),
      ],
      inputs: [valueInfo('q', FLOAT, [2, 5, 4]), valueInfo('k', FLOAT, [2, 5, 4])],
      outputs: [valueInfo('y', FLOAT, [2, 5, 3])],
      initializers: [weights('w', [4, 3])],
    });
    const feeds = { q: new Tensor('float32', random([2, 5, 4]), [2, 5, 4]), k: new Tensor('float32', random([2, 5, 4]), [2, 5, 4]) };
    expect(await compare(path, feeds)).toBeLessThanOrEqual(1e-5);
  });

  it('an operator without a translation fails at create, naming the node and op', async () => {
    const path = saved('topk', {
      nodes: [node('TopK', ['x', 'k'], ['v', 'i'], 'the_topk')],
      inputs: [valueInfo('x', FLOAT, [2, 6])],
      outputs: [valueInfo('v', FLOAT, [2, 2]), valueInfo('i', INT64, [2, 2])],
      initializers: [i64('k', [2])],
    });
    await expect(createTfjsSession(path)).rejects.toThrow("node 'the_topk' (TopK): no tfjs translation");
  });

  it('rejects feeds with a wrong name or shape', async () => {
    if (!hasModel('squeezenet1_1')) return;
    const session = await createTfjsSession(modelPath('squeezenet1_1'));
    const t = new Tensor('float32', new Float32Array(3 * 8 * 8), [1, 3, 8, 8]);
    await expect(session.run({ image: t })).rejects.toThrow(/feeds must be exactly input/);
    await expect(session.run({ input: t })).rejects.toThrow(/input 'input' has dims \[1,3,8,8\]/);
    session.release();
  });
});
