// OneHot (opset 9/11): depth (a constant scalar) one-hot vectors inserted at `axis` (default -1):
// values[1] where the index (negative counts from depth) matches, values[0] elsewhere.

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { ALL_TYPES, NUMERIC_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { checkElementCount, constInts } from './util/shape.js';
import { fromFn, reader, tensorInts, toNumbers } from './util/tensor-data.js';

export { oneHotSchemas, oneHotGeometry };

function oneHotGeometry(node: Node, ctx: OpCtx | undefined, idx: number[], depths: number[]): { axis: number; depth: number; shape: number[] } {
  if (depths.length !== 1) opFail(node, ctx, 'E_SHAPE', 'depth must have one element');
  const depth = Math.trunc(depths[0]);
  if (!(depth >= 1)) opFail(node, ctx, 'E_SHAPE', `depth must be positive, got ${depths[0]}`);
  const rank = idx.length + 1, a = attrInt(node, 'axis', -1, ctx);
  if (a < -rank || a >= rank) opFail(node, ctx, 'E_MODEL', `axis ${a} is out of range for rank ${rank}`);
  const axis = a < 0 ? a + rank : a;
  return { axis, depth, shape: [...idx.slice(0, axis), depth, ...idx.slice(axis)] };
}

const schema = (since: number, until: number | undefined): OpSchema => ({
  op: 'OneHot', since, until,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 3, 3);
    const [idx, d, values] = [0, 1, 2].map((i) => need(node, ctx, inputs, i));
    checkDtype(node, ctx, idx.dtype, NUMERIC_TYPES, 'indices');
    checkDtype(node, ctx, d.dtype, NUMERIC_TYPES, 'depth');
    checkDtype(node, ctx, values.dtype, ALL_TYPES, 'values');
    if (values.shape.reduce((a, b) => a * b, 1) !== 2) opFail(node, ctx, 'E_SHAPE', `values must hold [off, on], got shape [${values.shape}]`);
    const { shape } = oneHotGeometry(node, ctx, idx.shape, constInts(node, ctx, d, 'depth input'));
    checkElementCount(node, ctx, shape);
    return [{ dtype: values.dtype, shape }];
  },
  evaluate(node, inputs, ctx) {
    const [idx, d, values] = [0, 1, 2].map((i) => need(node, ctx, inputs, i)) as Tensor[];
    const { axis, depth, shape } = oneHotGeometry(node, ctx, idx.shape, tensorInts(d));
    const ind = toNumbers(idx), v = reader(values);
    const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    return [fromFn(values.dtype, shape, (i) => {
      const j = Math.floor(i / inner) % depth, o = Math.floor(i / (inner * depth)), n = i % inner;
      let k = Math.trunc(ind[o * inner + n]);
      if (k < 0) k += depth;
      return v(k === j ? 1 : 0);
    })];
  },
});

const oneHotSchemas: OpSchema[] = [schema(9, 10), schema(11, undefined)];
