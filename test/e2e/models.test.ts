// End to end on real models: compile, run, and compare with PyTorch's reference output and with
// onnxruntime-node on the same input (max|diff| / max|ref| <= 1e-4).

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { InferenceSession } from '../../runtime/session.js';
import { readNpz } from '../../runtime/npz.js';
import { runOrtNode } from '../helpers/ort.js';
import { compiled, hasModel, modelPath, MODELS_DIR, relError } from '../helpers/models.js';

const MODELS = [
  { name: 'mobilenet_v2', input: 'input', output: 'logits' },
  { name: 'resnet18', input: 'input', output: 'logits' },
  { name: 'squeezenet1_1', input: 'input', output: 'logits' },
  { name: 'shufflenet_v2_x1_0', input: 'input', output: 'logits' },
  { name: 'bert_mini', input: 'input_ids', output: 'logits' },   // int64 token ids
  { name: 'vit_tiny', input: 'input', output: 'logits' },        // all-zero logits (zero head): see transformers.test.ts
];

describe('real models match PyTorch and onnxruntime-node', () => {
  for (const m of MODELS) {
    it.skipIf(!hasModel(m.name))(`${m.name}`, async () => {
      const { wasm, meta } = await compiled(m.name);
      const ref = await readNpz(join(MODELS_DIR, `${m.name}.ref.npz`));
      const session = await InferenceSession.create(wasm);
      try {
        const feeds = { [m.input]: ref[m.input] };
        const out = await session.run(feeds);
        const ours = out[m.output];
        expect(ours.dims).toEqual(ref[m.output].dims);
        const vsTorch = relError(ours, ref[m.output]);
        const ort = await runOrtNode(modelPath(m.name), feeds);
        const vsOrt = relError(ours, ort[m.output]);
        console.log(`${m.name}: ${meta.kernels.length} kernels, rel err vs torch ${vsTorch.toExponential(2)}, vs ort ${vsOrt.toExponential(2)}`);
        expect(vsTorch).toBeLessThanOrEqual(1e-4);
        expect(vsOrt).toBeLessThanOrEqual(1e-4);
      } finally {
        await session.release();
      }
    }, 120_000);
  }
});

// At 2+ threads consecutive kernels follow each other by group of rows (compiler/codegen/wasm/
// dataflow.ts): a kernel's chunks start once the rows they read (and the rows whose bytes they
// overwrite) are done, not when the kernel before has ended. Every element is still computed by
// the same code, so the outputs must not change by a bit, whatever the threads or the run.
describe('outputs do not depend on the thread count', () => {
  for (const name of ['mobilenet_v2', 'shufflenet_v2_x1_0']) {
    it.skipIf(!hasModel(name))(`${name}: 1, 2 and 3 threads, 8 runs each, bit-identical`, async () => {
      const { wasm } = await compiled(name);
      const ref = await readNpz(join(MODELS_DIR, `${name}.ref.npz`));
      const feeds = { input: ref.input };
      const seen = new Set<string>();
      for (const threads of [1, 2, 3]) {
        const session = await InferenceSession.create(wasm, { threads, inlineWork: 0 });
        try {
          for (let r = 0; r < 8; r++) {
            const y = (await session.run(feeds)).logits.data as Float32Array;
            seen.add(Buffer.from(y.buffer, y.byteOffset, y.byteLength).toString('base64'));
          }
        } finally {
          await session.release();
        }
      }
      expect(seen.size).toBe(1);
    }, 120_000);
  }
});
