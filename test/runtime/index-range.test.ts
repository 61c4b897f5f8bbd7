// Index inputs are checked before a run (compiler/lower/index-ranges.ts, runtime/session.ts): an
// int64 input that a Gather reads as indices, directly or through a Reshape, must lie in [-dim,
// dim - 1] of the axis it indexes; outside it the run fails with E_INPUT naming the node, where the
// kernel would have read another tensor's bytes silently. Within it, outputs match onnxruntime-node.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { runOrtNode } from '../helpers/ort.js';
import { relError } from '../helpers/models.js';
import { attr, encode, floatTensor, int64Tensor, node, valueInfo, FLOAT, INT64, type ModelParts } from '../frontend/build-model.js';

/** ids [2, 3] -> Reshape [6] -> Gather rows of table [10, 4] -> y [6, 4]; and GatherElements-free. */
function model(): ModelParts {
  return {
    inputs: [valueInfo('ids', INT64, [2, 3])], outputs: [valueInfo('y', FLOAT, [6, 4])],
    initializers: [floatTensor('table', [10, 4], Array.from({ length: 40 }, (_, i) => i / 7)), int64Tensor('flat', [6])],
    nodes: [node('Reshape', ['ids', 'flat'], ['f'], 'reshape'), node('Gather', ['table', 'f'], ['y'], 'lookup', [attr('axis', 0)])],
  };
}

describe('index inputs', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'accelc-range-')), 'm.onnx');
  writeFileSync(path, encode(model()));
  const ids = (...v: number[]) => new Tensor('int64', BigInt64Array.from(v.map(BigInt)), [2, 3]);

  it('records the range of an input a Gather reads through a Reshape', async () => {
    const { meta } = await compile(path);
    expect(meta.inputs[0].ranges).toEqual([{ dims: [10], node: 'lookup', op: 'Gather' }]);
  });

  it('runs indices in range (negative ones count from the end) as onnxruntime-node does', async () => {
    const { wasm } = await compile(path);
    const s = await InferenceSession.create(wasm, { threads: 1 });
    const feeds = { ids: ids(0, 9, -1, -10, 3, 5) };
    const ours = await s.run(feeds);
    await s.release();
    const ref = await runOrtNode(path, feeds);
    expect(relError(ours.y, ref.y)).toBe(0);
  });

  for (const bad of [10, -11, 1e9]) {
    it(`fails with E_INPUT naming the Gather for index ${bad}, at 1 and 2 threads, and the next run succeeds`, async () => {
      const { wasm } = await compile(path);
      for (const threads of [1, 2]) {
        const s = await InferenceSession.create(wasm, { threads, inlineWork: 0 });
        await expect(s.run({ ids: ids(1, 2, 3, bad, 4, 5) })).rejects.toThrow(
          `E_INPUT: model m node 'lookup' (Gather): input 'ids': element 3 is ${bad}, outside [-10, 9]: it indexes an axis of 10`);
        const ok = await s.run({ ids: ids(1, 2, 3, 4, 5, 6) });
        expect(ok.y.dims).toEqual([6, 4]);
        await s.release();
      }
    });
  }

  // Scatters write where their indices point: out of range, they would overwrite other tensors.
  async function compiled(parts: ModelParts) {
    const file = join(mkdtempSync(join(tmpdir(), 'accelc-range-')), 'm.onnx');
    writeFileSync(file, encode(parts));
    return { file, ...(await compile(file)) };
  }
  const table = floatTensor('table', [3, 4, 2], Array.from({ length: 24 }, (_, i) => i / 5));

  it('checks GatherND tuples component by component (each against the axis it indexes)', async () => {
    const { file, wasm, meta } = await compiled({
      inputs: [valueInfo('t', INT64, [2, 2])], outputs: [valueInfo('y', FLOAT, [2, 2])], initializers: [table],
      nodes: [node('GatherND', ['table', 't'], ['y'], 'nd')],
    });
    expect(meta.inputs[0].ranges).toEqual([{ dims: [3, 4], node: 'nd', op: 'GatherND' }]);
    const s = await InferenceSession.create(wasm, { threads: 1 });
    const t = (...v: number[]) => ({ t: new Tensor('int64', BigInt64Array.from(v.map(BigInt)), [2, 2]) });
    const ok = t(2, 3, -1, -4);
    expect(relError((await s.run(ok)).y, (await runOrtNode(file, ok)).y)).toBe(0);
    await expect(s.run(t(0, 0, 3, 0))).rejects.toThrow("node 'nd' (GatherND): input 't': element 2 is 3, outside [-3, 2]: it indexes an axis of 3");
    await expect(s.run(t(0, 4, 0, 0))).rejects.toThrow("element 1 is 4, outside [-4, 3]: it indexes an axis of 4");
    await s.release();
  });

  it('checks ScatterElements indices (a scatter out of range would overwrite another tensor)', async () => {
    const { file, wasm, meta } = await compiled({
      inputs: [valueInfo('x', FLOAT, [5, 2]), valueInfo('i', INT64, [2, 2])], outputs: [valueInfo('y', FLOAT, [5, 2])],
      initializers: [floatTensor('u', [2, 2], [10, 20, 30, 40])],
      nodes: [node('ScatterElements', ['x', 'i', 'u'], ['y'], 'sc', [attr('axis', 0)])],
    });
    expect(meta.inputs[1].ranges).toEqual([{ dims: [5], node: 'sc', op: 'ScatterElements' }]);
    const s = await InferenceSession.create(wasm, { threads: 1 });
    const x = new Tensor('float32', Float32Array.from({ length: 10 }, (_, k) => k), [5, 2]);
    const i = (...v: number[]) => new Tensor('int64', BigInt64Array.from(v.map(BigInt)), [2, 2]);
    const ok = { x, i: i(4, 0, -5, 1) };
    expect(relError((await s.run(ok)).y, (await runOrtNode(file, ok)).y)).toBe(0);
    await expect(s.run({ x, i: i(0, 5, 1, 2) })).rejects.toThrow("node 'sc' (ScatterElements): input 'i': element 1 is 5, outside [-5, 4]");
    await s.release();
  });
});
