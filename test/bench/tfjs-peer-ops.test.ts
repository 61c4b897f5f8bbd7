// The TF.js WASM peer's translations, one small graph each, against onnxruntime-node: the cases
// the seven real models do not reach (padding modes, ceil_mode, grouped convolution, Gemm's
// flags, NHWC-held tensors through axis-taking ops, broadcasting, negative steps and indices).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { createTfjsSession } from '../../bench/peers/tfjs.mjs';
import { Tensor } from '../../runtime/tensor.js';
import { encode, node, valueInfo, FLOAT, INT64 } from '../frontend/build-model.js';
import { releaseOrtSessions, runOrtNode } from '../helpers/ort.js';
import { relError } from '../helpers/models.js';

type Attr = onnx.IAttributeProto;
const ints = (name: string, v: number[]): Attr => ({ name, type: 7, ints: v });
const int = (name: string, v: number): Attr => ({ name, type: 2, i: v });
const float = (name: string, v: number): Attr => ({ name, type: 1, f: v });
const str = (name: string, v: string): Attr => ({ name, type: 3, s: new TextEncoder().encode(v) });

let seed = 11;
const random = (n: number) => Float32Array.from({ length: n }, () => { seed = (seed * 16807) % 2147483647; return (seed / 2147483647) * 2 - 1; });
const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const w = (name: string, dims: number[]): onnx.ITensorProto => ({ name, dims, dataType: FLOAT, floatData: Array.from(random(size(dims))) });
const scalar = (name: string, v: number): onnx.ITensorProto => ({ name, dims: [], dataType: FLOAT, floatData: [v] });
const i64 = (name: string, v: number[], dims = [v.length]): onnx.ITensorProto => ({ name, dims, dataType: INT64, int64Data: v });

interface Case {
  name: string;
  nodes: onnx.INodeProto[];
  inputs: Record<string, number[]>;   // float32 inputs and their dims
  outputs?: string[];                 // default: the last node's first output
  inits?: onnx.ITensorProto[];
  opset?: number;
}

const X = [1, 6, 9, 11];
/** A 1x1 Conv first, so the tensor the case is about is held NHWC. */
const afterConv = (name: string, nodes: onnx.INodeProto[], inits: onnx.ITensorProto[] = [], extra: Partial<Case> = {}): Case => ({
  name, inputs: { x: X }, inits: [w('cw', [8, 6, 1, 1]), w('cb', [8]), ...inits], ...extra,
  nodes: [node('Conv', ['x', 'cw', 'cb'], ['c'], 'conv1x1', [ints('kernel_shape', [1, 1])]), ...nodes],
});
const conv = (name: string, attrs: Attr[], wdims = [8, 6, 3, 3], after: onnx.INodeProto[] = []): Case => ({
  name, inputs: { x: X }, inits: [w('w', wdims), w('b', [wdims[0]])],
  nodes: [node('Conv', ['x', 'w', 'b'], ['c'], 'conv', [ints('kernel_shape', wdims.slice(2)), ...attrs]), ...after],
});
const pool = (name: string, op: string, attrs: Attr[]): Case => ({ name, inputs: { x: X }, nodes: [node(op, ['x'], ['y'], 'pool', attrs)] });
const gemm = (name: string, attrs: Attr[], a: number[], b: number[], c?: number[]): Case => ({
  name, inputs: { a }, inits: [w('b', b), ...(c ? [w('c', c)] : [])], nodes: [node('Gemm', ['a', 'b', ...(c ? ['c'] : [])], ['y'], 'gemm', attrs)],
});

const CASES: Case[] = [
  conv('Conv explicit asymmetric pads, stride', [ints('pads', [1, 0, 2, 1]), ints('strides', [2, 1])]),
  conv('Conv SAME_UPPER', [str('auto_pad', 'SAME_UPPER'), ints('strides', [2, 2])]),
  conv('Conv SAME_LOWER', [str('auto_pad', 'SAME_LOWER'), ints('strides', [2, 2])]),
  conv('Conv dilated', [ints('dilations', [2, 2]), ints('pads', [2, 2, 2, 2])]),
  conv('Conv + Sigmoid fused', [], undefined, [node('Sigmoid', ['c'], ['y'], 'act')]),
  conv('Conv + LeakyRelu fused', [], undefined, [node('LeakyRelu', ['c'], ['y'], 'act', [float('alpha', 0.2)])]),
  conv('Conv + Elu fused', [], undefined, [node('Elu', ['c'], ['y'], 'act')]),
  conv('grouped Conv (2 groups)', [int('group', 2)], [8, 3, 3, 3]),
  conv('depthwise Conv, multiplier 2', [int('group', 6), ints('pads', [1, 1, 1, 1])], [12, 1, 3, 3]),
  pool('MaxPool ceil_mode with pads', 'MaxPool', [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), int('ceil_mode', 1), ints('pads', [1, 1, 1, 1])]),
  pool('AveragePool pads, count_include_pad 0', 'AveragePool', [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1])]),
  pool('AveragePool pads, count_include_pad 1', 'AveragePool', [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1]), int('count_include_pad', 1)]),
  pool('AveragePool ceil_mode', 'AveragePool', [ints('kernel_shape', [2, 2]), ints('strides', [2, 2]), int('ceil_mode', 1)]),
  pool('GlobalMaxPool', 'GlobalMaxPool', []),
  afterConv('Softmax over channels of an NHWC tensor', [node('Softmax', ['c'], ['y'], 'sm', [int('axis', 1)])]),
  afterConv('Softmax over H of an NHWC tensor', [node('Softmax', ['c'], ['y'], 'sm', [int('axis', 2)])]),
  afterConv('Softmax opset 11 (flattened at axis 1)', [node('Softmax', ['c'], ['y'], 'sm', [int('axis', 1)])], [], { opset: 11 }),
  afterConv('ReduceMean over H, W without keepdims', [node('ReduceMean', ['c'], ['y'], 'rm', [ints('axes', [2, 3]), int('keepdims', 0)])]),
  afterConv('ReduceMean over C without keepdims', [node('ReduceMean', ['c'], ['y'], 'rm', [ints('axes', [1]), int('keepdims', 0)])]),
  afterConv('ReduceSum over C, axes as input', [node('ReduceSum', ['c', 'ax'], ['y'], 'rs')], [i64('ax', [1])]),
  afterConv('Slice with negative steps', [node('Slice', ['c', 's', 'e', 'a', 'st'], ['y'], 'sl')], [i64('s', [-1, 7]), i64('e', [-100, 1]), i64('a', [2, 1]), i64('st', [-2, -3])]),
  afterConv('Slice with step 2 on W', [node('Slice', ['c', 's', 'e', 'a', 'st'], ['y'], 'sl')], [i64('s', [1, 0]), i64('e', [100, 5]), i64('a', [3, 1]), i64('st', [2, 1])]),
  afterConv('Pad reflect', [node('Pad', ['c', 'p'], ['y'], 'pad', [str('mode', 'reflect')])], [i64('p', [0, 0, 1, 2, 0, 0, 2, 1])]),
  afterConv('Pad constant on C, H, W', [node('Pad', ['c', 'p', 'v'], ['y'], 'pad')], [i64('p', [0, 1, 1, 2, 0, 0, 2, 1]), scalar('v', 0.5)]),
  afterConv('Split on channels', [node('Split', ['c', 'sp'], ['y', 'z'], 'split', [int('axis', 1)])], [i64('sp', [3, 5])], { outputs: ['y', 'z'] }),
  afterConv('Concat of an NHWC and an NCHW tensor', [node('Relu', ['x'], ['r'], 'relu'), node('Concat', ['c', 'r'], ['y'], 'cat', [int('axis', 1)])]),
  afterConv('Add of a [C,1,1] constant', [node('Add', ['c', 'bb'], ['y'], 'add')], [w('bb', [8, 1, 1])]),
  afterConv('squeeze-excite style gate', [node('ReduceMean', ['c'], ['m'], 'rm', [ints('axes', [2, 3])]), node('Sigmoid', ['m'], ['g'], 'sig'), node('Mul', ['c', 'g'], ['y'], 'mul')]),
  afterConv('Transpose of an NHWC tensor', [node('Transpose', ['c'], ['y'], 'tr', [ints('perm', [0, 3, 1, 2])])]),
  afterConv('Flatten of an NHWC tensor', [node('Flatten', ['c'], ['y'], 'flat')]),
  afterConv('unfolded BatchNormalization', [node('Relu', ['c'], ['r'], 'relu'), node('BatchNormalization', ['r', 's', 'bb', 'mu', 'var'], ['y'], 'bn')], [w('s', [8]), w('bb', [8]), w('mu', [8]), { name: 'var', dims: [8], dataType: FLOAT, floatData: Array(8).fill(0.7) }]),
  afterConv('PRelu with a [C,1,1] slope', [node('PRelu', ['c', 'sl'], ['y'], 'prelu')], [w('sl', [8, 1, 1])]),
  afterConv('HardSwish, Greater, Where', [node('HardSwish', ['c'], ['h'], 'hs'), node('Greater', ['h', 'z'], ['g'], 'gt'), node('Where', ['g', 'h', 'c'], ['y'], 'where')], [scalar('z', 0.1)], { opset: 14 }),
  gemm('Gemm transB, alpha, beta', [int('transB', 1), float('alpha', 0.5), float('beta', 2)], [5, 7], [9, 7], [9]),
  gemm('Gemm transA, C [M, N]', [int('transA', 1)], [7, 5], [7, 9], [5, 9]),
  gemm('Gemm C [M, 1]', [], [5, 7], [7, 9], [5, 1]),
  { name: 'MatMul 3-D x 2-D + bias + Relu fused', inputs: { a: [2, 3, 7] }, inits: [w('w', [7, 4]), w('bb', [4])],
    nodes: [node('MatMul', ['a', 'w'], ['m'], 'mm'), node('Add', ['bb', 'm'], ['s'], 'add'), node('Relu', ['s'], ['y'], 'relu')] },
  { name: 'MatMul broadcasting batch dims', inputs: { a: [2, 3, 5, 7], b: [3, 7, 4] }, nodes: [node('MatMul', ['a', 'b'], ['y'], 'mm')] },
  { name: 'LayerNormalization (opset 17)', inputs: { a: [2, 3, 8] }, inits: [w('s', [8]), w('bb', [8])], opset: 17,
    nodes: [node('LayerNormalization', ['a', 's', 'bb'], ['y'], 'ln', [float('epsilon', 1e-5)])] },
  { name: 'Gather of a negative constant scalar index', inputs: { a: [2, 5, 3] }, inits: [i64('i', [-2], [])], nodes: [node('Gather', ['a', 'i'], ['y'], 'g', [int('axis', 1)])] },
  { name: 'ArgMax then Cast', inputs: { a: [4, 6] }, nodes: [node('ArgMax', ['a'], ['am'], 'am', [int('axis', 1), int('keepdims', 0)]), node('Cast', ['am'], ['y'], 'cast', [int('to', 1)])] },
  { name: 'Unsqueeze, Expand, Tile', inputs: { a: [3, 1] }, inits: [i64('ax', [0]), i64('sh', [2, 3, 4]), i64('rp', [1, 2, 1])],
    nodes: [node('Unsqueeze', ['a', 'ax'], ['u'], 'unsq'), node('Expand', ['u', 'sh'], ['e'], 'expand'), node('Tile', ['e', 'rp'], ['y'], 'tile')] },
];

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tfjs-peer-ops-')); });
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await releaseOrtSessions();
});

describe('TF.js WASM peer: translations match onnxruntime-node', () => {
  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const outputs = c.outputs ?? [c.nodes[c.nodes.length - 1].output![0]];
      const path = join(dir, `case${k}.onnx`);
      writeFileSync(path, encode({
        nodes: c.nodes, opset: c.opset, initializers: c.inits,
        inputs: Object.entries(c.inputs).map(([name, dims]) => valueInfo(name, FLOAT, dims)),
        outputs: outputs.map((name) => ({ name, type: { tensorType: { elemType: FLOAT } } })),
      }));
      const feeds = Object.fromEntries(Object.entries(c.inputs).map(([name, dims]) => [name, new Tensor('float32', random(size(dims)), dims)]));
      const session = await createTfjsSession(path);
      const ours = await session.run(feeds);
      session.release();
      const theirs = await runOrtNode(path, feeds);
      for (const name of outputs) {
        expect(ours[name].dims, name).toEqual(theirs[name].dims);
        expect(relError(new Tensor('float32', ours[name].data, ours[name].dims), theirs[name]), name).toBeLessThanOrEqual(1e-5);
      }
    });
  });

  it('Gather with run-time int64 indices, negative ones included', async () => {
    const path = join(dir, 'gather.onnx');
    writeFileSync(path, encode({
      nodes: [node('Gather', ['w', 'i'], ['y'], 'g')], initializers: [w('w', [10, 4])],
      inputs: [valueInfo('i', INT64, [2, 3])], outputs: [valueInfo('y', FLOAT, [2, 3, 4])],
    }));
    const feeds = { i: new Tensor('int64', BigInt64Array.from([0n, -1n, 3n, -10n, 9n, 2n]), [2, 3]) };
    const session = await createTfjsSession(path);
    const ours = (await session.run(feeds)).y;
    session.release();
    expect(Array.from(ours.data)).toEqual(Array.from((await runOrtNode(path, feeds)).y.data as Float32Array));
  });
});
