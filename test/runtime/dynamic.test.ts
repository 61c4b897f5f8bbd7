// Dynamic shapes by recompiling (runtime/dynamic.ts): an ONNX model with a symbolic batch serves any
// batch through one InferenceSession, each new shape compiled once (LRU); inputs that decide shapes
// (a Reshape target fed as an input) are compiled in as constants only when needed.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { compile } from '../../compiler/compile.js';
import { Specializer } from '../../runtime/dynamic.js';
import { InferenceSession } from '../../runtime/session.js';
import { readNpz } from '../../runtime/npz.js';
import { Tensor } from '../../runtime/tensor.js';
import { encode, FLOAT, INT64, node, valueInfo } from '../frontend/build-model.js';
import { MODELS_DIR, modelPath } from '../helpers/models.js';

function batch(x: Tensor, n: number, from = 0): Tensor {
  const per = x.dims.slice(1).reduce((a, b) => a * b, 1);
  return new Tensor('float32', (x.data as Float32Array).slice(from * per, (from + n) * per), [n, ...x.dims.slice(1)]);
}

describe('a model with a symbolic batch (digits_cnn)', () => {
  it('compiles with a fixed shape', async () => {
    const { meta } = await compile(modelPath('digits_cnn'), { shapes: { image: [8, 1, 16, 16] } });
    expect(meta.inputs[0].shape).toEqual([8, 1, 16, 16]);
    expect(meta.outputs[0].shape).toEqual([8, 10]);
  });

  it('serves any batch from one session, each shape compiled once, matching fixed-shape modules', async () => {
    const data = await readNpz(join(MODELS_DIR, 'digits_data.npz'));
    const session = await InferenceSession.create(modelPath('digits_cnn'), { threads: 1 });
    try {
      for (const n of [1, 8, 3, 8]) {
        const x = batch(data.test_x, n, 5);
        const { logits } = await session.run({ image: x });
        expect(logits.dims).toEqual([n, 10]);
        const { wasm } = await compile(modelPath('digits_cnn'), { shapes: { image: [n, 1, 16, 16] } });
        const fixed = await InferenceSession.create(wasm, { threads: 1 });
        const want = (await fixed.run({ image: x })).logits;
        await fixed.release();
        expect(Array.from(logits.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
      }
    } finally {
      await session.release();
    }
  });

  it('keeps the most recent specialisations and recompiles an evicted one', async () => {
    const spec = new Specializer(modelPath('digits_cnn'), { capacity: 2, session: { threads: 1 } });
    const x = (n: number) => new Tensor('float32', new Float32Array(n * 256), [n, 1, 16, 16]);
    for (const n of [1, 2, 1, 3, 1, 2]) await spec.run({ image: x(n) });
    // 1, 2 compiled; 1 hit; 3 compiled (evicts 2); 1 hit; 2 compiled again.
    expect(spec.compiles).toBe(4);
    await spec.release();
  });
});

describe('inputs that decide shapes', () => {
  // y = Reshape(x, shape): the output shape is the value of an input.
  const model = encode({
    nodes: [node('Reshape', ['x', 'shape'], ['y'])],
    inputs: [valueInfo('x', FLOAT, [2, 6]), valueInfo('shape', INT64, [2])],
    outputs: [valueInfo('y', FLOAT, ['a', 'b'])],
  });
  const x = new Tensor('float32', Float32Array.from({ length: 12 }, (_, i) => i), [2, 6]);
  const shape = (a: number, b: number) => new Tensor('int64', BigInt64Array.from([BigInt(a), BigInt(b)]), [2]);

  it('are bound to their values, one module per distinct value', async () => {
    const spec = new Specializer(model, { session: { threads: 1 } });
    const y1 = (await spec.run({ x, shape: shape(3, 4) })).y;
    expect(y1.dims).toEqual([3, 4]);
    expect(Array.from(y1.data as Float32Array)).toEqual(Array.from(x.data as Float32Array));
    expect(spec.boundInputs).toEqual(['shape']);
    expect((await spec.run({ x, shape: shape(4, 3) })).y.dims).toEqual([4, 3]);
    expect((await spec.run({ x, shape: shape(3, 4) })).y.dims).toEqual([3, 4]);
    expect(spec.compiles).toBe(3);   // the first attempt without binding, then one per value
    await spec.release();
  });

  it('are refused with the compiler\'s error when binding is off', async () => {
    const spec = new Specializer(model, { bindValues: 'never', session: { threads: 1 } });
    await expect(spec.run({ x, shape: shape(3, 4) })).rejects.toMatchObject({ code: 'E_SHAPE', value: 'shape' });
    await spec.release();
  });
});
