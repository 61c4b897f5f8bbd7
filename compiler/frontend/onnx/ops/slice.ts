// Slice: starts/ends/axes are attributes in opset 1-9; from 10 they are inputs (with steps),
// which must be constants here. Negative indices count from the end; out-of-range values clamp.

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { attrInts } from './util/attrs.js';
import { ALL_TYPES, INDEX_TYPES, checkArity, checkDtype, need, needConst, normAxes, opFail } from './util/check.js';
import { gatherElems, stridedMap, strides } from './util/shape.js';
import { tensorInts } from './util/tensor-data.js';

export { sliceSchemas, sliceRanges };

interface Params { starts: number[]; ends: number[]; axes?: number[]; steps?: number[] }
interface Range1 { start: number; step: number; count: number }

/** Per input dim: first index, step and element count (ONNX clamping rules). */
function sliceRanges(node: Node, ctx: OpCtx | undefined, shape: readonly number[], p: Params): Range1[] {
  const n = p.starts.length;
  const axes = p.axes ?? Array.from({ length: n }, (_, k) => k);
  const steps = p.steps ?? new Array<number>(n).fill(1);
  if (p.ends.length !== n || axes.length !== n || steps.length !== n) {
    opFail(node, ctx, 'E_MODEL', `starts, ends, axes and steps must have one length (got ${n}, ${p.ends.length}, ${axes.length}, ${steps.length})`);
  }
  const out: Range1[] = shape.map((d) => ({ start: 0, step: 1, count: d }));
  normAxes(node, ctx, axes, shape.length).forEach((axis, k) => {
    const dim = shape[axis];
    const step = steps[k];
    if (step === 0) opFail(node, ctx, 'E_MODEL', 'slice step must not be 0');
    let start = p.starts[k];
    let end = p.ends[k];
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    let count: number;
    if (step > 0) {
      start = clamp(start, 0, dim);
      end = clamp(end, 0, dim);
      count = Math.max(0, Math.ceil((end - start) / step));
    } else {
      start = clamp(start, 0, dim - 1);
      end = clamp(end, -1, dim - 1);
      count = dim === 0 ? 0 : Math.max(0, Math.ceil((start - end) / -step));
    }
    out[axis] = { start: count === 0 ? 0 : start, step, count };
  });
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

function applySlice(x: Tensor, ranges: Range1[]): Tensor {
  const st = strides(x.shape);
  const base = ranges.reduce((acc, r, k) => acc + r.start * st[k], 0);
  const shape = ranges.map((r) => r.count);
  return gatherElems(x, stridedMap(shape, ranges.map((r, k) => r.step * st[k]), base), shape);
}

function paramsFromAttrs(node: Node, ctx: OpCtx | undefined): Params {
  const axes = node.attrs.axes === undefined ? undefined : attrInts(node, 'axes', undefined, ctx);
  return { starts: attrInts(node, 'starts', undefined, ctx), ends: attrInts(node, 'ends', undefined, ctx), axes };
}

function paramsFromInputs(read: (i: number) => number[] | undefined): Params {
  return { starts: read(1)!, ends: read(2)!, axes: read(3), steps: read(4) };
}

function checkIndexInputs(node: Node, ctx: OpCtx, inputs: Array<StaticValue | undefined>): void {
  inputs.slice(1).forEach((v, i) => {
    if (!v) return;
    checkDtype(node, ctx, v.dtype, INDEX_TYPES, ['starts', 'ends', 'axes', 'steps'][i]);
    if (v.shape.length !== 1) opFail(node, ctx, 'E_SHAPE', `${['starts', 'ends', 'axes', 'steps'][i]} must be 1-D`);
  });
}

const sliceSchemas: OpSchema[] = [
  {
    op: 'Slice', since: 1, until: 9,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, 1);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, ALL_TYPES, 'data');
      return [{ dtype: x.dtype, shape: sliceRanges(node, ctx, x.shape, paramsFromAttrs(node, ctx)).map((r) => r.count) }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      return [applySlice(x, sliceRanges(node, ctx, x.shape, paramsFromAttrs(node, ctx)))];
    },
  },
  {
    op: 'Slice', since: 10,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 3, 5);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, ALL_TYPES, 'data');
      checkIndexInputs(node, ctx, inputs);
      const names = ['', 'starts', 'ends', 'axes', 'steps'];
      const p = paramsFromInputs((i) => (inputs[i] ? tensorInts(needConst(node, ctx, inputs[i]!, `${names[i]} input`)) : undefined));
      return [{ dtype: x.dtype, shape: sliceRanges(node, ctx, x.shape, p).map((r) => r.count) }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      const p = paramsFromInputs((i) => (inputs[i] ? tensorInts(inputs[i]!) : undefined));
      return [applySlice(x, sliceRanges(node, ctx, x.shape, p))];
    },
  },
];
