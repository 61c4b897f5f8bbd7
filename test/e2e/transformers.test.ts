// Transformers beyond their logits. vit_tiny's head is zero-initialised (torchvision), so its
// logits are all zero and say nothing; bert_mini's two logits say little. Each model is re-exported
// with inner values as extra graph outputs (the head's input, an early attention block's output),
// compiled, and compared with onnxruntime-node on the same bytes (max|diff| / max|ref| <= 1e-4).

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { readNpz } from '../../runtime/npz.js';
import { Tensor, type TensorType } from '../../runtime/tensor.js';
import { hasModel, modelPath, MODELS_DIR, relError } from '../helpers/models.js';

const { onnx } = onnxProto;

/** The model with inner values as extra graph outputs: the head's input and the first Softmax's output. */
function exposeInner(bytes: Uint8Array, output: string): { bytes: Uint8Array; names: string[] } {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const head = g.node!.find((n) => n.output?.includes(output))!;
  const mid = g.node!.filter((n) => n.opType === 'Softmax')[0];   // the first attention's probabilities
  const names = [head.input![0], ...(mid ? [mid.output![0]] : [])];
  for (const name of names) g.output!.push(onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }));
  return { bytes: onnx.ModelProto.encode(m).finish(), names };
}

const MODELS = [
  { name: 'bert_mini', input: 'input_ids', output: 'logits' },
  { name: 'vit_tiny', input: 'input', output: 'logits' },
];

describe('transformers: inner values match onnxruntime-node', () => {
  for (const m of MODELS) {
    it.skipIf(!hasModel(m.name))(m.name, async () => {
      const { bytes, names } = exposeInner(readFileSync(modelPath(m.name)), m.output);
      const ref = await readNpz(join(MODELS_DIR, `${m.name}.ref.npz`));
      const feed = ref[m.input];
      const { wasm } = await compile(bytes, { modelName: m.name });
      const session = await InferenceSession.create(wasm, { threads: 1 });
      const ours = await session.run({ [m.input]: feed });
      await session.release();
      const os = await ort.InferenceSession.create(bytes);
      const theirs = await os.run({ [m.input]: new ort.Tensor(feed.type, feed.data, feed.dims) });
      for (const name of names) {
        const t = theirs[name];
        const want = new Tensor(t.type as TensorType, t.data as Float32Array, t.dims);
        const err = relError(ours[name], want);
        console.log(`${m.name} ${name} [${want.dims}]: rel err vs ort ${err.toExponential(2)}`);
        expect(ours[name].dims).toEqual(want.dims);
        expect(err).toBeLessThanOrEqual(1e-4);
      }
      await os.release();
    }, 120_000);
  }
});
