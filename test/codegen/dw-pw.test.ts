// A depthwise conv fused into its 1x1 consumer (passes/fuse-depthwise.ts, lower/dw-pw.ts): the
// pass's rewrite on the IR, when it declines, and the fused kernel's outputs against
// onnxruntime-node at 1 and 2 threads over strides, kernel sizes, batch 2, a shifted last row
// block and a residual Add.

import { describe, expect, it } from 'vitest';
import { runPasses } from '../../compiler/passes/pipeline.js';
import { fusedDepthwise } from '../../compiler/passes/fuse-depthwise.js';
import { blockRows } from '../../compiler/lower/dw-pw.js';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import { compareWithOrt, seededValues } from '../helpers/ort-compare.js';
import { attr, encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

const rand = seededValues;

interface Case { n: number; c: number; m: number; h: number; k: number; stride: number; residual?: boolean; readTwice?: boolean }

/** x -> depthwise kxk (stride, pad k/2) -> Clip(0, 6) -> 1x1 conv (c -> m) [-> + r] -> y. */
function model(p: Case): ModelParts {
  const pad = p.k >> 1, oh = Math.floor((p.h + 2 * pad - p.k) / p.stride) + 1;
  const out = [p.n, p.m, oh, oh];
  const nodes = [
    node('Conv', ['x', 'dw.w', 'dw.b'], ['d'], 'dw', [attr('group', p.c), attr('pads', [pad, pad, pad, pad]), attr('strides', [p.stride, p.stride]), attr('kernel_shape', [p.k, p.k])]),
    node('Clip', ['d', 'lo', 'hi'], ['a'], 'clip'),
    node('Conv', ['a', 'pw.w', 'pw.b'], [p.residual ? 'z' : 'y'], 'pw', [attr('kernel_shape', [1, 1])]),
    ...(p.residual ? [node('Add', ['z', 'r'], ['y'], 'add')] : []),
    ...(p.readTwice ? [node('Relu', ['a'], ['y2'], 'relu')] : []),
  ];
  return {
    inputs: [valueInfo('x', FLOAT, [p.n, p.c, p.h, p.h]), ...(p.residual ? [valueInfo('r', FLOAT, out)] : [])],
    outputs: [valueInfo('y', FLOAT, out), ...(p.readTwice ? [valueInfo('y2', FLOAT, [p.n, p.c, oh, oh])] : [])],
    initializers: [
      floatTensor('dw.w', [p.c, 1, p.k, p.k], rand(p.c * p.k * p.k, 3)), floatTensor('dw.b', [p.c], rand(p.c, 4)),
      floatTensor('pw.w', [p.m, p.c, 1, 1], rand(p.m * p.c, 5)), floatTensor('pw.b', [p.m], rand(p.m, 6)),
      floatTensor('lo', [], [0]), floatTensor('hi', [], [6]),
    ],
    nodes,
  };
}

describe('depthwise + pointwise fusion', () => {
  it('rewrites the pair into the 1x1 conv, which takes the depthwise input and records the depthwise conv', () => {
    const g = runPasses(loadOnnx(encode(model({ n: 1, c: 4, m: 6, h: 112, k: 3, stride: 1 })), { modelName: 'dwpw' }).graph);
    expect(g.nodes.map((n) => n.op)).toEqual(['Conv']);
    const [pw] = g.nodes;
    expect(pw.name).toBe('pw');
    expect(pw.inputs).toEqual(['x', 'pw.w', 'pw.b', 'dw.w', 'dw.b']);
    const dw = fusedDepthwise(pw)!;
    expect(dw).toMatchObject({ node: 'dw', weight: 'dw.w', bias: 'dw.b' });
    expect(JSON.parse(dw.attrs['accelc.epilogue'] as string)).toEqual([{ op: 'Clip', min: 0, max: 6 }]);
    expect(g.values.has('a')).toBe(false);
  });

  it('leaves the pair alone when the depthwise output has another reader, or the plane is small', () => {
    const twice = runPasses(loadOnnx(encode(model({ n: 1, c: 4, m: 6, h: 112, k: 3, stride: 1, readTwice: true })), { modelName: 'twice' }).graph);
    expect(twice.nodes.filter((n) => n.op === 'Conv').map((n) => !!fusedDepthwise(n))).toEqual([false, false]);
    const small = runPasses(loadOnnx(encode(model({ n: 1, c: 4, m: 6, h: 56, k: 3, stride: 1 })), { modelName: 'small' }).graph);
    expect(small.nodes.filter((n) => n.op === 'Conv')).toHaveLength(2);
  });

  it('picks row blocks that divide the rows when one is near, and leaves work for the threads', () => {
    expect(blockRows(8, 112, 112)).toBe(28);
    expect(blockRows(4, 113, 113)).toBe(28);           // no divisor near: the last block shifts
    expect(blockRows(144, 56, 56)).toBe(8);            // 256 KiB of scratch at most
    expect(blockRows(32, 112, 112)).toBe(16);
  });

  const cases: [string, Case][] = [
    ['3x3 stride 1, residual Add', { n: 1, c: 8, m: 12, h: 112, k: 3, stride: 1, residual: true }],
    ['3x3 stride 2, batch 2, a shifted last block', { n: 2, c: 4, m: 6, h: 226, k: 3, stride: 2 }],
    ['5x5 stride 1 (two border rows per side)', { n: 1, c: 4, m: 6, h: 112, k: 5, stride: 1 }],
  ];
  for (const [name, p] of cases) {
    it(`${name}: one kernel, matching onnxruntime-node at 1 and 2 threads`, async () => {
      for (const threads of [1, 2]) {
        const { err, ops } = await compareWithOrt(model(p), threads, 4);
        expect(ops).toEqual([['Conv', 'Clip', 'Conv', ...(p.residual ? ['Add'] : [])]]);
        expect(err).toBeLessThanOrEqual(1e-5);
      }
    });
  }

  // Found in review: a 1x1 conv whose epilogue also reads the depthwise output; a chain of 1x1
  // convs with one channel (each passes for a depthwise conv).
  it('leaves the pair alone when the 1x1 conv\'s epilogue also reads the depthwise output (gating), matching onnxruntime-node', async () => {
    const c = 4, h = 112;
    const p: ModelParts = {
      opset: 13,
      inputs: [valueInfo('x', FLOAT, [1, c, h, h])], outputs: [valueInfo('y', FLOAT, [1, c, h, h])],
      initializers: [floatTensor('dw.w', [c, 1, 3, 3], rand(c * 9, 3)), floatTensor('pw.w', [c, c, 1, 1], rand(c * c, 5))],
      nodes: [
        node('Conv', ['x', 'dw.w'], ['d'], 'dw', [attr('group', c), attr('pads', [1, 1, 1, 1]), attr('kernel_shape', [3, 3])]),
        node('Conv', ['d', 'pw.w'], ['z'], 'pw', [attr('kernel_shape', [1, 1])]),
        node('Mul', ['z', 'd'], ['y'], 'mul'),
      ],
    };
    const { err, ops } = await compareWithOrt(p, 1);
    expect(ops).toEqual([['Conv'], ['Conv', 'Mul']]);
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it('fuses a one-channel chain of 1x1 convs once (a node fused as the consumer is not taken again as a producer)', async () => {
    const h = 112;
    const p: ModelParts = {
      opset: 13,
      inputs: [valueInfo('x', FLOAT, [1, 1, h, h])], outputs: [valueInfo('y', FLOAT, [1, 4, h, h])],
      initializers: [floatTensor('w1', [1, 1, 3, 3], rand(9, 3)), floatTensor('w2', [1, 1, 1, 1], [0.5]), floatTensor('w3', [4, 1, 1, 1], rand(4, 5))],
      nodes: [
        node('Conv', ['x', 'w1'], ['a'], 'c1', [attr('group', 1), attr('pads', [1, 1, 1, 1]), attr('kernel_shape', [3, 3])]),
        node('Conv', ['a', 'w2'], ['b'], 'c2', [attr('group', 1), attr('kernel_shape', [1, 1])]),
        node('Conv', ['b', 'w3'], ['y'], 'c3', [attr('kernel_shape', [1, 1])]),
      ],
    };
    const { err, ops } = await compareWithOrt(p, 1);
    expect(ops).toHaveLength(2);
    expect(err).toBeLessThanOrEqual(1e-5);
  });
});
