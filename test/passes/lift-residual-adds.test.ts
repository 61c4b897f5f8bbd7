// lift-residual-adds: a residual Add behind order-keeping layout ops (attention's out-projection
// Gemm [S, E] -> Reshape [S, 1, E] -> Transpose [1, S, E] -> Add) moves next to the Gemm, so
// fuse-epilogue folds it into the Gemm's epilogue. The IR after the pass, the kernels, and the
// outputs against onnxruntime-node on 1 and 2 threads; chains that reorder elements stay.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { liftResidualAdds } from '../../compiler/passes/lift-residual-adds.js';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { runOrtNode } from '../helpers/ort.js';
import { relError } from '../helpers/models.js';
import { int64Tensor, encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

const rand = (n: number, seed: number) => { let s = seed; return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1); };
const graphOf = (p: ModelParts): Graph => loadOnnx(encode(p), { modelName: 'lift' }).graph;
const S = 10, E = 12;

/**
 * x [1,S,E] -> LayerNorm-free residual: res = Relu(x); q = Reshape(res, [S,E]) -> Gemm -> Reshape [S,1,E]
 * -> Transpose `perm` -> Add(res or its transposed copy) -> y. `residualFirst` puts the residual as the Add's first input.
 */
function outProj(opts: { perm?: number[]; residualFirst?: boolean } = {}): ModelParts {
  const perm = opts.perm ?? [1, 0, 2];
  const tShape = perm.map((p) => [S, 1, E][p]);
  return {
    inputs: [valueInfo('x', FLOAT, [1, S, E])],
    outputs: [valueInfo('y', FLOAT, tShape)],
    initializers: [int64Tensor('flat', [S, E]), int64Tensor('seq1', [S, 1, E]), floatTensor('w', [E, E], rand(E * E, 3)), floatTensor('bias', [E], rand(E, 4)),
      ...(opts.perm ? [int64Tensor('tshape', tShape)] : [])],
    nodes: [node('Relu', ['x'], ['res0'], 'relu'),
      ...(opts.perm ? [node('Reshape', ['res0', 'tshape'], ['res'], 'res_shape')] : [node('Identity', ['res0'], ['res'], 'res_id')]),
      node('Reshape', ['res0', 'flat'], ['q'], 'flatten'),
      node('Gemm', ['q', 'w', 'bias'], ['g'], 'out_proj', [{ name: 'transB', type: 2, i: 1 }]),
      node('Reshape', ['g', 'seq1'], ['g3'], 'unflatten'), node('Transpose', ['g3'], ['t'], 'to_batch_first', [{ name: 'perm', type: 7, ints: perm }]),
      node('Add', opts.residualFirst ? ['res', 't'] : ['t', 'res'], ['y'], 'residual')],
  };
}

async function compareWithOrt(parts: ModelParts, threads = 1): Promise<{ err: number; kernels: string[] }> {
  const path = join(mkdtempSync(join(tmpdir(), 'accelc-lift-')), 'm.onnx');
  writeFileSync(path, encode(parts));
  const x = new Tensor('float32', Float32Array.from(rand(S * E, 9)), [1, S, E]);
  const { wasm, meta } = await compile(path);
  const s = await InferenceSession.create(wasm, { threads });
  const ours = (await s.run({ x })).y;
  await s.release();
  return { err: relError(ours, (await runOrtNode(path, { x })).y), kernels: meta.kernels.map((k) => k.ops.join('_')) };
}

describe('lift-residual-adds', () => {
  it('moves the Add next to the Gemm: the residual is reshaped to [S,E], the sum reshaped back', () => {
    const g = liftResidualAdds(graphOf(outProj()));
    expect(g.nodes.map((n) => n.op)).toEqual(['Relu', 'Identity', 'Reshape', 'Reshape', 'Gemm', 'Add', 'Reshape']);
    const [r2, , add, back] = g.nodes.slice(3);
    expect(r2.inputs[0]).toBe('res');
    expect(g.values.get(r2.outputs[0])!.shape).toEqual([S, E]);
    expect(add.inputs).toEqual(['g', r2.outputs[0]]);
    expect(g.values.get(add.outputs[0])!.shape).toEqual([S, E]);
    expect(back.inputs[0]).toBe(add.outputs[0]);
    expect(back.outputs).toEqual(['y']);
    expect(Array.from(g.values.get(back.inputs[1])!.const!.data, Number)).toEqual([1, S, E]);
    expect(g.values.has('t')).toBe(false);
  });

  it('keeps the operand order of the Add', () => {
    const g = liftResidualAdds(graphOf(outProj({ residualFirst: true })));
    const add = g.nodes.find((n) => n.op === 'Add')!;
    expect(add.inputs[1]).toBe('g');
  });

  it('leaves a Transpose that reorders elements alone', () => {
    const g = graphOf(outProj({ perm: [2, 1, 0] }));
    expect(liftResidualAdds(g)).toBe(g);
  });

  it('the Add runs in the Gemm\'s epilogue and matches onnxruntime-node on 1 and 2 threads', async () => {
    for (const threads of [1, 2]) {
      for (const residualFirst of [false, true]) {
        const { err, kernels } = await compareWithOrt(outProj({ residualFirst }), threads);
        expect(kernels).toEqual(['Relu', 'Gemm_Add']);
        expect(err).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('a reordering Transpose keeps its own Add kernel, matching onnxruntime-node', async () => {
    const { err, kernels } = await compareWithOrt(outProj({ perm: [2, 1, 0] }));
    expect(kernels).toEqual(['Relu', 'Gemm', 'Add']);
    expect(err).toBeLessThanOrEqual(1e-5);
  });
});
