// Cross-checks op evaluate() against onnxruntime-node on single-op models: the shapes and values of
// the reference implementations must agree with a real runtime (to float32 rounding).

import { describe, expect, it } from 'vitest';
import type { AttrValue, Tensor } from '../../compiler/ir/graph.js';
import { dtypeToOnnx } from '../../compiler/frontend/onnx/dtype.js';
import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { toNumbers } from '../../compiler/frontend/onnx/ops/util/tensor-data.js';
import { encode } from './build-model.js';
import { f32, i64, runOp } from './op-harness.js';

type Attr = [name: string, kind: 'int' | 'ints' | 'float' | 'string', value: number | number[] | string];

interface Case {
  op: string;
  opset?: number;
  attrs?: Attr[];
  /** Inputs fed at run time ('feed') or stored as initializers ('init', for shape-like inputs). */
  inputs: Array<[Tensor | undefined, 'feed' | 'init']>;
  outputs?: number;
}

let seed = 7;
function rand(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return f32(shape, Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 4 - 2));
}

const ort = await import('onnxruntime-node').then((m) => m.default ?? m).catch(() => undefined);

function attrProto([name, kind, value]: Attr): onnx.IAttributeProto {
  switch (kind) {
    case 'int': return { name, type: 2, i: value as number };
    case 'ints': return { name, type: 7, ints: value as number[] };
    case 'float': return { name, type: 1, f: value as number };
    case 'string': return { name, type: 3, s: new TextEncoder().encode(value as string) };
  }
}

function tensorProto(name: string, t: Tensor): onnx.ITensorProto {
  const d = t.data;
  return { name, dims: t.shape, dataType: dtypeToOnnx(t.dtype), rawData: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
}

async function check(c: Case): Promise<void> {
  const opset = c.opset ?? 13;
  const nOut = c.outputs ?? 1;
  const names = c.inputs.map(([t], i) => (t ? `in${i}` : ''));
  const outs = Array.from({ length: nOut }, (_, k) => `out${k}`);
  const bytes = encode({
    opset,
    nodes: [{ opType: c.op, input: names, output: outs, name: 'n', attribute: (c.attrs ?? []).map(attrProto) }],
    inputs: c.inputs.flatMap(([t, how], i) => (t && how === 'feed'
      ? [{ name: `in${i}`, type: { tensorType: { elemType: dtypeToOnnx(t.dtype), shape: { dim: t.shape.map((d) => ({ dimValue: d })) } } } }] : [])),
    outputs: outs.map((name) => ({ name })),
    initializers: c.inputs.flatMap(([t, how], i) => (t && how === 'init' ? [tensorProto(`in${i}`, t)] : [])),
  });
  const rt = ort!;
  const session = await rt.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const feeds: Record<string, InstanceType<typeof rt.Tensor>> = {};
  c.inputs.forEach(([t, how], i) => {
    if (t && how === 'feed') feeds[`in${i}`] = new rt.Tensor(t.dtype as 'float32', t.data as Float32Array, t.shape);
  });
  const result = await session.run(feeds);
  await session.release();
  const attrs: Record<string, AttrValue> = Object.fromEntries((c.attrs ?? []).map(([n, , v]) => [n, v]));
  const mine = runOp(c.op, c.inputs.map(([t]) => t), attrs, opset, nOut);
  outs.forEach((name, k) => {
    const theirs = result[name];
    expect(mine.shapes[k], `${c.op} ${name} shape`).toEqual([...theirs.dims]);
    const ref = Array.from(theirs.data as ArrayLike<number | bigint>, Number);
    const got = Array.from(toNumbers(mine.outputs[k]));
    const scale = Math.max(1, ...ref.map(Math.abs));
    got.forEach((v, i) => expect(Math.abs(v - ref[i]), `${c.op} ${name}[${i}]: ${v} vs ${ref[i]}`).toBeLessThanOrEqual(2e-5 * scale));
  });
}

const feed = (t: Tensor): [Tensor, 'feed'] => [t, 'feed'];
const init = (t: Tensor): [Tensor, 'init'] => [t, 'init'];

const CASES: Record<string, Case> = {
  'Conv grouped, strided, dilated, asymmetric pads': {
    op: 'Conv', inputs: [feed(rand([1, 4, 7, 6])), feed(rand([6, 2, 3, 3])), feed(rand([6]))],
    attrs: [['group', 'int', 2], ['strides', 'ints', [2, 1]], ['dilations', 'ints', [1, 2]], ['pads', 'ints', [1, 0, 2, 1]]],
  },
  'Conv SAME_LOWER stride 2': {
    op: 'Conv', inputs: [feed(rand([1, 2, 6, 5])), feed(rand([3, 2, 2, 3]))],
    attrs: [['auto_pad', 'string', 'SAME_LOWER'], ['strides', 'ints', [2, 2]]],
  },
  'Conv SAME_UPPER 1-D': {
    op: 'Conv', inputs: [feed(rand([2, 3, 9])), feed(rand([4, 3, 4]))], attrs: [['auto_pad', 'string', 'SAME_UPPER'], ['strides', 'ints', [2]]],
  },
  'Conv depthwise 3-D': {
    op: 'Conv', inputs: [feed(rand([1, 2, 4, 4, 3])), feed(rand([2, 1, 2, 2, 2]))], attrs: [['group', 'int', 2], ['pads', 'ints', [1, 0, 1, 0, 1, 1]]],
  },
  'MaxPool ceil_mode with Indices': {
    op: 'MaxPool', inputs: [feed(rand([1, 2, 7, 7]))], outputs: 2,
    attrs: [['kernel_shape', 'ints', [3, 3]], ['strides', 'ints', [2, 2]], ['pads', 'ints', [1, 1, 1, 1]], ['ceil_mode', 'int', 1]],
  },
  'MaxPool dilations, storage_order=1': {
    op: 'MaxPool', inputs: [feed(rand([1, 1, 6, 7]))], outputs: 2,
    attrs: [['kernel_shape', 'ints', [2, 2]], ['dilations', 'ints', [2, 2]], ['storage_order', 'int', 1]],
  },
  'AveragePool count_include_pad with ceil_mode': {
    op: 'AveragePool', inputs: [feed(rand([1, 1, 6, 6]))],
    attrs: [['kernel_shape', 'ints', [3, 3]], ['strides', 'ints', [2, 2]], ['pads', 'ints', [1, 1, 0, 0]], ['ceil_mode', 'int', 1], ['count_include_pad', 'int', 1]],
  },
  'AveragePool excluding pad, SAME_UPPER': {
    op: 'AveragePool', inputs: [feed(rand([1, 2, 5, 5]))], attrs: [['kernel_shape', 'ints', [2, 2]], ['auto_pad', 'string', 'SAME_UPPER']],
  },
  'Gemm transA transB alpha beta, C row': {
    op: 'Gemm', inputs: [feed(rand([3, 2])), feed(rand([4, 3])), feed(rand([4]))],
    attrs: [['transA', 'int', 1], ['transB', 'int', 1], ['alpha', 'float', 0.5], ['beta', 'float', 2]],
  },
  'MatMul batched broadcast': { op: 'MatMul', inputs: [feed(rand([2, 1, 3, 4])), feed(rand([3, 4, 2]))] },
  'MatMul 1-D x 3-D': { op: 'MatMul', inputs: [feed(rand([4])), feed(rand([2, 4, 3]))] },
  'Softmax opset 11 coerces to 2-D': { op: 'Softmax', opset: 11, inputs: [feed(rand([2, 3, 4]))], attrs: [['axis', 'int', 1]] },
  'Softmax opset 13 single axis': { op: 'Softmax', inputs: [feed(rand([2, 3, 4]))], attrs: [['axis', 'int', 1]] },
  'LogSoftmax': { op: 'LogSoftmax', inputs: [feed(rand([3, 5]))] },
  'Slice negative steps': {
    op: 'Slice', inputs: [feed(rand([5, 6])), init(i64([2], [-1, 100])), init(i64([2], [-100, 1])), init(i64([2], [1, 0])), init(i64([2], [-2, -3]))],
  },
  'Pad reflect': { op: 'Pad', inputs: [feed(rand([1, 3, 4])), init(i64([6], [0, 2, 1, 0, 1, 3]))], attrs: [['mode', 'string', 'reflect']] },
  'Pad edge with crop': { op: 'Pad', inputs: [feed(rand([3, 4])), init(i64([4], [2, -1, 0, 3]))], attrs: [['mode', 'string', 'edge']] },
  'Gather negative indices axis 1': { op: 'Gather', inputs: [feed(rand([3, 4, 2])), init(i64([2, 2], [0, -1, 3, -4]))], attrs: [['axis', 'int', 1]] },
  'ReduceMean axes keepdims': { op: 'ReduceMean', inputs: [feed(rand([2, 3, 4]))], attrs: [['axes', 'ints', [0, -1]]] },
  'ReduceSum axes input, no keepdims': { op: 'ReduceSum', inputs: [feed(rand([2, 3, 4])), init(i64([1], [1]))], attrs: [['keepdims', 'int', 0]] },
  'ReduceMax all': { op: 'ReduceMax', inputs: [feed(rand([2, 3, 4]))], attrs: [['keepdims', 'int', 0]] },
  'BatchNormalization': {
    op: 'BatchNormalization', inputs: [feed(rand([2, 3, 2, 2])), feed(rand([3])), feed(rand([3])), feed(rand([3])), feed(f32([3], [0.5, 1, 2]))],
    attrs: [['epsilon', 'float', 1e-3]],
  },
  'Erf': { op: 'Erf', inputs: [feed(rand([20]))] },
  'HardSigmoid': { op: 'HardSigmoid', inputs: [feed(rand([10]))], attrs: [['alpha', 'float', 0.3], ['beta', 'float', 0.4]] },
  'HardSwish': { op: 'HardSwish', opset: 14, inputs: [feed(rand([10]))] },
  'Pow broadcast': { op: 'Pow', inputs: [feed(f32([2, 2], [1, 2, 3, 4])), feed(f32([2], [2, 0.5]))] },
  'Expand': { op: 'Expand', inputs: [feed(rand([3, 1])), init(i64([3], [2, 1, 4]))] },
  'Clip inputs': { op: 'Clip', inputs: [feed(rand([8])), feed(f32([], [-0.5])), feed(f32([], [0.7]))] },
};

describe.skipIf(!ort)('evaluate() agrees with onnxruntime', () => {
  for (const [name, c] of Object.entries(CASES)) it(name, () => check(c));
});
