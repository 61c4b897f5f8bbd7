// A Gather of constant indices in arithmetic progression is a strided view of its input, no kernel
// (a transformer's CLS-token select before the head Gemm): the view math (views.ts gatherView), the
// kernels, and the outputs against onnxruntime-node on 1 and 2 threads; other index lists keep the
// Gather kernel, and a view Gather feeding a Concat is not computed in place.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { compile } from '../../compiler/compile.js';
import { gatherView } from '../../compiler/lower/views.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { runOrtNode } from '../helpers/ort.js';
import { relError } from '../helpers/models.js';
import { encode, floatTensor, node, valueInfo, FLOAT, INT64, type ModelParts } from '../frontend/build-model.js';

const rand = (n: number, seed: number) => { let s = seed; return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1); };
const S = 6, E = 8;
const indices = (values: number[], scalar: boolean): onnx.ITensorProto => ({ name: 'idx', dims: scalar ? [] : [values.length], dataType: INT64, int64Data: values });
const axis1: onnx.IAttributeProto = { name: 'axis', type: 2, i: 1 };

/**
 * x [2,S,E] -> Relu -> Gather(axis 1, idx) -> Gemm (a scalar index) or Softmax -> y.
 * `sigmoid`: a Sigmoid between the Gather and the Gemm (fused into the Gather, which then is a kernel).
 */
function select(idx: number[], scalar: boolean, sigmoid = false): ModelParts {
  const picked = scalar ? [2, E] : [2, idx.length, E];
  return {
    inputs: [valueInfo('x', FLOAT, [2, S, E])], outputs: [valueInfo('y', FLOAT, scalar ? [2, 3] : picked)],
    initializers: [indices(idx, scalar), floatTensor('w', [3, E], rand(3 * E, 2)), floatTensor('b', [3], rand(3, 3))],
    nodes: [node('Relu', ['x'], ['h'], 'relu'), node('Gather', ['h', 'idx'], [sigmoid ? 'g0' : 'g'], 'pick', [axis1]),
      ...(sigmoid ? [node('Sigmoid', ['g0'], ['g'], 'sig')] : []),
      scalar ? node('Gemm', ['g', 'w', 'b'], ['y'], 'head', [{ name: 'transB', type: 2, i: 1 }]) : node('Softmax', ['g'], ['y'], 'softmax')],
  };
}

/** Concat(Gather(x, [0, 2], axis 1), Relu(x)) on axis 1: the Gather's rows must land in the Concat. */
function gatherConcat(): ModelParts {
  return {
    inputs: [valueInfo('x', FLOAT, [2, S, E])], outputs: [valueInfo('y', FLOAT, [2, S + 2, E])],
    initializers: [indices([0, 2], false)],
    nodes: [node('Gather', ['x', 'idx'], ['g'], 'pick', [axis1]), node('Relu', ['x'], ['r'], 'relu'), node('Concat', ['g', 'r'], ['y'], 'cat', [axis1])],
  };
}

async function compareWithOrt(parts: ModelParts, threads = 1): Promise<{ err: number; kernels: string[] }> {
  const path = join(mkdtempSync(join(tmpdir(), 'accelc-gview-')), 'm.onnx');
  writeFileSync(path, encode(parts));
  const x = new Tensor('float32', Float32Array.from(rand(2 * S * E, 9)), [2, S, E]);
  const { wasm, meta } = await compile(path);
  const s = await InferenceSession.create(wasm, { threads });
  const ours = (await s.run({ x })).y;
  await s.release();
  return { err: relError(ours, (await runOrtNode(path, { x })).y), kernels: meta.kernels.map((k) => k.ops[0]) };
}

describe('Gather of constant indices as a view', () => {
  it('gatherView: a scalar index drops the axis, a progression steps along it, anything else is not a view', () => {
    const b = { shape: [2, S, E], strides: [S * E, E, 1], offset: 0 };
    expect(gatherView(b, 1, [-1], true)).toEqual({ shape: [2, E], strides: [S * E, 1], offset: (S - 1) * E });
    expect(gatherView(b, 1, [1, 3, 5], false)).toEqual({ shape: [2, 3, E], strides: [S * E, 2 * E, 1], offset: E });
    expect(gatherView(b, 2, [4], false)).toEqual({ shape: [2, S, 1], strides: [S * E, E, 1], offset: 4 });
    expect(gatherView(b, 1, [2, 0], false)).toBeUndefined();
    expect(gatherView(b, 1, [1, 1], false)).toBeUndefined();
  });

  it('the CLS-token select needs no kernel and matches onnxruntime-node on 1 and 2 threads', async () => {
    for (const threads of [1, 2]) {
      for (const idx of [0, -1, 3]) {
        const { err, kernels } = await compareWithOrt(select([idx], true), threads);
        expect(kernels).toEqual(['Relu', 'Gemm']);
        expect(err).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it('evenly spaced rows are a strided view; other index lists keep the Gather kernel', async () => {
    const spaced = await compareWithOrt(select([1, 3, 5], false));
    expect(spaced.kernels).toEqual(['Relu', 'Softmax']);
    expect(spaced.err).toBeLessThanOrEqual(1e-6);
    const shuffled = await compareWithOrt(select([4, 0, 1], false));
    expect(shuffled.kernels).toEqual(['Relu', 'Gather', 'Softmax']);
    expect(shuffled.err).toBeLessThanOrEqual(1e-6);
  });

  it('a Gather with a fused epilogue stays a kernel (its Sigmoid is applied), matching onnxruntime-node', async () => {
    const { err, kernels } = await compareWithOrt(select([2], true, true));
    expect(kernels).toEqual(['Relu', 'Gather', 'Gemm']);
    expect(err).toBeLessThanOrEqual(1e-6);
  });

  it('a view Gather feeding a Concat is copied into it, not planned in place', async () => {
    const { err, kernels } = await compareWithOrt(gatherConcat());
    expect(kernels).toContain('Concat');
    expect(err).toBeLessThanOrEqual(1e-6);
  });
});
