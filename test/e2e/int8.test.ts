// Post-training INT8 on the repo's models. digits_cnn (trained, real data): calibrated on 200
// training images, its accuracy on the 397 held-out images against onnxruntime-node's float32.
// MobileNetV2 (channels-last) and ResNet-18 (NCHW): calibrated on their reference input, top-5 the
// same as PyTorch's and onnxruntime-node's, and the error that of 8 bits.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { readNpz } from '../../runtime/npz.js';
import { runOrtNode } from '../helpers/ort.js';
import { compiled, hasModel, modelPath, relError, MODELS_DIR } from '../helpers/models.js';

const argmax = (a: ArrayLike<number>) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i]! > a[b]!) b = i; return b; };
const top5 = (a: ArrayLike<number>) => Array.from(a).map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0]).slice(0, 5).map((p) => p[1]);

describe('INT8 post-training quantization', () => {
  it('digits_cnn: as accurate on held-out digits as float32 in onnxruntime-node', async () => {
    const data = await readNpz(join(MODELS_DIR, 'digits_data.npz'));
    const x = data.test_x!, y = data.test_y!;
    const [n, , h, w] = x.dims as number[];
    const px = h! * w!;
    const calibration = new Tensor('float32', (data.train_x!.data as Float32Array).slice(0, 200 * px), [200, 1, h!, w!]);
    const r = await compiled('digits_cnn', { shapes: { image: [1, 1, h!, w!] }, int8: { calibration: [{ image: calibration }] } });
    expect(r.int8!.quantized.length).toBe(3);
    const session = await InferenceSession.create(r.wasm);
    const all = await runOrtNode(modelPath('digits_cnn'), { image: x });
    let ours = 0, theirs = 0, agree = 0;
    for (let i = 0; i < n!; i++) {
      const img = new Tensor('float32', (x.data as Float32Array).slice(i * px, (i + 1) * px), [1, 1, h!, w!]);
      const a = argmax((await session.run({ image: img })).logits!.data as Float32Array);
      const b = argmax((all.logits!.data as Float32Array).subarray(i * 10, i * 10 + 10));
      const label = Number(y.data[i]);
      ours += +(a === label); theirs += +(b === label); agree += +(a === b);
    }
    await session.release();
    console.log(`digits_cnn INT8: accelc ${ours}/${n}, onnxruntime-node float32 ${theirs}/${n}, agree on ${agree}`);
    expect(ours).toBeGreaterThanOrEqual(theirs - 1);
    expect(agree).toBeGreaterThanOrEqual(n! - 2);
  }, 120_000);

  for (const [name, expected] of [['mobilenet_v2', { quantized: 29, skipped: 17 }], ['resnet18', { quantized: 7, skipped: 13 }]] as const) {
    it.skipIf(!hasModel(name))(`${name}: top-5 of PyTorch and onnxruntime-node, error of 8 bits, at 1 and 2 threads`, async () => {
      const ref = await readNpz(join(MODELS_DIR, `${name}.ref.npz`));
      const input = ref.input!;
      const r = await compiled(name, { int8: { calibration: [{ input }] } });
      expect({ quantized: r.int8!.quantized.length, skipped: r.int8!.skipped.length }).toEqual(expected);
      const ort = (await runOrtNode(modelPath(name), { input })).logits!;
      for (const threads of [1, 2]) {
        const session = await InferenceSession.create(r.wasm, { threads });
        const ours = (await session.run({ input })).logits!;
        await session.release();
        expect(top5(ours.data as Float32Array)).toEqual(top5(ref.logits!.data as Float32Array));
        expect(top5(ours.data as Float32Array)).toEqual(top5(ort.data as Float32Array));
        const e = relError(ours, ref.logits!);
        console.log(`${name} INT8, ${threads} threads: max error ${e.toExponential(2)} of the largest logit`);
        expect(e).toBeGreaterThan(1e-4);    // 8 bits, not float32 by mistake
        expect(e).toBeLessThan(5e-2);
      }
    }, 180_000);
  }
});
