// Producers that store through their reader's layout (compiler/lower/plan-store-through.ts):
// attention's heads merge (MatMul [H, S, D] -> Transpose [S, H, D] -> Reshape [S, H*D]) compiles
// to no copy kernel, the MatMul storing 4-lane vectors straight into the merged rows; the outputs
// match onnxruntime-node on 1 and 2 threads, and chains whose values are read elsewhere keep the copy.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { compile, lowerModel } from '../../compiler/compile.js';
import { planStoreThrough } from '../../compiler/lower/plan-store-through.js';
import { lowerKernel } from '../../compiler/lower/pipeline.js';
import { printKernel } from '../../compiler/ir/print.js';
import { runPasses } from '../../compiler/passes/pipeline.js';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { runOrtNode } from '../helpers/ort.js';
import { relError } from '../helpers/models.js';
import { int64Tensor, encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

const rand = (n: number, seed: number) => { let s = seed; return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1); };
const perm = (p: number[]): onnx.IAttributeProto => ({ name: 'perm', type: 7, ints: p });
const H = 3, S = 10, D = 12, E = 20;

/**
 * p [H,S,S] x v [H,S,D] -> o [H,S,D] -> Transpose [S,H,D] -> Reshape [S,H*D] -> Gemm (out-proj) -> y.
 * `sharedB`: v is a constant [S,D] shared by the heads (the MatMul's one-GEMM-over-all-rows path).
 * `alsoRead`: the MatMul's output is also read by a Relu (so it must stay in its own layout).
 */
function headsMerge(opts: { sharedB?: boolean; alsoRead?: boolean } = {}): ModelParts {
  const vShape = opts.sharedB ? [S, D] : [H, S, D];
  return {
    inputs: [valueInfo('p', FLOAT, [H, S, S]), ...(opts.sharedB ? [] : [valueInfo('v', FLOAT, vShape)])],
    outputs: [valueInfo('y', FLOAT, [S, E]), ...(opts.alsoRead ? [valueInfo('r', FLOAT, [H, S, D])] : [])],
    initializers: [int64Tensor('merged', [S, H * D]), floatTensor('w', [E, H * D], rand(E * H * D, 3)), floatTensor('bias', [E], rand(E, 4)),
      ...(opts.sharedB ? [floatTensor('v', vShape, rand(S * D, 5))] : [])],
    nodes: [node('MatMul', ['p', 'v'], ['o'], 'attn_v'), ...(opts.alsoRead ? [node('Relu', ['o'], ['r'], 'relu')] : []), node('Transpose', ['o'], ['t'], 'heads', [perm([1, 0, 2])]),
      node('Reshape', ['t', 'merged'], ['m'], 'merge'),
      node('Gemm', ['m', 'w', 'bias'], ['y'], 'out_proj', [{ name: 'transB', type: 2, i: 1 }])],
  };
}

async function compareWithOrt(parts: ModelParts, threads = 1): Promise<{ errs: number[]; kernels: string[] }> {
  const path = join(mkdtempSync(join(tmpdir(), 'accelc-through-')), 'm.onnx');
  writeFileSync(path, encode(parts));
  const feeds: Record<string, Tensor> = {};
  parts.inputs!.forEach((vi, i) => {
    const shape = vi.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue));
    feeds[vi.name!] = new Tensor('float32', Float32Array.from(rand(shape.reduce((a, b) => a * b, 1), 9 + i)), shape);
  });
  const { wasm, meta } = await compile(path);
  const s = await InferenceSession.create(wasm, { threads });
  const ours = await s.run(feeds);
  await s.release();
  const ref = await runOrtNode(path, feeds);
  return { errs: Object.keys(ref).map((k) => relError(ours[k], ref[k])), kernels: meta.kernels.map((k) => k.ops[0]) };
}

describe('store through the reader\'s layout', () => {
  it('plans the MatMul of the heads merge to store into the Reshape\'s output', () => {
    const g = runPasses(loadOnnx(encode(headsMerge()), { modelName: 'heads' }).graph);
    const plan = planStoreThrough(g);
    expect([...plan.keys()]).toEqual(['o']);
    expect(plan.get('o')!.end).toBe('m');
    expect(plan.get('o')!.chain.map((n) => n.op)).toEqual(['Transpose', 'Reshape']);
  });

  it('the heads merge needs no copy kernel and the MatMul stores 4-lane vectors into the merged rows', () => {
    const { program } = lowerModel(encode(headsMerge()));
    expect(program.kernels.map((k) => k.ops[0])).toEqual(['MatMul', 'Gemm']);
    const mm = program.bufs.get('v:o')!;
    expect(mm.storage).toBe('v:m');
    expect(mm.strides).toEqual([D, H * D, 1]);
    expect(printKernel(lowerKernel(program.kernels[0], program))).toMatch(/v:o\S*\[[^\]]*, ramp\([^\]]*\] = /);
  });

  it('matches onnxruntime-node on 1 and 2 threads', async () => {
    for (const threads of [1, 2]) {
      const { errs, kernels } = await compareWithOrt(headsMerge(), threads);
      expect(kernels).toEqual(['MatMul', 'Gemm']);
      expect(errs[0]).toBeLessThanOrEqual(1e-5);
    }
  });

  it('a MatMul with one B for all heads runs per head when its rows cannot merge, and matches onnxruntime-node', async () => {
    for (const threads of [1, 2]) {
      const { errs, kernels } = await compareWithOrt(headsMerge({ sharedB: true }), threads);
      expect(kernels).toEqual(['MatMul', 'Gemm']);
      expect(errs[0]).toBeLessThanOrEqual(1e-5);
    }
  });

  it('a MatMul output read elsewhere too keeps its layout and the copy, and the outputs still match', async () => {
    const g = runPasses(loadOnnx(encode(headsMerge({ alsoRead: true })), { modelName: 'heads2' }).graph);
    expect(planStoreThrough(g).size).toBe(0);
    const { errs, kernels } = await compareWithOrt(headsMerge({ alsoRead: true }));
    expect(kernels).toEqual(['MatMul', 'Relu', 'Reshape', 'Gemm']);
    for (const e of errs) expect(e).toBeLessThanOrEqual(1e-5);
  });
});
