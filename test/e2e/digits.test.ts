// digits_cnn is the one trained model: its top-1 accuracy on the held-out digits must equal
// onnxruntime-node's, image by image.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { readNpz } from '../../runtime/npz.js';
import { runOrtNode } from '../helpers/ort.js';
import { compiled, modelPath, MODELS_DIR } from '../helpers/models.js';

const argmax = (a: ArrayLike<number>) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i; return b; };

describe('digits_cnn', () => {
  it('classifies the test set exactly as onnxruntime-node does (393/397)', async () => {
    const data = await readNpz(join(MODELS_DIR, 'digits_data.npz'));
    const x = data.test_x, y = data.test_y;
    const [n, , h, w] = x.dims;
    const { wasm } = await compiled('digits_cnn', { shapes: { image: [1, 1, h, w] } });
    const session = await InferenceSession.create(wasm);
    let ours = 0, theirs = 0, agree = 0;
    const px = h * w;
    const all = await runOrtNode(modelPath('digits_cnn'), { image: x });
    for (let i = 0; i < n; i++) {
      const img = new Tensor('float32', (x.data as Float32Array).slice(i * px, (i + 1) * px), [1, 1, h, w]);
      const logits = (await session.run({ image: img })).logits.data as Float32Array;
      const a = argmax(logits), b = argmax((all.logits.data as Float32Array).subarray(i * 10, i * 10 + 10));
      const label = Number(y.data[i]);
      ours += +(a === label); theirs += +(b === label); agree += +(a === b);
    }
    await session.release();
    console.log(`digits_cnn: accelc ${ours}/${n}, onnxruntime-node ${theirs}/${n}, agree on ${agree}`);
    expect(ours).toBe(theirs);
    expect(ours).toBe(393);
    expect(agree).toBe(n);
  }, 120_000);
});
