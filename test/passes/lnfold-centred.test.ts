// The centred form of LayerNorm-folded GEMMs (gemm-lnfold.ts) on the shapes the lowering branches
// on: a batched A with an epilogue (a GEMM per batch), Gemm with transB and a C operand, a Softmax
// row op (gemm-rows.ts), rows not a multiple of the register tile, a single row, and mixes of far
// (large |mean|, either sign) and near rows; against onnxruntime-node at 1 and 2 threads, within
// 1.5x of the unfolded LayerNorm's error.

import { describe, expect, it } from 'vitest';
import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { Tensor } from '../../runtime/tensor.js';
import { seededValues, worstAgainstOrt } from '../helpers/ort-compare.js';
import { layerNorm, lnfoldInitializers, matmulGelu } from '../helpers/lnfold-model.js';
import { floatAttr, attr, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

type Reader = 'bias-softmax' | 'bias-layernorm' | 'matmul-gelu' | 'matmul-relu' | 'gemm-c-row' | 'gemm-c-full' | 'softmax' | 'layernorm' | 'matmul';

function model(x: number[], reader: Reader, N = 24): ModelParts {
  const D = x[x.length - 1], lead = x.slice(0, -1), M = lead.reduce((a, b) => a * b, 1);
  const nodes: onnx.INodeProto[] = [layerNorm('x', 'gamma', 'n', 'ln')];
  if (reader === 'matmul') nodes.push(node('MatMul', ['n', 'w'], ['y'], 'mm'));
  else if (reader === 'matmul-relu') nodes.push(node('MatMul', ['n', 'w'], ['m'], 'mm'), node('Add', ['m', 'bias'], ['a'], 'badd'), node('Relu', ['a'], ['y'], 'relu'));
  else if (reader === 'matmul-gelu') nodes.push(...matmulGelu('n', 'y'));
  else if (reader === 'gemm-c-row') nodes.push(node('Gemm', ['n', 'wt', 'bias'], ['y'], 'gemm', [attr('transB', 1), floatAttr('alpha', 0.5), floatAttr('beta', 2)]));
  else if (reader === 'gemm-c-full') nodes.push(node('Gemm', ['n', 'wt', 'cfull'], ['y'], 'gemm', [attr('transB', 1), floatAttr('alpha', 1.5), floatAttr('beta', 0.5)]));
  else if (reader === 'bias-softmax') nodes.push(node('MatMul', ['n', 'w'], ['m'], 'mm'), node('Add', ['m', 'bias'], ['a'], 'badd'), node('Softmax', ['a'], ['y'], 'sm', [attr('axis', -1)]));
  else if (reader === 'bias-layernorm') nodes.push(node('MatMul', ['n', 'w'], ['m'], 'mm'), node('Add', ['m', 'bias'], ['a'], 'badd'), layerNorm('a', 'g2', 'y', 'ln2', -1, 1e-5, 'b2'));
  else if (reader === 'softmax') nodes.push(node('MatMul', ['n', 'w'], ['m'], 'mm'), node('Softmax', ['m'], ['y'], 'sm', [attr('axis', -1)]));
  else nodes.push(node('MatMul', ['n', 'w'], ['m'], 'mm'), layerNorm('m', 'g2', 'y', 'ln2', -1, 1e-5, 'b2'));
  return {
    opset: 17,
    inputs: [valueInfo('x', FLOAT, x)],
    outputs: [valueInfo('y', FLOAT, [...lead, N])],
    initializers: lnfoldInitializers(D, N, nodes, [
      floatTensor('cfull', [M, N], seededValues(M * N, 11)),
      floatTensor('g2', [N], seededValues(N, 12).map((v) => 1 + 0.5 * v)), floatTensor('b2', [N], seededValues(N, 13)),
    ]),
    nodes,
  };
}

// [name, x shape, reader, offset of row r (flattened) or 0]
const cases: [string, number[], Reader, (r: number) => number][] = [
  ['batched A [2, 3, 16, 32], bias + GELU epilogue, all rows far', [2, 3, 16, 32], 'matmul-gelu', () => 300],
  ['batched A [2, 3, 16, 32], bias + Relu epilogue, only batch 5 far', [2, 3, 16, 32], 'matmul-relu', (r) => (r >= 80 ? 300 : 0)],
  ['batched A [2, 3, 16, 32], GELU, one far row in batch 0', [2, 3, 16, 32], 'matmul-gelu', (r) => (r === 7 ? -300 : 0)],
  ['batched A [2, 3, 13, 32] (rows not whole tiles), GELU, far rows in the last batch', [2, 3, 13, 32], 'matmul-gelu', (r) => (r >= 65 ? 300 : 0)],
  ['Gemm transB, C per column, 13 rows, all far', [13, 20], 'gemm-c-row', () => 300],
  ['Gemm transB, C [M, N], 13 rows, alternate rows far (negative mean)', [13, 20], 'gemm-c-full', (r) => (r % 2 ? -300 : 0)],
  ['Gemm transB, C [M, N], 6 rows, last row far', [6, 40], 'gemm-c-full', (r) => (r === 5 ? 300 : 0)],
  ['Softmax row op, [2, 13, 24], far rows in batch 1', [2, 13, 24], 'softmax', (r) => (r >= 13 ? 300 : 0)],
  ['Softmax row op, [1, 37, 32], every third row far', [1, 37, 32], 'softmax', (r) => (r % 3 === 0 ? 300 : 0)],
  ['bias + Softmax row op on batched A [2, 3, 13, 32] (a row-block GEMM per batch), far rows in batch 4', [2, 3, 13, 32], 'bias-softmax', (r) => (r >= 52 && r < 65 ? 300 : 0)],
  ['bias + LayerNorm row op on batched A [2, 3, 13, 32] (a row-block GEMM per batch), one far row in batch 4', [2, 3, 13, 32], 'bias-layernorm', (r) => (r === 60 ? 300 : 0)],
  ['LayerNorm row op, [1, 19, 32], one far row', [1, 19, 32], 'layernorm', (r) => (r === 18 ? 300 : 0)],
  ['MatMul, [1, 11, 32] (rows not a multiple of 4), alternate rows far', [1, 11, 32], 'matmul', (r) => (r % 2 ? 300 : 0)],
  ['MatMul, [3, 37, 16] (no epilogue: rows merged), the middle batch far', [3, 37, 16], 'matmul', (r) => (r >= 37 && r < 74 ? 300 : 0)],
  ['MatMul, a single row [1, 1, 64], far', [1, 1, 64], 'matmul', () => 300],
  ['MatMul, [1, 200, 8] (N below a vector tile: D 8), all far', [1, 200, 8], 'matmul', () => 300],
  ['MatMul, [1, 64, 64], no far row (the folded form)', [1, 64, 64], 'matmul-gelu', () => 0],
];

describe('LayerNorm-folded GEMMs: the centred form against onnxruntime-node', () => {
  for (const [name, shape, reader, offset] of cases) {
    it(`${name}: within 1.5x of the unfolded error at 1 and 2 threads`, async () => {
      const size = shape.reduce((a, b) => a * b, 1), D = shape[shape.length - 1];
      const x = new Tensor('float32', Float32Array.from(seededValues(size, 9), (v, i) => v + offset(Math.floor(i / D))), shape);
      const p = model(shape, reader, name.includes('D 8') ? 8 : 24);
      const { worst, meta } = await worstAgainstOrt(p, { x });
      expect(meta.kernels.some((k) => k.ops.includes('LayerNormalization') && k.ops.length > 1)).toBe(true);
      const { worst: unfolded } = await worstAgainstOrt(p, { x }, { disablePasses: ['fold-layernorm'] });
      expect(worst, `unfolded ${unfolded}`).toBeLessThanOrEqual(Math.max(1e-5, 1.5 * unfolded));
    });
  }
});
