// Op schemas: inferred shapes and reference evaluation on small hand-checked cases.

import { describe, expect, it } from 'vitest';
import { expectError } from './build-model.js';
import { f32, i64, inferOp, runOp, tensor } from './op-harness.js';

const iota = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);
const ones = (n: number) => new Array<number>(n).fill(1);

describe('broadcasting binary ops', () => {
  it('Add broadcasts [2,3,1] with [4]', () => {
    const r = runOp('Add', [f32([2, 3, 1], iota(6)), f32([4], [0, 10, 20, 30])]);
    expect(r.shapes[0]).toEqual([2, 3, 4]);
    expect(r.values[0].slice(0, 8)).toEqual([0, 10, 20, 30, 1, 11, 21, 31]);
    expect(r.values[0][23]).toBe(35);
  });
  it('Mul/Sub/Div/Pow on scalars and int64', () => {
    expect(runOp('Sub', [f32([2], [5, 6]), f32([], [1])]).values[0]).toEqual([4, 5]);
    expect(runOp('Div', [i64([3], [7, -7, 6]), i64([1], [2])]).values[0]).toEqual([3, -3, 3]);
    expect(runOp('Pow', [f32([2], [2, 3]), f32([], [2])]).values[0]).toEqual([4, 9]);
    expect(runOp('Mul', [i64([2], [3, 4]), i64([2], [5, 6])]).outputs[0].data).toEqual(BigInt64Array.of(15n, 24n));
  });
  it('Equal / Less give bool', () => {
    const r = runOp('Less', [f32([3], [1, 2, 3]), f32([1], [2])]);
    expect(r.dtypes[0]).toBe('bool');
    expect(r.values[0]).toEqual([1, 0, 0]);
  });
  it('refuses shapes that do not broadcast', () => {
    expectError(() => inferOp('Add', [[2, 3], [4]]), 'E_SHAPE', /\[2,3\] and \[4\] do not broadcast/);
  });
  it('opset < 7 aligns B at axis when broadcast=1', () => {
    const r = runOp('Add', [f32([2, 3, 2], ones(12)), f32([3], [0, 10, 20])], { broadcast: 1, axis: 1 }, 6);
    expect(r.shapes[0]).toEqual([2, 3, 2]);
    expect(r.values[0].slice(0, 6)).toEqual([1, 1, 11, 11, 21, 21]);
    expectError(() => inferOp('Add', [[2, 3], [3]], {}, 6), 'E_SHAPE', /broadcast=0/);
  });
  it('Where broadcasts three inputs', () => {
    const c = tensor('bool', [2, 1], Uint8Array.of(1, 0));
    expect(runOp('Where', [c, f32([2], [1, 2]), f32([], [9])]).values[0]).toEqual([1, 2, 9, 9]);
  });
});

describe('Conv', () => {
  const x5 = f32([1, 1, 5, 5], ones(25));
  const w3 = f32([1, 1, 3, 3], ones(9));
  it('pads', () => {
    const r = runOp('Conv', [x5, w3], { pads: [1, 1, 1, 1] });
    expect(r.shapes[0]).toEqual([1, 1, 5, 5]);
    expect(r.values[0].slice(0, 10)).toEqual([4, 6, 6, 6, 4, 6, 9, 9, 9, 6]);
  });
  it('strides', () => {
    const r = runOp('Conv', [x5, w3], { pads: [1, 1, 1, 1], strides: [2, 2] });
    expect(r.values[0]).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
  });
  it('auto_pad SAME_UPPER / SAME_LOWER / VALID and dilations', () => {
    const x = f32([1, 1, 4], [1, 2, 3, 4]);
    const w = f32([1, 1, 2], [1, 1]);
    expect(runOp('Conv', [x, w], { auto_pad: 'SAME_UPPER' }).values[0]).toEqual([3, 5, 7, 4]);
    expect(runOp('Conv', [x, w], { auto_pad: 'SAME_LOWER' }).values[0]).toEqual([1, 3, 5, 7]);
    expect(runOp('Conv', [x, w], { auto_pad: 'VALID' }).values[0]).toEqual([3, 5, 7]);
    expect(runOp('Conv', [x, w], { dilations: [2] }).values[0]).toEqual([4, 6]);
    const r = runOp('Conv', [f32([1, 1, 5], ones(5)), f32([1, 1, 3], ones(3))], { auto_pad: 'SAME_UPPER', strides: [2] });
    expect(r.values[0]).toEqual([2, 3, 2]);
  });
  it('depthwise (group = channels) with bias', () => {
    const r = runOp('Conv', [f32([1, 2, 3], [1, 2, 3, 10, 20, 30]), f32([2, 1, 1], [2, 3]), f32([2], [1, 0])], { group: 2 });
    expect(r.values[0]).toEqual([3, 5, 7, 30, 60, 90]);
  });
  it('checks channels, kernel_shape and size', () => {
    expectError(() => inferOp('Conv', [[1, 2, 3], [2, 1, 1]]), 'E_SHAPE', /2 channels/);
    expectError(() => inferOp('Conv', [[1, 1, 5, 5], [1, 1, 3, 3]], { kernel_shape: [2, 2] }), 'E_SHAPE', /kernel_shape/);
    expectError(() => inferOp('Conv', [[1, 1, 2, 2], [1, 1, 3, 3]]), 'E_SHAPE', /too small/);
    expectError(() => inferOp('Conv', [[1, 1, 5, 5], [1, 1, 3, 3]], { auto_pad: 'BOGUS' }), 'E_MODEL', /auto_pad/);
  });
});

describe('pools', () => {
  it('MaxPool ceil_mode, Indices and storage_order', () => {
    const x = f32([1, 1, 4, 4], iota(16));
    const attrs = { kernel_shape: [3, 3], strides: [2, 2] };
    expect(inferOp('MaxPool', [[1, 1, 4, 4]], attrs)[0]).toEqual([1, 1, 1, 1]);
    const r = runOp('MaxPool', [x], { ...attrs, ceil_mode: 1 }, 13, 2);
    expect(r.shapes).toEqual([[1, 1, 2, 2], [1, 1, 2, 2]]);
    expect(r.values[0]).toEqual([10, 11, 14, 15]);
    expect(r.dtypes[1]).toBe('int64');
    expect(r.values[1]).toEqual([10, 11, 14, 15]);
    expect(runOp('MaxPool', [x], { ...attrs, ceil_mode: 1, storage_order: 1 }, 13, 2).values[1]).toEqual([10, 14, 11, 15]);
  });
  it('AveragePool count_include_pad', () => {
    const x = f32([1, 1, 3, 3], ones(9));
    const attrs = { kernel_shape: [2, 2], pads: [1, 1, 1, 1] };
    expect(runOp('AveragePool', [x], attrs).values[0]).toEqual(ones(16));
    const r = runOp('AveragePool', [x], { ...attrs, count_include_pad: 1 });
    expect(r.values[0].slice(0, 4)).toEqual([0.25, 0.5, 0.5, 0.25]);
  });
  it('GlobalAveragePool', () => {
    const r = runOp('GlobalAveragePool', [f32([1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])]);
    expect(r.shapes[0]).toEqual([1, 2, 1, 1]);
    expect(r.values[0]).toEqual([2.5, 6.5]);
  });
});

describe('Slice', () => {
  const x = i64([10], iota(10));
  const run = (starts: number[], ends: number[], axes?: number[], steps?: number[], data = x) =>
    runOp('Slice', [data, i64([starts.length], starts), i64([ends.length], ends), axes && i64([axes.length], axes), steps && i64([steps.length], steps)]).values[0];
  it('negative steps', () => {
    expect(run([-1], [-100], [0], [-2])).toEqual([9, 7, 5, 3, 1]);
    expect(run([8], [2], [0], [-3])).toEqual([8, 5]);
    expect(run([100], [-100], undefined, [-1])).toEqual(iota(10).reverse());
  });
  it('clamps and counts from the end', () => {
    expect(run([2], [1e9])).toEqual(iota(8, 2));
    expect(run([5], [2])).toEqual([]);
    const big = { dtype: 'int64' as const, shape: [1], data: BigInt64Array.of(2n ** 63n - 1n) };
    expect(runOp('Slice', [x, i64([1], [7]), big]).values[0]).toEqual([7, 8, 9]);
    expect(run([-2], [10], [-1], undefined, f32([2, 3], iota(6)))).toEqual([1, 2, 4, 5]);
  });
  it('opset < 10 reads attributes', () => {
    expect(runOp('Slice', [x], { starts: [1], ends: [-1] }, 9).values[0]).toEqual(iota(8, 1));
  });
  it('rejects step 0 and non-constant starts', () => {
    expectError(() => run([0], [5], [0], [0]), 'E_MODEL', /step/);
    expectError(() => inferOp('Slice', [[10], { dtype: 'int64', shape: [1] }, i64([1], [5])]), 'E_SHAPE', /must be a constant/);
  });
});

describe('Gather', () => {
  const data = f32([3, 2], [1, 2, 3, 4, 5, 6]);
  it('axis 0 with negative indices', () => {
    const r = runOp('Gather', [data, i64([1, 2], [0, -1])]);
    expect(r.shapes[0]).toEqual([1, 2, 2]);
    expect(r.values[0]).toEqual([1, 2, 5, 6]);
  });
  it('axis 1 and scalar index', () => {
    expect(runOp('Gather', [data, i64([1], [1])], { axis: 1 }).values[0]).toEqual([2, 4, 6]);
    expect(runOp('Gather', [data, i64([], [2])]).shapes[0]).toEqual([2]);
  });
  it('out of range', () => {
    expectError(() => runOp('Gather', [data, i64([1], [3])]), 'E_SHAPE', /index 3 is out of range/);
    expectError(() => inferOp('Gather', [[3, 2], i64([1], [0])], { axis: 2 }), 'E_MODEL', /axis 2/);
  });
});

describe('Reshape / Flatten / Squeeze / Unsqueeze / Transpose / Shape', () => {
  const x = f32([2, 3, 4], iota(24));
  it('Reshape 0 and -1', () => {
    expect(runOp('Reshape', [x, i64([2], [0, -1])]).shapes[0]).toEqual([2, 12]);
    expect(runOp('Reshape', [x, i64([3], [-1, 0, 2])]).shapes[0]).toEqual([4, 3, 2]);
    expect(runOp('Reshape', [x], { shape: [4, -1] }, 4).shapes[0]).toEqual([4, 6]);
  });
  it('Reshape allowzero', () => {
    const empty = f32([0, 3], []);
    expect(runOp('Reshape', [empty, i64([2], [3, 0])], { allowzero: 1 }, 14).shapes[0]).toEqual([3, 0]);
    expectError(() => runOp('Reshape', [empty, i64([2], [3, 0])], {}, 14), 'E_SHAPE', /0 elements vs 9/);
  });
  it('Reshape errors', () => {
    expectError(() => runOp('Reshape', [x, i64([2], [-1, -1])]), 'E_SHAPE', /more than one -1/);
    expectError(() => runOp('Reshape', [x, i64([2], [5, 5])]), 'E_SHAPE', /cannot reshape/);
  });
  it('Flatten, Squeeze, Unsqueeze, Transpose', () => {
    expect(runOp('Flatten', [x], { axis: -1 }).shapes[0]).toEqual([6, 4]);
    expect(runOp('Flatten', [x], { axis: 0 }).shapes[0]).toEqual([1, 24]);
    const y = f32([1, 3, 1], [1, 2, 3]);
    expect(runOp('Squeeze', [y]).shapes[0]).toEqual([3]);
    expect(runOp('Squeeze', [y, i64([1], [-1])]).shapes[0]).toEqual([1, 3]);
    expect(runOp('Squeeze', [y], { axes: [0] }, 11).shapes[0]).toEqual([3, 1]);
    expectError(() => runOp('Squeeze', [y, i64([1], [1])]), 'E_SHAPE', /cannot squeeze/);
    expect(runOp('Unsqueeze', [y, i64([2], [0, -1])]).shapes[0]).toEqual([1, 1, 3, 1, 1]);
    expect(runOp('Unsqueeze', [y], { axes: [1] }, 11).shapes[0]).toEqual([1, 1, 3, 1]);
    const t = runOp('Transpose', [f32([2, 3], iota(6))]);
    expect(t.shapes[0]).toEqual([3, 2]);
    expect(t.values[0]).toEqual([0, 3, 1, 4, 2, 5]);
    expect(runOp('Transpose', [x], { perm: [1, 0, 2] }).values[0].slice(0, 8)).toEqual([0, 1, 2, 3, 12, 13, 14, 15]);
  });
  it('Shape with start/end (opset 15)', () => {
    expect(runOp('Shape', [x]).values[0]).toEqual([2, 3, 4]);
    expect(runOp('Shape', [x], { start: 1 }, 15).values[0]).toEqual([3, 4]);
    expect(runOp('Shape', [x], { start: -2, end: -1 }, 15).values[0]).toEqual([3]);
  });
});

describe('Pad', () => {
  const x = f32([3], [1, 2, 3]);
  const pad = (mode: string, pads: number[], opset = 13) => runOp('Pad', [x, i64([pads.length], pads)], { mode }, opset).values[0];
  it('modes', () => {
    expect(pad('constant', [2, 2])).toEqual([0, 0, 1, 2, 3, 0, 0]);
    expect(pad('reflect', [2, 2])).toEqual([3, 2, 1, 2, 3, 2, 1]);
    expect(pad('edge', [2, 2])).toEqual([1, 1, 1, 2, 3, 3, 3]);
    expect(runOp('Pad', [x, i64([2], [1, 0]), f32([], [7])]).values[0]).toEqual([7, 1, 2, 3]);
  });
  it('negative pads crop; attribute form before opset 11', () => {
    expect(pad('constant', [-1, 1])).toEqual([2, 3, 0]);
    expect(runOp('Pad', [x], { pads: [1, 1], value: 9 }, 2).values[0]).toEqual([9, 1, 2, 3, 9]);
  });
  it('2-D reflect and errors', () => {
    const r = runOp('Pad', [f32([2, 2], [1, 2, 3, 4]), i64([4], [0, 1, 0, 1])], { mode: 'reflect' });
    expect(r.values[0]).toEqual([2, 1, 2, 1, 4, 3, 4, 3]);
    expectError(() => pad('reflect', [3, 0]), 'E_SHAPE', /reflect pad/);
    expectError(() => pad('constant', [1]), 'E_MODEL', /pads has 1 values/);
  });
});

describe('MatMul / Gemm', () => {
  it('1-D and batched broadcasting shapes', () => {
    expect(runOp('MatMul', [f32([3], [1, 2, 3]), f32([3], [4, 5, 6])]).values[0]).toEqual([32]);
    expect(runOp('MatMul', [f32([3], [1, 2, 3]), f32([3], [4, 5, 6])]).shapes[0]).toEqual([]);
    expect(runOp('MatMul', [f32([2, 3], iota(6)), f32([3], [1, 1, 1])]).values[0]).toEqual([3, 12]);
    expect(inferOp('MatMul', [[2, 1, 2, 3], [4, 3, 5]])[0]).toEqual([2, 4, 2, 5]);
    const r = runOp('MatMul', [f32([2, 1, 1, 2], [1, 0, 0, 1]), f32([3, 2, 1], [1, 2, 3, 4, 5, 6])]);
    expect(r.shapes[0]).toEqual([2, 3, 1, 1]);
    expect(r.values[0]).toEqual([1, 3, 5, 2, 4, 6]);
    expectError(() => inferOp('MatMul', [[2, 3], [4, 5]]), 'E_SHAPE', /inner dims/);
  });
  it('Gemm transB, alpha, beta and C broadcast', () => {
    const a = f32([2, 2], [1, 2, 3, 4]);
    const b = f32([2, 2], [1, 0, 1, 1]);
    const r = runOp('Gemm', [a, b, f32([2], [10, 20])], { transB: 1, alpha: 2, beta: 0.5 });
    expect(r.values[0]).toEqual([7, 16, 11, 24]);
    expectError(() => inferOp('Gemm', [[2, 3], [2, 3]]), 'E_SHAPE', /inner dims/);
  });
});

describe('other ops', () => {
  it('Softmax: coerce-to-2D before 13, single axis from 13', () => {
    const x = f32([2, 2], [0, 0, 0, 0]);
    expect(runOp('Softmax', [f32([1, 2, 2], [0, 0, 0, 0])], { axis: 1 }, 11).values[0]).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(runOp('Softmax', [f32([1, 2, 2], [0, 0, 0, 0])], { axis: 1 }, 13).values[0]).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(runOp('LogSoftmax', [x]).values[0][0]).toBeCloseTo(Math.log(0.5), 6);
  });
  it('Reduce keepdims and axes input', () => {
    const x = f32([2, 3], iota(6));
    expect(runOp('ReduceMean', [x], { axes: [1] }).values[0]).toEqual([1, 4]);
    expect(runOp('ReduceMean', [x], { axes: [1] }).shapes[0]).toEqual([2, 1]);
    expect(runOp('ReduceSum', [x, i64([1], [0])], { keepdims: 0 }).values[0]).toEqual([3, 5, 7]);
    expect(runOp('ReduceMax', [x], { keepdims: 0 }).shapes[0]).toEqual([]);
    expect(runOp('ReduceMax', [x], { keepdims: 0 }).values[0]).toEqual([5]);
  });
  it('Cast, Clip, Erf, HardSwish, BatchNormalization', () => {
    expect(runOp('Cast', [f32([3], [-1.7, 2.5, 0])], { to: 6 }).values[0]).toEqual([-1, 2, 0]);
    expect(runOp('Cast', [f32([2], [0, 3])], { to: 9 }).values[0]).toEqual([0, 1]);
    expect(runOp('Clip', [f32([3], [-5, 0.5, 5]), f32([], [0]), f32([], [1])]).values[0]).toEqual([0, 0.5, 1]);
    expect(runOp('Clip', [f32([3], [-5, 0.5, 5])], { min: 0 }, 6).values[0]).toEqual([0, 0.5, 5]);
    expect(runOp('Erf', [f32([1], [1])]).values[0][0]).toBeCloseTo(0.8427007929, 6);
    expect(runOp('HardSwish', [f32([3], [-4, 1, 4])], {}, 14).values[0][1]).toBeCloseTo(1 * (1 / 6 + 0.5), 6);
    const bn = runOp('BatchNormalization', [f32([1, 2, 1], [1, 1]), f32([2], [2, 2]), f32([2], [0, 1]), f32([2], [1, 0]), f32([2], [1, 4])], { epsilon: 0 });
    expect(bn.values[0]).toEqual([0, 2]);
  });
  it('Range, ConstantOfShape, Expand', () => {
    expect(runOp('Range', [i64([], [1]), i64([], [10]), i64([], [3])], {}, 11).values[0]).toEqual([1, 4, 7]);
    expect(runOp('Range', [f32([], [1]), f32([], [0]), f32([], [-0.25])], {}, 11).values[0]).toEqual([1, 0.75, 0.5, 0.25]);
    const c = runOp('ConstantOfShape', [i64([2], [2, 3])], { value: i64([1], [7]) });
    expect(c.dtypes[0]).toBe('int64');
    expect(c.values[0]).toEqual(new Array(6).fill(7));
    expect(runOp('ConstantOfShape', [i64([0], [])]).shapes[0]).toEqual([]);
    const e = runOp('Expand', [f32([3, 1], [1, 2, 3]), i64([3], [2, 1, 2])]);
    expect(e.shapes[0]).toEqual([2, 3, 2]);
    expect(e.values[0].slice(0, 6)).toEqual([1, 1, 2, 2, 3, 3]);
  });
  it('Concat and Dropout', () => {
    const r = runOp('Concat', [f32([2, 1], [1, 2]), f32([2, 2], [3, 4, 5, 6])], { axis: -1 });
    expect(r.values[0]).toEqual([1, 3, 4, 2, 5, 6]);
    expectError(() => inferOp('Concat', [[2, 1], [3, 1]], { axis: 1 }), 'E_SHAPE', /differ outside axis 1/);
    const d = runOp('Dropout', [f32([2], [1, 2])], {}, 13, 2);
    expect(d.dtypes).toEqual(['float32', 'bool']);
    expect(d.values[1]).toEqual([1, 1]);
  });
});
