// fuse-depthwise on channels-last pairs (lower/dw-pw-nhwc.ts): a depthwise conv fused into the 1x1
// conv reading it, computed row block by row block through a per-thread scratch. Outputs against
// onnxruntime-node at 1 and 2 threads over the shapes the row blocks must get right (a last block
// shifted inwards, batch 2, strides, channel counts not a multiple of 4, a residual epilogue), and
// which pairs the pass fuses (the projection's weights at most MAX_WEIGHT_BYTES_NHWC).

import { describe, expect, it } from 'vitest';
import { DEPTHWISE_KEY, MAX_WEIGHT_BYTES_NHWC } from '../../compiler/passes/fuse-depthwise.js';
import { Tensor } from '../../runtime/tensor.js';
import { seededValues, worstAgainstOrt } from '../helpers/ort-compare.js';
import { attr, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

interface Pair { C: number; M: number; H: number; W: number; N?: number; k?: number; stride?: number; pad?: number; dilation?: number; residual?: boolean; biases?: boolean }

/** x -> depthwise conv -> Clip(0, 6) -> 1x1 conv (-> + x when residual) -> Relu -> y. */
function pair(p: Pair): ModelParts {
  const { C, M, H, W, N = 1, k = 3, stride = 1, pad = 1, dilation = 1, biases = true } = p;
  const oh = Math.floor((H + 2 * pad - dilation * (k - 1) - 1) / stride) + 1, ow = Math.floor((W + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
  const dwInputs = ['x', 'dw.w', ...(biases ? ['dw.b'] : [])], pwInputs = ['d6', 'pw.w', ...(biases ? ['pw.b'] : [])];
  const init = [
    floatTensor('dw.w', [C, 1, k, k], seededValues(C * k * k, 3).map((v) => v * 0.5)),
    floatTensor('pw.w', [M, C, 1, 1], seededValues(M * C, 5).map((v) => v * 0.3)),
    ...(biases ? [floatTensor('dw.b', [C], seededValues(C, 4)), floatTensor('pw.b', [M], seededValues(M, 6))] : []),
    floatTensor('zero', [], [0]), floatTensor('six', [], [6]),
  ];
  const nodes = [
    node('Conv', dwInputs, ['d'], 'dw', [attr('kernel_shape', [k, k]), attr('strides', [stride, stride]), attr('pads', [pad, pad, pad, pad]), attr('group', C), attr('dilations', [dilation, dilation])]),
    node('Clip', ['d', 'zero', 'six'], ['d6'], 'clip'),
    node('Conv', pwInputs, ['p'], 'pw', [attr('kernel_shape', [1, 1])]),
    ...(p.residual ? [node('Add', ['p', 'x'], ['s'], 'residual')] : []),
    node('Relu', [p.residual ? 's' : 'p'], ['y'], 'relu'),
  ];
  return { inputs: [valueInfo('x', FLOAT, [N, C, H, W])], outputs: [valueInfo('y', FLOAT, [N, M, oh, ow])], initializers: init, nodes };
}

async function check(p: Pair): Promise<number> {
  const shape = [p.N ?? 1, p.C, p.H, p.W];
  const x = new Tensor('float32', Float32Array.from(seededValues(shape.reduce((a, b) => a * b, 1), 11)), shape);
  const { worst, graph } = await worstAgainstOrt(pair(p), { x }, { layout: 'nhwc' });
  expect(worst).toBeLessThanOrEqual(1e-5);
  return graph.nodes.filter((n) => n.attrs[DEPTHWISE_KEY]).length;
}

describe('fuse-depthwise, channels-last', () => {
  it('fuses a pair and matches onnxruntime-node: 3x3 stride 1, a residual epilogue, 17 rows (a shifted last block)', async () => {
    expect(await check({ C: 16, M: 16, H: 17, W: 9, residual: true })).toBe(1);
  });

  it('stride 2 on an odd plane, channels not a multiple of 4, no biases', async () => {
    expect(await check({ C: 6, M: 5, H: 11, W: 7, stride: 2, biases: false })).toBe(1);
  });

  it('batch 2, 5x5 taps with dilation 2, a plane of 3 rows (fewer than the blocks wanted)', async () => {
    expect(await check({ C: 12, M: 8, H: 3, W: 10, N: 2, k: 5, pad: 4, dilation: 2 })).toBe(1);
  });

  it('a wide plane: one row per block, many blocks', async () => {
    expect(await check({ C: 32, M: 24, H: 40, W: 130 })).toBe(1);
  });

  it('leaves a pair unfused when the projection weights exceed MAX_WEIGHT_BYTES_NHWC', async () => {
    const M = Math.floor(MAX_WEIGHT_BYTES_NHWC / (4 * 64)) + 1;
    expect(await check({ C: 64, M, H: 6, W: 6 })).toBe(0);
    expect(await check({ C: 64, M: M - 1, H: 6, W: 6 })).toBe(1);
  });
});
